"""The stack seen group by group: each group with its inline rules and every rule resource attached to it.

A rule resource is attached to its group by a literal id equal to a group's id (a hard-coded `sg-…`, a
lookup, or any id once it is known), and otherwise through the engine's property dependencies
(`securityGroupId` depends on the group's URN), which works during preview when ids are still unknown.
Rules whose group is outside the stack are still grouped by that literal id, so two of them can still be
duplicates or add up past the quota. A rule whose id is not known and whose `securityGroupId` depends on
several groups of the stack (`Output.all(a.id, b.id).apply(...)`) could belong to any of them: it is filed
under each (`Member.placements`), never silently under the first, and every finding that rests on such a
placement says so (`placement_notes`).

Stack policies see outputs, not inputs. After a refresh a group's `ingress`/`egress` outputs also list the
rules that separate rule resources created, so an inline entry identical to a separate rule of the same
group is taken to be that rule read back, not a second definition. An inline list that is not known during
preview is one the program did not declare (the provider computes it), so it counts as empty.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final, NamedTuple, TypeAlias

from .rules import Direction, Network, Peer, Resource, Rule, normalise, parse_network
from .tables import (
    MANAGED_PREFIX_LIST,
    MANAGED_PREFIX_LIST_ENTRY,
    RULE_SHAPES,
    PeerKind,
    ProtocolKind,
)
from .wire import UNKNOWN, Plain, Unknown, is_secret, read_int

PermissionKey: TypeAlias = tuple[object, ...]

NAME_SHOWN_MAX: Final = 100
"""A resource's logical name is quoted in stack-level notes up to this length."""


def shown_name(name: str) -> str:
    """A logical (Pulumi) name as a message may show it: URNs are never secret, but lines must stay lines."""
    short = name[:NAME_SHOWN_MAX]
    return short if short.isprintable() and short == name else repr(short)


class StackResource:
    """One resource of the stack as the stack policies read it: plain props, parent and dependencies linked.

    The SDK's `PolicyResource` with plain values (`engine_values` or `wire.thaw_props`) instead of its
    proxies, so no policy converts a resource again.
    """

    __slots__ = ("dependencies", "name", "parent", "property_dependencies", "props", "resource_type", "urn")

    def __init__(self, resource_type: str, props: Mapping[str, Plain], urn: str, name: str) -> None:
        self.resource_type = resource_type
        self.props = props
        self.urn = urn
        self.name = name
        self.parent: StackResource | None = None
        self.dependencies: list[StackResource] = []
        self.property_dependencies: dict[str, list[StackResource]] = {}


class Stack:
    """What every stack policy of one AnalyzeStack request reads: the resources, and their view by group.

    The view is built the first time a policy asks for it and shared by the others of the same request.
    """

    def __init__(self, resources: Sequence[StackResource]) -> None:
        self.resources = resources

    @functools.cached_property
    def view(self) -> StackView:
        """Every group of the stack with its rules (`build`)."""
        return build(self.resources)


class Member(NamedTuple):
    """A rule-bearing resource of the stack."""

    urn: str
    name: str
    resource: Resource
    deps: Mapping[str, tuple[StackResource, ...]]
    placements: int = 1
    """How many groups this rule resource is filed under: more than one when it cannot be told which."""

    @property
    def guessed(self) -> bool:
        """True when the rule is judged as a rule of each of several candidate groups."""
        return self.placements > 1

    @property
    def target_property(self) -> str:
        """The property that names the rule's group (`securityGroupId`, `groupId` for aws-native)."""
        shape = RULE_SHAPES.get(self.resource.resource_type)
        return shape.target if shape is not None else "securityGroupId"

    def place(self, rule: Rule) -> str:
        """How a stack-level note names the rule: `ingress[0] of web`, or the rule resource's name."""
        name = shown_name(self.name)
        return f"{rule.where} of {name}" if rule.inline else name


def placement_notes(subject: Member, members: Iterable[Member]) -> list[str]:
    """What a finding on `subject` must say when it rests on a rule filed under several groups."""
    notes: list[str] = []
    seen: set[str] = set()
    for member in members:
        if not member.guessed or member.urn in seen:
            continue
        seen.add(member.urn)
        depends = f"depends on {member.placements} groups of this stack"
        if member.urn == subject.urn:
            notes.append(f"its {member.target_property} {depends}; judged as a rule of each")
        else:
            notes.append(
                f"the {member.target_property} of {shown_name(member.name)} {depends}; it is judged as a rule of each"
            )
    return notes


def with_notes(head: str, notes: Sequence[str]) -> str:
    """A finding's head with its notes in brackets, before the fix."""
    return f"{head} ({'; '.join(notes)})" if notes else head


@dataclass
class PrefixList:
    """A managed prefix list defined in the stack, with what is known of its entries."""

    urn: str
    name: str
    ident: str | Unknown | None
    family: int | Unknown | None
    max_entries: int | Unknown | None
    entries: list[Network] = field(default_factory=list)
    label: str = "a prefix list of this stack"
    unknown: list[str] = field(default_factory=list)
    """Which of its entries are not known until apply: `entries`, `entries[2]`, `entries[0].cidr`, `entry e1`."""
    secret_entries: set[Network] = field(default_factory=set)
    """Entries whose CIDR arrived in a secret envelope: messages name where they are, never what."""


@dataclass
class GroupBook:
    """One security group: the resource (if it is in this stack) and every rule that belongs to it."""

    key: str
    group: Member | None
    label: str
    """How a stack-level message names the group: its id when well-formed, else a generic phrase."""
    separate: list[Member] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """How a stack-level note names the group: `group web` for one of this stack, else its label."""
        return f"group {shown_name(self.group.name)}" if self.group is not None else self.label

    def separate_rules(self) -> list[tuple[Member, Rule]]:
        """Each separate rule with the resource it came from."""
        return [(member, rule) for member in self.separate for rule in member.resource.rules]

    def _mirrored(self) -> set[PermissionKey]:
        # Only a group with inline rules needs it: most groups of a large stack (every live group audited) have
        # none, and the keys of all their separate rules would be computed for nothing, once per stack policy.
        if self.group is None or not self.group.resource.rules:
            return set()
        return {key for _, rule in self.separate_rules() for key, _ in permission_keys(rule)}

    def inline_rules(self) -> list[Rule]:
        """The group's inline rules, except those that are only read-backs of separate rules."""
        if self.group is None:
            return []
        mirrored = self._mirrored()
        kept = []
        for rule in self.group.resource.rules:
            keys = dict(_keys_by_peer(rule))
            if not rule.peers or any(keys.get(id(peer)) not in mirrored for peer in rule.peers):
                kept.append(rule)
        return kept

    def peers(self) -> list[Entry]:
        """Every (resource, rule, peer, key) of the group, inline first; read-back inline peers left out."""
        entries: list[Entry] = []
        if self.group is not None:
            mirrored = self._mirrored()
            for rule in self.group.resource.rules:
                keys = dict(_keys_by_peer(rule))
                for peer in rule.peers:
                    key = keys.get(id(peer))
                    if key is None or key not in mirrored:
                        entries.append(Entry(self.group, rule, peer, key))
        for member, rule in self.separate_rules():
            keys = dict(_keys_by_peer(rule))
            entries.extend(Entry(member, rule, peer, keys.get(id(peer))) for peer in rule.peers)
        return entries


class Entry(NamedTuple):
    """One permission of a group: one peer of one rule, with the key AWS would compare it by."""

    member: Member
    rule: Rule
    peer: Peer
    key: PermissionKey | None


def _keys_by_peer(rule: Rule) -> list[tuple[int, PermissionKey]]:
    return [(id(peer), key) for key, peer in permission_keys(rule)]


@dataclass
class StackView:
    """Every group of the stack with its rules, the stack's prefix lists, and what could not be placed."""

    books: list[GroupBook]
    prefix_lists: dict[str, PrefixList]
    gaps: list[str]
    placements: dict[str, tuple[GroupBook, ...]] = field(default_factory=dict)
    """Rule resource URN -> every group it is filed under (one, unless it cannot be told which)."""
    by_id: dict[str, GroupBook] = field(default_factory=dict)
    """Group id -> its book, for ids that are known."""

    def resolve(self, member: Member, rule: Rule, peer: Peer) -> PrefixList | None:
        """The stack's prefix list a prefix-list peer refers to, if it can be told."""
        if peer.kind is not PeerKind.PREFIX_LIST:
            return None
        if not rule.inline:
            prop = peer.field.split("[")[0]
            lists = [dep.urn for dep in member.deps.get(prop, ()) if dep.urn in self.prefix_lists]
            same_kind = [p for p in rule.peers if p.kind is PeerKind.PREFIX_LIST]
            if len(lists) == 1 and len(same_kind) == 1:
                return self.prefix_lists[lists[0]]
        if isinstance(peer.ident, str):
            for prefix_list in self.prefix_lists.values():
                if prefix_list.ident == peer.ident:
                    return prefix_list
        return None

    def prefix_list_gaps(self, member: Member, rule: Rule) -> list[str]:
        """What a policy that looks into the rule's prefix lists cannot see during preview, naming rule and list."""
        gaps: list[str] = []
        for peer in rule.peers:
            if peer.kind is not PeerKind.PREFIX_LIST:
                continue
            prefix_list = self.resolve(member, rule, peer)
            if prefix_list is not None:
                if prefix_list.unknown:
                    gaps.append(
                        f"the entries of prefix list {shown_name(prefix_list.name)} that {member.place(rule)} uses "
                        f"({', '.join(prefix_list.unknown)})"
                    )
            elif peer.ident is UNKNOWN and self._depends_on_a_list(member, rule, peer):
                gaps.append(f"which prefix list of this stack {member.place(rule)} uses ({peer.field})")
        return gaps

    def _depends_on_a_list(self, member: Member, rule: Rule, peer: Peer) -> bool:
        prop = peer.field.split("[")[0].split(".")[0]
        return any(dep.urn in self.prefix_lists for dep in member.deps.get(prop, ()))


def permission_keys(rule: Rule) -> list[tuple[PermissionKey, Peer]]:
    """One key per peer that AWS would treat as one permission; unknown parts give no key."""
    if not isinstance(rule.direction, Direction):
        return []
    kind = rule.protocol.kind
    traffic: PermissionKey
    if kind is ProtocolKind.ALL:
        traffic = ("all",)
    elif kind in (ProtocolKind.TCP, ProtocolKind.UDP):
        ports = rule.port_range()
        if ports is UNKNOWN:
            return []
        traffic = (kind.value, ports.ranges)
    elif kind in (ProtocolKind.ICMP, ProtocolKind.ICMPV6):
        if rule.from_port is UNKNOWN or rule.to_port is UNKNOWN:
            return []
        traffic = (kind.value, rule.from_port, rule.to_port)
    elif kind is ProtocolKind.OTHER:
        traffic = ("protocol", rule.protocol.number)
    else:
        return []
    keys = []
    for peer in rule.peers:
        if peer.kind is PeerKind.CIDR and peer.network is not None:
            keys.append(((rule.direction.value, *traffic, "cidr", str(peer.network)), peer))
        elif peer.kind in (PeerKind.GROUP, PeerKind.PREFIX_LIST) and isinstance(peer.ident, str):
            keys.append(((rule.direction.value, *traffic, peer.kind.value, peer.ident), peer))
        elif peer.kind is PeerKind.SELF:
            keys.append(((rule.direction.value, *traffic, "self"), peer))
    return keys


def _group_label(ident: str | Unknown | None) -> str:
    if is_secret(ident):
        return "a security group with a secret id"
    if isinstance(ident, str) and ident.startswith("sg-") and ident[3:].isalnum() and ident.isascii():
        return f"security group {ident}"
    return "a security group outside this stack"


def build(resources: Sequence[StackResource]) -> StackView:
    """Group the stack's rule-bearing resources by security group."""
    books: dict[str, GroupBook] = {}
    by_id: dict[str, GroupBook] = {}
    rule_members: list[tuple[Member, str]] = []
    prefix_lists: dict[str, PrefixList] = {}
    entries: list[tuple[StackResource, Mapping[str, Plain]]] = []
    for item in resources:
        if item.resource_type == MANAGED_PREFIX_LIST:
            prefix_lists[item.urn] = _prefix_list(item.urn, item.name, item.props)
            continue
        if item.resource_type == MANAGED_PREFIX_LIST_ENTRY:
            entries.append((item, item.props))
            continue
        resource = normalise(item.resource_type, item.props)
        if resource is None:
            continue
        deps = {prop: tuple(found) for prop, found in item.property_dependencies.items()}
        member = Member(item.urn, item.name, resource, deps)
        if resource.is_group:
            group_book = GroupBook(item.urn, member, _group_label(resource.own_id))
            books[item.urn] = group_book
            if isinstance(resource.own_id, str):
                by_id[resource.own_id] = group_book
        else:
            rule_members.append((member, RULE_SHAPES[item.resource_type].target))
    _add_entries(prefix_lists, entries)
    gaps: list[str] = []
    placements: dict[str, tuple[GroupBook, ...]] = {}
    unplaced = 0
    for candidate, target_prop in rule_members:
        found = _find_books(candidate, target_prop, books, by_id)
        if not found:
            target = candidate.resource.rules[0].target
            if target is UNKNOWN:
                unplaced += 1
            elif isinstance(target, str):
                book = books.setdefault(f"id:{target}", GroupBook(f"id:{target}", None, _group_label(target)))
                by_id.setdefault(target, book)
                found = [book]
        member = candidate._replace(placements=len(found)) if len(found) > 1 else candidate
        for book in found:
            book.separate.append(member)
        if found:
            placements[member.urn] = tuple(found)
    if unplaced:
        gaps.append(
            f"which group {unplaced} rule resource{'s' if unplaced > 1 else ''} belong{'s' if unplaced == 1 else ''} to"
        )
    return StackView(list(books.values()), prefix_lists, gaps, placements, by_id)


def _find_books(
    member: Member, target_prop: str, books: Mapping[str, GroupBook], by_id: Mapping[str, GroupBook]
) -> list[GroupBook]:
    """Every group of the stack the rule may belong to: exactly one when its group id is known."""
    target = member.resource.rules[0].target
    if isinstance(target, str) and target in by_id:
        return [by_id[target]]
    found = list({dep.urn: books[dep.urn] for dep in member.deps.get(target_prop, ()) if dep.urn in books}.values())
    if isinstance(target, str):
        # A known id that is no group's id in this stack: only a group whose own id is not known can still be it.
        found = [book for book in found if book.group is not None and not isinstance(book.group.resource.own_id, str)]
    return found


def _prefix_list(urn: str, name: str, props: Mapping[str, Plain]) -> PrefixList:
    ident = props.get("id")
    family_text = props.get("addressFamily")
    family: int | Unknown | None = UNKNOWN if family_text is UNKNOWN else None
    if isinstance(family_text, str):
        family = {"ipv4": 4, "ipv6": 6}.get(family_text.strip().lower())
    max_entries = read_int(props.get("maxEntries"))
    if isinstance(max_entries, int) and max_entries <= 0:
        max_entries = None
    prefix_list = PrefixList(
        urn=urn,
        name=name,
        ident=ident if isinstance(ident, str) or ident is UNKNOWN else None,
        family=family,
        max_entries=max_entries,
    )
    if (
        isinstance(ident, str)
        and ident.startswith("pl-")
        and ident.isascii()
        and ident[3:].isalnum()
        and not is_secret(ident)
    ):
        prefix_list.label = f"prefix list {ident}"
    raw = props.get("entries")
    if raw is UNKNOWN:
        prefix_list.unknown.append("entries")
    for index, entry in enumerate(raw if isinstance(raw, list) else []):
        if entry is UNKNOWN:
            prefix_list.unknown.append(f"entries[{index}]")
        elif isinstance(entry, dict):
            if entry.get("cidr") is UNKNOWN:
                prefix_list.unknown.append(f"entries[{index}].cidr")
            prefix_list.entries.extend(_networks([entry.get("cidr")]))
            prefix_list.secret_entries.update(_secret_networks(entry.get("cidr")))
    return prefix_list


def _add_entries(
    prefix_lists: Mapping[str, PrefixList], entries: Iterable[tuple[StackResource, Mapping[str, Plain]]]
) -> None:
    by_id = {p.ident: p for p in prefix_lists.values() if isinstance(p.ident, str)}
    for item, props in entries:
        target = props.get("prefixListId")
        deps = item.property_dependencies.get("prefixListId", [])
        if isinstance(target, str) and target in by_id:
            found = [by_id[target]]
        else:
            # As for rule resources: by dependency, and a known id that is no list's of this stack can only be a
            # list whose own id is not known yet.
            found = [prefix_lists[dep.urn] for dep in deps if dep.urn in prefix_lists]
            found = list({id(p): p for p in found}.values())
            if isinstance(target, str):
                found = [p for p in found if not isinstance(p.ident, str)]
        for owner in found:
            if len(found) > 1:
                owner.unknown.append(f"entry {shown_name(item.name)}, whose list is not known until apply")
            elif props.get("cidr") is UNKNOWN:
                owner.unknown.append(f"the cidr of entry {shown_name(item.name)}")
            else:
                owner.entries.extend(_networks([props.get("cidr")]))
                owner.secret_entries.update(_secret_networks(props.get("cidr")))


def _networks(values: Iterable[Plain]) -> list[Network]:
    parsed = (parse_network(value.strip()) for value in values if isinstance(value, str))
    return [network for network in parsed if network is not None]


def _secret_networks(value: Plain) -> list[Network]:
    return _networks([value]) if is_secret(value) else []


def expand_prefix_lists(view: StackView, member: Member, rule: Rule) -> Rule:
    """The rule with each prefix list of this stack replaced by its entries (other peers unchanged)."""
    peers: list[Peer] = []
    for peer in rule.peers:
        prefix_list = view.resolve(member, rule, peer)
        if prefix_list is None:
            peers.append(peer)
            continue
        peers.extend(
            Peer(
                PeerKind.CIDR,
                f"{peer.field} entry",
                network=network,
                shown=str(network),
                via=prefix_list.label,
                secret=network in prefix_list.secret_entries,
            )
            for network in prefix_list.entries
        )
    return replace(rule, peers=tuple(peers))

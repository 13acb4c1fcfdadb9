"""Disallow rules that repeat a permission already on the same group (AWS rejects them).

AWS refuses a permission (direction, protocol, ports, one source) that a group already has, and one that
appears twice in one request. Inline entries, SecurityGroupRule and the vpc rule resources of one group are
compared together; CIDRs are compared as networks, so `10.0.0.1/8` repeats `10.0.0.0/8`, as AWS sees it.
Descriptions do not make two permissions different.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, StackPolicyDef, Verdict, common_options, common_settings
from ..rules import Direction, Peer, Rule
from ..stack import Entry, GroupBook, Member, PermissionKey, Stack, placement_notes, with_notes

FIX = "delete the repeated rule (or the repeated source in it); keep one definition of each permission"

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-duplicate-rules",
    description="Disallow rules that repeat a permission already on the same group (AWS rejects them).",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Remove the repeated rule or source; AWS would fail the update with a duplicate-rule error.",
    options=common_options(waivable=False),
    tags=("aws-limits",),
    waivable=False,
    url="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html",
)


class DuplicateSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> DuplicateSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return DuplicateSettings(**common_settings(config))


def judge(stack: Stack, settings: DuplicateSettings) -> Verdict:
    """Every permission that repeats one defined earlier for the same group.

    A rule resource filed under several groups (its group cannot be told during preview) is reported only
    when it repeats a permission in every one of them, so that it is a duplicate wherever it belongs; when it
    repeats one in some of them only, that is a preview note, and the real ids at `pulumi up` settle it. AWS
    refuses the duplicate itself, so nothing is deployed that this policy would have stopped.
    """
    view = stack.view
    collector = Collector(gaps=list(view.gaps))
    shared: dict[tuple[str, int], _Shared] = {}
    for book in view.books:
        seen: dict[PermissionKey, tuple[Member, Rule, Peer]] = {}
        entries = book.peers()
        for entry in entries:
            if entry.key is None or entry.member.guessed:
                continue
            first = seen.get(entry.key)
            if first is None:
                seen[entry.key] = (entry.member, entry.rule, entry.peer)
                continue
            collector.add(_message(entry.member, entry.rule, entry.peer, first), entry.member.urn, entry.member.name)
        if any(member.guessed for member in book.separate):
            _judge_shared(book, entries, seen, shared, collector)
    for (urn, _), found in shared.items():
        placed = view.placements[urn]
        if len(found.repeats) == len(placed):
            for message in found.repeats.values():
                collector.add(message, found.member.urn, found.member.name)
        else:
            where = ", ".join(book.shown for book in placed if id(book) in found.repeats or id(book) in found.maybe)
            word = "from" if found.rule.direction is Direction.INGRESS else "to"
            collector.gaps.append(
                f"whether {found.member.place(found.rule)} repeats {found.rule.traffic} {word} {found.peer.label} "
                f"({where} has it; {placement_notes(found.member, [found.member])[0]})"
            )
    return collector.verdict()


@dataclass
class _Shared:
    """What one permission of a rule filed under several groups repeats, group by group."""

    member: Member
    rule: Rule
    peer: Peer
    repeats: dict[int, str] = field(default_factory=dict)
    """id(book) -> the finding, where it repeats a permission that certainly belongs to that group."""
    maybe: set[int] = field(default_factory=set)
    """id(book) where it meets another rule that is filed under several groups too."""


def _judge_shared(
    book: GroupBook,
    entries: Sequence[Entry],
    seen: Mapping[PermissionKey, tuple[Member, Rule, Peer]],
    shared: dict[tuple[str, int], _Shared],
    collector: Collector,
) -> None:
    """The permissions of rules filed under several groups, as rules of this group: what each repeats here."""
    in_rule: dict[tuple[int, PermissionKey], tuple[Member, Rule, Peer]] = {}
    others: dict[PermissionKey, str] = {}
    touched: list[tuple[str, int]] = []
    for entry in entries:
        if entry.key is None or not entry.member.guessed:
            continue
        own = in_rule.get((id(entry.rule), entry.key))
        if own is not None:  # a repeat inside one rule is refused wherever the rule belongs
            collector.add(_message(entry.member, entry.rule, entry.peer, own), entry.member.urn, entry.member.name)
            continue
        in_rule[(id(entry.rule), entry.key)] = (entry.member, entry.rule, entry.peer)
        key = (entry.member.urn, id(entry.peer))
        found = shared.setdefault(key, _Shared(entry.member, entry.rule, entry.peer))
        touched.append(key)
        first = seen.get(entry.key)
        if first is not None:
            notes = placement_notes(entry.member, [entry.member])
            found.repeats[id(book)] = _message(entry.member, entry.rule, entry.peer, first, notes)
        elif others.setdefault(entry.key, entry.member.urn) != entry.member.urn:
            found.maybe.add(id(book))
    for key in touched:
        if key in shared and not shared[key].repeats and not shared[key].maybe:
            del shared[key]


def _message(
    member: Member, rule: Rule, peer: Peer, first: tuple[Member, Rule, Peer], notes: Sequence[str] = ()
) -> str:
    first_member, first_rule, first_peer = first
    word = "from" if rule.direction is Direction.INGRESS else "to"
    same = "" if first_peer.label == peer.label else f" (the same network as {first_peer.label})"
    if first_rule is rule:
        where = "earlier in the same rule"
    elif first_member is member:
        where = f"by {first_rule.where}"
    elif first_member.resource.is_group:
        where = f"by {first_rule.where} of its group"
    else:
        where = "by another rule resource of the same group"
    head = f"{rule.where} repeats {rule.traffic} {word} {peer.label}{same}, already allowed {where}"
    return f"{with_notes(head, notes)}. Fix: {FIX}"


DEFINITION = StackPolicyDef(META, read_settings, judge)

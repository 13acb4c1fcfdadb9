"""Turn live security groups into stack config that reproduces them, checked by the component's own parser.

Every rule is first written as config and read back with `parse_group`, the function `pulumi up` uses, so a
rule the format rejects is found by the format itself and reported, never guessed at. Resource names come
from the parsed model (`Rule.key`), the same value the component names its children from.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from security_groups_component import Rule, aws_facts
from security_groups_component.parse import (
    CONFIG_STYLE,
    DEFAULT_EGRESS_DESCRIPTION,
    Scope,
    check_group_key,
    default_egress,
    parse_group,
    safe_group_key,
)
from security_groups_component.presets import PRESETS
from security_groups_component.problems import Problems

from .aws_inventory import LiveGroup, LiveRule

NoteKind = Literal["left-out", "changed"]

_PRESET_BY_TRAFFIC: Final = {
    (preset.protocol, preset.from_port, preset.to_port): key for key, preset in reversed(list(PRESETS.items()))
}
"""Protocol and ports -> preset key; the first preset in the console's order wins (reversed, so it is set last)."""

_KEY_JUNK: Final = re.compile(r"[^A-Za-z0-9._-]+")
_ANY_IPV4: Final = "0.0.0.0/0"
_ANY_IPV6: Final = "::/0"

PLACEHOLDER: Final = "TODO describe why: adopted from {rule_id} without a description"
"""What adopt writes for a rule AWS holds without a description. The component and the pack both refuse it (it
starts with TODO), so the adopted config cannot be deployed until someone writes the real reason."""

_STAND_IN: Final = "Adopted rule"
"""Read in place of the placeholder when adopt checks its own output: descriptions never name resources."""


@dataclass(frozen=True)
class Note:
    """Something adoption could not reproduce exactly, said once, in the output and on stderr."""

    group_id: str
    rule_id: str | None
    kind: NoteKind
    """`left-out`: stays in AWS as it is, not managed by Pulumi. `changed`: the first `pulumi up` changes it."""
    message: str

    def __str__(self) -> str:
        where = f"{self.group_id} {self.rule_id}" if self.rule_id else self.group_id
        return f"{where}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class AdoptedRule:
    """A live rule and the model rule the generated config reads back as (which names its resource)."""

    rule_id: str
    rule: Rule
    """The rule as the component's model reads it from the generated config."""


@dataclass(frozen=True)
class AdoptedGroup:
    """A live group, its config key and entry, and the rules the entry reproduces."""

    key: str
    live: LiveGroup
    entry: Mapping[str, object]
    rules: tuple[AdoptedRule, ...]


@dataclass(frozen=True)
class Adoption:
    """The outcome: groups that can be adopted, and notes on everything that cannot be reproduced exactly."""

    groups: tuple[AdoptedGroup, ...]
    notes: tuple[Note, ...]

    def config(self) -> dict[str, object]:
        """The `security-groups:groups` mapping: group key -> entry."""
        return {group.key: dict(group.entry) for group in self.groups}


def group_key(name: str, taken: set[str]) -> str:
    """A valid, unused config key derived from a group name (`launch-wizard-1`, `web tier` -> `web-tier`)."""
    base = safe_group_key(_KEY_JUNK.sub("-", name).strip("-._")[:90] or "group")
    if base.lower().startswith(aws_facts.RESERVED_NAME_PREFIX) or not base[0].isalnum():
        base = f"group-{base}"
    key, counter = base, 2
    while key in taken:
        key, counter = f"{base}-{counter}", counter + 1
    if not check_group_key(key, "key", Problems()):  # the component's own check; the derivation above must pass it
        raise AssertionError(f"derived an invalid group key {key!r} from {name!r}")
    taken.add(key)
    return key


_PROTOCOL_NAMES: Final = {
    **{str(number): name for name, number in aws_facts.PROTOCOL_NUMBERS.items()},
    **{name: name for name in aws_facts.PROTOCOL_NUMBERS},
    "all": "-1",
}
"""How AWS may spell a protocol in a live rule -> the spelling the component sends (`6` -> `tcp`)."""


def traffic_fields(rule: LiveRule) -> dict[str, object]:
    """A rule's protocol and ports in config: a preset when protocol and ports match one exactly."""
    protocol = _PROTOCOL_NAMES.get(rule.protocol.lower(), rule.protocol.lower())
    ports: tuple[int | None, int | None] = (None, None)
    if protocol in ("tcp", "udp", "icmp", "icmpv6"):
        ports = (rule.from_port, rule.to_port)
    preset = _PRESET_BY_TRAFFIC.get((protocol, *ports))
    if preset is not None:
        return {"rule": preset}
    if protocol in ("tcp", "udp"):
        low, high = ports
        return {"protocol": protocol, "ports": str(low) if low == high else f"{low}-{high}"}
    if protocol in ("icmp", "icmpv6"):
        return {"protocol": protocol, "icmpType": rule.from_port, "icmpCode": rule.to_port}
    return {"protocol": "all" if protocol == "-1" else protocol}


@dataclass(frozen=True)
class _Candidate:
    live: LiveRule
    traffic: dict[str, object]
    token: str
    description: str
    model: Rule


def adopt(groups: Sequence[LiveGroup], taken_keys: Iterable[str] = ()) -> Adoption:
    """Config entries and resource names for `groups`, with a note on everything not reproduced exactly.

    `taken_keys` are group keys already in use (in the stack file the groups are merged into): none is reused.
    """
    notes: list[Note] = []
    taken: set[str] = set(taken_keys)
    groups = sorted(groups, key=lambda group: (group.name, group.group_id))  # keys in name order, whatever the ids
    headers: dict[str, tuple[str, dict[str, object]]] = {}
    for group in groups:
        header = _group_header(group, notes)
        if header is not None:
            headers[group.group_id] = (group_key(group.name, taken), header)
    keys = {group_id: key for group_id, (key, _) in headers.items()}
    adopted: list[AdoptedGroup] = []
    for group in groups:
        if group.group_id not in headers:
            continue
        key, header = headers[group.group_id]
        result = _adopt_group(group, key, header, keys, notes)
        if result is not None:
            adopted.append(result)
    return Adoption(tuple(adopted), tuple(notes))


def _group_header(group: LiveGroup, notes: list[Note]) -> dict[str, object] | None:
    """The group's own fields, or None (with notes) when the format cannot hold them."""
    if group.is_default:
        notes.append(
            Note(
                group.group_id,
                None,
                "left-out",
                f"the default group of {group.vpc_id} exists in every VPC and cannot be adopted by the component; "
                "manage it with aws.ec2.DefaultSecurityGroup if you need to",
            )
        )
        return None
    header: dict[str, object] = {"description": group.description, "name": group.name}
    if group.vpc_id:
        header["vpcId"] = group.vpc_id
    tags = {}
    for tag, value in group.tags.items():
        if tag.lower().startswith(aws_facts.TAG_RESERVED_PREFIX):
            notes.append(Note(group.group_id, None, "left-out", f"tag {tag!r} is AWS's own and stays as it is"))
        else:
            tags[tag] = value
    if tags:
        header["tags"] = tags
    problems = Problems()
    parse_group({**header, "egress": []}, (), CONFIG_STYLE, Scope(key="group", known_groups=frozenset()), problems)
    if problems:
        for problem in problems:
            notes.append(Note(group.group_id, None, "left-out", f"group not adopted: {problem}"))
        return None
    return header


def _adopt_group(
    group: LiveGroup, key: str, header: dict[str, object], keys: Mapping[str, str], notes: list[Note]
) -> AdoptedGroup | None:
    scope = Scope(key=key, known_groups=frozenset(keys.values()), rule_quota=aws_facts.MAX_RULE_QUOTA)
    candidates = [c for rule in group.rules if (c := _candidate(group, rule, keys, scope, notes)) is not None]
    candidates.sort(key=_order)
    entry: dict[str, object] = dict(header)
    ingress = [c for c in candidates if not c.live.egress]
    egress = [c for c in candidates if c.live.egress]
    if ingress:
        entry["ingress"] = _entries(ingress, "from")
    if _is_console_default_egress(egress):
        if egress[0].description != DEFAULT_EGRESS_DESCRIPTION:
            notes.append(
                Note(
                    group.group_id,
                    egress[0].live.rule_id,
                    "changed",
                    "the console's default outbound rule has no description; config leaves `egress` out (the "
                    "component's default), so the first `pulumi up` sets its description to "
                    f"{DEFAULT_EGRESS_DESCRIPTION!r}",
                )
            )
    else:
        entry["egress"] = _entries(egress, "to")
    placeholders = [c for c in candidates if not (c.live.description or "").strip()]
    if "egress" not in entry:
        placeholders = [c for c in placeholders if not c.live.egress]
    notes.extend(
        Note(
            group.group_id,
            c.live.rule_id,
            "changed",
            "has no description in AWS; config gives it a TODO placeholder, which the component and the policy "
            "pack refuse until you write the real reason (it then updates in place)",
        )
        for c in placeholders
    )

    problems = Problems()
    parsed = parse_group(_as_checked(entry), ("groups", key), CONFIG_STYLE, scope, problems)
    if parsed is None:
        for problem in problems:
            notes.append(Note(group.group_id, None, "left-out", f"group not adopted: {problem}"))
        return None
    by_model = {c.model: c.live.rule_id for c in candidates}
    rules = tuple(AdoptedRule(by_model[rule], rule) for rule in parsed.rules)
    if any(rule.tags != dict(parsed.tags) for rule in group.rules if rule.rule_id in by_model.values()):
        notes.append(
            Note(
                group.group_id,
                None,
                "changed",
                "the component tags every rule with its group's tags; the first `pulumi up` retags rules whose "
                "tags differ",
            )
        )
    return AdoptedGroup(key, group, entry, rules)


def _candidate(
    group: LiveGroup, rule: LiveRule, keys: Mapping[str, str], scope: Scope, notes: list[Note]
) -> _Candidate | None:
    token = _peer_token(group, rule, keys, notes)
    if token is None:
        return None
    description = rule.description or ""
    if not description.strip():
        description = PLACEHOLDER.format(rule_id=rule.rule_id)
    traffic = traffic_fields(rule)
    problems = Problems()
    peers_key = "to" if rule.egress else "from"
    entry = {**traffic, peers_key: [token], "description": checked_description(description)}
    probe = {"description": "probe", rule.direction: [entry]}
    if not rule.egress:
        probe["egress"] = []
    parsed = parse_group(probe, (), CONFIG_STYLE, scope, problems)
    if parsed is None or len(parsed.rules) != 1:
        for problem in problems:
            notes.append(
                Note(group.group_id, rule.rule_id, "left-out", f"the config format rejects it: {problem.message}")
            )
        return None
    model = parsed.rules[0]
    written = model.peer.value
    if (rule.cidr_ipv4 or rule.cidr_ipv6) and written != rule.peer:
        notes.append(
            Note(
                group.group_id,
                rule.rule_id,
                "changed",
                f"config writes {rule.peer} as {written}; the first `pulumi up` may replace the rule",
            )
        )
    return _Candidate(rule, traffic, model.peer.token, description, model)


def _peer_token(group: LiveGroup, rule: LiveRule, keys: Mapping[str, str], notes: list[Note]) -> str | None:
    if rule.cidr_ipv4 or rule.cidr_ipv6:
        cidr = rule.cidr_ipv4 or rule.cidr_ipv6 or ""
        try:
            return str(ipaddress.ip_network(cidr))
        except ValueError:
            return cidr  # the parser reports it, with a hint
    if rule.prefix_list_id:
        return rule.prefix_list_id
    ref = rule.referenced_group_id
    if ref is None:
        notes.append(Note(group.group_id, rule.rule_id, "left-out", "AWS returned a rule with no peer"))
        return None
    if ref == group.group_id:
        return "self"
    if rule.peering_id or (rule.referenced_user_id and rule.referenced_user_id != group.owner_id):
        notes.append(
            Note(
                group.group_id,
                rule.rule_id,
                "left-out",
                f"references {rule.referenced_user_id}/{ref} in another account or through VPC peering "
                f"{rule.peering_id or ''}; the config format names only groups of the same account",
            )
        )
        return None
    return f"group:{keys[ref]}" if ref in keys else ref


def checked_description(description: str) -> str:
    """A description as adopt checks it: its own TODO placeholder reads as a stand-in (refused on purpose)."""
    return _STAND_IN if description.startswith(PLACEHOLDER.split("{", 1)[0]) else description


def _as_checked(entry: Mapping[str, object]) -> dict[str, object]:
    """The group entry as adopt checks it: its own placeholders read as a stand-in (they are refused on purpose)."""
    checked = dict(entry)
    for direction in ("ingress", "egress"):
        rules = entry.get(direction)
        if isinstance(rules, list):
            checked[direction] = [
                {**rule, "description": checked_description(str(rule["description"]))} for rule in rules
            ]
    return checked


def _order(candidate: _Candidate) -> tuple[object, ...]:
    live = candidate.live
    # Never by description alone: a placeholder description holds a random rule id, and output must be stable.
    return (live.egress, live.from_port, live.to_port, live.protocol, candidate.token, candidate.description)


def _entries(candidates: Sequence[_Candidate], peers_key: str) -> list[dict[str, object]]:
    """Rules with the same traffic and description share one entry; 0.0.0.0/0 and ::/0 become `anywhere`."""
    merged: dict[tuple[object, ...], dict[str, object]] = {}
    for candidate in candidates:
        group_by = (tuple(candidate.traffic.items()), candidate.description)
        entry = merged.setdefault(group_by, {**candidate.traffic, peers_key: [], "description": candidate.description})
        peers = entry[peers_key]
        assert isinstance(peers, list)
        peers.append(candidate.token)
    for entry in merged.values():
        entry[peers_key] = _keywords(entry[peers_key])  # type: ignore[arg-type]  # always the list built above
    return list(merged.values())


def _keywords(tokens: list[str]) -> list[str]:
    if _ANY_IPV4 in tokens and _ANY_IPV6 in tokens:
        first = min(tokens.index(_ANY_IPV4), tokens.index(_ANY_IPV6))
        rest = [t for t in tokens if t not in (_ANY_IPV4, _ANY_IPV6)]
        return [*rest[:first], "anywhere", *rest[first:]]
    return ["anywhere-ipv4" if t == _ANY_IPV4 else "anywhere-ipv6" if t == _ANY_IPV6 else t for t in tokens]


def _is_console_default_egress(egress: Sequence[_Candidate]) -> bool:
    """Exactly one outbound rule, all traffic to 0.0.0.0/0, with no description or the component's own."""
    return (
        len(egress) == 1
        and egress[0].model == default_egress("")
        and egress[0].live.description in (None, "", DEFAULT_EGRESS_DESCRIPTION)
    )

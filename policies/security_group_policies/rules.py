"""One rule type for every resource shape that can open a port.

Inline `ingress`/`egress` of SecurityGroup and DefaultSecurityGroup, SecurityGroupRule, the vpc
SecurityGroupIngressRule/EgressRule, and the aws-native shapes all become `Rule` values here, so each policy
is written once against one model. The semantics the anchors get wrong live here and nowhere else:

- protocol `-1`/`all` (any case, number or string, `-1.0` too) covers every protocol and port; `tcp`/`6`,
  `udp`/`17`, `icmp`/`1`, `icmpv6`/`58`; any other number covers only its own protocol;
- a TCP/UDP range covers a port when from <= port <= to; tcp 0-0 is port 0;
- a port bound that cannot be read (missing, junk, -1) is judged as open-ended, so an unreadable rule can
  only ever look wider than it is, never narrower;
- every CIDR is parsed, so `::0/0` and `0:0:0:0:0:0:0:0/0` are the same network as `::/0`;
- `self`, group references and prefix lists are peers of their own kind and never hide a CIDR that sits in
  the same rule;
- a value that arrived in a secret envelope is judged like any other but never named: its peer, ports or
  protocol read "secret" in every message (`wire.is_secret`).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final, NamedTuple, TypeAlias

from .aws_facts import PREFIX_LIST_ID, SECURITY_GROUP_ID, placeholder
from .ports import ALL_PORTS, NO_PORTS, PortSet
from .tables import (
    GROUP_SHAPES,
    PORT_MAX,
    PORT_MIN,
    PROTOCOL_NAMES,
    PROTOCOL_NUMBER_MAX,
    PROTOCOL_NUMBERS,
    RULE_SHAPES,
    PeerKind,
    ProtocolKind,
    RuleFields,
)
from .wire import (
    UNKNOWN,
    Plain,
    Text,
    TextState,
    Unknown,
    is_secret,
    keep_secret,
    read_flag,
    read_int,
    read_strings,
    read_tags,
    read_text,
)

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


class Direction(Enum):
    """Which way a rule lets traffic through."""

    INGRESS = "ingress"
    EGRESS = "egress"


class ResourceKind(Enum):
    """What a rule-bearing resource is."""

    GROUP = "group"
    DEFAULT_GROUP = "default-group"
    RULE = "rule"


@dataclass(frozen=True)
class Protocol:
    """A rule's protocol after normalisation."""

    kind: ProtocolKind
    number: int | None = None

    @property
    def label(self) -> str:
        """Human form, for messages."""
        if self.kind is ProtocolKind.OTHER:
            return f"protocol {self.number}"
        if self.kind is ProtocolKind.INVALID:
            return "an invalid protocol"
        if self.kind is ProtocolKind.UNKNOWN:
            return "a protocol not known until apply"
        return str(self.kind.value)


def read_protocol(value: Plain) -> Protocol:
    """Normalise a protocol given as a name, a number, or a number in a string."""
    if value is UNKNOWN:
        return Protocol(ProtocolKind.UNKNOWN)
    if isinstance(value, str):
        name = value.strip().lower()
        if name in PROTOCOL_NAMES:
            return Protocol(PROTOCOL_NAMES[name])
    number = read_int(value)
    if isinstance(number, int) and -1 <= number <= PROTOCOL_NUMBER_MAX:
        kind = PROTOCOL_NUMBERS.get(number, ProtocolKind.OTHER)
        return Protocol(kind, None if kind is not ProtocolKind.OTHER else number)
    return Protocol(ProtocolKind.INVALID)


class Peer(NamedTuple):
    """One source (ingress) or destination (egress) of a rule."""

    kind: PeerKind
    field: str
    """The property it came from, e.g. `cidrBlocks[1]`."""
    network: Network | None = None
    ident: str | Unknown | None = None
    """The raw group or prefix-list id, for comparisons only (display uses `label`)."""
    shown: str = ""
    """How the peer may be named in a message: a parsed CIDR or a well-formed id, else empty."""
    via: str = ""
    """For a CIDR taken from a prefix list's entries: that prefix list, as labelled."""
    secret: bool = False
    """The value arrived in a secret envelope: messages name where it is, never what it is."""

    @property
    def label(self) -> str:
        """Human form, for messages; never echoes a value that is not a CIDR or an AWS id, nor a secret."""
        if self.secret and self.kind in SECRET_PEER_WORDS:
            # The field tells two secret peers of one rule apart, so each keeps its own finding.
            label = f"the secret {SECRET_PEER_WORDS[self.kind]} in {self.field}"
            return f"{label} (an entry of {self.via})" if self.via else label
        if self.kind is PeerKind.CIDR:
            return f"{self.shown} (an entry of {self.via})" if self.via else self.shown
        if self.kind is PeerKind.SELF:
            return "the group itself"
        if self.kind is PeerKind.GROUP:
            return f"security group {self.shown}" if self.shown else "a security group"
        if self.kind is PeerKind.PREFIX_LIST:
            return f"prefix list {self.shown}" if self.shown else "a prefix list"
        if self.kind is PeerKind.UNKNOWN:
            return f"{self.field} (not known until apply)"
        return f"an invalid value in {self.field}"

    @property
    def family(self) -> int | None:
        """4 or 6 for a CIDR, else None."""
        return self.network.version if self.network is not None else None


SECRET_PEER_WORDS: Final = {
    PeerKind.CIDR: "CIDR",
    PeerKind.GROUP: "security group id",
    PeerKind.PREFIX_LIST: "prefix list id",
    PeerKind.INVALID: "value",
}
"""How a message names a peer whose value is secret: `the secret CIDR in ingress[0].cidrBlocks[1]`."""


@functools.lru_cache(maxsize=4096)
def parse_network(text: str) -> Network | None:
    """A CIDR in any spelling, host bits allowed (AWS keeps the network); None when it does not parse."""
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _cidr_peer(raw: str, field: str) -> Peer:
    text = raw.strip()
    network = parse_network(text)
    secret = is_secret(raw)
    if network is None:
        return Peer(PeerKind.INVALID, field, secret=secret)
    return Peer(PeerKind.CIDR, field, network=network, shown=text, secret=secret)


def _id_peer(kind: PeerKind, raw: str | Unknown, field: str) -> Peer:
    if raw is UNKNOWN:
        return Peer(kind, field, ident=UNKNOWN)
    pattern = SECURITY_GROUP_ID if kind is PeerKind.GROUP else PREFIX_LIST_ID
    ident = keep_secret(raw, raw.strip())
    return Peer(kind, field, ident=ident, shown=ident if pattern.fullmatch(ident) else "", secret=is_secret(raw))


def _read_peers(item: Mapping[str, Plain], fields: RuleFields, prefix: str) -> tuple[Peer, ...]:
    peers: list[Peer] = []
    for name, kind in fields.peers:
        raw = item.get(name)
        values = read_strings(raw)
        for index, value in enumerate(values):
            field = f"{prefix}{name}" if not isinstance(raw, list) else f"{prefix}{name}[{index}]"
            if kind is PeerKind.CIDR:
                peers.append(Peer(PeerKind.UNKNOWN, field) if value is UNKNOWN else _cidr_peer(value, field))
            else:
                peers.append(_id_peer(kind, value, field))
    if fields.self_flag is not None and read_flag(item.get(fields.self_flag)) is True:
        peers.append(Peer(PeerKind.SELF, f"{prefix}{fields.self_flag}"))
    return tuple(peers)


@dataclass(frozen=True)
class Rule:
    """One rule, whatever resource shape it came from."""

    where: str
    """How a message points at it: `ingress[0]` for an inline rule, `this ingress rule` for a resource."""
    direction: Direction | Unknown | None
    """None when the direction cannot be read (AWS rejects such a rule)."""
    protocol: Protocol
    from_port: int | Unknown | None
    to_port: int | Unknown | None
    peers: tuple[Peer, ...]
    description: Text
    inline: bool
    target: str | Unknown | None = None
    """For a rule resource: the id of the group it belongs to, as written."""
    secret_protocol: bool = False
    """The protocol arrived in a secret envelope: messages say "a secret protocol" and name no ports."""
    secret_ports: bool = False
    """A port bound (or ICMP type or code) arrived in a secret envelope: messages say "secret ports"."""

    def port_range(self) -> PortSet | Unknown:
        """The TCP/UDP port range this rule names, with unreadable bounds judged as open-ended."""
        if self.from_port is UNKNOWN or self.to_port is UNKNOWN:
            return UNKNOWN
        low = self.from_port if self.from_port is not None and PORT_MIN <= self.from_port <= PORT_MAX else PORT_MIN
        high = self.to_port if self.to_port is not None and PORT_MIN <= self.to_port <= PORT_MAX else PORT_MAX
        return PortSet.of([(low, high)])

    def ports_for(self, transport: ProtocolKind) -> PortSet | Unknown:
        """The ports of `transport` (TCP or UDP) this rule lets through."""
        kind = self.protocol.kind
        if kind is ProtocolKind.ALL:
            return ALL_PORTS
        if kind is ProtocolKind.UNKNOWN:
            return UNKNOWN
        if kind is transport:
            return self.port_range()
        return NO_PORTS

    @property
    def secret_traffic(self) -> bool:
        """True when messages may not name this rule's protocol or ports (some of them are secret)."""
        return self.secret_protocol or self.secret_ports

    @property
    def traffic(self) -> str:
        """What the rule lets through, for messages: `tcp 22`, `all traffic`, `icmp type 8 code 0`."""
        kind = self.protocol.kind
        if self.secret_protocol:
            return "a secret protocol"
        if kind is ProtocolKind.ALL:
            return "all traffic"
        if self.secret_ports and kind in (ProtocolKind.TCP, ProtocolKind.UDP):
            return f"{kind.value} (secret ports)"
        if self.secret_ports and kind in (ProtocolKind.ICMP, ProtocolKind.ICMPV6):
            return f"{kind.value} (secret type and code)"
        if kind in (ProtocolKind.TCP, ProtocolKind.UDP):
            ports = self.port_range()
            return f"{kind.value} {'(ports not known until apply)' if ports is UNKNOWN else ports.describe()}"
        if kind in (ProtocolKind.ICMP, ProtocolKind.ICMPV6):
            return f"{kind.value} type {_icmp_part(self.from_port)} code {_icmp_part(self.to_port)}"
        return self.protocol.label


def _icmp_part(value: int | Unknown | None) -> str:
    if value is UNKNOWN:
        return "(not known until apply)"
    return "all" if value is None or value == -1 else str(value)


def _read_rule(
    item: Mapping[str, Plain],
    fields: RuleFields,
    *,
    where: str,
    direction: Direction | Unknown | None,
    inline: bool,
    prefix: str,
    target: str | Unknown | None = None,
) -> Rule:
    protocol, from_port, to_port = item.get(fields.protocol), item.get(fields.from_port), item.get(fields.to_port)
    return Rule(
        where=where,
        direction=direction,
        protocol=read_protocol(protocol),
        from_port=read_int(from_port),
        to_port=read_int(to_port),
        peers=_read_peers(item, fields, prefix),
        description=read_text(item.get(fields.description)),
        inline=inline,
        target=target,
        secret_protocol=is_secret(protocol),
        secret_ports=is_secret(from_port) or is_secret(to_port),
    )


def _read_direction(value: Plain) -> Direction | Unknown | None:
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, str):
        word = value.strip().lower()
        for direction in Direction:
            if word == direction.value:
                return direction
    return None


def _read_id(value: Plain) -> str | Unknown | None:
    if value is UNKNOWN:
        return UNKNOWN
    return keep_secret(value, value.strip()) if isinstance(value, str) and value.strip() else None


class Resource(NamedTuple):
    """A rule-bearing resource, normalised."""

    resource_type: str
    kind: ResourceKind
    rules: tuple[Rule, ...]
    unknown_rules: tuple[tuple[Direction, str], ...]
    """Inline lists or list entries not known until apply, with their direction: `ingress`, `egress[2]`."""
    description: Text | None
    """None when the shape has no description (DefaultSecurityGroup)."""
    name: Text | None
    name_prefix: Text | None
    tags: Mapping[str, str | Unknown] | Unknown
    own_id: str | Unknown | None
    """The resource's own id when the engine sends it (stack outputs), for matching literal group ids."""
    vpc: str | Unknown | None = None
    """For a group: the id of its VPC as written (None when left out, which means the region's default VPC)."""

    @property
    def is_group(self) -> bool:
        """True for SecurityGroup and DefaultSecurityGroup (and aws-native groups)."""
        return self.kind is not ResourceKind.RULE


def normalise(resource_type: str, plain: Mapping[str, Plain]) -> Resource | None:
    """Normalise one resource's plain properties (`engine_values`, or `wire.thaw_props` of the SDK's props).

    None for a type that cannot open a port. The pack's analyzer calls this once per request and hands the one
    `Resource` to every policy of the call.
    """
    own_id = _read_id(plain.get("id"))
    group_shape = GROUP_SHAPES.get(resource_type)
    if group_shape is not None:
        rules: list[Rule] = []
        unknown: list[tuple[Direction, str]] = []
        for prop, direction_name, fields in group_shape.inline:
            direction = Direction(direction_name)
            entries = plain.get(prop)
            if entries is UNKNOWN:
                unknown.append((direction, prop))
                continue
            if isinstance(entries, dict):
                entries = [entries]
            if not isinstance(entries, list):
                continue
            for index, entry in enumerate(entries):
                where = f"{prop}[{index}]"
                if entry is UNKNOWN:
                    unknown.append((direction, where))
                elif isinstance(entry, dict):
                    rules.append(
                        _read_rule(entry, fields, where=where, direction=direction, inline=True, prefix=f"{where}.")
                    )
        return Resource(
            resource_type=resource_type,
            kind=ResourceKind.DEFAULT_GROUP if group_shape.is_default else ResourceKind.GROUP,
            rules=tuple(rules),
            unknown_rules=tuple(unknown),
            description=None if group_shape.description is None else read_text(plain.get(group_shape.description)),
            name=None if group_shape.name is None else read_text(plain.get(group_shape.name)),
            name_prefix=None if group_shape.name_prefix is None else read_text(plain.get(group_shape.name_prefix)),
            tags=read_tags(plain.get(group_shape.tags)) if group_shape.tags else {},
            own_id=own_id,
            vpc=_read_id(plain.get(group_shape.vpc)) if group_shape.vpc else None,
        )
    rule_shape = RULE_SHAPES.get(resource_type)
    if rule_shape is None:
        return None
    rule_direction: Direction | Unknown | None
    named: Direction | Unknown | None
    if rule_shape.direction is not None:
        rule_direction = named = Direction(rule_shape.direction)
    else:
        direction_value = plain.get(rule_shape.direction_property or "")
        rule_direction = _read_direction(direction_value)
        # A secret direction is judged, but a message may not say which it is.
        named = None if is_secret(direction_value) else rule_direction
    where = f"this {named.value} rule" if isinstance(named, Direction) else "this rule"
    rule = _read_rule(
        plain,
        rule_shape.fields,
        where=where,
        direction=rule_direction,
        inline=False,
        prefix="",
        target=_read_id(plain.get(rule_shape.target)),
    )
    return Resource(
        resource_type=resource_type,
        kind=ResourceKind.RULE,
        rules=(rule,),
        unknown_rules=(),
        description=None,
        name=None,
        name_prefix=None,
        tags=read_tags(plain.get(rule_shape.tags)) if rule_shape.tags else {},
        own_id=own_id,
    )


def missing_reason(text: Text) -> str | None:
    """Why a description counts as missing (without quoting it), or None when it is a real one."""
    if text.state is TextState.UNKNOWN:
        return None
    if text.state is TextState.MISSING:
        return "has no description"
    if text.state is TextState.NOT_TEXT:
        return "has a description that is not text"
    if not text.value:
        return "has an empty description"
    if not text.value.strip():
        return "has a description of only whitespace"
    found = placeholder(text.value)
    if found is not None:
        # Safe to show: the facts module's own words and constants, never the user's text.
        return f"has {found}"
    return None

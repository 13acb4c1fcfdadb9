"""The validated, normalised form of security groups: what the component turns into AWS resources.

Config and component arguments are two spellings of the same thing; `parse.py` reads either into these
frozen types, so everything downstream (names, quotas, resources) works from one model.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

Direction = Literal["ingress", "egress"]

RULE_KEY_DIRECTIONS: Final = ("ingress", "egress")
"""The words that start a rule's key, right after its group's key in the resource name."""


class PeerKind(enum.Enum):
    """Where a rule's traffic comes from (ingress) or goes to (egress)."""

    IPV4 = "ipv4"
    IPV6 = "ipv6"
    SELF = "self"
    GROUP = "group"
    """Another group of the same stack (or component call), by its key."""
    SECURITY_GROUP_ID = "security-group-id"
    """An existing group, by its sg- id."""
    PREFIX_LIST = "prefix-list"


@dataclass(frozen=True)
class Peer:
    """One source or destination: exactly one AWS rule per peer."""

    kind: PeerKind
    value: str = ""
    """The canonical CIDR, group key, sg- id or pl- id; empty for SELF."""

    @property
    def family(self) -> Literal["IPv4", "IPv6"]:
        """The IP family this peer counts against in the rules-per-group quota.

        AWS counts group references as IPv4 rules. A prefix list's real weight (its max entries) and
        family are only known in AWS, so it counts once, as IPv4.
        """
        return "IPv6" if self.kind is PeerKind.IPV6 else "IPv4"

    @property
    def token(self) -> str:
        """The peer as it is written in config (canonical spelling)."""
        if self.kind is PeerKind.SELF:
            return "self"
        if self.kind is PeerKind.GROUP:
            return f"group:{self.value}"
        return self.value

    @property
    def slug(self) -> str:
        """The peer inside a resource name.

        Compressed IPv6 contains `::`, which separates the parts of a Pulumi URN, so IPv6 networks are
        written out in full (`0:0:0:0:0:0:0:0/0`): still exact, still readable.
        """
        if self.kind is PeerKind.IPV6:
            network = ipaddress.IPv6Network(self.value)
            groups = network.network_address.exploded.split(":")
            return ":".join(format(int(g, 16), "x") for g in groups) + f"/{network.prefixlen}"
        if self.kind is PeerKind.GROUP:
            return f"group-{self.value}"
        return self.token


@dataclass(frozen=True)
class Traffic:
    """What a rule allows, apart from the peer."""

    protocol: str
    """AWS `IpProtocol`: tcp, udp, icmp, icmpv6, -1 (all) or an IANA number."""
    from_port: int | None = None
    """First port (tcp/udp) or ICMP type (-1 for all); None when the protocol has no ports."""
    to_port: int | None = None
    """Last port (tcp/udp) or ICMP code (-1 for all); None when the protocol has no ports."""

    @property
    def slug(self) -> str:
        """Protocol and ports inside a resource name: `tcp-443`, `tcp-8000-8100`, `icmp-type8-code0`, `all`."""
        protocol = "all" if self.protocol == "-1" else self.protocol
        if self.from_port is None or self.to_port is None:
            return protocol
        if self.protocol in ("icmp", "icmpv6"):
            if self.from_port == -1:
                return f"{protocol}-all"
            code = "" if self.to_port == -1 else f"-code{self.to_port}"
            return f"{protocol}-type{self.from_port}{code}"
        if self.from_port == self.to_port:
            return f"{protocol}-{self.from_port}"
        return f"{protocol}-{self.from_port}-{self.to_port}"


@dataclass(frozen=True)
class Rule:
    """One AWS security group rule: a direction, traffic, one peer and why it is allowed."""

    direction: Direction
    traffic: Traffic
    peer: Peer
    description: str = field(compare=False)
    """Not part of the rule's identity: AWS updates a description in place."""
    origin: str = field(default="", compare=False)
    """Where the rule was written (a config path), for error messages."""
    origin_parts: tuple[str | int, ...] = field(default=(), compare=False)
    """The same path as parts: `("groups", "web", "ingress", 0, "from", 1)`."""

    @property
    def key(self) -> str:
        """The rule's stable identity, derived from its content and never from its list position.

        Reordering or inserting rules in config leaves every key, and so every resource, unchanged;
        removing a rule removes only its own resource.
        """
        return f"{self.direction}-{self.traffic.slug}-{self.peer.slug}"


@dataclass(frozen=True)
class Group:
    """One security group and its rules, validated."""

    key: str
    """The group's key in config; also its Pulumi resource name and the prefix of its children's names."""
    description: str
    name: str | None
    """An explicit group name, or None for Pulumi auto-naming (the default)."""
    vpc_id: str | None
    """The VPC, or None for the region's default VPC (or a vpc_id that is an Output)."""
    tags: Mapping[str, str]
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Ingress then egress rules."""
        return self.ingress + self.egress

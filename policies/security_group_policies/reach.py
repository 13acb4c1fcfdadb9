"""Which ports a set of rules opens to anywhere, and how.

Two ways to reach anywhere are found here. Directly: one rule with one peer that is the whole address space
(a /0 in any spelling, or a public range at least as wide as the configured prefix). Combined: several CIDRs,
none of them anywhere on its own, that together cover every address of a family for some port, such as
`0.0.0.0/1` + `128.0.0.0/1`. Every rule is judged; nothing stops at the first benign one. What cannot be
decided because a value is not known until apply is returned as a `Gap`, never silently passed.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, NamedTuple, TypeAlias

from .ports import ALL_PORTS, NO_PORTS, PortSet
from .rules import Direction, Network, Peer, Rule
from .tables import PeerKind, ProtocolKind
from .wire import UNKNOWN, Unknown

WHOLE_SPACE: Final[dict[int, Network]] = {4: ipaddress.ip_network("0.0.0.0/0"), 6: ipaddress.ip_network("::/0")}

SHOWN_PEERS: Final = 6
"""Combined findings name at most this many CIDRs, then say how many more there are."""


@dataclass(frozen=True)
class Openness:
    """What counts as "anywhere" for one policy."""

    public_prefix_v4: int = 0
    """A public (not private-use) IPv4 CIDR with a prefix length at or below this counts as anywhere."""
    public_prefix_v6: int = 0
    allowed: tuple[Network, ...] = ()
    """CIDRs that never count as anywhere, nor towards a combined cover."""

    def __hash__(self) -> int:
        # Policies key their per-resource work on this; hashing every network on each lookup would cost more.
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.public_prefix_v4, self.public_prefix_v6, self.allowed))

    def is_allowed(self, network: Network) -> bool:
        """True when `network` lies inside an allowed CIDR."""
        return any(
            network.version == allowed.version and network.subnet_of(allowed)  # type: ignore[arg-type]
            for allowed in self.allowed
        )

    def judge(self, peer: Peer) -> bool | None:
        """True when `peer` is anywhere on its own, None when that is not known until apply."""
        if peer.kind is PeerKind.UNKNOWN:
            return None
        network = peer.network
        if peer.kind is not PeerKind.CIDR or network is None or self.is_allowed(network):
            return False
        if network.prefixlen == 0:
            return True
        threshold = self.public_prefix_v4 if network.version == 4 else self.public_prefix_v6
        return network.prefixlen <= threshold and not network.is_private


class Exposure(NamedTuple):
    """Ports opened to anywhere, by one rule and peer (direct) or by several CIDRs together (combined)."""

    rules: tuple[Rule, ...]
    peers: tuple[Peer, ...]
    transport: ProtocolKind
    """TCP or UDP, or ALL for "every protocol"."""
    ports: PortSet
    family: int
    combined: bool


@dataclass(frozen=True)
class Gap:
    """Something that could not be checked because a value is not known until apply."""

    text: str
    """Where: `ingress[1].cidrBlocks[0]`, `this ingress rule's cidrIpv4`, `egress[0] (its protocol or ports)`."""
    rule: Rule | None = None
    """The rule concerned, when there is one (a whole unknown list has none)."""

    @classmethod
    def of_rule(cls, rule: Rule, what: str) -> Gap:
        """A part of a rule that is not known."""
        return cls(f"{rule.where} ({what})", rule)

    @classmethod
    def of_peer(cls, rule: Rule, peer: Peer) -> Gap:
        """A peer of a rule that is not known."""
        return cls(peer.field if rule.inline else f"{rule.where}'s {peer.field}", rule)

    def describe(self) -> str:
        """Human form."""
        return self.text


@dataclass
class Reach:
    """The result of one query: exposures found and what could not be checked."""

    exposures: list[Exposure] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    def open_ports(self, family: int | None = None) -> PortSet:
        """Every port opened by any exposure (of one family, if given)."""
        result = NO_PORTS
        for exposure in self.exposures:
            if family is None or exposure.family == family:
                result = result | exposure.ports
        return result


def span(rule: Rule, transport: ProtocolKind) -> PortSet | Unknown:
    """The ports of `transport` a rule lets through.

    For TCP and UDP that is the rule's range (or every port for an all-protocol rule). For ALL it is every
    port only when the rule itself is all-protocol. ICMP and other protocols have no ports: a rule lets
    all of such a protocol through or none of it.
    """
    kind = rule.protocol.kind
    if kind is ProtocolKind.UNKNOWN:
        return UNKNOWN
    if transport in (ProtocolKind.TCP, ProtocolKind.UDP):
        return rule.ports_for(transport)
    if transport is ProtocolKind.ALL:
        return ALL_PORTS if kind is ProtocolKind.ALL else NO_PORTS
    return ALL_PORTS if kind in (transport, ProtocolKind.ALL) else NO_PORTS


def find_open(
    rules: Sequence[Rule],
    direction: Direction,
    transport: ProtocolKind,
    wanted: PortSet,
    openness: Openness,
    *,
    unknown_lists: Iterable[tuple[Direction, str]] = (),
) -> Reach:
    """Find every way `rules` open ports in `wanted` of `transport` to anywhere, in `direction`."""
    return answer(screen(rules, direction, transport, openness, unknown_lists=unknown_lists), wanted, transport)


class Role(Enum):
    """What a peer can be to a query once its rule lets some wanted port through."""

    GAP = "gap"
    """Not known until apply."""
    DIRECT = "direct"
    """Anywhere on its own."""
    CANDIDATE = "candidate"
    """A CIDR that is not anywhere alone but could add up to it with others."""


Step: TypeAlias = Gap | tuple[Rule, PortSet, tuple[tuple[Peer, Role], ...]]
"""A gap found whatever the ports, or a rule's ports with the peers that matter if a wanted port is among them."""


def screen(
    rules: Sequence[Rule],
    direction: Direction,
    transport: ProtocolKind,
    openness: Openness,
    *,
    unknown_lists: Iterable[tuple[Direction, str]] = (),
) -> tuple[Step, ...]:
    """Everything about `rules` that does not depend on the ports asked about, in rule order.

    Several policies ask about different ports of the same rules; judging each peer once here leaves only the
    port intersection to `answer`. Peers that can never matter (allowed CIDRs, groups, prefix lists) are dropped.
    """
    steps: list[Step] = []
    for list_direction, where in unknown_lists:
        if list_direction is direction:
            steps.append(Gap(f"the {where} list" if "[" not in where else where))
    for rule in rules:
        if rule.direction is None or (isinstance(rule.direction, Direction) and rule.direction is not direction):
            continue
        verdicts = [(peer, openness.judge(peer)) for peer in rule.peers]
        could_be_open = any(verdict is not False for _, verdict in verdicts)
        if rule.direction is UNKNOWN:
            if could_be_open:
                steps.append(Gap.of_rule(rule, "its direction"))
            continue
        ports = span(rule, transport)
        if ports is UNKNOWN:
            if could_be_open:
                steps.append(Gap.of_rule(rule, "its protocol or ports"))
            continue
        if not ports:
            continue
        roles: list[tuple[Peer, Role]] = []
        for peer, verdict in verdicts:
            if verdict is None:
                roles.append((peer, Role.GAP))
            elif verdict and peer.network is not None:
                roles.append((peer, Role.DIRECT))
            elif peer.network is not None and not openness.is_allowed(peer.network):
                roles.append((peer, Role.CANDIDATE))
        if roles:
            steps.append((rule, ports, tuple(roles)))
    return tuple(steps)


def quiet(
    rules: Sequence[Rule],
    direction: Direction,
    openness: Openness,
    *,
    unknown_lists: Iterable[tuple[Direction, str]] = (),
) -> bool:
    """True when no query in `direction`, whatever its transport, ports or rule filter, can find anything.

    That is: no unknown list, no peer that is anywhere or unknown, and the CIDRs that could add up to anywhere
    are too small, summed per family, to cover it. Most resources are like this, and one pass over their peers
    then answers every exposure policy at once. Rules whose direction or ports are unknown are counted like the
    rest, which can only make this answer False more often, never wrongly True.
    """
    if any(list_direction is direction for list_direction, _ in unknown_lists):
        return False
    sizes = {4: 0, 6: 0}
    for rule in rules:
        if rule.direction is None or (isinstance(rule.direction, Direction) and rule.direction is not direction):
            continue
        for peer in rule.peers:
            if openness.judge(peer) is not False:
                return False
            network = peer.network
            if network is not None and not openness.is_allowed(network):
                sizes[network.version] += network.num_addresses
    return all(size < WHOLE_SPACE[family].num_addresses for family, size in sizes.items())


def answer(steps: Sequence[Step], wanted: PortSet, transport: ProtocolKind) -> Reach:
    """The exposures and gaps of screened rules for the ports in `wanted`."""
    reach = Reach()
    candidates: list[tuple[Rule, Peer, PortSet]] = []
    for step in steps:
        if isinstance(step, Gap):
            reach.gaps.append(step)
            continue
        rule, ports, roles = step
        hit = ports & wanted
        if not hit:
            continue
        for peer, role in roles:
            if role is Role.GAP:
                reach.gaps.append(Gap.of_peer(rule, peer))
            elif role is Role.DIRECT and peer.network is not None:
                reach.exposures.append(Exposure((rule,), (peer,), transport, hit, peer.network.version, combined=False))
            else:
                candidates.append((rule, peer, hit))
    if candidates:
        for family in (4, 6):
            reach.exposures.extend(_combined(candidates, family, transport))
    return reach


def covers_whole(networks: Iterable[Network], family: int) -> bool:
    """True when `networks` of `family` together contain every address of that family."""
    # Networks whose sizes add up to less than the whole space cannot cover it: the common case, decided
    # without merging anything.
    if family == 4:
        v4 = [network for network in networks if isinstance(network, ipaddress.IPv4Network)]
        return _total(v4) >= WHOLE_SPACE[4].num_addresses and list(ipaddress.collapse_addresses(v4)) == [WHOLE_SPACE[4]]
    v6 = [network for network in networks if isinstance(network, ipaddress.IPv6Network)]
    return _total(v6) >= WHOLE_SPACE[6].num_addresses and list(ipaddress.collapse_addresses(v6)) == [WHOLE_SPACE[6]]


def _total(networks: Iterable[Network]) -> int:
    return sum(network.num_addresses for network in networks)


def _combined(candidates: Sequence[tuple[Rule, Peer, PortSet]], family: int, transport: ProtocolKind) -> list[Exposure]:
    mine = [(rule, peer, ports) for rule, peer, ports in candidates if peer.family == family]
    if not covers_whole((peer.network for _, peer, _ in mine if peer.network is not None), family):
        return []
    # Between two consecutive range boundaries every port is covered by the same CIDRs, so checking the
    # first port of each elementary segment decides the whole segment.
    cuts = sorted({edge for _, _, ports in mine for low, high in ports.ranges for edge in (low, high + 1)})
    found: dict[tuple[int, ...], tuple[list[tuple[Rule, Peer]], PortSet]] = {}
    for start, end in itertools.pairwise(cuts):
        covering = [(rule, peer) for rule, peer, ports in mine if start in ports]
        if covers_whole((peer.network for _, peer in covering if peer.network is not None), family):
            key = tuple(id(peer) for _, peer in covering)
            pairs, ports_so_far = found.get(key, (covering, NO_PORTS))
            found[key] = (pairs, ports_so_far | PortSet.of([(start, end - 1)]))
    exposures = []
    for pairs, ports in found.values():
        # By identity: two rule resources with equal contents are two rules, each with its own finding.
        rules = tuple({id(rule): rule for rule, _ in pairs}.values())
        exposures.append(Exposure(rules, tuple(peer for _, peer in pairs), transport, ports, family, combined=True))
    return exposures


# --- Messages ---------------------------------------------------------------------------------------------


def family_word(family: int) -> str:
    """`IPv4` or `IPv6`."""
    return f"IPv{family}"


def peer_phrase(peer: Peer, openness: Openness) -> str:
    """`0.0.0.0/0 (anywhere on IPv4)` or a note that a public range is treated as anywhere."""
    network = peer.network
    if network is None:
        return peer.label
    if network.prefixlen == 0:
        return f"{peer.label} (anywhere on {family_word(network.version)})"
    limit = openness.public_prefix_v4 if network.version == 4 else openness.public_prefix_v6
    return f"{peer.label} (a public range no longer than /{limit}, which this policy treats as anywhere)"


def traffic_phrase(rule: Rule, hits: Sequence[tuple[ProtocolKind, PortSet]]) -> str:
    """`tcp 22`, `tcp 0-1024 (including tcp 22)`, `all traffic (including tcp 3389 and udp 3389)`."""
    if rule.secret_traffic:
        return rule.traffic  # the ports it hits would tell its secret protocol or ports
    if any(transport not in (ProtocolKind.TCP, ProtocolKind.UDP) for transport, _ in hits):
        return rule.traffic
    if len(hits) == 1:
        transport, ports = hits[0]
        if rule.protocol.kind is transport and rule.port_range() == ports:
            return rule.traffic
    included = " and ".join(f"{transport.value} {ports.describe()}" for transport, ports in hits)
    return f"{rule.traffic} (including {included})"


def ports_phrase(exposure: Exposure) -> str:
    """The ports an exposure opens (`22`, `all ports`), or `(secret ports)` when a rule's ports are secret."""
    if any(rule.secret_traffic for rule in exposure.rules):
        return "(secret ports)"
    return exposure.ports.describe()


def describe_direct(
    rule: Rule, peer: Peer, hits: Sequence[tuple[ProtocolKind, PortSet]], direction: Direction, openness: Openness
) -> str:
    """One sentence for one rule and one peer that is anywhere."""
    word = "from" if direction is Direction.INGRESS else "to"
    return f"{rule.where} allows {traffic_phrase(rule, hits)} {word} {peer_phrase(peer, openness)}"


def describe_combined(exposure: Exposure, direction: Direction, others: Sequence[Exposure] = ()) -> str:
    """One sentence for CIDRs that reach anywhere only together; names CIDRs and rules, never resources.

    `others` are exposures through the same rules and CIDRs for other protocols, named in the same sentence.
    """
    word = "from" if direction is Direction.INGRESS else "to"
    wheres = ", ".join(rule.where for rule in exposure.rules)
    shown = [peer.label for peer in exposure.peers[:SHOWN_PEERS]]
    if len(exposure.peers) > SHOWN_PEERS:
        shown.append(f"and {len(exposure.peers) - SHOWN_PEERS} more")
    every = [exposure, *others]
    if any(item.transport is ProtocolKind.ALL for item in every):
        what = "all traffic"
    else:
        what = " and ".join(f"{item.transport.value} {ports_phrase(item)}" for item in every)
    subject = f"{wheres} together allow" if len(exposure.rules) > 1 else f"{wheres} allows"
    return (
        f"{subject} {what} {word} every {family_word(exposure.family)} address, through CIDRs that together "
        f"cover the whole address space ({', '.join(shown)})"
    )


def describe_reaches(reaches: Sequence[Reach], direction: Direction, openness: Openness) -> list[str]:
    """Sentences for several queries' exposures, one per rule and peer however many queries it matched."""
    direct: dict[tuple[int, int], tuple[Rule, Peer, list[tuple[ProtocolKind, PortSet]]]] = {}
    combined: dict[tuple[object, ...], list[Exposure]] = {}
    for reach in reaches:
        for exposure in reach.exposures:
            if exposure.combined:
                key = (exposure.family, *(id(rule) for rule in exposure.rules), *(id(peer) for peer in exposure.peers))
                combined.setdefault(key, []).append(exposure)
                continue
            rule, peer = exposure.rules[0], exposure.peers[0]
            entry = direct.setdefault((id(rule), id(peer)), (rule, peer, []))
            entry[2].append((exposure.transport, exposure.ports))
    sentences = [describe_direct(rule, peer, hits, direction, openness) for rule, peer, hits in direct.values()]
    sentences.extend(describe_combined(group[0], direction, group[1:]) for group in combined.values())
    return sentences

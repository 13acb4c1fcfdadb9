"""Disallow all traffic from anywhere: every protocol, or every TCP or UDP port.

An ingress rule with protocol `-1`/`all` (any case or spelling) from a source that is anywhere, whatever
ports it names; or TCP or UDP rules that between them open every port 1-65535 to anywhere, whether one
rule does it (0-65535) or several ranges add up to it. CIDRs that together cover the whole address space
count as anywhere. ICMP alone, or another single protocol such as GRE, is not all traffic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final, NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..exposure import OPENNESS_OPTIONS, Claims, ExposurePolicy, add_claim, is_quiet, pairs, reaches, read_openness
from ..framework import CLEAR, Collector, Common, Memo, PolicyMeta, Verdict, common_options, common_settings
from ..ports import ALL_PORTS, PortSet
from ..reach import Exposure, Openness, Reach, describe_reaches, family_word, peer_phrase, span
from ..rules import Direction, Resource, Rule
from ..tables import PORT_MAX, ProtocolKind
from ..wire import UNKNOWN

EVERY_PORT = PortSet.of([(1, PORT_MAX)])
"""Port 0 is reserved; a range from 1 already opens every usable port."""

FIX = (
    "open only the protocols and ports the workload serves, to the sources that need them; if this is a "
    "load balancer, allow its listener ports only"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-public-all-traffic",
    description="Disallow all traffic from anywhere: every protocol, or every TCP or UDP port.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Replace the rule with rules for the specific protocols and ports the workload serves, each from the "
        "sources that need it."
    ),
    options=(*OPENNESS_OPTIONS, *common_options(waivable=True)),
    tags=("network", "security-hub:EC2.18", "cis-aws-foundations"),
    waivable=True,
    url="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
)


class AllTrafficSettings(NamedTuple):
    """This policy's settings."""

    common: Common
    openness: Openness


def read_settings(config: Mapping[str, object]) -> AllTrafficSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return AllTrafficSettings(**common_settings(config), openness=read_openness(config))


_TRANSPORTS: Final = (ProtocolKind.TCP, ProtocolKind.UDP)


def find(resource: Resource, settings: AllTrafficSettings, memo: Memo) -> Sequence[Reach]:
    """All-protocol rules open to anywhere, then per transport the rules of only that protocol over every port."""
    if is_quiet(resource, memo, Direction.INGRESS, settings.openness):
        return ()  # the common case: nothing open and nothing unknown
    found = reaches(resource, memo, Direction.INGRESS, [(ProtocolKind.ALL, ALL_PORTS)], settings.openness)
    for transport in _TRANSPORTS:
        found.extend(
            reaches(
                resource, memo, Direction.INGRESS, [(transport, EVERY_PORT)], settings.openness, keep=_ONLY[transport]
            )
        )
    return found if any(reach.exposures or reach.gaps for reach in found) else ()


def describe(found: Sequence[Reach], settings: AllTrafficSettings) -> Verdict:
    """All-protocol rules open to anywhere, and TCP or UDP port ranges that add up to every port."""
    if not found:
        return CLEAR
    everything, *per_protocol = found
    collector = Collector()
    for sentence in describe_reaches([everything], Direction.INGRESS, settings.openness):
        collector.add(f"{sentence}. Fix: {FIX}")
    collector.gaps.extend(gap.describe() for gap in everything.gaps)
    for transport, reach in zip(_TRANSPORTS, per_protocol, strict=True):
        _every_port(reach, transport, settings.openness, collector)
    return collector.verdict()


def claim(found: Sequence[Reach], settings: AllTrafficSettings) -> Claims:
    """What the findings report: all of an all-protocol rule, and the whole range of each rule named as every port.

    "Every tcp port" is a finding about the rule, not about some of its ports, so it covers the rule's port 0
    too (which the 1-65535 test leaves out).
    """
    del settings
    claims: Claims = {}
    if not found:
        return claims
    everything, *per_protocol = found
    for exposure in everything.exposures:
        for rule, peer in pairs(exposure):
            add_claim(claims, rule, peer, ProtocolKind.ALL, ALL_PORTS)
    for transport, reach in zip(_TRANSPORTS, per_protocol, strict=True):
        for family in (4, 6):
            whole, together = _every_port_exposures(reach, family)
            for exposure in (*whole, *together):
                for rule, peer in pairs(exposure):
                    ports = rule.ports_for(transport)
                    if isinstance(ports, PortSet):
                        add_claim(claims, rule, peer, transport, ports)
    return claims


def _only(kind: ProtocolKind) -> Callable[[Rule], bool]:
    # All-protocol rules are reported above; here only rules of this one protocol add up ranges.
    return lambda rule: rule.protocol.kind is kind


_ONLY: Final = {kind: _only(kind) for kind in _TRANSPORTS}
"""One filter per protocol, made once: `reaches` keeps its screening per filter, so a new one each call would
never find it."""


def _every_port_exposures(reach: Reach, family: int) -> tuple[list[Exposure], list[Exposure]]:
    """The exposures of one family reported as every port: those that open it alone, else those that together do."""
    mine = [exposure for exposure in reach.exposures if exposure.family == family]
    whole = [exposure for exposure in mine if exposure.ports.covers(EVERY_PORT)]
    if whole:
        return whole, []
    return [], mine if reach.open_ports(family).covers(EVERY_PORT) else []


def _every_port(reach: Reach, transport: ProtocolKind, openness: Openness, collector: Collector) -> None:
    if not reach.exposures and not reach.gaps:
        return  # nothing open and nothing unknown: no finding and no gap below could arise
    for family in (4, 6):
        whole, together = _every_port_exposures(reach, family)
        for exposure in whole:
            if exposure.combined:
                [sentence] = describe_reaches([Reach(exposures=[exposure])], Direction.INGRESS, openness)
            else:
                rule, peer = exposure.rules[0], exposure.peers[0]
                sentence = f"{rule.where} allows {rule.traffic} from {peer_phrase(peer, openness)}"
            collector.add(f"{sentence}, which is every {transport.value} port. Fix: {FIX}")
        if together:
            wheres = ", ".join(dict.fromkeys(rule.where for exposure in together for rule in exposure.rules))
            peers = ", ".join(dict.fromkeys(peer.label for exposure in together for peer in exposure.peers))
            collector.add(
                f"{wheres} together open every {transport.value} port to every {family_word(family)} address "
                f"({peers}). Fix: {FIX}"
            )
    # An unknown only matters if it could complete the set of open ports.
    possible = reach.open_ports()
    for gap in reach.gaps:
        ports = span(gap.rule, transport) if gap.rule is not None else ALL_PORTS
        possible = possible | (ALL_PORTS if ports is UNKNOWN else ports)
    if possible.covers(EVERY_PORT) and not reach.open_ports().covers(EVERY_PORT):
        collector.gaps.extend(gap.describe() for gap in reach.gaps)


DEFINITION = ExposurePolicy.of(META, read_settings, find, describe, claim)

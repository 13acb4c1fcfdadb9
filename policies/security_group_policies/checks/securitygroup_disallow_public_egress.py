"""Disallow egress to anywhere, except on authorised ports (disabled by default).

An egress rule, inline or separate, that lets traffic out to a destination that is anywhere: all
protocols, ICMP, another protocol, or TCP/UDP ports outside `authorizedTcpPorts`/`authorizedUdpPorts`.
Disabled by default because "all traffic to 0.0.0.0/0" is what the console creates (and what this
project's component creates unless told otherwise); turn it on where egress must be explicit.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from ..config import port_specs_option
from ..exposure import OPENNESS_OPTIONS, AuthorizedPortsSettings, authorized_ports_reader, exposure_verdict
from ..framework import Collector, Memo, PolicyMeta, ResourcePolicyDef, Verdict, common_options
from ..ports import ALL_PORTS
from ..reach import Gap, peer_phrase
from ..rules import Direction, Resource
from ..tables import RULE_BEARING_TYPES, ProtocolKind

AUTHORIZED_TCP = port_specs_option(
    "authorizedTcpPorts", (), 'TCP ports that may reach anywhere (for example 443), as numbers or "low-high" ranges.'
)
AUTHORIZED_UDP = port_specs_option(
    "authorizedUdpPorts", (), "UDP ports that may reach anywhere (for example 123 for NTP), as numbers or ranges."
)

FIX = (
    "allow outbound traffic only to the CIDRs, security groups or prefix lists the workload talks to (a VPC "
    "endpoint's prefix list for AWS services), or authorise the port in this environment's policy config"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-public-egress",
    description="Disallow egress to anywhere, except on authorised ports (disabled by default).",
    enforcement_level=EnforcementLevel.DISABLED,
    severity=Severity.LOW,
    remediation_steps=(
        "Replace the open destination with the CIDRs, security groups or prefix lists the workload needs, "
        "or authorise the port (authorizedTcpPorts, authorizedUdpPorts) where reaching anywhere is intended."
    ),
    options=(AUTHORIZED_TCP, AUTHORIZED_UDP, *OPENNESS_OPTIONS, *common_options(waivable=True)),
    tags=("network", "data-exfiltration"),
    waivable=True,
    url="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
)


def judge(resource: Resource, settings: AuthorizedPortsSettings) -> Verdict:
    """Every egress rule and destination that reaches anywhere outside the authorised ports."""
    queries = [
        (ProtocolKind.TCP, settings.authorized_tcp.complement()),
        (ProtocolKind.UDP, settings.authorized_udp.complement()),
        (ProtocolKind.ALL, ALL_PORTS),
        (ProtocolKind.ICMP, ALL_PORTS),
        (ProtocolKind.ICMPV6, ALL_PORTS),
    ]
    verdict = exposure_verdict(resource, Memo(), Direction.EGRESS, queries, settings.openness, fix=FIX)
    collector = Collector(list(verdict.findings), list(verdict.gaps))
    # Other protocol numbers have no ports and nothing to combine with, so each rule stands alone.
    for rule in resource.rules:
        if rule.direction is not Direction.EGRESS or rule.protocol.kind is not ProtocolKind.OTHER:
            continue
        for peer in rule.peers:
            anywhere = settings.openness.judge(peer)
            if anywhere is None:
                collector.gaps.append(Gap.of_peer(rule, peer).describe())
            elif anywhere:
                collector.add(
                    f"{rule.where} allows {rule.traffic} to {peer_phrase(peer, settings.openness)}. Fix: {FIX}"
                )
    return collector.verdict()


DEFINITION = ResourcePolicyDef(META, RULE_BEARING_TYPES, authorized_ports_reader(AUTHORIZED_TCP, AUTHORIZED_UDP), judge)

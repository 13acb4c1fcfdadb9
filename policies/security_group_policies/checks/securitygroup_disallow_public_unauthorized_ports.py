"""Allow only authorised TCP and UDP ports (80 and 443 by default) to be open to anywhere.

Like AWS Config `vpc-sg-open-only-to-authorized-ports` and Security Hub EC2.18: an ingress rule that opens a
TCP or UDP port outside the authorised lists to a source that is anywhere is a finding, however it is
spelled (a range, an all-protocol rule, CIDRs that together cover everything). ICMP and other protocols
without ports are not judged here.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from ..config import port_specs_option
from ..exposure import OPENNESS_OPTIONS, AuthorizedPortsSettings, Query, authorized_ports_reader, exposure_policy
from ..framework import PolicyMeta, common_options
from ..tables import SECURITY_HUB_AUTHORIZED_TCP_PORTS, ProtocolKind

AUTHORIZED_TCP = port_specs_option(
    "authorizedTcpPorts",
    SECURITY_HUB_AUTHORIZED_TCP_PORTS,
    'TCP ports that may be open to anywhere, as numbers or "low-high" ranges.',
)
AUTHORIZED_UDP = port_specs_option(
    "authorizedUdpPorts", (), 'UDP ports that may be open to anywhere, as numbers or "low-high" ranges.'
)

FIX = (
    "restrict the source to the CIDRs, security groups or prefix lists that need the port, or, if the port "
    "is meant to be public, add it to authorizedTcpPorts/authorizedUdpPorts in this environment's policy config"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-public-unauthorized-ports",
    description="Allow only authorised TCP and UDP ports (80 and 443 by default) to be open to anywhere.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Restrict the source of the rule, or authorise the port for this environment in the policy config "
        "(authorizedTcpPorts, authorizedUdpPorts)."
    ),
    options=(AUTHORIZED_TCP, AUTHORIZED_UDP, *OPENNESS_OPTIONS, *common_options(waivable=True)),
    tags=("network", "aws-config:vpc-sg-open-only-to-authorized-ports", "security-hub:EC2.18"),
    waivable=True,
    url="https://docs.aws.amazon.com/config/latest/developerguide/vpc-sg-open-only-to-authorized-ports.html",
)


def queries(settings: AuthorizedPortsSettings) -> list[Query]:
    """Every TCP and UDP port outside the authorised lists."""
    return [
        (ProtocolKind.TCP, settings.authorized_tcp.complement()),
        (ProtocolKind.UDP, settings.authorized_udp.complement()),
    ]


DEFINITION = exposure_policy(META, authorized_ports_reader(AUTHORIZED_TCP, AUTHORIZED_UDP), queries=queries, fix=FIX)

"""Disallow high-risk ports (Security Hub EC2.19 list by default) from anywhere.

Any ingress rule whose protocol covers one of the configured protocols (TCP and UDP by default) and whose
port range includes a configured port, from a source that is anywhere. The default list is Security Hub
EC2.19's, which contains AWS Config restricted-common-ports' defaults (20, 21, 3306, 3389, 4333); set
`ports` to those five to match Config exactly. SSH and RDP are in both lists and also have policies of their
own, so a team can make those two mandatory without making every port mandatory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..config import ports_option, protocols_option
from ..exposure import OPENNESS_OPTIONS, Query, exposure_policy, read_openness
from ..framework import Common, PolicyMeta, common_options, common_settings
from ..ports import PortSet
from ..reach import Openness
from ..tables import SECURITY_HUB_HIGH_RISK_PORTS, ProtocolKind

PORTS = ports_option(
    "ports",
    SECURITY_HUB_HIGH_RISK_PORTS,
    "Ports that must never be open to anywhere (default: Security Hub EC2.19's high-risk list).",
)
PROTOCOLS = protocols_option(
    "protocols", ("tcp", "udp"), ("tcp", "udp"), "Protocols whose ports are judged (all-protocol rules always are)."
)

FIX = (
    "restrict the source to the CIDRs, security groups or prefix lists that need the service, or put it "
    "behind a load balancer, VPN or private endpoint"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-public-high-risk-ports",
    description="Disallow high-risk ports (Security Hub EC2.19 list by default) from anywhere.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    remediation_steps=(
        "Restrict the source to known CIDRs, security groups or prefix lists, or reach the service through "
        "a load balancer, VPN or private endpoint."
    ),
    options=(PORTS, PROTOCOLS, *OPENNESS_OPTIONS, *common_options(waivable=True)),
    tags=("network", "aws-config:restricted-common-ports", "security-hub:EC2.19"),
    waivable=True,
    url="https://docs.aws.amazon.com/config/latest/developerguide/restricted-common-ports.html",
)


class HighRiskSettings(NamedTuple):
    """This policy's settings."""

    common: Common
    ports: PortSet
    protocols: tuple[str, ...]
    openness: Openness


def read_settings(config: Mapping[str, object]) -> HighRiskSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return HighRiskSettings(
        **common_settings(config),
        ports=PORTS.read(config),
        protocols=PROTOCOLS.read(config),
        openness=read_openness(config),
    )


def queries(settings: HighRiskSettings) -> list[Query]:
    """The high-risk ports, over each configured protocol."""
    return [(ProtocolKind(protocol), settings.ports) for protocol in settings.protocols]


DEFINITION = exposure_policy(META, read_settings, queries=queries, fix=FIX)

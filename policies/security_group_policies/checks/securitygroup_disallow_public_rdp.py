"""Disallow RDP (TCP or UDP port 3389) from anywhere, over IPv4 or IPv6.

Any ingress rule, inline or separate, on any group including a VPC's default group, whose protocol covers
TCP or UDP and whose port range includes 3389, from a source that is anywhere (a /0 in any spelling, a
public range at least as wide as the configured prefix, or CIDRs that together cover the whole space).
RDP uses UDP 3389 as well as TCP, so both are judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..config import ports_option
from ..exposure import OPENNESS_OPTIONS, Query, exposure_policy, read_openness
from ..framework import Common, PolicyMeta, common_options, common_settings
from ..ports import PortSet
from ..reach import Openness
from ..tables import RDP_PORTS, ProtocolKind

PORTS = ports_option("ports", RDP_PORTS, "TCP and UDP ports that carry RDP.")

FIX = (
    "allow RDP only from the CIDRs, security groups or prefix lists that need it, or use Fleet Manager "
    "(SSM) for remote desktop instead of opening port 3389"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-public-rdp",
    description="Disallow RDP (TCP or UDP port 3389) from anywhere, over IPv4 or IPv6.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    remediation_steps=(
        "Replace the open source with the CIDRs, security groups or prefix lists that need RDP, or use "
        "Fleet Manager; an expiring policy-waiver tag covers a short-lived exception."
    ),
    options=(PORTS, *OPENNESS_OPTIONS, *common_options(waivable=True)),
    tags=("network", "cis-aws-foundations", "security-hub:EC2.14"),
    waivable=True,
    url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html",
)


class RdpSettings(NamedTuple):
    """This policy's settings."""

    common: Common
    ports: PortSet
    openness: Openness


def read_settings(config: Mapping[str, object]) -> RdpSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return RdpSettings(**common_settings(config), ports=PORTS.read(config), openness=read_openness(config))


def queries(settings: RdpSettings) -> list[Query]:
    """The RDP ports, over TCP and UDP."""
    return [(ProtocolKind.TCP, settings.ports), (ProtocolKind.UDP, settings.ports)]


DEFINITION = exposure_policy(META, read_settings, queries=queries, fix=FIX)

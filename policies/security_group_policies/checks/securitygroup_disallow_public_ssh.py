"""Disallow SSH (TCP port 22) from anywhere, over IPv4 or IPv6.

Any ingress rule, inline or separate, on any group including a VPC's default group, whose protocol covers
TCP (`tcp`, `6`, or all protocols) and whose port range includes 22, from a source that is anywhere: a /0
in any spelling, a public range at least as wide as `publicPrefixLengthIpv4`/`Ipv6`, or CIDRs of the group
that together cover the whole address space. A `self`, group or prefix-list source in the same rule never
excuses an open CIDR. UDP 22 is not SSH and is not flagged here.
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
from ..tables import SSH_PORTS, ProtocolKind

PORTS = ports_option("ports", SSH_PORTS, "TCP ports that carry SSH (add 2222 if you run it there).")

FIX = (
    "allow SSH only from the CIDRs, security groups or prefix lists that need it, or use SSM Session "
    "Manager or EC2 Instance Connect Endpoint instead of opening port 22"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-public-ssh",
    description="Disallow SSH (TCP port 22) from anywhere, over IPv4 or IPv6.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    remediation_steps=(
        "Replace the open source with the CIDRs, security groups or prefix lists that need SSH, or reach "
        "hosts through SSM Session Manager; an expiring policy-waiver tag covers a short-lived exception."
    ),
    options=(PORTS, *OPENNESS_OPTIONS, *common_options(waivable=True)),
    tags=("network", "cis-aws-foundations", "aws-config:restricted-ssh", "security-hub:EC2.13"),
    waivable=True,
    url="https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html",
)


class SshSettings(NamedTuple):
    """This policy's settings."""

    common: Common
    ports: PortSet
    openness: Openness


def read_settings(config: Mapping[str, object]) -> SshSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return SshSettings(**common_settings(config), ports=PORTS.read(config), openness=read_openness(config))


def queries(settings: SshSettings) -> list[Query]:
    """The SSH ports, over TCP."""
    return [(ProtocolKind.TCP, settings.ports)]


DEFINITION = exposure_policy(META, read_settings, queries=queries, fix=FIX)

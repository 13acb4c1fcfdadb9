"""Require a VPC's default security group to keep no rules (CIS).

A DefaultSecurityGroup resource adopts the VPC's default group and replaces its rules with the ones it
declares; declaring none removes them all. Any inline `ingress` or `egress` entry it declares is a finding,
each one named, because resources that are launched without a group land in the default group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, ResourcePolicyDef, Verdict, common_options, common_settings
from ..rules import Direction, Resource
from ..tables import DEFAULT_SECURITY_GROUP

FIX = (
    "declare the DefaultSecurityGroup with no ingress and no egress so every rule is removed, and give "
    "workloads security groups of their own"
)

META = PolicyMeta(
    name="aws-ec2-defaultsecuritygroup-disallow-rules",
    description="Require a VPC's default security group to keep no rules (CIS).",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Remove every ingress and egress entry from the DefaultSecurityGroup resource (which then strips the "
        "group's rules) and attach purpose-built groups to workloads instead."
    ),
    options=common_options(waivable=True),
    tags=("network", "cis-aws-foundations", "aws-config:vpc-default-security-group-closed", "security-hub:EC2.2"),
    waivable=True,
    url="https://docs.aws.amazon.com/config/latest/developerguide/vpc-default-security-group-closed.html",
)


class DefaultGroupSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> DefaultGroupSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return DefaultGroupSettings(**common_settings(config))


def judge(resource: Resource, settings: DefaultGroupSettings) -> Verdict:
    """Every rule the default group would keep."""
    collector = Collector()
    collector.gaps.extend(f"the {where} list" if "[" not in where else where for _, where in resource.unknown_rules)
    for rule in resource.rules:
        word = "from" if rule.direction is Direction.INGRESS else "to"
        peers = ", ".join(peer.label for peer in rule.peers) or "no peer"
        collector.add(f"the default security group keeps {rule.where}: {rule.traffic} {word} {peers}. Fix: {FIX}")
    return collector.verdict()


DEFINITION = ResourcePolicyDef(META, frozenset({DEFAULT_SECURITY_GROUP}), read_settings, judge)

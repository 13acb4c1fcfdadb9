"""Require a real description on every rule, inline or separate, outside a VPC's default group.

Every rule of every other shape is judged on its own: inline `ingress`/`egress` entries, SecurityGroupRule,
and the vpc ingress and egress rule resources. A description that is missing, empty, only whitespace, or a
tool's placeholder counts as missing. Rule descriptions can be changed in place, so fixing one never replaces
anything.

A DefaultSecurityGroup is not judged here: the rules AWS puts in every VPC's default group have no
description, and that group should keep no rule at all, which is `defaultsecuritygroup-disallow-rules`'s
finding (CIS). Judging their descriptions too made every untouched region fail a mandatory check on rules
nobody wrote, and describing a rule that should not exist is not the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, ResourcePolicyDef, Verdict, common_options, common_settings
from ..redact import missing_reason_of
from ..rules import Resource
from ..tables import DEFAULT_SECURITY_GROUP, RULE_BEARING_TYPES

FIX = "describe who needs this access and why (for example 'HTTPS from the public load balancer')"

META = PolicyMeta(
    name="aws-ec2-securitygroup-missing-rule-description",
    description="Require a real description on every rule, inline or separate, outside a VPC's default group.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.LOW,
    remediation_steps=("Add a description to each rule saying who needs the access and why; it updates in place."),
    options=common_options(waivable=True),
    tags=("documentation", "operations"),
    waivable=True,
    url="https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
)


class RuleDescriptionSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> RuleDescriptionSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return RuleDescriptionSettings(**common_settings(config))


def judge(resource: Resource, settings: RuleDescriptionSettings) -> Verdict:
    """Every rule whose description is missing, blank or a placeholder."""
    collector = Collector()
    collector.gaps.extend(f"the {where} list" if "[" not in where else where for _, where in resource.unknown_rules)
    for rule in resource.rules:
        if not rule.description.known:
            collector.gaps.append(f"{rule.where} (its description)")
        reason = missing_reason_of(rule.description)
        if reason is not None:
            collector.add(f"{rule.where} ({rule.traffic}) {reason}. Fix: {FIX}")
    return collector.verdict()


JUDGED_TYPES = RULE_BEARING_TYPES - {DEFAULT_SECURITY_GROUP}
"""A default group's rules are the default-group policy's to judge (module docstring)."""

DEFINITION = ResourcePolicyDef(META, JUDGED_TYPES, read_settings, judge)

"""Require a real group description: not missing, blank, or a tool's placeholder.

The pulumi-aws SDK fills in "Managed by Pulumi" when a program gives no description, so a check for
"missing" alone never fires; placeholders count as missing here, in any case and spacing and with or without a
final full stop: the tools' defaults ("Managed by Pulumi", "Managed by Terraform"), stand-ins such as `TODO`,
`n/a` or `-`, and notes to self that start with TODO, TBD, FIXME or XXX; so do empty and whitespace-only
descriptions. The component refuses exactly the same descriptions before anything is created (`aws_facts.py`).
AWS cannot change a group's description in place, so fixing it replaces the group: catching it before the first
deployment is what this policy is for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, ResourcePolicyDef, Verdict, common_options, common_settings
from ..redact import missing_reason_of
from ..rules import Resource
from ..tables import NATIVE_SECURITY_GROUP, SECURITY_GROUP

FIX = (
    "set a description that says what the group is for and who owns it (changing it later replaces the group, "
    "so set it before the first deployment)"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-missing-description",
    description="Require a real group description: not missing, blank, or a tool's placeholder.",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.LOW,
    remediation_steps=(
        "Give the group a description that says what it is for; because AWS cannot update it in place, set it "
        "before the group is first created."
    ),
    options=common_options(waivable=True),
    tags=("documentation", "operations"),
    waivable=True,
    url="https://docs.aws.amazon.com/vpc/latest/userguide/creating-security-groups.html",
)


class DescriptionSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> DescriptionSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return DescriptionSettings(**common_settings(config))


def judge(resource: Resource, settings: DescriptionSettings) -> Verdict:
    """The group's description, judged without ever quoting it."""
    collector = Collector()
    text = resource.description
    if text is None:
        return collector.verdict()
    if not text.known:
        collector.gaps.append("the group description")
    reason = missing_reason_of(text)
    if reason is not None:
        collector.add(f"the group {reason}. Fix: {FIX}")
    return collector.verdict()


DEFINITION = ResourcePolicyDef(META, frozenset({SECURITY_GROUP, NATIVE_SECURITY_GROUP}), read_settings, judge)

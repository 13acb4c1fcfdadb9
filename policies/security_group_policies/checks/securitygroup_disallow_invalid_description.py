"""Disallow group and rule descriptions AWS rejects: over 255 characters or outside its character set.

AWS accepts only letters, digits, space and `. _ - : / ( ) # , @ [ ] + = & ; { } ! $ *` in group and rule
descriptions, and at most 255 characters; the provider checks the length alone (and for some rule shapes
nothing), so anything else fails at apply time. Descriptions are never quoted: a finding names the length,
or the first offending character and its position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, ResourcePolicyDef, Verdict, common_options, common_settings
from ..redact import problems_of
from ..rules import Resource
from ..tables import RULE_BEARING_TYPES
from ..wire import TextState

FIX = "rewrite it within AWS's character set and length"

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-invalid-description",
    description=("Disallow group and rule descriptions AWS rejects: over 255 characters or outside its character set."),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Shorten the description to 255 characters and replace characters outside AWS's set (accented letters, "
        "quotes, apostrophes, emoji, line breaks) with allowed ones."
    ),
    options=common_options(waivable=False),
    tags=("aws-limits",),
    waivable=False,
    url="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html",
)


class TextSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> TextSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return TextSettings(**common_settings(config))


def judge(resource: Resource, settings: TextSettings) -> Verdict:
    """The group description and every rule description against AWS's limits."""
    collector = Collector()
    if resource.description is not None and resource.description.state is TextState.PRESENT:
        for problem in problems_of(resource.description, "the group description"):
            collector.add(f"{problem}. Fix: {FIX}")
    if resource.description is not None and not resource.description.known:
        collector.gaps.append("the group description")
    for rule in resource.rules:
        if rule.description.state is TextState.PRESENT:
            for problem in problems_of(rule.description, f"the description of {rule.where}"):
                collector.add(f"{problem}. Fix: {FIX}")
        elif not rule.description.known:
            collector.gaps.append(f"{rule.where} (its description)")
    return collector.verdict()


DEFINITION = ResourcePolicyDef(META, RULE_BEARING_TYPES, read_settings, judge)

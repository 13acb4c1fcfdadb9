"""Disallow group names AWS rejects: over 255 characters, outside its character set, or starting with sg-.

The provider checks only the length and the `sg-` prefix before calling AWS; the character set is enforced
by AWS alone, at create time, after part of an update has already happened. `namePrefix` gets the same checks
with room left for the 26-character suffix the provider appends, and `default` is refused because every VPC
already has a group of that name (AWS compares names without regard to case, so `Default` is refused too), and
a name starting or ending with a space is refused because AWS trims it. Names are never quoted in findings.
The component (`components/`) refuses exactly the same names before anything is created: both apply
`aws_facts.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..aws_facts import has_outer_spaces, is_reserved_name
from ..framework import Collector, Common, PolicyMeta, ResourcePolicyDef, Verdict, common_options, common_settings
from ..redact import problems_of
from ..rules import Resource
from ..tables import (
    NAME_PREFIX_MAX_LENGTH,
    NATIVE_SECURITY_GROUP,
    RESERVED_NAME_PREFIX,
    SECURITY_GROUP,
    TEXT_MAX_LENGTH,
)
from ..wire import Text, TextState

FIX = "rename the group within AWS's rules, or leave name and namePrefix out and let Pulumi name it"

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-invalid-name",
    description=(
        "Disallow group names AWS rejects: over 255 characters, outside its character set, or starting with sg-."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Choose a name (or namePrefix) of allowed characters that does not start with sg-, is not 'default', "
        "and fits in 255 characters (229 for a prefix); or leave both out and let Pulumi name the group."
    ),
    options=common_options(waivable=False),
    tags=("aws-limits",),
    waivable=False,
    url="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
)


class NameSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> NameSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return NameSettings(**common_settings(config))


def judge(resource: Resource, settings: NameSettings) -> Verdict:
    """The group's name and name prefix against AWS's rules for names."""
    collector = Collector()
    for text, subject, limit in (
        (resource.name, "the group name", TEXT_MAX_LENGTH),
        (resource.name_prefix, "the group namePrefix", NAME_PREFIX_MAX_LENGTH),
    ):
        for problem in _problems(text, subject, limit, collector):
            collector.add(f"{problem}. Fix: {FIX}")
    return collector.verdict()


def _problems(text: Text | None, subject: str, limit: int, collector: Collector) -> list[str]:
    if text is None:
        return []
    if text.state is TextState.UNKNOWN:
        collector.gaps.append(subject)
        return []
    if text.state is TextState.NOT_TEXT:
        return [f"{subject} is not text"]
    if text.state is not TextState.PRESENT:
        return []
    problems = problems_of(text, subject, limit)
    if text.value.startswith(RESERVED_NAME_PREFIX):
        problems.append(f"{subject} starts with {RESERVED_NAME_PREFIX}, which AWS reserves for group ids")
    if subject == "the group name" and has_outer_spaces(text.value):
        problems.append(
            f"{subject} starts or ends with a space, which AWS trims, so the group would be named otherwise"
        )
    if subject == "the group name" and is_reserved_name(text.value):
        problems.append(f"{subject} is reserved: every VPC already has a group of that name (names ignore case)")
    return problems


DEFINITION = ResourcePolicyDef(META, frozenset({SECURITY_GROUP, NATIVE_SECURITY_GROUP}), read_settings, judge)

"""Report findings that a policy-waiver tag has waived, quoting its reason and expiry.

A waiver is a tag `policy-waiver:<policy name>` whose value is `YYYY-MM-DD <reason>`, valid through that date.
The waived policy does not report the finding at its own level; this policy reports it as a note instead, with
the reason (waiver reasons are shown to everyone: never put a secret in one). It also flags waiver tags that
name no policy of this pack, which waive nothing. It must stay last among the resource policies and should stay
advisory: making it mandatory means "no waivers accepted here".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, NamedTuple

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from ..config import int_option
from ..framework import INTERNAL_ERROR, PolicyMeta
from ..rules import normalise
from ..tables import RULE_BEARING_TYPES, WAIVER_TAG_PREFIX
from ..waivers import take_notes, waiver_tags
from ..wire import is_secret

SAFE_POLICY_NAME: Final = re.compile(r"[a-z0-9-]{1,100}")
"""A tag suffix shaped like a policy name may be quoted; anything else may be free text and is not."""

WARN_DAYS = int_option(
    "warnDaysBeforeExpiry",
    14,
    0,
    3650,
    "Notes for waivers that expire within this many days say so, so the fix gets planned before the finding returns.",
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-report-waivers",
    description="Report findings that a policy-waiver tag has waived, quoting its reason and expiry.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    remediation_steps=(
        "Fix the waived finding before the waiver expires and then delete the tag; correct or delete waiver tags "
        "that name no policy of this pack."
    ),
    options=(WARN_DAYS,),
    tags=("governance",),
    waivable=False,
)


class WaiverReportSettings(NamedTuple):
    """This policy's settings."""

    warn_days: int


def read_settings(config: Mapping[str, object]) -> WaiverReportSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return WaiverReportSettings(warn_days=WARN_DAYS.read(config))


def build(known_policies: frozenset[str]) -> ResourceValidationPolicy:
    """The policy object; `known_policies` are the names a waiver tag may refer to."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        # Take the notes first, whatever happens next, so none is left behind for a later call.
        notes = take_notes(args.urn)
        if args.resource_type not in RULE_BEARING_TYPES:
            return
        settings = read_settings(args.get_config())
        for note in notes:
            report_violation(note.describe(settings.warn_days), None)
        try:
            resource = normalise(args.resource_type, args.props, urn=args.urn)
            tags = waiver_tags(resource.tags) if resource is not None else []
        except Exception as error:  # noqa: BLE001  # fail closed, never a crashed RPC
            report_violation(f"{INTERNAL_ERROR} ({type(error).__name__}) while reading waiver tags", None)
            return
        for tag in tags:
            policy = tag.removeprefix(WAIVER_TAG_PREFIX)
            if policy in known_policies:
                continue
            safe = SAFE_POLICY_NAME.fullmatch(policy) and not is_secret(tag)  # a key inside a secret map is secret
            shown = f"tag {tag}" if safe else f"a {WAIVER_TAG_PREFIX}… tag"
            report_violation(
                f"{shown} names no policy of this pack, so it waives nothing. Fix: correct the policy name "
                "(see the catalogue in the README) or delete the tag",
                None,
            )

    return ResourceValidationPolicy(
        name=META.name,
        description=META.description,
        validate=validate,
        enforcement_level=META.enforcement_level,
        config_schema=META.config_schema(),
        severity=META.severity,
        tags=list(META.tags),
        remediation_steps=META.remediation_steps,
        url=META.url,
    )

"""Report findings that a policy-waiver tag has waived, quoting its reason and expiry.

A waiver is a tag `policy-waiver:<policy name>` whose value is `YYYY-MM-DD <reason>`, valid through that date.
The waived policy does not report the finding at its own level; the pack's analyzer reports it under this
policy instead, at this policy's level, with the reason (waiver reasons are shown to everyone: never put a
secret in one). This policy's own judge flags waiver tags that name no policy of this pack, which waive nothing.
It should stay advisory: making it mandatory means "no waivers accepted here".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final, NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..config import int_option
from ..framework import INTERNAL_ERROR, PolicyMeta
from ..rules import Resource
from ..tables import RULE_BEARING_TYPES, WAIVER_TAG_PREFIX
from ..waivers import WaivedFinding, waiver_tags
from ..wire import is_secret

APPLIES_TO: Final = RULE_BEARING_TYPES
"""The only types that carry waivers this policy reports."""

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


def report(
    waived: Sequence[WaivedFinding],
    resource: Resource | None,
    broken: Exception | None,
    settings: WaiverReportSettings,
    known_policies: frozenset[str],
) -> list[str]:
    """The notes for the call's waived findings, then a finding per waiver tag that names no known policy.

    `broken` is the exception that kept the resource from being normalised (then `resource` is None): that is
    said instead of reading its tags.
    """
    messages = [note.describe(settings.warn_days) for note in dict.fromkeys(waived)]
    if broken is not None:
        return [*messages, unreadable(broken)]
    try:
        tags = waiver_tags(resource.tags) if resource is not None else []
    except Exception as error:  # noqa: BLE001  # fail closed, never a crashed RPC
        return [*messages, unreadable(error)]
    for tag in tags:
        policy = tag.removeprefix(WAIVER_TAG_PREFIX)
        if policy in known_policies:
            continue
        safe = SAFE_POLICY_NAME.fullmatch(policy) and not is_secret(tag)  # a key inside a secret map is secret
        shown = f"tag {tag}" if safe else f"a {WAIVER_TAG_PREFIX}… tag"
        messages.append(
            f"{shown} names no policy of this pack, so it waives nothing. Fix: correct the policy name "
            "(see the catalogue in the README) or delete the tag"
        )
    return messages


def unreadable(error: Exception) -> str:
    """The finding when the resource's waiver tags could not be read: the exception's type only."""
    return f"{INTERNAL_ERROR} ({type(error).__name__}) while reading waiver tags"

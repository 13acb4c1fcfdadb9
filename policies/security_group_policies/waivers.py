"""Waivers that expire: a tag `policy-waiver:<policy name>` whose value is `YYYY-MM-DD <reason>`.

An unexpired waiver turns that policy's findings on that resource into advisory notes that quote the reason
(unless the tag's value is secret: then the note says it has a secret reason).
A waived finding is not reported at the waived policy's level: the pack's analyzer collects the waived findings
of every resource policy of a call and reports them itself, under the `report-waivers` policy and at its level,
after the resource policies' own findings (`analyzer.py`).

Waiver reasons are meant to be read by everyone who runs a preview: they must never carry secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from enum import Enum
from typing import Final, NamedTuple

from .tables import WAIVER_REASON_MAX_LENGTH, WAIVER_TAG_PREFIX
from .wire import Unknown, is_secret

_WAIVER: Final = re.compile(r"\s*(\d{4}-\d{2}-\d{2})\s+(\S.*?)\s*", re.DOTALL)


def utc_today() -> date:
    """Today's date in UTC, so a waiver expires at the same moment for every runner."""
    return datetime.now(timezone.utc).date()


class WaiverState(Enum):
    """What a resource's waiver tag for one policy says."""

    ABSENT = "absent"
    VALID = "valid"
    EXPIRED = "expired"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    """The tags, or this tag's value, are not known until apply."""


class Waiver(NamedTuple):
    """The waiver for one policy on one resource."""

    state: WaiverState
    tag: str
    expires: date | None = None
    reason: str = ""
    secret: bool = False
    """The tag's value arrived in a secret envelope: notes never quote its reason."""

    def days_left(self, today: date) -> int:
        """Days until expiry (0 on the last valid day)."""
        return (self.expires - today).days if self.expires else 0


def waiver_tag(policy_name: str) -> str:
    """The tag key that waives `policy_name`."""
    return f"{WAIVER_TAG_PREFIX}{policy_name}"


def read_waiver(tags: Mapping[str, str | Unknown] | Unknown, policy_name: str, today: date) -> Waiver:
    """Read the waiver for `policy_name`; valid through its expiry date, expired the day after."""
    tag = waiver_tag(policy_name)
    if isinstance(tags, Unknown):
        return Waiver(WaiverState.UNKNOWN, tag)
    if tag not in tags:
        return Waiver(WaiverState.ABSENT, tag)
    value = tags[tag]
    if isinstance(value, Unknown):
        return Waiver(WaiverState.UNKNOWN, tag)
    match = _WAIVER.fullmatch(value)
    if match is None:
        return Waiver(WaiverState.MALFORMED, tag)
    try:
        expires = date.fromisoformat(match.group(1))
    except ValueError:
        return Waiver(WaiverState.MALFORMED, tag)
    reason = _printable(match.group(2))
    if expires < today:
        return Waiver(WaiverState.EXPIRED, tag, expires, reason, is_secret(value))
    return Waiver(WaiverState.VALID, tag, expires, reason, is_secret(value))


def _printable(reason: str) -> str:
    """Make a reason safe to quote on one line: no control characters, bounded length."""
    flat = "".join(char if char.isprintable() else " " for char in reason)
    flat = " ".join(flat.split())
    if len(flat) > WAIVER_REASON_MAX_LENGTH:
        flat = flat[: WAIVER_REASON_MAX_LENGTH - 1] + "…"
    return flat


def waiver_tags(tags: Mapping[str, str | Unknown] | Unknown) -> list[str]:
    """Every waiver tag key on a resource."""
    if isinstance(tags, Unknown):
        return []
    return [key for key in tags if key.startswith(WAIVER_TAG_PREFIX)]


# --- Waived findings, as the report-waivers policy reports them ---------------------------------------


class WaivedFinding(NamedTuple):
    """A finding a waiver has turned into a note."""

    policy: str
    finding: str
    waiver: Waiver
    days_left: int

    def describe(self, warn_days: int) -> str:
        """The note as reported: policy, expiry, quoted reason, the finding itself."""
        left = "last day" if self.days_left == 0 else f"{self.days_left} day{'s' if self.days_left > 1 else ''} left"
        soon = " It expires soon: plan the fix now." if self.days_left <= warn_days else ""
        # The expiry stays visible even from a secret tag: it is what the note is for (and `left` tells it anyway).
        reason = "with a secret reason" if self.waiver.secret else f'reason: "{self.waiver.reason}"'
        return (
            f"{self.policy} is waived until {self.waiver.expires} ({left}) by tag {self.waiver.tag}, {reason}."
            f"{soon} Waived finding: {self.finding}"
        )

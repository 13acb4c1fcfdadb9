"""Waivers that expire: a tag `policy-waiver:<policy name>` whose value is `YYYY-MM-DD <reason>`.

An unexpired waiver turns that policy's findings on that resource into advisory notes that quote the reason
(unless the tag's value is secret: then the note says it has a secret reason).
The SDK reports every violation at the policy's own enforcement level, so a waived finding cannot be
reported by the policy itself without failing a mandatory check. Instead the policy leaves a note here and
the `report-waivers` policy, which runs last for the same resource in the same Analyze call (the SDK runs a
pack's policies one after another on the thread serving the call), reports it as advisory.

Waiver reasons are meant to be read by everyone who runs a preview: they must never carry secrets.
"""

from __future__ import annotations

import re
import threading
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


# --- Notes for the report-waivers policy ---------------------------------------------------------------------


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


_notes = threading.local()


def leave_note(urn: str, note: WaivedFinding) -> None:
    """Leave a waived finding for the report-waivers policy, for this resource on this thread."""
    if getattr(_notes, "urn", None) != urn:
        _notes.urn = urn
        _notes.items = {}
    _notes.items[note] = None


def take_notes(urn: str) -> list[WaivedFinding]:
    """Take (and forget) the notes left for this resource on this thread."""
    if getattr(_notes, "urn", None) != urn:
        return []
    notes = list(_notes.items)
    _notes.items = {}
    return notes


def forget_notes() -> None:
    """Drop every note on this thread (for tests that call policies one by one)."""
    _notes.urn = None
    _notes.items = {}

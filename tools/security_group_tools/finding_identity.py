"""The one identity of a finding that every output, baseline and code-scanning upload shares: its fingerprint.

A fingerprint must survive edits that do not change the finding (a comment added above a rule, a group moved
down the file, another stack's change) and must change when the finding does. So it is built from what makes
the finding itself, never from where it was written: the command's scope (the stack, or the account and
region of a live group), the policy, the resource the finding is on, and the finding's message (which names the
rule's traffic and peer, and so tells two findings of one policy on one resource apart). No line or column
goes in. A message that changes (a port widened, a waiver note added) is a new finding, which is right: what
was accepted is no longer what is there. The one part of a message that changes by itself is left out: the days
a waiver has left (VOLATILE), so a waiver's note keeps its identity from one day to the next.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Final

LENGTH: Final = 32
"""Hex digits kept of the SHA-256: 128 bits, far beyond any estate's number of findings."""

VOLATILE: Final = re.compile(r" \((?:\d+ days? left|last day)\)| It expires soon: plan the fix now\.")
"""What the waiver report's note says of the calendar (securitygroup_report_waivers / waivers.WaivedFinding)."""

VERSION: Final = "v1"
"""Part of what is hashed, so a future change of the recipe cannot silently match old baselines."""


def fingerprint(kind: str, scope: Sequence[str], policy: str, resource: Sequence[str], message: str) -> str:
    """The hex fingerprint of one finding.

    `kind` is `preview` or `audit`; `scope` is (stack,) or (account, region); `resource` is (name,) for a
    preview and (group id, rule id) for an audit. JSON keeps the parts apart, so no two different tuples can
    hash alike by running one part into the next.
    """
    parts = [VERSION, kind, list(scope), policy, list(resource), VOLATILE.sub("", message)]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode())
    return digest.hexdigest()[:LENGTH]


def preview_fingerprint(stack: str, policy: str, resource: str, message: str) -> str:
    """A finding of `security-groups preview` on one resource of one stack ("" for a stack-wide one)."""
    return fingerprint("preview", (stack,), policy, (resource,), message)


def audit_fingerprint(place: tuple[str, str], policy: str, group_id: str, rule_id: str, message: str) -> str:
    """A finding of `security-groups audit` on one live group or rule; `place` is (account, region)."""
    return fingerprint("audit", place, policy, (group_id, rule_id), message)

"""An audit as a findings report (findings_report.Report), and the audit outputs a baseline changes.

Live groups have no file, so each finding's place is the group's ARN (account_region, filled by audit_report
for every account and region the run read). The table, JSON and JSON-lines renderings stay audit_report's;
this module only leaves out what a baseline suppressed, and adds to the JSON each finding's fingerprint, the
suppressed findings and the stale baseline entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from . import audit_report
from .audit_checks import AUDIT_ONLY_CHECKS
from .audit_report import Finding as AuditFinding
from .audit_report import UnitReport
from .baseline import Matched
from .finding_identity import audit_fingerprint
from .findings_report import Finding, Place, Policy, Report, Subject


def audit_policies(pack_policies: Sequence[Policy]) -> tuple[Policy, ...]:
    """The pack's policies and, after them, the checks only audit makes (each report format describes both)."""
    own = tuple(
        Policy(
            name=check.name,
            description=check.description,
            severity=check.severity,
            remediation=check.remediation,
            tags=check.tags(),
            url="",
            level=check.level,
        )
        for check in AUDIT_ONLY_CHECKS
    )
    return (*pack_policies, *own)


def fingerprint(found: AuditFinding) -> str:
    """The finding's identity: its account and region, policy, group and rule, and message (never a position)."""
    return audit_fingerprint(
        (found.account_id, found.region), found.policy, found.group_id, found.rule_id, found.message
    )


def finding(found: AuditFinding) -> Finding:
    """An audit finding as the report's finding, with its fingerprint and the group's ARN."""
    place = Place(found.group_arn, found.group_id, found.group_name, found.rule_id) if found.group_id else None
    return Finding(
        policy=found.policy,
        level=found.level,
        severity=found.severity,
        subject=found.rule_id or found.group_id,
        message=found.message,
        fingerprint=fingerprint(found),
        place=place,
    )


def findings(units: Sequence[UnitReport]) -> list[Finding]:
    """Every unit's findings as the report's findings, in audit_report's order."""
    return [finding(found) for found in audit_report.all_findings(units)]


def scope(units: Sequence[UnitReport]) -> str:
    """`111111111111 us-east-1`, or `3 account(s), 2 region(s)` for a run over many."""
    accounts = sorted({unit.place.account_id for unit in units if unit.place.account_id})
    regions = sorted({unit.place.region for unit in units})
    if len(accounts) <= 1 and len(regions) <= 1:
        return f"{accounts[0] if accounts else '(no groups)'} {regions[0] if regions else ''}".strip()
    return f"{len(accounts)} account(s), {len(regions)} region(s)"


def build(
    units: Sequence[UnitReport],
    matched: Matched,
    *,
    subjects: Sequence[Subject],
    policies: Sequence[Policy],
    fail_on: str,
) -> tuple[list[UnitReport], Report]:
    """The units with only their open findings (for audit_report's renderings), and the report of all of them."""
    open_marks = {f.fingerprint for f in matched.open}
    kept = [replace(unit, findings=tuple(f for f in unit.findings if fingerprint(f) in open_marks)) for unit in units]
    report = Report(
        command="audit",
        scope=scope(units),
        policies=audit_policies(policies),
        findings=matched.open,
        suppressed=matched.suppressed,
        stale=matched.stale,
        subjects=tuple(subjects),
        fail_on=fail_on,
    )
    return kept, report


def render_json(
    kept: Sequence[UnitReport],
    report: Report,
    *,
    incomplete: Sequence[Mapping[str, str]] = (),
    skipped_regions: Sequence[Mapping[str, str]] = (),
) -> str:
    """audit_report's JSON of the open findings, with fingerprints, suppressed findings and stale entries."""
    document = audit_report.json_document(kept, incomplete=incomplete, skipped_regions=skipped_regions)
    for entry, found in zip(document["findings"], audit_report.all_findings(kept), strict=True):
        entry["fingerprint"] = fingerprint(found)
    document["suppressed"] = [
        {
            "policy": s.finding.policy,
            "level": s.finding.level,
            "group_arn": s.finding.place.arn if s.finding.place else "",
            "group_id": s.finding.place.group_id if s.finding.place else "",
            "rule_id": s.finding.place.rule_id if s.finding.place else "",
            "message": s.finding.message,
            "fingerprint": s.finding.fingerprint,
            "reason": s.reason,
        }
        for s in report.suppressed
    ]
    document["staleBaselineEntries"] = [
        {"fingerprint": s.fingerprint, "policy": s.policy, "resource": s.resource, "reason": s.reason}
        for s in report.stale
    ]
    return json.dumps(document, indent=2) + "\n"


def render_jsonl(kept: Sequence[UnitReport]) -> str:
    """audit_report's JSON lines of the open findings, each with its fingerprint (as in the JSON document)."""
    return "".join(
        json.dumps({**found.as_json(), "fingerprint": fingerprint(found)}) + "\n"
        for found in audit_report.all_findings(kept)
    )


def render_table(kept: Sequence[UnitReport], report: Report, baseline: Path | None) -> str:
    """audit_report's table of the open findings, and the baseline's counts."""
    text = audit_report.render_table(kept)
    fail_on = report.fail_on_line()
    if fail_on:
        text += f"{fail_on}\n"
    if baseline is None:
        return text
    stale = len(report.stale)
    return text + (
        f"baseline {baseline}: {len(report.suppressed)} finding(s) suppressed, "
        f"{stale} stale entr{'y' if stale == 1 else 'ies'}\n"
    )


def render_summary(report: Report, units: Sequence[UnitReport]) -> str:
    """The CI job summary of an audit."""
    from .findings_markdown import render as render_markdown  # noqa: PLC0415  # only for --format markdown

    totals = audit_report.Counts.of(units)
    return render_markdown(report, looked_at=f"{totals.groups} group(s) and {totals.rules} rule(s) audited")

"""An audit as a findings report (findings_report.Report), and the audit outputs a baseline changes.

Live groups have no file, so each finding's place is the group's ARN, built from the group's owner account
and the region the audit read (account_region). The table and JSON renderings stay audit_report's; this
module only leaves out what a baseline suppressed, and adds to the JSON each finding's fingerprint, the
suppressed findings and the stale baseline entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions

from . import audit_report
from .account_region import AccountRegion
from .audit_report import Finding as AuditFinding
from .aws_inventory import LiveGroup
from .aws_session import AwsOptions
from .baseline import Matched
from .finding_identity import audit_fingerprint
from .findings_markdown import render as render_markdown
from .findings_report import Finding, Place, Policy, Report, Subject
from .pack_runner import StackItem


def session_place(options: AwsOptions) -> tuple[str, str]:
    """The region the audit read and its partition, resolved as the EC2 client resolved them."""
    try:
        session = boto3.session.Session(profile_name=options.profile, region_name=options.region)
        region = session.region_name or ""
        partition = session.get_partition_for_region(region) if region else "aws"
    except (botocore.exceptions.BotoCoreError, ValueError):
        return options.region or "", "aws"
    return region, partition


def owners(groups: Sequence[LiveGroup]) -> dict[str, str]:
    """Group id -> the account that owns it."""
    return {group.group_id: group.owner_id for group in groups}


@dataclass(frozen=True)
class Where:
    """What ties an audit finding to its place: the groups' owners, the region and partition read, severities."""

    owner: Mapping[str, str]
    """Group id -> the account that owns it."""
    region: str
    partition: str
    severity: Mapping[str, str]
    """Policy name -> its severity (GetAnalyzerInfo)."""


def where(groups: Sequence[LiveGroup], options: AwsOptions, policies: Sequence[Policy]) -> Where:
    """Where this audit's findings are."""
    region, partition = session_place(options)
    return Where(owners(groups), region, partition, {p.name: p.severity for p in policies})


def finding(found: AuditFinding, at: Where) -> Finding:
    """An audit finding, with its fingerprint and the group's ARN."""
    account = at.owner.get(found.group_id, "")
    place = None
    if found.group_id:
        arn = AccountRegion(account, at.region, at.partition).group_arn(found.group_id)
        place = Place(arn, found.group_id, found.group_name, found.rule_id)
    return Finding(
        policy=found.policy,
        level=found.level,
        severity=at.severity.get(found.policy, ""),
        subject=found.rule_id or found.group_id,
        message=found.message,
        fingerprint=audit_fingerprint((account, at.region), found.policy, found.group_id, found.rule_id, found.message),
        place=place,
    )


def scope(groups: Sequence[LiveGroup], region: str) -> str:
    """`111111111111 us-east-1`: the accounts the groups belong to, and the region."""
    accounts = sorted({group.owner_id for group in groups}) or ["(no groups)"]
    return f"{','.join(accounts)} {region}"


def build(
    found: Sequence[AuditFinding],
    matched: Matched,
    *,
    at: Where,
    groups: Sequence[LiveGroup],
    items: Sequence[StackItem],
    policies: Sequence[Policy],
    fail_on: str,
) -> tuple[list[AuditFinding], Report]:
    """The audit findings still open (for audit_report's table and JSON), and the report of all of them."""
    open_marks = {f.fingerprint for f in matched.open}
    kept = [f for f in found if finding(f, at).fingerprint in open_marks]
    report = Report(
        command="audit",
        scope=scope(groups, at.region),
        policies=tuple(policies),
        findings=matched.open,
        suppressed=matched.suppressed,
        stale=matched.stale,
        subjects=tuple(Subject(item.name, item.resource_type) for item in items),
        fail_on=fail_on,
    )
    return kept, report


def render_json(kept: Sequence[AuditFinding], report: Report, *, groups: int, rules: int) -> str:
    """audit_report's JSON of the open findings, with fingerprints, suppressed findings and stale entries."""
    document: dict[str, Any] = json.loads(audit_report.render_json(kept, groups=groups, rules=rules))
    # Matched by content, not position: the JSON's own order and fields are audit_report's to choose.
    marks = {(f.policy, _ids(f), f.message): f.fingerprint for f in report.findings}
    for entry in document["findings"]:
        mark = marks.get((entry["policy"], (entry["group_id"], entry["rule_id"]), entry["message"]))
        if mark is not None:
            entry["fingerprint"] = mark
    document["suppressed"] = [
        {
            "policy": s.finding.policy,
            "level": s.finding.level,
            "group_id": _ids(s.finding)[0],
            "rule_id": _ids(s.finding)[1],
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


def _ids(found: Finding) -> tuple[str, str]:
    return (found.place.group_id, found.place.rule_id) if found.place else ("", "")


def render_table(
    kept: Sequence[AuditFinding], report: Report, baseline: Path | None, *, groups: int, rules: int
) -> str:
    """audit_report's table of the open findings, and the baseline's counts."""
    text = audit_report.render_table(kept, groups=groups, rules=rules)
    if baseline is None:
        return text
    stale = len(report.stale)
    return text + (
        f"baseline {baseline}: {len(report.suppressed)} finding(s) suppressed, "
        f"{stale} stale entr{'y' if stale == 1 else 'ies'}\n"
    )


def render_summary(report: Report, *, groups: int, rules: int) -> str:
    """The CI job summary of an audit."""
    return render_markdown(report, looked_at=f"{groups} group(s) and {rules} rule(s) audited")

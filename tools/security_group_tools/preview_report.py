"""An offline preview as a findings report (findings_report.Report), and the preview outputs a baseline changes.

A baseline leaves only the open findings in the preview that the table, JSON and Mermaid outputs render;
JSON also lists every finding's fingerprint, the suppressed findings and the stale baseline entries, and the
table ends with a line that counts them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import preview_json, preview_mermaid, preview_table
from .baseline import Matched
from .finding_identity import preview_fingerprint
from .findings_markdown import render as render_markdown
from .findings_report import Finding, Policy, Report, Subject
from .paths import PROJECT_DIR, shown
from .preview_model import Finding as PreviewFinding
from .preview_model import Preview, rule_views
from .program_runner import EGRESS, INGRESS, SG


def artifact(path: Path) -> str:
    """A stack file as code scanning names it: relative to the project root, else an absolute file URI."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_DIR).as_posix()
    except ValueError:
        return resolved.as_uri()


def _outside(stack_file: Path) -> dict[str, str]:
    """The stack file's URI under the path its locations show, when it lies outside the project.

    Its group files never do: they are refused outside stacks/.
    """
    uri = artifact(stack_file)
    return {Path(shown(stack_file)).as_posix(): uri} if uri.startswith("file:") else {}


def finding(stack: str, found: PreviewFinding) -> Finding:
    """A preview finding, with its fingerprint."""
    return Finding(
        policy=found.policy,
        level=found.level,
        severity=found.severity,
        subject=found.resource,
        message=found.message,
        fingerprint=preview_fingerprint(stack, found.policy, found.resource, found.message),
        location=found.location,
    )


def findings(preview: Preview) -> list[Finding]:
    """Every finding of the preview, in its order."""
    return [finding(preview.stack, f) for f in preview.findings]


@dataclass(frozen=True)
class PreviewReport:
    """The preview with only its open findings, and the report of all of them."""

    preview: Preview
    """The findings a baseline suppressed are left out."""
    report: Report


def build(
    preview: Preview, policies: Sequence[Policy], matched: Matched, *, fail_on: str, stack_file: Path
) -> PreviewReport:
    """The report of a preview whose findings a baseline (possibly empty) has split."""
    open_marks = {f.fingerprint for f in matched.open}
    kept = tuple(f for f in preview.findings if finding(preview.stack, f).fingerprint in open_marks)
    located = {f.resource: f.location for f in preview.findings if f.location is not None}
    subjects = tuple(Subject(r.name, r.type, located.get(r.name)) for r in preview.resources)
    report = Report(
        command="preview",
        scope=f"stack {preview.stack}",
        policies=tuple(policies),
        findings=matched.open,
        suppressed=matched.suppressed,
        stale=matched.stale,
        subjects=subjects,
        fail_on=fail_on,
        fallback=artifact(stack_file),
        artifacts=_outside(stack_file),
    )
    return PreviewReport(dataclasses.replace(preview, findings=kept), report)


def baseline_line(report: Report, baseline: Path | None) -> list[str]:
    """The table's last line when a baseline is in use."""
    if baseline is None:
        return []
    return [
        f"baseline {baseline}: {len(report.suppressed)} finding(s) suppressed, "
        f"{len(report.stale)} stale entr{'y' if len(report.stale) == 1 else 'ies'}"
    ]


def render_table(judged: PreviewReport, baseline: Path | None) -> str:
    """The terminal table of the open findings, and the baseline's counts."""
    text = preview_table.render(judged.preview)
    fail_on = judged.report.fail_on_line()
    lines = [*([fail_on] if fail_on else []), *baseline_line(judged.report, baseline)]
    return text + "".join(f"{line}\n" for line in lines)


def render_json(preview: Preview, report: Report | None = None) -> str:
    """The preview's JSON, with each finding's fingerprint, and the suppressed findings and stale baseline entries.

    Fingerprints are computed from each JSON finding's own fields, so they stay right whatever order or other
    fields preview_json gives the findings.
    """
    document: dict[str, Any] = preview_json.document(preview)
    for entry in document["findings"]:
        entry["fingerprint"] = preview_fingerprint(preview.stack, entry["policy"], entry["resource"], entry["message"])
    suppressed = report.suppressed if report is not None else ()
    stale = report.stale if report is not None else ()
    document["suppressed"] = [
        {
            "policy": s.finding.policy,
            "level": s.finding.level,
            "resource": s.finding.subject,
            "message": s.finding.message,
            "fingerprint": s.finding.fingerprint,
            "reason": s.reason,
        }
        for s in suppressed
    ]
    document["staleBaselineEntries"] = [
        {"fingerprint": s.fingerprint, "policy": s.policy, "resource": s.resource, "reason": s.reason} for s in stale
    ]
    document["summary"]["suppressed"] = len(suppressed)
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def plan(preview: Preview) -> tuple[list[str], list[list[str]]]:
    """The groups and rules to create, as the table shows them: a header and rows."""
    views = {view.resource.urn: view for view in rule_views(preview.resources)}
    rows = []
    for resource_type in (SG, INGRESS, EGRESS):
        describe = preview_table.KEY_INPUTS[resource_type]
        for resource in sorted((r for r in preview.resources if r.type == resource_type), key=lambda r: r.name):
            cells = describe(resource, views)
            rows.append([resource.name, resource_type.rsplit(":", 1)[-1], " · ".join(cells)])
    return ["resource", "type", "what"], rows


def render_markdown_summary(judged: PreviewReport) -> str:
    """The CI job summary: verdict, counts, plan, findings and the reachability diagram."""
    preview = judged.preview
    looked_at = f"{len(preview.resources)} resources to create, judged with {preview.policy_config}"
    return render_markdown(
        judged.report, looked_at=looked_at, plan=plan(preview), diagram=preview_mermaid.render(preview)
    )

"""A report as GitHub-flavoured Markdown, for a CI job summary (`>> "$GITHUB_STEP_SUMMARY"`).

The verdict and counts first, then what the command looked at (a preview's plan), the open findings, the
suppressed ones, stale baseline entries, and a preview's reachability diagram in a ```mermaid block. Every
value that came from config or AWS is escaped, so a group description cannot add a link, a heading or HTML
to the summary, nor end the diagram's block early.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from .findings_report import Finding, Report

SPECIAL: Final = re.compile(r"([\\`*_\[\]|~#!])")
"""Markdown punctuation that could start emphasis, a link, code or a table cell."""


def cell(value: str) -> str:
    """Text safe in a table cell (or a line): HTML escaped, Markdown punctuation escaped, one line."""
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split())


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table; cells are escaped here."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(cell(value) for value in row) + " |" for row in rows)
    return lines


def fenced(language: str, text: str) -> list[str]:
    """A code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text.rstrip("\n"), fence]


def _where(report: Report, finding: Finding) -> str:
    if finding.location is not None:
        return f"{finding.location.path}:{finding.location.line}"
    if finding.place is not None:
        return finding.place.arn
    return report.fallback


def verdict(report: Report) -> str:
    """One line: whether the run passes under its `--fail-on`."""
    failing = len(report.failing)
    if report.fail_on == "none":
        return "**Pass** (`--fail-on none`: findings never fail the run)"
    if failing:
        return f"**Fail**: {failing} open finding(s) at a level `--fail-on {report.fail_on}` fails on"
    return f"**Pass**: no open finding at a level `--fail-on {report.fail_on}` fails on"


def render(
    report: Report,
    *,
    looked_at: str,
    plan: tuple[Sequence[str], Sequence[Sequence[str]]] | None = None,
    diagram: str | None = None,
) -> str:
    """The job summary. `looked_at` says what was judged; `plan` is a header and rows; `diagram` is Mermaid."""
    lines = [f"## security-groups {report.command}: {cell(report.scope)}", "", verdict(report), "", cell(looked_at)]
    levels = ("mandatory", "advisory")  # a remediate-level finding is reported as mandatory (the SDK's rule)
    counts = [str(report.count(level)) for level in levels]
    lines += [
        "",
        *table(
            ["open", *levels, "suppressed by the baseline", "stale baseline entries"],
            [[str(len(report.findings)), *counts, str(len(report.suppressed)), str(len(report.stale))]],
        ),
    ]
    if plan is not None:
        header, rows = plan
        lines += ["", f"### Plan ({len(rows)})", "", *table(header, rows)]
    lines += ["", f"### Findings ({len(report.findings)})", ""]
    if report.findings:
        rows = [[f.level, f.policy, f.subject or "the stack", _where(report, f), f.message] for f in report.findings]
        lines += table(["level", "policy", "on", "where", "finding"], rows)
    else:
        lines.append("None.")
    if report.suppressed:
        rows = [[s.finding.policy, s.finding.subject or "the stack", s.reason] for s in report.suppressed]
        lines += ["", f"### Suppressed by the baseline ({len(report.suppressed)})", ""]
        lines += table(["policy", "on", "reason"], rows)
    if report.stale:
        rows = [[s.fingerprint, s.policy, s.resource or "the stack"] for s in report.stale]
        lines += ["", f"### Stale baseline entries ({len(report.stale)}): fixed or changed, delete them", ""]
        lines += table(["fingerprint", "policy", "on"], rows)
    if diagram is not None:
        lines += ["", "### Reachability", "", *fenced("mermaid", diagram)]
    return "\n".join(lines) + "\n"

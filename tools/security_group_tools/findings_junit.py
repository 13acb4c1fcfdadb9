"""A report as JUnit XML: one test case per judged resource and policy that judges it, passes included.

- A finding at a level `--fail-on` fails on is a `<failure>` (so the XML is red exactly when the command exits
  1); one below the threshold (advisory under the default `--fail-on mandatory`) passes, with the finding in
  the case's `<system-out>`, so a report viewer shows it without failing the build.
- A finding the baseline suppressed is `<skipped>`, with the baseline's reason.
- A finding on something no case covers (a stack-wide finding) gets a case of its own.
- Disabled policies have no cases. Characters XML 1.0 cannot carry are replaced, so any message parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from .findings_report import FAIL_ON, Finding, Report
from .policy_scope import judges

NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return NOT_XML.sub("\ufffd", value)


@dataclass
class _Case:
    subject: str
    policy: str
    failures: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    file: str = ""
    line: int = 0


def _cases(report: Report) -> list[_Case]:
    enabled = [p.name for p in report.policies if p.level != "disabled"]
    cases: dict[tuple[str, str], _Case] = {}
    for subject in report.subjects:
        file, line = (subject.location.path, subject.location.line) if subject.location else ("", 0)
        for policy in enabled:
            if judges(policy, subject.type):
                cases[(subject.name, policy)] = _Case(subject.name, policy, file=file, line=line)
    failing = FAIL_ON[report.fail_on]
    for finding in report.findings:
        case = cases.setdefault((finding.subject, finding.policy), _Case(finding.subject, finding.policy))
        (case.failures if finding.level in failing else case.notes).append(finding)
    for suppressed in report.suppressed:
        finding = suppressed.finding
        case = cases.setdefault((finding.subject, finding.policy), _Case(finding.subject, finding.policy))
        case.skipped.append(f"baselined: {finding.message} (reason: {suppressed.reason})")
    return list(cases.values())


def _lines(findings: Sequence[Finding]) -> str:
    return "\n".join(f"{f.level}: {f.message}" for f in findings)


def render(report: Report) -> str:
    """The report as one JUnit test suite, with an XML declaration and a final newline."""
    cases = _cases(report)
    failures = sum(1 for c in cases if c.failures)
    skipped = sum(1 for c in cases if c.skipped and not c.failures)
    name = f"security-groups {report.command} {report.scope}"
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
    root = ET.Element("testsuites", {"name": name, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": name, **counts})
    for case in cases:
        element = ET.SubElement(
            suite, "testcase", {"classname": _text(case.subject or report.scope), "name": _text(case.policy)}
        )
        if case.file:
            element.set("file", _text(case.file))
            element.set("line", str(case.line))
        if case.failures:
            first = case.failures[0]
            failure = ET.SubElement(element, "failure", {"message": _text(first.message), "type": first.level})
            failure.text = _text(_lines(case.failures))
        elif case.skipped:
            ET.SubElement(element, "skipped", {"message": _text("; ".join(case.skipped))})
        if case.notes:
            ET.SubElement(element, "system-out").text = _text(_lines(case.notes))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

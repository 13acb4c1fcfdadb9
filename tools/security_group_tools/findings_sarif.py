"""A report as SARIF 2.1.0, shaped for GitHub code scanning (`github/codeql-action/upload-sarif`).

- One `reportingDescriptor` per policy of the pack, from GetAnalyzerInfo: its description, its remediation as
  help, its severity as the `security-severity` score GitHub ranks alerts by, its tags plus `security`.
- A result's level comes from the finding's enforcement level (LEVELS); a baseline-suppressed finding is still
  a result, with an `external` suppression carrying the baseline's reason.
- A preview finding points at the stack or group file line that made its resource (`Finding.location`); one
  without a location points at the first line of the stack file, so GitHub still shows it.
- An audit finding has no file: its location is logical, the group's ARN.
- `partialFingerprints` carries the finding's fingerprint (finding_identity), which holds no line number.
- Baseline entries that matched nothing are tool notifications of the run, so the file can shrink.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from typing import Any, Final

from . import __version__
from .findings_report import Finding, Policy, Report

SCHEMA: Final = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL: Final = "security-groups"
FINGERPRINT_KEY: Final = "securityGroupsFinding/v1"
LEVELS: Final = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
"""Enforcement level -> SARIF level. Remediate is reported as mandatory by the SDK, so it is an error too."""
SECURITY_SEVERITY: Final = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
"""GitHub reads over 9.0 as critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low: the middle of each band."""
STALE_ENTRY: Final = "stale-baseline-entry"


def information_uri() -> str | None:
    """The repository on GitHub when running in GitHub Actions; the tools have no home page of their own."""
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    return f"{server}/{repository}" if server and repository else None


def _descriptor(policy: Policy) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": ["security", *(t for t in policy.tags if t != "security")]}
    if policy.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[policy.severity]
    fix = policy.remediation or "See the finding's message."
    descriptor: dict[str, Any] = {
        "id": policy.name,
        "shortDescription": {"text": policy.description},
        "fullDescription": {
            "text": f"{policy.description} Severity: {policy.severity or 'unspecified'}; "
            f"enforcement level under this policy config: {policy.level}."
        },
        "help": {"text": f"Fix: {fix}", "markdown": f"**{policy.description}**\n\n**Fix:** {fix}"},
        "defaultConfiguration": {"level": LEVELS.get(policy.level, "warning"), "enabled": policy.level != "disabled"},
        "properties": properties,
    }
    if policy.url:
        descriptor["helpUri"] = policy.url
    return descriptor


def _location(report: Report, finding: Finding) -> list[dict[str, Any]]:
    if finding.place is not None:
        logical = {
            "fullyQualifiedName": finding.place.arn,
            "name": finding.place.rule_id or finding.place.group_id,
            "kind": "resource",
        }
        return [{"logicalLocations": [logical]}]
    if finding.location is not None:
        path, line, column = finding.location.path, finding.location.line, finding.location.column
    elif report.fallback:
        path, line, column = report.fallback, 1, 1
    else:
        return []
    physical = {
        "artifactLocation": _artifact(report.artifacts.get(path, path)),
        "region": {"startLine": line, "startColumn": column},
    }
    return [{"physicalLocation": physical}]


def _artifact(path: str) -> dict[str, str]:
    """A file as SARIF's artifactLocation names it, relative to the project's root unless a `file:` URI.

    The uri is a URI reference, so a space, `#` or `é` in a name is percent-encoded: `#` would start a fragment.
    """
    if path.startswith("file:"):
        return {"uri": path}
    return {"uri": urllib.parse.quote(path), "uriBaseId": "%SRCROOT%"}


def _result(report: Report, index: dict[str, int], finding: Finding, reason: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.policy,
        "level": LEVELS.get(finding.level, "warning"),
        "message": {"text": f"{finding.subject}: {finding.message}" if finding.subject else finding.message},
        "locations": _location(report, finding),
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"enforcementLevel": finding.level, "severity": finding.severity, "resource": finding.subject},
    }
    if finding.policy in index:
        result["ruleIndex"] = index[finding.policy]
    if reason is not None:
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": reason}]
    return result


def document(report: Report) -> dict[str, Any]:
    """The report as a SARIF log of one run."""
    index = {policy.name: number for number, policy in enumerate(report.policies)}
    driver: dict[str, Any] = {
        "name": TOOL,
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_descriptor(policy) for policy in report.policies],
    }
    uri = information_uri()
    if uri is not None:
        driver["informationUri"] = uri
    results = [_result(report, index, f, None) for f in report.findings]
    results += [_result(report, index, s.finding, s.reason) for s in report.suppressed]
    notifications = [
        {
            "descriptor": {"id": STALE_ENTRY},
            "level": "note",
            "message": {
                "text": f"baseline entry {s.fingerprint} ({s.policy} on {s.resource or 'the stack'}) matches no "
                "finding any more (fixed or changed); delete it from the baseline"
            },
        }
        for s in report.stale
    ]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"{TOOL}-{report.command}/{report.scope.replace(' ', '/')}/"},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
        "properties": {
            "scope": report.scope,
            "failOn": report.fail_on,
            "open": len(report.findings),
            "suppressed": len(report.suppressed),
            "staleBaselineEntries": [s.fingerprint for s in report.stale],
        },
    }
    if report.fallback:
        run["originalUriBaseIds"] = {"%SRCROOT%": {"description": {"text": "the project's root directory"}}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    """Indented SARIF JSON with a final newline."""
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"

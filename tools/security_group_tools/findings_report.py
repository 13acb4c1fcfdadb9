"""One shape for the findings of `preview` and `audit`, which the SARIF, JUnit and Markdown outputs render.

Each command adapts its own result to a `Report` (preview_report.py, audit_findings.py): the pack's policies
as GetAnalyzerInfo describes them, the findings still open, those a baseline suppressed, the baseline entries
that matched nothing, and what was judged (one JUnit case per resource and policy). The renderers know
nothing of either command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from pulumi.runtime.proto import analyzer_pb2

from .pack_runner import LEVEL_NAMES, SEVERITY_NAMES

if TYPE_CHECKING:  # only a type here: preview_model loads the program runner, which audit never needs
    from .preview_model import Location

FAIL_ON: Final = {
    "mandatory": frozenset({"mandatory", "remediate"}),
    "advisory": frozenset({"mandatory", "remediate", "advisory"}),
    "none": frozenset[str](),
}
"""`--fail-on` value -> the finding levels that make the command exit 1. A remediate-level policy reports as
mandatory (the SDK's rule); it is listed so that no level the engine knows could slip past the threshold."""

DEFAULT_FAIL_ON: Final = "mandatory"


@dataclass(frozen=True)
class Policy:
    """One policy of the pack, as GetAnalyzerInfo describes it, at the level the policy config sets."""

    name: str
    description: str
    severity: str
    """`low`, `medium`, `high`, `critical`, or "" when the policy gives none."""
    remediation: str
    tags: tuple[str, ...]
    url: str
    level: str
    """The configured level: `mandatory`, `advisory`, `remediate` or `disabled`."""


def policies(info: analyzer_pb2.AnalyzerInfo, levels: Mapping[str, tuple[str, object]]) -> tuple[Policy, ...]:
    """The pack's policies in pack order, each at the level the reconciled policy config gives it."""
    return tuple(
        Policy(
            name=p.name,
            description=p.description,
            severity=SEVERITY_NAMES.get(p.severity, ""),
            remediation=p.remediation_steps,
            tags=tuple(p.tags),
            url=p.url,
            level=levels[p.name][0] if p.name in levels else LEVEL_NAMES.get(p.enforcementLevel, "advisory"),
        )
        for p in info.policies
    )


@dataclass(frozen=True)
class Place:
    """Where a live group is: its ARN and ids (audit findings have no file)."""

    arn: str
    group_id: str
    group_name: str
    rule_id: str
    """The `sgr-` id when the finding is about one rule; empty when it is about the group."""


@dataclass(frozen=True)
class Finding:
    """One finding, as every report format needs it."""

    policy: str
    level: str
    severity: str
    subject: str
    """What the finding is on: a resource name (preview), a `sgr-`/`sg-` id (audit), "" for the stack."""
    message: str
    fingerprint: str
    location: Location | None = None
    """The config line that made the resource (preview), when known."""
    place: Place | None = None
    """The live group (audit)."""


@dataclass(frozen=True)
class Suppressed:
    """A finding the baseline accepted, with the reason written there."""

    finding: Finding
    reason: str


@dataclass(frozen=True)
class Stale:
    """A baseline entry that matched no finding of this run: fixed (or changed), so it can be deleted."""

    fingerprint: str
    policy: str
    resource: str
    reason: str


@dataclass(frozen=True)
class Subject:
    """Something judged: one JUnit case per subject and policy that judges its type."""

    name: str
    type: str
    location: Location | None = None


@dataclass(frozen=True)
class Report:
    """Everything a report format shows."""

    command: str
    """`preview` or `audit`."""
    scope: str
    """`stack dev`, or `111111111111 us-east-1`."""
    policies: tuple[Policy, ...]
    findings: tuple[Finding, ...]
    """Open findings (not suppressed by a baseline), in the command's order."""
    suppressed: tuple[Suppressed, ...] = ()
    stale: tuple[Stale, ...] = ()
    subjects: tuple[Subject, ...] = ()
    fail_on: str = DEFAULT_FAIL_ON
    fallback: str = ""
    """The file a finding without a location points at (the stack file): repo-relative, or a `file:` URI
    outside the repository; "" for none."""
    artifacts: Mapping[str, str] = field(default_factory=dict)
    """A location's path as shown (`../elsewhere/Pulumi.dev.yaml`) -> the `file:` URI of that file, for the
    files outside the repository: code scanning can only be given those as absolute URIs."""

    @property
    def failing(self) -> tuple[Finding, ...]:
        """Open findings at a level `--fail-on` fails on."""
        levels = FAIL_ON[self.fail_on]
        return tuple(f for f in self.findings if f.level in levels)

    @property
    def status(self) -> int:
        """The exit status the findings give: 1 when any open finding is at a failing level, else 0."""
        return 1 if self.failing else 0

    def fail_on_line(self) -> str | None:
        """The table's line on `--fail-on` when it is not the default (whose verdict the summary line gives)."""
        if self.fail_on == DEFAULT_FAIL_ON:
            return None
        failing = len(self.failing)
        verdict = f"FAIL: exit 1 for {failing} open finding(s)" if failing else "pass: no open finding it fails on"
        return f"--fail-on {self.fail_on}: {verdict}"

    def count(self, level: str) -> int:
        """Open findings at this level."""
        return sum(1 for f in self.findings if f.level == level)

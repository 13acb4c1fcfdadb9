"""What every policy shares: metadata, settings, verdicts, waiver decisions and a last-resort guard.

A policy module supplies only its metadata, its options and a `judge` function from a normalised resource (or
the stack) to a `Verdict`. The pack's analyzer (`analyzer.py`) runs the definitions itself: it reads settings
once per Configure, normalises each request once, skips excluded resources, and reports findings, waived
findings and what could not be checked during preview. `sdk.py` runs the same definitions inside a stock
`pulumi_policy.PolicyPack`. What both need (the guarded judge, waiver decisions, the wording of a preview
gap) is here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final, Generic, NamedTuple, Protocol, TypeVar

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, Severity

from .compliance import controls_of
from .config import ALLOW_WAIVERS, EXCLUDE_NAMES, MAX_WAIVER_DAYS, NamePatterns, Option
from .context import Context
from .rules import Resource, normalise
from .stack import Stack
from .waivers import WaivedFinding, Waiver, WaiverState, read_waiver, utc_today

S = TypeVar("S", bound="Settings")

SHOWN_GAPS: Final = 8
"""A preview note names at most this many unchecked places, then says how many more there are."""

INTERNAL_ERROR: Final = "internal error in the policy pack"
"""Marks a finding raised by the last-resort guard; tests assert it never appears."""


@dataclass(frozen=True)
class PolicyMeta:
    """Everything that describes a policy; the README catalogue and GetAnalyzerInfo both come from here."""

    name: str
    description: str
    enforcement_level: EnforcementLevel
    severity: Severity
    remediation_steps: str
    options: tuple[Option[Any], ...]
    tags: tuple[str, ...]
    waivable: bool
    """False when the finding predicts an AWS API error, which no waiver can change."""
    url: str | None = None

    def config_schema(self) -> PolicyConfigSchema:
        """The JSON schema the engine validates this policy's config against."""
        return PolicyConfigSchema(properties={option.key: dict(option.schema) for option in self.options})

    def published_tags(self) -> tuple[str, ...]:
        """The tags GetAnalyzerInfo lists: the policy's own, then one per compliance control.

        One `<framework key>:<control id>` tag per control its findings are evidence against (`compliance.py`),
        so whatever reads the pack's metadata (preview, Pulumi Cloud) sees them.
        """
        return (*self.tags, *(control.tag() for control in controls_of(self.name)))

    def sdk_fields(self) -> dict[str, Any]:
        """The metadata as keyword arguments for the SDK's resource and stack policy classes alike."""
        return {
            "name": self.name,
            "description": self.description,
            "enforcement_level": self.enforcement_level,
            "config_schema": self.config_schema(),
            "severity": self.severity,
            "tags": list(self.published_tags()),
            "remediation_steps": self.remediation_steps,
            "url": self.url,
        }


class Common(NamedTuple):
    """Settings every policy has."""

    exclude: NamePatterns
    allow_waivers: bool
    max_waiver_days: int
    """A waiver that expires later than this many days after today is refused."""


class Settings(Protocol):
    """What the framework reads from any policy's settings: a named tuple whose first field is `common`.

    Named tuples rather than frozen dataclasses: the pack starts in every preview, and creating a frozen
    dataclass at import costs several times what a named tuple does (`bench/BENCHMARKS.md`).
    """

    @property
    def common(self) -> Common:
        """The shared part."""
        ...


def common_settings(config: Mapping[str, object]) -> dict[str, Any]:
    """The shared settings, as keyword arguments for a policy's settings."""
    return {"common": Common(EXCLUDE_NAMES.read(config), ALLOW_WAIVERS.read(config), MAX_WAIVER_DAYS.read(config))}


def common_options(*, waivable: bool) -> tuple[Option[Any], ...]:
    """The shared options; `allowWaivers` and `maxWaiverDays` only where a waiver can apply."""
    return (EXCLUDE_NAMES, ALLOW_WAIVERS, MAX_WAIVER_DAYS) if waivable else (EXCLUDE_NAMES,)


class Finding(NamedTuple):
    """One violation. `urn`/`name` say which resource it belongs to in a stack policy."""

    message: str
    urn: str | None = None
    name: str | None = None


class Verdict(NamedTuple):
    """What a judge found, and what it could not check because values are not known until apply."""

    findings: tuple[Finding, ...] = ()
    gaps: tuple[str, ...] = ()


CLEAR: Final = Verdict()
"""No finding and no gap."""


def _cannot_waive(waiver: Waiver) -> str:
    return f"tag {waiver.tag} cannot waive this policy: it predicts an error or a conflict at apply time"


def _with_notes(message: str, notes: Sequence[str]) -> str:
    return message if not notes else f"{message} ({'; '.join(notes)})"


def _config_notes(settings: Settings) -> list[str]:
    return [
        f"policy config excludeNames[{index}] is not a valid regular expression and was ignored"
        for index in settings.common.exclude.broken
    ]


class Outcome(NamedTuple):
    """Findings after waivers: what to report, what to leave as waived notes, what is unknown."""

    report: tuple[str, ...] = ()
    waived: tuple[WaivedFinding, ...] = ()
    gaps: tuple[str, ...] = ()


NOTHING: Final = Outcome()
"""Nothing to report, waive or explain."""


def apply_waiver(meta: PolicyMeta, settings: Settings, waiver: Waiver, findings: Sequence[str], today: date) -> Outcome:
    """Decide what a waiver does to a resource's findings."""
    if not findings:
        return Outcome()
    state = waiver.state
    if state is WaiverState.ABSENT:
        return Outcome(report=tuple(findings))
    if not meta.waivable:
        return Outcome(report=tuple(_with_notes(f, [_cannot_waive(waiver)]) for f in findings))
    if not settings.common.allow_waivers:
        note = f"tag {waiver.tag} was ignored: this environment's policy config does not allow waivers here"
        return Outcome(report=tuple(_with_notes(f, [note]) for f in findings))
    if state is WaiverState.UNKNOWN:
        count = len(findings)
        gap = f"whether {count} finding{'s' if count > 1 else ''} {'are' if count > 1 else 'is'} waived (tags)"
        return Outcome(gaps=(gap,))
    if state is WaiverState.EXPIRED:
        note = f"waiver tag {waiver.tag} expired on {waiver.expires} and no longer applies"
        return Outcome(report=tuple(_with_notes(f, [note]) for f in findings))
    if state is WaiverState.MALFORMED:
        note = f"waiver tag {waiver.tag} is not in the form 'YYYY-MM-DD reason', so it was ignored"
        return Outcome(report=tuple(_with_notes(f, [note]) for f in findings))
    days = waiver.days_left(today)
    limit = settings.common.max_waiver_days
    if days > limit:
        note = (
            f"waiver tag {waiver.tag} was ignored: it expires on {waiver.expires}, more than {limit} "
            f"day{'' if limit == 1 else 's'} from today, the longest this environment's policy config allows "
            f"(maxWaiverDays); the latest expiry it accepts today is {today + timedelta(days=limit)}"
        )
        return Outcome(report=tuple(_with_notes(f, [note]) for f in findings))
    return Outcome(waived=tuple(WaivedFinding(meta.name, f, waiver, days) for f in findings))


def waiver_in_effect(meta: PolicyMeta, settings: Settings, waiver: Waiver, today: date) -> bool:
    """True when `apply_waiver` would keep this policy's findings from being reported at its level.

    That is a waiver honoured (an advisory note instead), or tags not known until apply (a preview note).
    """
    if not meta.waivable or not settings.common.allow_waivers:
        return False
    if waiver.state is WaiverState.UNKNOWN:
        return True
    return waiver.state is WaiverState.VALID and waiver.days_left(today) <= settings.common.max_waiver_days


def gap_message(gaps: Sequence[str]) -> str:
    """What a preview note says a policy could not check: every known finding was still reported.

    The note is advisory whatever the policy's level: "could not check this yet" must not fail a mandatory
    preview, and the policy runs again with real values during `pulumi up`.
    """
    shown = list(dict.fromkeys(gaps))
    more = len(shown) - SHOWN_GAPS
    listed = ", ".join(shown[:SHOWN_GAPS]) + (f" and {more} more" if more > 0 else "")
    return (
        f"could not check {listed}: not known until apply. Everything known was checked and reported; "
        "the policy checks the rest with real values during `pulumi up`."
    )


# --- Resource policies --------------------------------------------------------------------------------------


class Memo:
    """What the policies of one Analyze call work out about its resource and share (`exposure.reaches`).

    One per request, handed to every policy of that request inside its `Call`; dropped with the call.
    """

    __slots__ = ("quiet", "steps")

    def __init__(self) -> None:
        self.steps: dict[tuple[object, ...], Any] = {}
        """Screened steps per query without its ports."""
        self.quiet: dict[tuple[object, ...], bool] = {}


class Call(NamedTuple):
    """What a resource policy knows of the Analyze request it runs in, beyond the resource and its settings."""

    context: Context | None
    """The enabled policies, their levels and settings (`context.py`); None under a stock `PolicyPack`."""
    name: str
    """The resource's logical name, which other policies' `excludeNames` match."""
    today: Callable[[], date]
    memo: Memo


@dataclass(frozen=True)
class ResourcePolicyDef(Generic[S]):
    """A resource policy: metadata plus a judge over one normalised resource."""

    meta: PolicyMeta
    applies_to: frozenset[str]
    """The only resource types the policy judges; on any other it says nothing."""
    read_settings: Callable[[Mapping[str, object]], S]
    judge: Callable[[Resource, S], Verdict]

    def verdict(self, resource: Resource, settings: S, call: Call) -> Verdict:
        """The judge's verdict in this call; a policy that uses the call's context overrides this."""
        del call
        return self.judge(resource, settings)

    def outcome(self, resource: Resource, settings: S, call: Call) -> Outcome:
        """What to report on the resource after waivers, and what is unknown; never raises."""
        try:
            verdict = self.verdict(resource, settings, call)
            if not verdict.findings and not verdict.gaps:
                return NOTHING  # most resources, most policies: no waiver to read, no date to know
            messages = [_with_notes(f.message, _config_notes(settings)) for f in verdict.findings]
            day = call.today()
            waiver = read_waiver(resource.tags, self.meta.name, day)
            outcome = apply_waiver(self.meta, settings, waiver, messages, day)
            return Outcome(outcome.report, outcome.waived, outcome.gaps + verdict.gaps)
        except Exception as error:  # noqa: BLE001  # a bug here must fail closed with a clear message, not a crashed RPC
            return Outcome(report=(internal_error(error),))


def excluded(settings: Settings, name: str) -> bool:
    """True when the policy's `excludeNames` leaves the resource of this logical name out."""
    return bool(settings.common.exclude.patterns) and settings.common.exclude.match(name)


EXCLUDED: Final = "excluded by the policy config's excludeNames"
"""The not-applicable reason for an excluded resource."""


def internal_error(error: Exception) -> str:
    """The last-resort guard's finding. Only the exception's type: its text could quote a property value."""
    return (
        f"{INTERNAL_ERROR} ({type(error).__name__}) while checking this resource, so it was not checked. "
        "Please report it with the resource's type and property shape."
    )


# --- Stack policies ------------------------------------------------------------------------------------------


class StackReport(NamedTuple):
    """What a stack policy reports: (message, URN) per finding, and what is unknown."""

    findings: tuple[tuple[str, str | None], ...] = ()
    gaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackPolicyDef(Generic[S]):
    """A stack policy: metadata plus a judge over every resource of the stack."""

    meta: PolicyMeta
    read_settings: Callable[[Mapping[str, object]], S]
    judge: Callable[[Stack, S], Verdict]

    def report(self, stack: Stack, settings: S) -> StackReport:
        """The findings to report, after `excludeNames`, with why a waiver tag on them does not apply."""
        try:
            verdict = self.judge(stack, settings)
            refused = _waiver_tags_present(stack, self.meta, {finding.urn for finding in verdict.findings})
        except Exception as error:  # noqa: BLE001  # fail closed with a clear message, never a crashed RPC
            return StackReport(findings=((internal_error(error), None),))
        notes = _config_notes(settings)
        findings = []
        for finding in verdict.findings:
            if finding.name is not None and settings.common.exclude.match(finding.name):
                continue
            extra = [refused[finding.urn]] if finding.urn in refused else []
            findings.append((_with_notes(finding.message, [*notes, *extra]), finding.urn))
        return StackReport(tuple(findings), verdict.gaps)


def _waiver_tags_present(stack: Stack, meta: PolicyMeta, urns: set[str | None]) -> dict[str | None, str]:
    """For stack findings on resources that carry a waiver tag for this policy: why it does not apply."""
    refused: dict[str | None, str] = {}
    for resource in stack.resources:
        if resource.urn not in urns:
            continue
        normalised = normalise(resource.resource_type, resource.props)
        if normalised is None:
            continue
        waiver = read_waiver(normalised.tags, meta.name, utc_today())
        if waiver.state is not WaiverState.ABSENT:
            refused[resource.urn] = _cannot_waive(waiver)
    return refused


PolicyDef = ResourcePolicyDef[Any] | StackPolicyDef[Any]


@dataclass
class Collector:
    """Accumulates findings and gaps while a judge walks a resource."""

    findings: list[Finding] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def add(self, message: str, urn: str | None = None, name: str | None = None) -> None:
        """Record one finding."""
        self.findings.append(Finding(message, urn, name))

    def verdict(self) -> Verdict:
        """The findings and gaps, de-duplicated, in the order found."""
        return Verdict(tuple(dict.fromkeys(self.findings)), tuple(dict.fromkeys(self.gaps)))

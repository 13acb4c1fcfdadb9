"""The pack's policy definitions as stock `pulumi_policy` policies, for someone else's `PolicyPack`.

This pack serves its policies with its own analyzer (`analyzer.py`). A team that composes its own pack from
several can instead add ours to it:

    PolicyPack("ours", policies=[*as_sdk_policies(), ...])

Each adapted policy converts and normalises the resource itself on every call (the slow path the analyzer
avoids) and answers as the analyzer does, with these differences, all because a stock pack runs each policy
alone and reports every violation at that policy's level:

- **Waivers.** A waived finding is left out of the waived policy's report, as in our pack, but nothing reports
  it instead: under a stock pack `report-waivers` reports only waiver tags that name no policy. Our analyzer
  reports the waived findings themselves under `report-waivers`, with reason and expiry.
- **Precedence.** The exposure policies have no call context, so each judges alone: an open SSH rule is also
  reported by the all-traffic, high-risk and unauthorised-ports policies whose ports include 22
  (`precedence.py`).
- **Secrets.** The stock SDK unwraps secret values before a policy sees them (it does not mark them), so messages
  may quote a secret value that our analyzer would call "a secret value".
- **Unreadable properties** fail the SDK's call before any policy runs, instead of one advisory note per policy.

What a policy could not check during preview is reported as the SDK's own preview note (an `UnknownValueError`
raised after every known finding is reported), worded exactly as our analyzer words it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pulumi_policy import (
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from .framework import EXCLUDED, NOTHING, Call, Memo, ResourcePolicyDef, StackPolicyDef, excluded, gap_message
from .rules import normalise
from .stack import Stack, StackResource
from .tables import UNKNOWN_STRING
from .waivers import utc_today
from .wire import thaw_props


class _PreviewGapError(UnknownValueError):
    """The SDK's signal for "could not check this during preview", carrying our wording of what is unknown."""

    def __init__(self, gaps: Sequence[str]) -> None:
        super().__init__(UNKNOWN_STRING, [])
        self.message = gap_message(gaps)


def as_sdk_policy(
    definition: ResourcePolicyDef[Any] | StackPolicyDef[Any], today: Callable[[], date] = utc_today
) -> ResourceValidationPolicy | StackValidationPolicy:
    """One definition as a stock policy; `today` is injectable so tests can pin waiver expiry."""
    if isinstance(definition, StackPolicyDef):
        return _stack_policy(definition)
    return _resource_policy(definition, today)


def _resource_policy(definition: ResourcePolicyDef[Any], today: Callable[[], date]) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in definition.applies_to:
            return
        settings = definition.read_settings(args.get_config() or {})
        if excluded(settings, args.name):
            args.not_applicable(EXCLUDED)
        resource = normalise(args.resource_type, thaw_props(args.props))
        if resource is None:
            return
        outcome = definition.outcome(resource, settings, Call(None, args.name, today, Memo()))
        if outcome is NOTHING:
            return
        for message in outcome.report:
            report_violation(message, None)
        if outcome.gaps:
            raise _PreviewGapError(outcome.gaps)

    return ResourceValidationPolicy(validate=validate, **definition.meta.sdk_fields())


def _stack_policy(definition: StackPolicyDef[Any]) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        settings = definition.read_settings(args.get_config() or {})
        found = definition.report(Stack(stack_resources(args)), settings)
        for message, urn in found.findings:
            report_violation(message, urn)
        if found.gaps:
            raise _PreviewGapError(found.gaps)

    return StackValidationPolicy(validate=validate, **definition.meta.sdk_fields())


def stack_resources(args: StackValidationArgs) -> list[StackResource]:
    """The SDK's stack as the stack policies read it: every resource thawed, links kept."""
    converted = {
        id(item): StackResource(item.resource_type, thaw_props(item.props), item.urn, item.name)
        for item in args.resources
    }
    for item in args.resources:
        resource = converted[id(item)]
        if item.parent is not None and id(item.parent) in converted:
            resource.parent = converted[id(item.parent)]
        resource.dependencies.extend(converted[id(dep)] for dep in item.dependencies if id(dep) in converted)
        for prop, found in item.property_dependencies.items():
            resource.property_dependencies[prop] = [converted[id(dep)] for dep in found if id(dep) in converted]
    return [converted[id(item)] for item in args.resources]


def as_sdk_policies(today: Callable[[], date] = utc_today) -> list[Policy]:
    """Every policy of this pack as stock policies, in pack order, ready for a `PolicyPack`."""
    from .catalogue import RESOURCE_POLICIES, STACK_POLICIES, WAIVER_REPORT, known_policies  # noqa: PLC0415  # cycle

    return [
        *(as_sdk_policy(definition, today) for definition in RESOURCE_POLICIES),
        waiver_report_policy(WAIVER_REPORT, known_policies()),
        *(as_sdk_policy(definition, today) for definition in STACK_POLICIES),
    ]


def waiver_report_policy(module: Any, known: frozenset[str]) -> ResourceValidationPolicy:
    """`report-waivers` as a stock policy: waiver tags that name no policy (no waived findings, see the module)."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in module.APPLIES_TO:
            return
        settings = module.read_settings(args.get_config() or {})
        try:
            resource, broken = normalise(args.resource_type, thaw_props(args.props)), None
        except Exception as error:  # noqa: BLE001  # said as our analyzer says it
            resource, broken = None, error
        for message in module.report((), resource, broken, settings, known):
            report_violation(message, None)

    return ResourceValidationPolicy(validate=validate, **module.META.sdk_fields())

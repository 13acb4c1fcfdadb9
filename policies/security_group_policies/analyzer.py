"""The pack's own gRPC analyzer: one conversion and one normalisation per request, policies run by this loop.

Each Analyze request's properties become plain values once (`engine_values`) and one normalised `Resource`
(`rules.normalise`), which every resource policy of the pack judges with its settings, read once per
`Configure`, and one `Call`: the enabled policies with their levels and settings (`context.py`, which the
exposure policies use to leave a port to the more specific policy that reports it, `precedence.py`) and a
per-request memo. The loop itself applies `excludeNames`, reports findings at each policy's level, reports the
findings that waivers turned into notes under `report-waivers` (at its level, after the other resource
policies), and reports what a policy could not check during preview as one advisory note per policy. An
AnalyzeStack request is converted once into one `Stack`, whose view by group the stack policies share.

What the engine sees is what the SDK's own servicer (`pulumi_policy.PolicyPack`) would send for these policies:
the same diagnostics in the same order, the same levels, not-applicable replies and preview-note wording
(tests compare both over gRPC, through the adapter in `sdk.py`). It also answers every request, whatever it
holds: properties it cannot read (see `engine_values` and `decoding`), and any exception outside the policies'
own guards, become one advisory note per policy that could not run, saying why (the kind of problem, never a
value), instead of a gRPC error status that would stop the CLI. Configure refuses `excludeNames` patterns RE2
cannot compile with INVALID_ARGUMENT, naming the policy, the entry and why.
"""

from __future__ import annotations

import functools
import gc
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent import futures
from datetime import date
from types import MappingProxyType
from typing import Any, Final, NamedTuple, NoReturn

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2
from pulumi_policy import EnforcementLevel, PolicyConfigSchema, Severity
from pulumi_policy.version import VERSION

from . import decoding
from .context import NO_CONFIG, Context, Enabled
from .decoding import PartialStack, Unreadable
from .engine_values import UnreadablePropsError, engine_values
from .framework import (
    EXCLUDED,
    NOTHING,
    Call,
    Memo,
    Outcome,
    PolicyMeta,
    ResourcePolicyDef,
    StackPolicyDef,
    excluded,
    gap_message,
    internal_error,
)
from .name_patterns import exclude_names_problems
from .parent_watch import watch_parent
from .rules import Resource, normalise
from .stack import Stack, StackResource
from .waivers import WaivedFinding, utc_today
from .wire import Plain

SDK_PACK_VERSION: Final = "0.0.1"
"""What the SDK reports as a Python pack's version; the CLI uses PulumiPolicy.yaml's instead."""

MAX_MESSAGE_BYTES: Final = 400 * 1024 * 1024
"""The SDK's limit on a request's size (a whole stack arrives in one AnalyzeStack)."""

WORKER_THREADS: Final = 4
"""As the SDK's server."""

NO_REMEDIATE: Final = "Policy does not implement remediate"
"""The SDK's reason for a validation-only policy at the remediate level during Remediate."""

RESOURCE_UNREAD: Final = "its properties could not be read ({reason}), so this policy did not check it"
STACK_UNREAD: Final = "the stack could not be read ({reason}), so this policy did not check it"
STACK_RESOURCE_UNREAD: Final = (
    "the properties of this resource could not be read ({reason}), so this policy did not check it; "
    "it checked the rest of the stack"
)
UNEXPECTED: Final = "an unexpected {error} in the policy pack; please report it with the resource's type and shape"
"""Why nothing was read, for an exception no guard expected: its type only, as its text could quote a value."""
POLICY_FAILED: Final = (
    "it stopped on an unexpected {error}, so it did not check {subject}; please report it with the resource's "
    "type and shape"
)

LEVELS: Final = {
    EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
    EnforcementLevel.REMEDIATE: analyzer_pb2.REMEDIATE,
    EnforcementLevel.DISABLED: analyzer_pb2.DISABLED,
}
"""Enforcement levels as the protocol spells them (the SDK's mapping)."""
LEVELS_FROM_WIRE: Final = {wire: level for level, wire in LEVELS.items()}
SEVERITIES: Final = {
    Severity.LOW: analyzer_pb2.POLICY_SEVERITY_LOW,
    Severity.MEDIUM: analyzer_pb2.POLICY_SEVERITY_MEDIUM,
    Severity.HIGH: analyzer_pb2.POLICY_SEVERITY_HIGH,
    Severity.CRITICAL: analyzer_pb2.POLICY_SEVERITY_CRITICAL,
}


class ConfigRefusedError(ValueError):
    """Configure refused the config; raised instead of aborting when the servicer is called in this process."""


def unread_message(pack: str, policy: str, what: str) -> str:
    """An unreadable-request note, worded as the SDK words its preview notes."""
    return f"can't run policy '{policy}' from policy pack '{pack}@v{SDK_PACK_VERSION}': {what}"


class WaiverReport(NamedTuple):
    """The policy that reports the call's waived findings (and waiver tags naming no policy)."""

    meta: PolicyMeta
    read_settings: Callable[[Mapping[str, object]], Any]
    report: Callable[[Sequence[WaivedFinding], Resource | None, Exception | None, Any, frozenset[str]], list[str]]
    """`securitygroup_report_waivers.report`: the notes, then the findings, in the order reported."""
    known_policies: frozenset[str]
    applies_to: frozenset[str]


class _Schema(NamedTuple):
    name: str
    config_schema: PolicyConfigSchema


class Planned(NamedTuple):
    """One enabled policy, as every call runs it until the next Configure."""

    meta: PolicyMeta
    level: EnforcementLevel
    """ADVISORY or MANDATORY: a remediate-level finding is reported as mandatory, as the SDK does."""
    settings: Any
    """Read once per Configure; None when reading them failed (then `failure` names the exception's type)."""
    failure: str | None
    definition: Any
    """The `ResourcePolicyDef`, `StackPolicyDef` or `WaiverReport`."""


class Plan(NamedTuple):
    """Everything Configure decides, swapped in whole so a call on another worker thread sees one plan."""

    resources: tuple[Planned, ...] = ()
    waiver_report: Planned | None = None
    stack: tuple[Planned, ...] = ()
    context: Context = MappingProxyType({})
    levels: Mapping[str, EnforcementLevel] = MappingProxyType({})
    """The levels Configure set, by policy name, as sent (remediate stays remediate)."""


class StackEntry(NamedTuple):
    """One resource of a stack to judge, with its props still to be read.

    `props` gives them as `engine_values` gives a request's Struct, or as plain values a caller in this process
    holds.
    """

    resource_type: str
    urn: str
    name: str
    props: Callable[[], Mapping[str, Plain]]
    parent: str
    dependencies: Sequence[str]
    property_dependencies: Mapping[str, Sequence[str]]


def _entry(item: Any) -> StackEntry:
    """An AnalyzeStack request's resource as a `StackEntry`."""
    return StackEntry(
        item.type,
        item.urn,
        item.name,
        functools.partial(engine_values, item.properties),
        item.parent,
        item.dependencies,
        {prop: found.urns for prop, found in item.propertyDependencies.items()},
    )


class PackAnalyzer(analyzer_pb2_grpc.AnalyzerServicer):
    """The pack's analyzer servicer: runs the pack's policy definitions over each request."""

    def __init__(  # the pack's parts, each named
        self,
        name: str,
        resource_policies: Sequence[ResourcePolicyDef[Any]],
        stack_policies: Sequence[StackPolicyDef[Any]],
        *,
        description: str | None = None,
        waiver_report: WaiverReport | None = None,
        judged_types: frozenset[str] | None = None,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self._pack_name = name
        self._resource_policies = tuple(resource_policies)
        self._waiver_report = waiver_report
        self._stack_policies = tuple(stack_policies)
        self._description = description
        self._judged_types = judged_types
        """The only types any policy reads, when known: an unreadable resource of another type needs no note."""
        self._today = today
        self._metas: tuple[PolicyMeta, ...] = (
            *(definition.meta for definition in self._resource_policies),
            *((waiver_report.meta,) if waiver_report is not None else ()),
            *(definition.meta for definition in self._stack_policies),
        )
        self._schemas = tuple(_Schema(meta.name, meta.config_schema()) for meta in self._metas)
        """What `excludeNames` checks read of each policy at Configure."""
        self._tags: Mapping[str, str] = MappingProxyType({})
        self._plan = self._make_plan({}, {})

    # --- Configuration --------------------------------------------------------------------------------------

    def GetAnalyzerInfo(self, _request: Any, _context: Any) -> analyzer_pb2.AnalyzerInfo:  # noqa: N802  # gRPC name
        """The pack and every policy, as the SDK describes them."""
        info = analyzer_pb2.AnalyzerInfo(name=self._pack_name, version=SDK_PACK_VERSION, supportsConfig=True)
        if self._description is not None:
            info.description = self._description
        stack_names = {definition.meta.name for definition in self._stack_policies}
        for meta in self._metas:
            policy = analyzer_pb2.PolicyInfo(
                name=meta.name,
                description=meta.description,
                enforcementLevel=LEVELS[meta.enforcement_level],
                policy_type=(
                    analyzer_pb2.PolicyType.POLICY_TYPE_STACK
                    if meta.name in stack_names
                    else analyzer_pb2.PolicyType.POLICY_TYPE_RESOURCE
                ),
                severity=SEVERITIES.get(meta.severity, analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED),
                remediation_steps=meta.remediation_steps,
            )
            schema = meta.config_schema()
            if schema.properties:
                policy.configSchema.properties.update(schema.properties)
            policy.tags.extend(meta.published_tags())
            if meta.url is not None:
                policy.url = meta.url
            info.policies.append(policy)
        return info

    def GetPluginInfo(self, _request: Any, _context: Any) -> plugin_pb2.PluginInfo:  # noqa: N802  # gRPC name
        """The SDK's version, as the SDK reports it."""
        return plugin_pb2.PluginInfo(version=VERSION)

    def Configure(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802  # gRPC method name
        """Refuse what no policy could use; else keep the levels and configs and plan every call."""
        if isinstance(request, Unreadable):
            _refuse(context, f"the policy config could not be read: {request.reason}")
        problems = exclude_names_problems(self._schemas, request.policyConfig)
        if problems:
            _refuse(context, "\n".join(problems))
        try:
            configs: dict[str, dict[str, Any]] = {}
            levels: dict[str, EnforcementLevel] = {}
            for name in request.policyConfig:
                value = request.policyConfig[name]
                configs[name] = json_format.MessageToDict(value.properties)
                if value.enforcementLevel not in LEVELS_FROM_WIRE:
                    raise AssertionError("unknown enforcement level")  # as the SDK refuses it
                levels[name] = LEVELS_FROM_WIRE[value.enforcementLevel]
        except Exception as error:  # noqa: BLE001  # say so clearly instead of an UNKNOWN status
            _refuse(context, f"the policy config could not be read ({type(error).__name__})")
        self._plan = self._make_plan(configs, levels)
        return empty_pb2.Empty()

    def ConfigureStack(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzerStackConfigureResponse:  # noqa: N802
        """Keep the stack's tags."""
        self._tags = MappingProxyType(dict(request.tags))
        return analyzer_pb2.AnalyzerStackConfigureResponse()

    def _make_plan(self, configs: Mapping[str, Mapping[str, Any]], levels: Mapping[str, EnforcementLevel]) -> Plan:
        def plan(definition: Any) -> Planned | None:
            meta: PolicyMeta = definition.meta
            level = levels.get(meta.name, meta.enforcement_level)
            if level == EnforcementLevel.DISABLED:
                return None
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY
            config = configs.get(meta.name)  # an empty config is no config, as the SDK hands it
            try:
                settings, failure = definition.read_settings(_read_only(config)), None
            except Exception as error:  # noqa: BLE001  # the policy then notes that it did not run, per call
                settings, failure = None, type(error).__name__
            return Planned(meta, level, settings, failure, definition)

        resources = tuple(p for p in map(plan, self._resource_policies) if p is not None)
        report = plan(self._waiver_report) if self._waiver_report is not None else None
        stack = tuple(p for p in map(plan, self._stack_policies) if p is not None)
        # What each resource policy of a call may know about the others (`context.py`): read-only, shared.
        context = MappingProxyType(
            {
                p.meta.name: Enabled(p.level, _read_only(configs.get(p.meta.name)), p.settings)
                for p in (*resources, *((report,) if report is not None else ()))
            }
        )
        return Plan(resources, report, stack, context, MappingProxyType(dict(levels)))

    # --- Analyze --------------------------------------------------------------------------------------------

    def Analyze(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzeResponse:  # noqa: N802  # gRPC method name
        """Run every resource policy on one resource.

        Props that cannot be read, and any exception outside the policies, give every policy that would have run
        an advisory note saying so instead of an error status.
        """
        if isinstance(request, Unreadable):
            return self._unreadable_resource(self._plan, request.resource_type, request.reason)
        return self.analyze_values(request.type, request.name, lambda: engine_values(request.properties))

    def analyze_values(
        self, resource_type: str, name: str, props: Callable[[], Mapping[str, Plain]]
    ) -> analyzer_pb2.AnalyzeResponse:
        """Analyze, for the gRPC method and for a caller in this process that holds the props as plain values.

        `props` gives them as `engine_values` gives a request's Struct; it is called only when some policy
        judges the type. The tools' audit calls this directly (`engine_values.python_values`), which spares each
        resource the Struct and back; everything past the props is this one path.
        """
        plan = self._plan
        try:
            return self._analyze(plan, resource_type, name, props)
        except UnreadablePropsError as error:
            return self._unreadable_resource(plan, resource_type, error.reason)
        except Exception as error:  # noqa: BLE001  # the last resort: an answer, never an error status
            return self._unreadable_resource(plan, resource_type, UNEXPECTED.format(error=type(error).__name__))

    def _analyze(
        self, plan: Plan, resource_type: str, name: str, props: Callable[[], Mapping[str, Plain]]
    ) -> analyzer_pb2.AnalyzeResponse:
        response = analyzer_pb2.AnalyzeResponse()
        active = [planned for planned in plan.resources if resource_type in planned.definition.applies_to]
        report = plan.waiver_report
        if report is not None and resource_type not in report.definition.applies_to:
            report = None
        if not active and report is None:
            return response  # no policy judges this type: nothing to read
        plain = props()
        resource: Resource | None = None
        broken: Exception | None = None
        try:
            resource = normalise(resource_type, plain)
        except Exception as error:  # noqa: BLE001  # every policy says it could not check the resource
            broken = error
        call = Call(plan.context, name, self._today, Memo())
        waived: list[WaivedFinding] = []
        for planned in active:
            if planned.failure is not None:
                what = POLICY_FAILED.format(error=planned.failure, subject="this resource")
                response.diagnostics.append(self._note(planned.meta, what))
                continue
            if excluded(planned.settings, name):
                reply = analyzer_pb2.PolicyNotApplicable(policy_name=planned.meta.name, reason=EXCLUDED)
                response.not_applicable.append(reply)
                continue
            if broken is not None:
                outcome = Outcome(report=(internal_error(broken),))
            elif resource is None:
                continue
            else:
                try:
                    outcome = planned.definition.outcome(resource, planned.settings, call)
                except Exception as error:  # noqa: BLE001  # past the policy's own guard: a note, the others run
                    what = POLICY_FAILED.format(error=type(error).__name__, subject="this resource")
                    response.diagnostics.append(self._note(planned.meta, what))
                    continue
                if outcome is NOTHING:
                    continue  # most resources, most policies
            for message in outcome.report:
                response.diagnostics.append(self._violation(planned, message, ""))
            waived.extend(outcome.waived)
            if outcome.gaps:
                response.diagnostics.append(self._gap_note(planned.meta, outcome.gaps))
        if report is not None:
            if report.failure is not None:
                what = POLICY_FAILED.format(error=report.failure, subject="this resource")
                response.diagnostics.append(self._note(report.meta, what))
            else:
                definition: WaiverReport = report.definition
                found = definition.report(waived, resource, broken, report.settings, definition.known_policies)
                response.diagnostics.extend(self._violation(report, message, "") for message in found)
        return response

    # --- AnalyzeStack ---------------------------------------------------------------------------------------

    def AnalyzeStack(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzeResponse:  # noqa: N802  # gRPC method name
        """Run every stack policy over the stack, converted once.

        Resources that cannot be read are left out of the stack the policies see, and each policy notes that
        it did not check them; anything else that goes wrong outside the policies gives one note per policy.
        """
        if isinstance(request, Unreadable):
            return self._unreadable_stack(self._plan, request.reason)
        unreadable: list[Unreadable] = []
        if isinstance(request, PartialStack):
            unreadable.extend(request.unreadable)
            request = request.request
        return self.analyze_stack_values(lambda: [_entry(item) for item in request.resources], unreadable)

    def analyze_stack_values(
        self, entries: Callable[[], Iterable[StackEntry]], unreadable: Sequence[Unreadable] = ()
    ) -> analyzer_pb2.AnalyzeResponse:
        """AnalyzeStack, for the gRPC method and for a caller in this process that holds the props as plain values.

        See `analyze_values`; `entries` is called only when some stack policy runs.
        """
        plan = self._plan
        unread = list(unreadable)
        try:
            response = self._analyze_stack(plan, entries, unread)
        except Exception as error:  # noqa: BLE001  # the last resort: an answer, never an error status
            return self._unreadable_stack(plan, UNEXPECTED.format(error=type(error).__name__))
        for item in unread:
            if self._judged_types is None or item.resource_type is None or item.resource_type in self._judged_types:
                for planned in plan.stack:
                    what = STACK_RESOURCE_UNREAD.format(reason=item.reason)
                    response.diagnostics.append(self._note(planned.meta, what, item.urn))
        return response

    def _analyze_stack(
        self, plan: Plan, entries: Callable[[], Iterable[StackEntry]], unreadable: list[Unreadable]
    ) -> analyzer_pb2.AnalyzeResponse:
        response = analyzer_pb2.AnalyzeResponse()
        if not plan.stack:
            return response
        stack = Stack(self._stack(entries(), unreadable))
        # The converted stack stays alive while every stack policy runs, and each full collection of Python's
        # cyclic GC would rescan all of it: at 10,000 resources that made the time grow faster than the stack
        # (bench/BENCHMARKS.md). Nothing on this path forms cycles, so what is alive now leaves the collector's
        # scans; reference counting still frees it when the call ends. This is the loop's doing, once per call,
        # never a policy's.
        gc.freeze()
        for planned in plan.stack:
            if planned.failure is not None:
                what = POLICY_FAILED.format(error=planned.failure, subject="the stack")
                response.diagnostics.append(self._note(planned.meta, what))
                continue
            definition: StackPolicyDef[Any] = planned.definition
            try:
                found = definition.report(stack, planned.settings)
            except Exception as error:  # noqa: BLE001  # past the policy's own guard: a note, the others run
                what = POLICY_FAILED.format(error=type(error).__name__, subject="the stack")
                response.diagnostics.append(self._note(planned.meta, what))
                continue
            for message, urn in found.findings:
                response.diagnostics.append(self._violation(planned, message, urn or ""))
            if found.gaps:
                response.diagnostics.append(self._gap_note(planned.meta, found.gaps))
        return response

    @staticmethod
    def _stack(entries: Iterable[StackEntry], unreadable: list[Unreadable]) -> list[StackResource]:
        """The stack's resources with parents and dependencies linked, as the SDK links them.

        A resource whose props cannot be read is left out (and added to `unreadable`), as if not in the stack.
        """
        resources: list[StackResource] = []
        kept: list[StackEntry] = []
        by_urn: dict[str, StackResource] = {}
        for entry in entries:
            try:
                props = entry.props()
            except UnreadablePropsError as error:
                unreadable.append(Unreadable(entry.resource_type, entry.urn, entry.name, error.reason))
                continue
            resource = StackResource(entry.resource_type, props, entry.urn, entry.name)
            resources.append(resource)
            kept.append(entry)
            by_urn[entry.urn] = resource
        for entry, resource in zip(kept, resources, strict=True):
            if entry.parent in by_urn:
                resource.parent = by_urn[entry.parent]
            resource.dependencies.extend(by_urn[urn] for urn in entry.dependencies if urn in by_urn)
            for prop, found in entry.property_dependencies.items():
                resource.property_dependencies[prop] = [by_urn[urn] for urn in found if urn in by_urn]
        return resources

    # --- Remediate ------------------------------------------------------------------------------------------

    def Remediate(self, request: Any, _context: Any) -> analyzer_pb2.RemediateResponse:  # noqa: N802  # gRPC name
        """What the SDK answers: no policy served here rewrites resources, so the props are never read.

        Each resource policy set to the remediate level is not applicable, with the SDK's reason.
        """
        del request
        levels = self._plan.levels
        response = analyzer_pb2.RemediateResponse()
        for definition in (*self._resource_policies, *((self._waiver_report,) if self._waiver_report else ())):
            meta: PolicyMeta = definition.meta
            if levels.get(meta.name, meta.enforcement_level) == EnforcementLevel.REMEDIATE:
                response.not_applicable.append(
                    analyzer_pb2.PolicyNotApplicable(policy_name=meta.name, reason=NO_REMEDIATE)
                )
        return response

    # --- Replies --------------------------------------------------------------------------------------------

    def _violation(self, planned: Planned, message: str, urn: str) -> analyzer_pb2.AnalyzeDiagnostic:
        """A finding at the policy's level, worded as the SDK's `report_violation` words it."""
        meta = planned.meta
        return analyzer_pb2.AnalyzeDiagnostic(
            policyName=meta.name,
            policyPackName=self._pack_name,
            policyPackVersion=SDK_PACK_VERSION,
            message=f"{meta.description}\n{message}" if message else meta.description,
            urn=urn,
            description=meta.description,
            enforcementLevel=LEVELS[planned.level],
            severity=SEVERITIES.get(meta.severity, analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED),
        )

    def _gap_note(self, meta: PolicyMeta, gaps: Sequence[str]) -> analyzer_pb2.AnalyzeDiagnostic:
        """The SDK's advisory preview note for a policy that met values not known until apply."""
        return analyzer_pb2.AnalyzeDiagnostic(
            policyName=meta.name,
            policyPackName=self._pack_name,
            policyPackVersion=SDK_PACK_VERSION,
            message=(
                f"can't run policy '{meta.name}' from policy pack '{self._pack_name}@v{SDK_PACK_VERSION}' "
                f"during preview: {gap_message(gaps)}"
            ),
            urn="",
            description=meta.description,
            enforcementLevel=analyzer_pb2.ADVISORY,
        )

    def _note(self, meta: PolicyMeta, what: str, urn: str = "") -> analyzer_pb2.AnalyzeDiagnostic:
        """An advisory note for a policy that could not run, like the SDK's preview notes."""
        return analyzer_pb2.AnalyzeDiagnostic(
            policyName=meta.name,
            policyPackName=self._pack_name,
            policyPackVersion=SDK_PACK_VERSION,
            message=unread_message(self._pack_name, meta.name, what),
            urn=urn,
            description=meta.description,
            enforcementLevel=analyzer_pb2.ADVISORY,
        )

    def _unreadable_resource(self, plan: Plan, resource_type: str | None, reason: str) -> analyzer_pb2.AnalyzeResponse:
        """One advisory note per resource policy that would have run on this resource."""
        response = analyzer_pb2.AnalyzeResponse()
        if resource_type is not None and self._judged_types is not None and resource_type not in self._judged_types:
            return response  # no policy reads this type: nothing was left unchecked
        what = RESOURCE_UNREAD.format(reason=reason)
        for planned in plan.resources:
            if resource_type is None or resource_type in planned.definition.applies_to:
                response.diagnostics.append(self._note(planned.meta, what))
        if plan.waiver_report is not None:  # it reads the tags of every type the pack judges
            response.diagnostics.append(self._note(plan.waiver_report.meta, what))
        return response

    def _unreadable_stack(self, plan: Plan, reason: str) -> analyzer_pb2.AnalyzeResponse:
        """One advisory note per stack policy: none of them could look at the stack."""
        response = analyzer_pb2.AnalyzeResponse()
        for planned in plan.stack:
            response.diagnostics.append(self._note(planned.meta, STACK_UNREAD.format(reason=reason)))
        return response


def _read_only(config: Mapping[str, Any] | None) -> Mapping[str, object]:
    """A policy's config as its settings reader and the context see it: a read-only copy, or `NO_CONFIG`."""
    return MappingProxyType(dict(config)) if config else NO_CONFIG


def _refuse(context: Any, message: str) -> NoReturn:
    """End Configure with INVALID_ARGUMENT (the CLI stops with `message`), or raise it in this process."""
    if context is None:
        raise ConfigRefusedError(message)
    context.abort(grpc.StatusCode.INVALID_ARGUMENT, message)
    raise AssertionError("grpc's abort returned")  # it raises; this keeps the type checker honest


def serve(analyzer: PackAnalyzer) -> None:
    """Serve as `PolicyPack` does: 127.0.0.1 on a free port, printed on stdout for the CLI, until interrupted.

    Also until the parent is gone, when the tools that start the pack hand it a pipe to watch (`parent_watch`).
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKER_THREADS),
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)],
    )
    decoding.add_to_server(analyzer, server)  # the generated table, with decoders that never refuse a request
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    watch_parent(lambda: server.stop(grace=None))
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)

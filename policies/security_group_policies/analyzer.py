"""Serve the pack over gRPC with one conversion of each request, shared by every policy.

`pulumi_policy.PolicyPack` serves `_PolicyAnalyzerServicer`, which converts the request's protobuf properties
to Python values (`MessageToDict`, `deserialize_properties`, the unknown-checking proxy) once *per policy*, and
for AnalyzeStack the whole stack once per stack policy. For this pack's 12 resource policies that repetition
cost more than the policies themselves (`bench/BENCHMARKS.md`). `OneConversionAnalyzer` answers exactly as the
SDK's servicer does (the same loop, levels, not-applicable replies and preview notes, in the same order; tests
compare both on every kind of request), except that each resource is converted once per call, in one walk
(`engine_props`), and every policy receives that same value. Every policy of this pack only reads its props,
which is what makes the sharing safe; a policy that mutated them would see another policy's changes. Levels
and configs are worked out once per `Configure` rather than once per call, and each policy's config is handed
over read-only. One addition: each resource policy's arguments also carry the call's context, the enabled
policies with their levels and configs (`context.py`), which the exposure policies use to leave a port to the
more specific policy that reports it (`precedence.py`); the SDK's servicer has no such context, and there each
policy judges on its own.

It also answers every request, whatever it holds: properties it cannot read (see `engine_props` and
`decoding`), and any exception outside the policies' own guards, become one advisory note per policy that
could not run, saying why (the kind of problem, never a value), instead of a gRPC error status that would stop
the CLI. Remediate answers without reading the properties at all while no policy rewrites resources (none of
this pack's does): the engine calls it before Analyze for every resource. Configure refuses `excludeNames`
patterns RE2 cannot compile with INVALID_ARGUMENT, naming the policy, the entry and why.

Everything else (GetAnalyzerInfo, ConfigureStack, ...) is the SDK's own code.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from concurrent import futures
from inspect import isawaitable
from types import MappingProxyType
from typing import Any, Final, NamedTuple, NoReturn

import grpc
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError, _DictProxy

from . import decoding
from .context import NO_CONFIG, Context, ContextArgs, Enabled
from .decoding import PartialStack, Unreadable
from .engine_props import UnreadablePropsError, proxied_props
from .name_patterns import exclude_names_problems
from .parent_watch import watch_parent
from .waivers import forget_notes

SDK_PACK_VERSION: Final = "0.0.1"
"""What the SDK reports as a Python pack's version; the CLI uses PulumiPolicy.yaml's instead."""

MAX_MESSAGE_BYTES: Final = 400 * 1024 * 1024
"""The SDK's limit on a request's size (a whole stack arrives in one AnalyzeStack)."""

WORKER_THREADS: Final = 4
"""As the SDK's server."""

NO_VALIDATE: Final = "Policy does not implement validate"
"""The SDK's reason for a remediation-only policy during Analyze."""

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


class ConfigRefusedError(ValueError):
    """Configure refused the config; raised instead of aborting when the servicer is called in this process."""


def unread_message(pack: str, policy: str, what: str) -> str:
    """An unreadable-request note, worded as the SDK words its preview notes."""
    return f"can't run policy '{policy}' from policy pack '{pack}@v{SDK_PACK_VERSION}': {what}"


class Planned(NamedTuple):
    """One enabled policy, as every call runs it until the next Configure."""

    policy: Any
    level: EnforcementLevel
    config: Mapping[str, Any] | None
    resource_types: frozenset[str] | None
    """The only types a resource policy reports on, when it says so (`framework.TypedResourcePolicy`)."""


class SharedStack(list[PolicyResource]):
    """The stack as every stack policy of one AnalyzeStack call receives it.

    A list that can be weakly referenced, so a policy's per-call cache (`stack.build`) can recognise the same
    call by identity without keeping the stack alive after it.
    """


class OneConversionAnalyzer(_PolicyAnalyzerServicer):
    """The SDK's analyzer servicer, converting each request once instead of once per policy."""

    def __init__(
        self,
        name: str,
        policies: Sequence[Policy],
        enforcement_level: EnforcementLevel,
        description: str | None = None,
        judged_types: frozenset[str] | None = None,
    ) -> None:
        super().__init__(name, SDK_PACK_VERSION, list(policies), enforcement_level, description=description)
        self._judged_types = judged_types
        """The only types any policy reads, when known: an unreadable resource of another type needs no note."""
        self._pack_name = name
        self._policies = list(policies)
        self._tags: MappingProxyType[str, str] = MappingProxyType({})
        self._resource_plan: list[Planned] = []
        self._stack_plan: list[Planned] = []
        self._context: Context = MappingProxyType({})
        self._plan()
        # The SDK applies the project, stack and config from the environment on every call. The environment of a
        # plugin cannot change after it starts, so once is the same.
        self._configure_runtime_settings()  # type: ignore[no-untyped-call]  # untyped in the SDK

    def Configure(self, request: Any, context: Any) -> Any:  # noqa: N802  # gRPC method name
        """Refuse what no policy could use; else let the SDK keep the levels and configs, then plan every call."""
        if isinstance(request, Unreadable):
            _refuse(context, f"the policy config could not be read: {request.reason}")
        problems = exclude_names_problems(self._policies, request.policyConfig)
        if problems:
            _refuse(context, "\n".join(problems))
        try:
            reply = super().Configure(request, context)  # type: ignore[no-untyped-call]  # untyped in the SDK
        except Exception as error:  # noqa: BLE001  # say so clearly instead of an UNKNOWN status
            _refuse(context, f"the policy config could not be read ({type(error).__name__})")
        self._plan()
        return reply

    def _plan(self) -> None:
        """Each enabled policy with the level it reports at and its config, in the SDK's order."""
        resource_plan: list[Planned] = []
        stack_plan: list[Planned] = []
        for policy in self._policies:
            level: EnforcementLevel = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED:
                continue
            if level == EnforcementLevel.REMEDIATE:  # the SDK reports a remediate-level finding as mandatory
                level = EnforcementLevel.MANDATORY
            config = self._get_policy_config(policy.name)
            planned = Planned(
                policy,
                level,
                None if config is None else MappingProxyType(config),
                getattr(policy, "resource_types", None),
            )
            if isinstance(policy, ResourceValidationPolicy):
                resource_plan.append(planned)
            elif isinstance(policy, StackValidationPolicy):
                stack_plan.append(planned)
        # What each resource policy of a call may know about the others (`context.py`): read-only, shared.
        context = MappingProxyType(
            {planned.policy.name: Enabled(planned.level, planned.config or NO_CONFIG) for planned in resource_plan}
        )
        # Whole lists are swapped in, so a call on another worker thread sees either plan, never half of one.
        self._resource_plan, self._stack_plan, self._context = resource_plan, stack_plan, context

    def ConfigureStack(self, request: Any, context: Any) -> Any:  # noqa: N802  # gRPC method name
        """Keep the stack's tags, which every policy's args carry, and let the SDK keep its copy too."""
        self._tags = MappingProxyType(dict(request.tags))
        return super().ConfigureStack(request, context)

    def Analyze(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzeResponse:  # noqa: N802  # gRPC method name
        """Run every resource policy on one resource, as the SDK does, with one conversion of its props.

        Props that cannot be read, and any exception outside the policies, give every policy that would have run
        an advisory note saying so instead of an error status.
        """
        if isinstance(request, Unreadable):
            return self._unreadable_resource(request.resource_type, request.reason)
        try:
            return self._analyze(request)
        except UnreadablePropsError as error:
            return self._unreadable_resource(request.type, error.reason)
        except Exception as error:  # noqa: BLE001  # the last resort: an answer, never an error status
            forget_notes()  # waiver notes of a call that did not finish must not reach a later one
            return self._unreadable_resource(request.type, UNEXPECTED.format(error=type(error).__name__))

    def _analyze(self, request: Any) -> analyzer_pb2.AnalyzeResponse:
        response = analyzer_pb2.AnalyzeResponse()
        shared: tuple[Any, Any, Any] | None = None
        for policy, level, config, resource_types in self._resource_plan:
            if not policy.has_validation():
                response.not_applicable.append(
                    analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=NO_VALIDATE)
                )
                continue
            if resource_types is not None and request.type not in resource_types:
                continue  # the policy would return without a word
            if shared is None:
                shared = (
                    self._props(request),
                    self._get_resource_options(request),
                    self._get_provider_resource(request),
                )
            props, options, provider = shared
            args = ContextArgs(
                request.type,
                props,
                request.urn,
                request.name,
                options,
                provider,
                config,
                self._tags,
                context=self._context,
            )
            self._run(policy, level, args, response)
        return response

    def AnalyzeStack(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzeResponse:  # noqa: N802  # gRPC method name
        """Run every stack policy over the stack, as the SDK does, with one conversion of the stack.

        Resources that cannot be read are left out of the stack the policies see, and each policy notes that
        it did not check them; anything else that goes wrong outside the policies gives one note per policy.
        """
        if isinstance(request, Unreadable):
            return self._unreadable_stack(request.reason)
        unreadable: list[Unreadable] = []
        if isinstance(request, PartialStack):
            unreadable.extend(request.unreadable)
            request = request.request
        try:
            response = self._analyze_stack(request, unreadable)
        except Exception as error:  # noqa: BLE001  # the last resort: an answer, never an error status
            return self._unreadable_stack(UNEXPECTED.format(error=type(error).__name__))
        for item in unreadable:
            if self._judged_types is None or item.resource_type is None or item.resource_type in self._judged_types:
                for planned in self._stack_plan:
                    what = STACK_RESOURCE_UNREAD.format(reason=item.reason)
                    response.diagnostics.append(self._note(planned.policy, what, item.urn))
        return response

    def _analyze_stack(self, request: Any, unreadable: list[Unreadable]) -> analyzer_pb2.AnalyzeResponse:
        response = analyzer_pb2.AnalyzeResponse()
        resources: SharedStack | None = None
        for policy, level, config, _ in self._stack_plan:
            if resources is None:
                resources = self._stack(request, unreadable)
            args = StackValidationArgs(resources, config, self._tags)
            self._run(policy, level, args, response)
        return response

    def Remediate(self, request: Any, context: Any) -> analyzer_pb2.RemediateResponse:  # noqa: N802  # gRPC method name
        """What the SDK's Remediate answers, without reading the props while no policy rewrites resources.

        The SDK converts the props first (and so fails on what `MessageToDict` refuses) even when every
        remediate-level policy only validates, which is all it then reports. When a policy does rewrite
        resources, the SDK's own Remediate runs, guarded.
        """
        response = analyzer_pb2.RemediateResponse()
        for policy in self._policies:
            if self._get_enforcement_level(policy) != EnforcementLevel.REMEDIATE:
                continue
            if not isinstance(policy, ResourceValidationPolicy):
                continue
            if policy.has_remediation():
                return self._sdk_remediate(request, context)
            response.not_applicable.append(
                analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=NO_REMEDIATE)
            )
        return response

    def _sdk_remediate(self, request: Any, context: Any) -> analyzer_pb2.RemediateResponse:
        reason: str
        if isinstance(request, Unreadable):
            reason = request.reason
        else:
            try:
                return super().Remediate(request, context)  # type: ignore[no-untyped-call,no-any-return]  # untyped
            except Exception as error:  # noqa: BLE001  # the last resort: an answer, never an error status
                reason = UNEXPECTED.format(error=type(error).__name__)
        response = analyzer_pb2.RemediateResponse()
        for policy in self._policies:
            level = self._get_enforcement_level(policy)
            if (
                level == EnforcementLevel.REMEDIATE
                and isinstance(policy, ResourceValidationPolicy)
                and policy.has_remediation()
            ):
                response.remediations.append(
                    analyzer_pb2.Remediation(
                        policyName=policy.name,
                        policyPackName=self._pack_name,
                        policyPackVersion=SDK_PACK_VERSION,
                        description=policy.description,
                        diagnostic=unread_message(self._pack_name, policy.name, RESOURCE_UNREAD.format(reason=reason)),
                    )
                )
        return response

    def _unreadable_resource(self, resource_type: str | None, reason: str) -> analyzer_pb2.AnalyzeResponse:
        """One advisory note per resource policy that would have run on this resource."""
        response = analyzer_pb2.AnalyzeResponse()
        if resource_type is not None and self._judged_types is not None and resource_type not in self._judged_types:
            return response  # no policy reads this type: nothing was left unchecked
        for planned in self._resource_plan:
            if not planned.policy.has_validation():
                continue
            types = planned.resource_types
            if resource_type is not None and types is not None and resource_type not in types:
                continue
            what = RESOURCE_UNREAD.format(reason=reason)
            response.diagnostics.append(self._note(planned.policy, what, ""))
        return response

    def _unreadable_stack(self, reason: str) -> analyzer_pb2.AnalyzeResponse:
        """One advisory note per stack policy: none of them could look at the stack."""
        response = analyzer_pb2.AnalyzeResponse()
        for planned in self._stack_plan:
            response.diagnostics.append(self._note(planned.policy, STACK_UNREAD.format(reason=reason), ""))
        return response

    def _note(self, policy: Any, what: str, urn: str) -> analyzer_pb2.AnalyzeDiagnostic:
        """An advisory note for `policy`, like the SDK's preview notes (the engine counts the policy as not passed)."""
        return analyzer_pb2.AnalyzeDiagnostic(
            policyName=policy.name,
            policyPackName=self._pack_name,
            policyPackVersion=SDK_PACK_VERSION,
            message=unread_message(self._pack_name, policy.name, what),
            urn=urn,
            description=policy.description,
            enforcementLevel=analyzer_pb2.ADVISORY,
        )

    @staticmethod
    def _props(message: Any) -> Any:
        return proxied_props(message.properties)

    def _get_provider_resource(self, request: Any) -> PolicyProviderResource | None:
        """The provider as the SDK builds it, its props converted as a resource's are.

        No policy of this pack reads a provider's props, so props that cannot be read become empty ones rather
        than leaving the resource itself unchecked.
        """
        if not request.HasField("provider"):
            return None
        provider = request.provider
        try:
            props = proxied_props(provider.properties)
        except UnreadablePropsError:
            props = _DictProxy({}, [])
        return PolicyProviderResource(provider.type, props, provider.urn, provider.name)

    def _stack(self, request: Any, unreadable: list[Unreadable]) -> SharedStack:
        """The stack's resources with parents and dependencies linked, as the SDK builds them.

        A resource whose props cannot be read is left out (and added to `unreadable`), as if not in the stack.
        """
        resources = SharedStack()
        items = []
        by_urn: dict[str, PolicyResource] = {}
        for item in request.resources:
            try:
                props = self._props(item)
            except UnreadablePropsError as error:
                unreadable.append(Unreadable(item.type, item.urn, item.name, error.reason))
                continue
            resource = PolicyResource(
                item.type,
                props,
                item.urn,
                item.name,
                self._get_resource_options(item),
                self._get_provider_resource(item),
                None,
                [],
                {},
            )
            resources.append(resource)
            items.append(item)
            by_urn[item.urn] = resource
        for item, resource in zip(items, resources, strict=True):
            if item.parent in by_urn:
                resource.parent = by_urn[item.parent]
            resource.dependencies.extend(by_urn[urn] for urn in item.dependencies if urn in by_urn)
            for prop, found in item.propertyDependencies.items():
                resource.property_dependencies[prop] = [by_urn[urn] for urn in found.urns if urn in by_urn]
        return resources

    def _run(self, policy: Any, level: EnforcementLevel, args: Any, response: analyzer_pb2.AnalyzeResponse) -> None:
        """Call one policy; turn its not-applicable and unknown-value exits into the SDK's replies."""
        report_violation = self._create_report_violation(
            response, policy.name, policy.description, level, policy.severity
        )
        try:
            result = policy.validate(args, report_violation)
            if result is not None and isawaitable(result):
                loop = asyncio.new_event_loop()
                try:
                    loop.run_until_complete(result)
                finally:
                    loop.close()
        except UnknownValueError as error:
            response.diagnostics.append(
                analyzer_pb2.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=self._pack_name,
                    policyPackVersion=SDK_PACK_VERSION,
                    message=(
                        f"can't run policy '{policy.name}' from policy pack "
                        f"'{self._pack_name}@v{SDK_PACK_VERSION}' during preview: {error.message}"
                    ),
                    urn="",
                    description=policy.description,
                    enforcementLevel=analyzer_pb2.ADVISORY,
                )
            )
        except _NotApplicableError as error:
            response.not_applicable.append(
                analyzer_pb2.PolicyNotApplicable(policy_name=policy.name, reason=error.reason or "")
            )
        except Exception as error:  # noqa: BLE001  # outside the policy's own guard: a note, never an error status
            subject = "the stack" if isinstance(args, StackValidationArgs) else "this resource"
            what = POLICY_FAILED.format(error=type(error).__name__, subject=subject)
            response.diagnostics.append(self._note(policy, what, ""))


def _refuse(context: Any, message: str) -> NoReturn:
    """End Configure with INVALID_ARGUMENT (the CLI stops with `message`), or raise it in this process."""
    if context is None:
        raise ConfigRefusedError(message)
    context.abort(grpc.StatusCode.INVALID_ARGUMENT, message)
    raise AssertionError("grpc's abort returned")  # it raises; this keeps the type checker honest


def serve(analyzer: OneConversionAnalyzer) -> None:
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

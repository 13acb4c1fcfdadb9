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
over read-only.

Everything else (GetAnalyzerInfo, Configure, ConfigureStack, Remediate, ...) is the SDK's own code.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping, Sequence
from concurrent import futures
from inspect import isawaitable
from types import MappingProxyType
from typing import Any, Final, NamedTuple

import grpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError

from .engine_props import proxied_props
from .parent_watch import watch_parent

SDK_PACK_VERSION: Final = "0.0.1"
"""What the SDK reports as a Python pack's version; the CLI uses PulumiPolicy.yaml's instead."""

MAX_MESSAGE_BYTES: Final = 400 * 1024 * 1024
"""The SDK's limit on a request's size (a whole stack arrives in one AnalyzeStack)."""

WORKER_THREADS: Final = 4
"""As the SDK's server."""

NO_VALIDATE: Final = "Policy does not implement validate"
"""The SDK's reason for a remediation-only policy during Analyze."""


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
    ) -> None:
        super().__init__(name, SDK_PACK_VERSION, list(policies), enforcement_level, description=description)
        self._pack_name = name
        self._policies = list(policies)
        self._tags: MappingProxyType[str, str] = MappingProxyType({})
        self._resource_plan: list[Planned] = []
        self._stack_plan: list[Planned] = []
        self._plan()
        # The SDK applies the project, stack and config from the environment on every call. The environment of a
        # plugin cannot change after it starts, so once is the same.
        self._configure_runtime_settings()  # type: ignore[no-untyped-call]  # untyped in the SDK

    def Configure(self, request: Any, context: Any) -> Any:  # noqa: N802  # gRPC method name
        """Let the SDK keep the levels and configs, then plan every call with them."""
        reply = super().Configure(request, context)  # type: ignore[no-untyped-call]  # untyped in the SDK
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
        # Whole lists are swapped in, so a call on another worker thread sees either plan, never half of one.
        self._resource_plan, self._stack_plan = resource_plan, stack_plan

    def ConfigureStack(self, request: Any, context: Any) -> Any:  # noqa: N802  # gRPC method name
        """Keep the stack's tags, which every policy's args carry, and let the SDK keep its copy too."""
        self._tags = MappingProxyType(dict(request.tags))
        return super().ConfigureStack(request, context)

    def Analyze(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzeResponse:  # noqa: N802  # gRPC method name
        """Run every resource policy on one resource, as the SDK does, with one conversion of its props."""
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
            args = ResourceValidationArgs(
                request.type,
                props,
                request.urn,
                request.name,
                options,
                provider,
                config,
                self._tags,
            )
            self._run(policy, level, args, response)
        return response

    def AnalyzeStack(self, request: Any, _context: Any) -> analyzer_pb2.AnalyzeResponse:  # noqa: N802  # gRPC method name
        """Run every stack policy over the stack, as the SDK does, with one conversion of the stack."""
        response = analyzer_pb2.AnalyzeResponse()
        resources: SharedStack | None = None
        for policy, level, config, _ in self._stack_plan:
            if resources is None:
                resources = self._stack(request)
            args = StackValidationArgs(resources, config, self._tags)
            self._run(policy, level, args, response)
        return response

    @staticmethod
    def _props(message: Any) -> Any:
        return proxied_props(message.properties)

    def _stack(self, request: Any) -> SharedStack:
        """The stack's resources with parents and dependencies linked, as the SDK builds them."""
        resources = SharedStack()
        by_urn: dict[str, PolicyResource] = {}
        for item in request.resources:
            resource = PolicyResource(
                item.type,
                self._props(item),
                item.urn,
                item.name,
                self._get_resource_options(item),
                self._get_provider_resource(item),
                None,
                [],
                {},
            )
            resources.append(resource)
            by_urn[item.urn] = resource
        for item, resource in zip(request.resources, resources, strict=True):
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


def serve(analyzer: OneConversionAnalyzer) -> None:
    """Serve as `PolicyPack` does: 127.0.0.1 on a free port, printed on stdout for the CLI, until interrupted.

    Also until the parent is gone, when the tools that start the pack hand it a pipe to watch (`parent_watch`).
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKER_THREADS),
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)],
    )
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(analyzer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    watch_parent(lambda: server.stop(grace=None))
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)

"""The policy pack in this process: the SDK's own analyzer servicer, given the pack's own policies.

`pulumi.policy` serves a pack by wrapping its policies in `_PolicyAnalyzerServicer` and answering the engine's
gRPC calls with it. Calling that same servicer's methods directly, with the requests the engine would send
(GetAnalyzerInfo, Configure with the config reconciled as the engine reconciles it, Analyze per resource,
AnalyzeStack once), runs exactly the code `pulumi preview` runs (enforcement levels, waivers, not-applicable
handling, the policies themselves) without a second copy of any of it and without a server. The servicer is a
private SDK class: tests/test_audit.py checks that it answers GetAnalyzerInfo exactly as the pack process does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer
from security_group_policies.catalogue import PACK_DESCRIPTION, PACK_NAME, policies

from .aws_inventory import PROGRESS_EVERY, Progress
from .pack_runner import Diagnostic, StackItem, analyze_request, configure_request, diagnostics, reconcile
from .pack_runner import stack_request as build_stack_request

PACK_ENFORCEMENT_LEVEL: Final = EnforcementLevel.ADVISORY
"""The pack-wide default of policies/__main__.py (every policy also sets its own)."""

SDK_PACK_VERSION: Final = "0.0.1"
"""What `PolicyPack` hands its servicer (the CLI shows PulumiPolicy.yaml's version instead, but the servicer's own
messages, such as preview gaps, carry this one)."""


class InProcessPack:
    """The pack's analyzer, called as the engine calls it, in this process."""

    def __init__(self) -> None:
        # Any: the SDK's servicer methods are untyped.
        self._servicer: Any = _PolicyAnalyzerServicer(
            PACK_NAME, SDK_PACK_VERSION, policies(), PACK_ENFORCEMENT_LEVEL, description=PACK_DESCRIPTION
        )

    @property
    def servicer(self) -> Any:
        """The SDK's servicer itself, for callers that send their own requests (the benchmark's profiler)."""
        return self._servicer

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        """GetAnalyzerInfo: the policies with their default levels and config schemas."""
        info: analyzer_pb2.AnalyzerInfo = self._servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
        return info

    def configure(self, document: Mapping[str, Any] | None) -> dict[str, tuple[str, dict[str, Any] | None]]:
        """Reconcile a `--policy-pack-config` document as the engine does, and Configure with it.

        Raises pack_runner.ConfigError when the engine would refuse the document.
        """
        reconciled = reconcile(self.info(), document)
        self._servicer.Configure(configure_request(reconciled), None)
        return reconciled

    def analyze(self, items: Sequence[StackItem], progress: Progress | None = None) -> list[tuple[str, Diagnostic]]:
        """Analyze each resource, then AnalyzeStack over all of them, as during `pulumi preview`.

        Returns each diagnostic with the logical name of the resource it is about: resource policies report
        without a URN (the SDK leaves it empty), so the name comes from the request; stack policies name theirs.
        """
        found: list[tuple[str, Diagnostic]] = []
        for done, item in enumerate(items, start=1):
            response = self._servicer.Analyze(analyze_request(item.resource_type, item.name, item.props), None)
            found.extend((item.name, diagnostic) for diagnostic in diagnostics(response))
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(f"analysed {done} of {len(items)} resources…")
        stack = diagnostics(self._servicer.AnalyzeStack(build_stack_request(items), None))
        found.extend((diagnostic.urn.rsplit("::", 1)[-1], diagnostic) for diagnostic in stack)
        return found

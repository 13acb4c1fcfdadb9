"""The policy pack in this process: the very analyzer servicer the pack process serves, called directly.

`policies/__main__.py` serves `catalogue.analyzer()` over gRPC. Calling that same servicer's methods directly,
with the requests the engine would send (GetAnalyzerInfo, Configure with the config reconciled as the engine
reconciles it, Analyze per resource, AnalyzeStack once), runs exactly the code `pulumi preview` runs
(enforcement levels, waivers, not-applicable handling, the policies themselves) without a second copy of any of
it and without a server. Analyze and AnalyzeStack are called through the entries the gRPC methods themselves
call (`analyze_values`, `analyze_stack_values`), with each resource's props as the plain values the pack would
read from the engine's Struct (`engine_values.python_values`), so no Struct is built only to be read back.
tests/test_audit.py and tests/test_audit_in_process.py check that it answers exactly as the pack process does.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2
from security_group_policies.analyzer import ConfigRefusedError, StackEntry
from security_group_policies.catalogue import analyzer
from security_group_policies.engine_values import engine_values, python_values
from security_group_policies.wire import Plain

from .aws_inventory import PROGRESS_EVERY, Progress
from .pack_runner import ConfigError, Diagnostic, StackItem, configure_request, diagnostics, linked, reconcile, struct


@dataclass(frozen=True)
class Early:
    """One resource's Analyze diagnostics, judged before the rest of its stack was read (`early_judging`)."""

    item: StackItem
    """The resource exactly as it was judged."""
    diagnostics: tuple[Diagnostic, ...]


class InProcessPack:
    """The pack's analyzer, called as the engine calls it, in this process."""

    def __init__(self) -> None:
        # Any: the SDK's servicer methods are untyped.
        self._servicer: Any = analyzer()

    @property
    def servicer(self) -> Any:
        """The analyzer servicer itself, for callers that send their own requests (the benchmark's profiler)."""
        return self._servicer

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        """GetAnalyzerInfo: the policies with their default levels and config schemas."""
        info: analyzer_pb2.AnalyzerInfo = self._servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
        return info

    def configure(self, document: Mapping[str, Any] | None) -> dict[str, tuple[str, dict[str, Any] | None]]:
        """Reconcile a `--policy-pack-config` document as the engine does, and Configure with it.

        Raises pack_runner.ConfigError when the engine would refuse the document, or the pack refuses it (as the
        pack process does with INVALID_ARGUMENT: the same servicer, called here without a gRPC context).
        """
        reconciled = reconcile(self.info(), document)
        try:
            self._servicer.Configure(configure_request(reconciled), None)
        except ConfigRefusedError as error:
            raise ConfigError(str(error), str(error).splitlines()) from None
        return reconciled

    def analyze_one(self, item: StackItem) -> tuple[Diagnostic, ...]:
        """Analyze one resource (thread-safe, as the pack process serves several calls at once)."""
        response = self._servicer.analyze_values(item.resource_type, item.name, functools.partial(_values, item))
        return tuple(diagnostics(response))

    def analyze(
        self, items: Sequence[StackItem], progress: Progress | None = None, early: Mapping[str, Early] | None = None
    ) -> list[tuple[str, Diagnostic]]:
        """Analyze each resource, then AnalyzeStack over all of them, as during `pulumi preview`.

        Returns each diagnostic with the logical name of the resource it is about: resource policies report
        without a URN (the SDK leaves it empty), so the name comes from the request; stack policies name theirs.
        `early` holds resources already analysed, by name; each is taken only for the very same resource.
        """
        early = early or {}
        found: list[tuple[str, Diagnostic]] = []
        for done, item in enumerate(items, start=1):
            judged = early.get(item.name)
            # Analyze is a function of the request alone: the early answer stands for the same resource only.
            answer = judged.diagnostics if judged is not None and judged.item == item else self.analyze_one(item)
            found.extend((item.name, diagnostic) for diagnostic in answer)
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(f"analysed {done} of {len(items)} resources…")
        stack = diagnostics(self._servicer.analyze_stack_values(functools.partial(_entries, items)))
        found.extend((diagnostic.urn.rsplit("::", 1)[-1], diagnostic) for diagnostic in stack)
        return found


def _values(item: StackItem) -> Mapping[str, Plain]:
    """The item's props as the pack reads them from the engine's Struct.

    Without building the Struct when they are plain values (always, for live groups); else through the Struct,
    exactly as the engine sends them.
    """
    plain = python_values(item.props)
    return plain if plain is not None else engine_values(struct(item.props))


def _entries(items: Sequence[StackItem]) -> list[StackEntry]:
    """The items as AnalyzeStack's resources, linked as `pack_runner.stack_request` links them."""
    return [
        StackEntry(
            link.item.resource_type,
            link.urn,
            link.item.name,
            functools.partial(_values, link.item),
            link.item.parent,
            link.dependencies,
            link.by_prop,
        )
        for link in linked(items)
    ]

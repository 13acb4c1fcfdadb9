"""Work shared between policies: one normalised resource per request, found by its props; settings per config."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy
from pulumi_policy.deserialize import SPECIAL_ASSET_SIG, SPECIAL_SIG_KEY
from pulumi_policy.policy import _PolicyAnalyzerServicer  # what `PolicyPack` serves, driven in-process here
from security_group_policies import rules, stack
from security_group_policies.analyzer import OneConversionAnalyzer  # what this pack serves
from security_group_policies.catalogue import PACK_NAME, STACK_POLICIES, analyzer, policies
from security_group_policies.framework import LastSettings
from security_group_tools.pack_runner import StackItem, analyze_request, stack_request

from .pack_fixtures import SG, group, inline

SERVICERS = {
    "sdk": lambda policies: _PolicyAnalyzerServicer("probe", "0.0.1", policies, EnforcementLevel.ADVISORY),
    "ours": lambda policies: OneConversionAnalyzer("probe", policies, EnforcementLevel.ADVISORY),
}


@pytest.fixture(params=sorted(SERVICERS))
def served(request: pytest.FixtureRequest) -> Any:
    """Either analyzer serving the given policies, not configured: every policy at its default level."""
    make = SERVICERS[request.param]
    return lambda *policies: make(list(policies))


def test_one_request_normalises_once_and_the_next_request_again(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    normalised: list[str] = []
    real = rules._normalise

    def counting(resource_type: str, plain: Any) -> Any:
        normalised.append(resource_type)
        return real(resource_type, plain)

    ports: list[list[int | None]] = []

    def judge(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resource = rules.normalise(args.resource_type, args.props, urn=args.urn)
        assert resource is not None
        ports.append([rule.from_port for rule in resource.rules])

    monkeypatch.setattr(rules, "_normalise", counting)
    servicer = served(*(ResourceValidationPolicy(name=f"p{i}", description="d", validate=judge) for i in range(4)))
    servicer.Analyze(analyze_request(SG, "web", group(ingress=[inline(fromPort=22, toPort=22)])), None)
    assert normalised == [SG]
    servicer.Analyze(analyze_request(SG, "web", group(ingress=[inline(fromPort=23, toPort=23)])), None)
    assert normalised == [SG, SG]
    assert [p[0] for p in ports] == [22, 22, 22, 22, 23, 23, 23, 23]


@pytest.mark.parametrize(("name", "expected"), [("sdk", 4), ("ours", 1)])
def test_props_that_are_not_json_are_shared_by_identity_only(
    name: str, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Props holding an asset have no JSON key: only the one props object our analyzer shares marks one call."""
    normalised: list[str] = []
    real = rules._normalise

    def counting(resource_type: str, plain: Any) -> Any:
        normalised.append(resource_type)
        return real(resource_type, plain)

    def judge(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        del report_violation
        assert rules.normalise(args.resource_type, args.props, urn=args.urn) is not None

    monkeypatch.setattr(rules, "_normalise", counting)
    monkeypatch.setattr(rules, "_last", threading.local())  # nothing from an earlier test to match
    servicer = SERVICERS[name](
        [ResourceValidationPolicy(name=f"p{i}", description="d", validate=judge) for i in range(4)]
    )
    servicer.Analyze(
        analyze_request(SG, "web", group(userData={SPECIAL_SIG_KEY: SPECIAL_ASSET_SIG, "text": "#!/bin/sh"})), None
    )
    assert normalised == [SG] * expected


def test_settings_are_read_again_only_when_the_config_changes() -> None:
    reads: list[dict[str, object]] = []

    def read(config: Mapping[str, object]) -> object:
        reads.append(dict(config))
        return len(reads)

    settings = LastSettings(read)
    shared = MappingProxyType({"ports": [22]})
    assert [settings(shared), settings(shared)] == [1, 1]  # the analyzer's read-only view: identity is enough
    assert settings({"ports": [22]}) == 2  # an SDK copy: a new key, then compared by repr
    assert settings({"ports": [22]}) == 2
    assert settings({"ports": [22.0]}) == 3  # equal under ==, but not the same config
    assert settings(MappingProxyType({"ports": [22.0]})) == 4
    assert reads == [{"ports": [22]}, {"ports": [22]}, {"ports": [22.0]}, {"ports": [22.0]}]


def test_stack_policies_of_one_call_share_one_view(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our analyzer's shared stack is recognised by identity, the SDK's copies by content; new content rebuilds."""
    counts = {"fingerprint": 0, "build": 0}
    for name in counts:
        monkeypatch.setattr(stack, f"_{name}", counted(counts, name, getattr(stack, f"_{name}")))
    sdk = _PolicyAnalyzerServicer(PACK_NAME, "0.0.1", policies(), EnforcementLevel.ADVISORY)
    every = len(STACK_POLICIES)  # the SDK's servicer hands each stack policy its own copy of the stack
    for servicer, name, fingerprints in ((analyzer(), "web", 1), (analyzer(), "app", 1), (sdk, "db", every)):
        counts.update(fingerprint=0, build=0)
        servicer.AnalyzeStack(stack_request([StackItem(SG, name, group(ingress=[inline()]))]), None)
        assert counts == {"fingerprint": fingerprints, "build": 1}


def counted(counts: dict[str, int], name: str, real: Any) -> Any:
    """`real`, counting its calls under `name`."""

    def wrapper(*args: Any) -> Any:
        counts[name] += 1
        return real(*args)

    return wrapper

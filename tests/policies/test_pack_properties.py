"""Property tests: whatever props arrive, no policy crashes, no RPC fails, and free text is never echoed.

Example counts are bounded for CI (derandomized, so runs are reproducible); `HYPOTHESIS_PROFILE=explore`
draws fresh examples, ten times as many.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_group_policies import tables
from security_group_policies.catalogue import RESOURCE_POLICIES, STACK_POLICIES
from security_group_policies.framework import INTERNAL_ERROR
from security_group_tools.pack_runner import UNKNOWN, Pack, Secret, StackItem, analyze_request, diagnostics

from .pack_fixtures import BASELINES, Item, run, run_stack

EXPLORE = os.environ.get("HYPOTHESIS_PROFILE") == "explore"


def bounded(examples: int) -> Any:
    """Settings for one property: `examples` in CI, ten times as many (and fresh ones) when exploring."""
    return settings(
        max_examples=examples * 10 if EXPLORE else examples,
        derandomize=not EXPLORE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


RULE_FIELDS = sorted(
    {
        name
        for fields in (
            tables.CLASSIC_RULE_FIELDS,
            tables.SECURITY_GROUP_RULE_FIELDS,
            tables.VPC_RULE_FIELDS,
            tables.NATIVE_INGRESS_FIELDS,
            tables.NATIVE_EGRESS_FIELDS,
        )
        for name in (
            fields.protocol,
            fields.from_port,
            fields.to_port,
            fields.description,
            *(p for p, _ in fields.peers),
        )
    }
    | {"self", "type", "securityGroupId", "groupId", "tags", "id"}
)
GROUP_FIELDS = ["ingress", "egress", "securityGroupIngress", "securityGroupEgress", "description", "groupDescription",
                "name", "namePrefix", "groupName", "tags", "vpcId", "id", "__defaults"]  # fmt: skip
TYPES = sorted(
    tables.RULE_BEARING_TYPES | {tables.MANAGED_PREFIX_LIST, tables.MANAGED_PREFIX_LIST_ENTRY, "aws:s3/bucket:Bucket"}
)
INTERESTING = [
    "tcp", "TCP", "udp", "-1", "all", "ALL", "6", "17", "1", "58", "icmp", "icmpv6", "47", "6.0", "-1.0",
    "0.0.0.0/0", "::/0", "::0/0", "0:0:0:0:0:0:0:0/0", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", "1.2.3.4/0",
    "sg-0123456789abcdef0", "pl-0123456789abcdef0", "ingress", "egress", "INGRESS", "22", "3389", "65535",
    "Managed by Pulumi", "", " ", "é", "sg-", "default", "true", "2099-01-01 reason", "2000-01-01 old", "IPv4",
    "policy-waiver:aws-ec2-securitygroup-disallow-public-ssh", UNKNOWN,
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-70_000, max_value=70_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(INTERESTING),
)
keys = st.one_of(st.sampled_from(RULE_FIELDS + GROUP_FIELDS), st.sampled_from(INTERESTING), st.text(max_size=6))
junk = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=16,
)
rule = st.dictionaries(st.sampled_from(RULE_FIELDS), st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=8)
props = st.one_of(
    st.dictionaries(keys, junk, max_size=6),
    st.dictionaries(st.sampled_from(RULE_FIELDS), st.one_of(scalars, st.lists(scalars, max_size=3), junk), max_size=9),
    st.dictionaries(
        st.sampled_from(GROUP_FIELDS),
        st.one_of(st.lists(st.one_of(rule, scalars), max_size=4), scalars, junk),
        max_size=8,
    ),
)


def with_secrets(value: Any, secret: bool) -> Any:
    """Wrap every string leaf in the engine's secret envelope (for the wire tests)."""
    if not secret:
        return value
    if isinstance(value, str):
        return Secret(value)
    if isinstance(value, list):
        return [with_secrets(item, secret) for item in value]
    if isinstance(value, dict):
        return {key: with_secrets(item, secret) for key, item in value.items()}
    return value


@pytest.mark.parametrize("resource_type", TYPES)
@bounded(60)
@given(data=props)
def test_no_policy_ever_crashes(resource_type: str, data: dict[str, Any]) -> None:
    """Every resource policy, on any props: findings, a preview note or nothing; never an internal error."""
    for definition in RESOURCE_POLICIES:
        result = run(definition, resource_type, data)
        assert not [message for message in result.messages if INTERNAL_ERROR in message]


@bounded(40)
@given(items=st.lists(st.tuples(st.sampled_from(TYPES), props, st.lists(st.integers(0, 5), max_size=2)), max_size=6))
def test_no_stack_policy_ever_crashes(items: list[tuple[str, dict[str, Any], list[int]]]) -> None:
    """Every stack policy, on any stack of junk with random property dependencies, never hits its guard."""
    stack = [
        Item(kind, f"r{index}", data, {"securityGroupId": [f"r{d}" for d in deps if d < len(items)]})
        for index, (kind, data, deps) in enumerate(items)
    ]
    for definition in STACK_POLICIES:
        result = run_stack(definition, stack)
        assert not [message for message in result.messages if INTERNAL_ERROR in message]


# Findings may name one offending character, and quote our own constants (a tool's placeholder description),
# so a planted secret carries two distinct non-ASCII characters: no message can contain it by design.
secrets = st.text(st.characters(exclude_categories=("Cs",)), min_size=8, max_size=40).filter(
    lambda s: s.strip() == s and len({c for c in s if not c.isascii()}) >= 2
)


@pytest.mark.parametrize("resource_type", sorted(BASELINES))
@bounded(40)
@given(secret=secrets)
def test_free_text_is_never_echoed(resource_type: str, secret: str) -> None:
    """Names, descriptions and tag values (which may be decrypted secrets) never appear in any message."""
    baseline = BASELINES[resource_type]()
    planted = {
        key: secret for key in ("name", "namePrefix", "groupName", "description", "groupDescription") if key in baseline
    }
    for key in ("ingress", "egress", "securityGroupIngress", "securityGroupEgress"):
        if key in baseline:
            planted[key] = [{**entry, "description": secret} for entry in baseline[key]]
    if isinstance(baseline.get("tags"), dict):
        planted["tags"] = {"owner": secret, "policy-waiver:aws-ec2-securitygroup-missing-description": f"soon {secret}"}
    data = {**baseline, **planted}
    for definition in RESOURCE_POLICIES:
        result = run(definition, resource_type, data)
        assert all(secret not in message for message in result.messages)
        assert result.preview_gap is None or secret not in result.preview_gap


@bounded(80)
@given(kind=st.sampled_from(TYPES), data=props, secret=st.booleans())
def test_no_rpc_ever_fails(pack: Pack, kind: str, data: dict[str, Any], secret: bool) -> None:
    """Analyze and Remediate over gRPC succeed on any props in the engine's wire form (secrets included)."""
    request = analyze_request(kind, "junk", with_secrets(data, secret))
    response = pack.stub.Analyze(request, timeout=30)
    assert not [d for d in diagnostics(response) if INTERNAL_ERROR in d.message]
    pack.stub.Remediate(request, timeout=30)


@bounded(30)
@given(items=st.lists(st.tuples(st.sampled_from(TYPES), props, st.lists(st.integers(0, 5), max_size=2)), max_size=6))
def test_no_stack_rpc_ever_fails(pack: Pack, items: list[tuple[str, dict[str, Any], list[int]]]) -> None:
    """AnalyzeStack over gRPC succeeds on any stack of junk, with random property dependencies."""
    stack = [
        StackItem(kind, f"r{index}", data, {"securityGroupId": [f"r{d}" for d in deps if d < len(items)]})
        for index, (kind, data, deps) in enumerate(items)
    ]
    response = pack.analyze_stack(stack)
    assert not [d for d in diagnostics(response) if INTERNAL_ERROR in d.message]

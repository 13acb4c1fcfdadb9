"""The pack answers every request, whatever its properties hold: never a gRPC error status, never a dead process.

What the rule model can read is judged (an infinite or NaN port bound is open-ended, as any unreadable bound);
what cannot be read at all gets one advisory note per policy that would have run, saying why. Each case runs
against the real pack process over gRPC, and the in-process cases call the very servicer it serves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, Severity
from pulumi_policy.deserialize import SPECIAL_ARCHIVE_SIG, SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY
from security_group_policies import analyzer as analyzer_module
from security_group_policies.catalogue import METAS, PACK_NAME, STACK_POLICIES, analyzer
from security_group_policies.config import NamePatterns
from security_group_policies.decoding import UNDECODABLE
from security_group_policies.engine_values import BAD_SIGNATURE, SECRET_WITHOUT_VALUE, TOO_DEEP
from security_group_policies.framework import (
    INTERNAL_ERROR,
    Common,
    Finding,
    PolicyMeta,
    ResourcePolicyDef,
    StackPolicyDef,
    Verdict,
)
from security_group_tools.pack_runner import (
    Pack,
    StackItem,
    analyze_request,
    configure_request,
    diagnostics,
    reconcile,
    stack_request,
    urn,
)

from .pack_fixtures import GROUP_ID, SG, VPC_IN, group, inline, nested_value, vpc_ingress
from .test_pack_properties import TYPES, bounded, props

SSH = "aws-ec2-securitygroup-disallow-public-ssh"
RDP = "aws-ec2-securitygroup-disallow-public-rdp"
HIGH_RISK = "aws-ec2-securitygroup-disallow-public-high-risk-ports"
UNAUTHORIZED = "aws-ec2-securitygroup-disallow-public-unauthorized-ports"
GROUP_POLICIES = [
    SSH,
    "aws-ec2-securitygroup-disallow-public-rdp",
    "aws-ec2-securitygroup-disallow-public-all-traffic",
    HIGH_RISK,
    UNAUTHORIZED,
    "aws-ec2-securitygroup-missing-description",
    "aws-ec2-securitygroup-missing-rule-description",
    "aws-ec2-securitygroup-disallow-invalid-name",
    "aws-ec2-securitygroup-disallow-invalid-description",
    "aws-ec2-securitygroup-report-waivers",
]
"""Every resource policy that judges a SecurityGroup (not the default-group one), in pack order."""
STACK_POLICY_NAMES = [definition.meta.name for definition in STACK_POLICIES]
ANYWHERE = "0.0.0.0/0 (anywhere on IPv4)"
HIGH_RISK_FIX = (
    "restrict the source to the CIDRs, security groups or prefix lists that need the service, or put it behind a "
    "load balancer, VPN or private endpoint"
)
UNAUTHORIZED_FIX = (
    "restrict the source to the CIDRs, security groups or prefix lists that need the port, or, if the port is meant "
    "to be public, add it to authorizedTcpPorts/authorizedUdpPorts in this environment's policy config"
)
SSH_FIX = (
    "allow SSH only from the CIDRs, security groups or prefix lists that need it, or use SSM Session Manager or "
    "EC2 Instance Connect Endpoint instead of opening port 22"
)


def unread(policy: str, what: str) -> str:
    return f"can't run policy '{policy}' from policy pack '{PACK_NAME}@v0.0.1': {what}"


def resource_notes(reason: str, policies: list[str] = GROUP_POLICIES) -> list[tuple[str, str, str, str]]:
    what = f"its properties could not be read ({reason}), so this policy did not check it"
    return [(policy, "advisory", "", unread(policy, what)) for policy in policies]


def stack_resource_notes(reason: str, resource_urn: str) -> list[tuple[str, str, str, str]]:
    what = (
        f"the properties of this resource could not be read ({reason}), so this policy did not check it; "
        "it checked the rest of the stack"
    )
    return [(policy, "advisory", resource_urn, unread(policy, what)) for policy in STACK_POLICY_NAMES]


def seen(response: analyzer_pb2.AnalyzeResponse) -> list[tuple[str, str, str, str]]:
    """Each diagnostic as (policy, level, urn, message after the description line)."""
    return [(d.policy, d.level, d.urn, d.message.split("\n", 1)[-1]) for d in diagnostics(response)]


@pytest.fixture(autouse=True)
def _default_config(pack: Pack) -> None:
    pack.configure(None)


@pytest.fixture
def served() -> Any:
    """The servicer the pack process serves, configured with the defaults, in this process."""
    servicer = analyzer()
    servicer.Configure(configure_request(reconcile(servicer.GetAnalyzerInfo(None, None), None)), None)
    return servicer


# --- Numbers JSON cannot hold --------------------------------------------------------------------------------


OPEN_FROM_NAN = group(ingress=[inline(fromPort=math.nan, toPort=22, cidrBlocks=["0.0.0.0/0"], description="SSH")])


def test_a_nan_port_is_judged_open_ended_over_grpc(pack: Pack) -> None:
    """fromPort NaN reads as unreadable, hence 0: the rule can only look wider than it is."""
    assert seen(pack.analyze(SG, "web", OPEN_FROM_NAN)) == [
        (SSH, "advisory", "", f"ingress[0] allows tcp 0-22 (including tcp 22) from {ANYWHERE}. Fix: {SSH_FIX}"),
        (
            HIGH_RISK,
            "advisory",
            "",
            f"ingress[0] allows tcp 0-22 (including tcp 20-21) from {ANYWHERE}. Fix: {HIGH_RISK_FIX}",
        ),
        (
            UNAUTHORIZED,
            "advisory",
            "",
            f"ingress[0] allows tcp 0-22 (including tcp 0-19) from {ANYWHERE}. Fix: {UNAUTHORIZED_FIX}",
        ),
    ]


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
def test_infinities_and_nan_anywhere_never_fail_an_rpc(pack: Pack, number: float) -> None:
    """In a port, a tag, the provider's props, a stack resource and Remediate (which the engine calls first)."""
    rdp = [
        d[3] for d in seen(pack.analyze(VPC_IN, "in", vpc_ingress(toPort=number, cidrIpv4="0.0.0.0/0"))) if d[0] == RDP
    ]
    assert [finding.split(". Fix: ")[0] for finding in rdp] == [
        "this ingress rule allows tcp 443-65535 (including tcp 3389) from 0.0.0.0/0 (anywhere on IPv4)"
    ]
    request = analyze_request(SG, "web", group(tags={"team": "web", "weight": number}))
    request.provider.CopyFrom(analyzer_pb2.AnalyzerProviderResource(type="pulumi:providers:aws", urn="p", name="p"))
    request.provider.properties.update({"maxRetries": number})
    assert seen(pack.stub.Analyze(request, timeout=30)) == []
    assert pack.stub.Remediate(request, timeout=30) == analyzer_pb2.RemediateResponse()
    items = [
        StackItem(SG, "web", group(id=GROUP_ID, ingress=[], egress=[], tags={"n": number})),
        StackItem(VPC_IN, "in", vpc_ingress(fromPort=number), {"securityGroupId": ["web"]}),
    ]
    assert seen(pack.analyze_stack(items)) == []


floats = st.floats(allow_nan=True, allow_infinity=True)


def with_odd_numbers(value: Any, draw: Callable[[Any], Any]) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return draw(st.sampled_from([value, math.nan, math.inf, -math.inf]))
    if isinstance(value, list):
        return [with_odd_numbers(item, draw) for item in value]
    return {key: with_odd_numbers(item, draw) for key, item in value.items()}


@bounded(60)
@given(kind=st.sampled_from(TYPES), data=props, choices=st.data())
def test_no_rpc_fails_on_any_props_with_infinities_and_nan(
    pack: Pack, kind: str, data: dict[str, Any], choices: Any
) -> None:
    """Any props, any number replaced by an infinity or NaN: Remediate, Analyze and AnalyzeStack all answer."""
    odd = with_odd_numbers(data, choices.draw)
    request = analyze_request(kind, "junk", odd)
    assert pack.stub.Remediate(request, timeout=30) == analyzer_pb2.RemediateResponse()
    found = diagnostics(pack.stub.Analyze(request, timeout=30))
    assert not [d for d in found if INTERNAL_ERROR in d.message or "could not be read" in d.message]
    found = diagnostics(pack.analyze_stack([StackItem(kind, "junk", odd)]))
    assert not [d for d in found if INTERNAL_ERROR in d.message or "could not be read" in d.message]


# --- Nesting: as deep as protobuf decodes, and past it --------------------------------------------------------


def deep_request(depth: int, kind: str, resource_type: str = SG, name: str = "web") -> analyzer_pb2.AnalyzeRequest:
    open_ssh = [inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"], description="SSH")]
    request = analyze_request(resource_type, name, group(ingress=open_ssh))
    request.properties.fields["junk"].CopyFrom(nested_value(depth, kind))
    return request


SSH_FINDING = (SSH, "advisory", "", f"ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4). Fix: {SSH_FIX}")


@pytest.mark.parametrize(("kind", "deepest"), [("map", 32), ("list", 48)])
def test_as_deep_as_protobuf_decodes_is_judged_and_one_level_more_is_a_note(
    pack: Pack, kind: str, deepest: int
) -> None:
    """The limit the README and `decoding` state, measured on the real pack: a property holding 32 maps (48
    lists) inside one another is judged as usual; one more level and protobuf refuses the request."""
    assert SSH_FINDING in seen(pack.stub.Analyze(deep_request(deepest, kind), timeout=30))
    assert seen(pack.stub.Analyze(deep_request(deepest + 1, kind), timeout=30)) == resource_notes(UNDECODABLE)


@pytest.mark.parametrize("depth", [1_000, 5_000])
def test_props_nested_thousands_deep_get_notes_and_the_pack_lives(pack: Pack, depth: int) -> None:
    """Without the pack's own depth limit, upb's recursive decoder overflowed the C stack on these (SIGSEGV)."""
    request = deep_request(depth, "map")
    assert seen(pack.stub.Analyze(request, timeout=30)) == resource_notes(UNDECODABLE)
    assert pack.stub.Remediate(request, timeout=30) == analyzer_pb2.RemediateResponse()
    bucket = deep_request(depth, "list", "aws:s3/bucket:Bucket", "logs")
    assert seen(pack.stub.Analyze(bucket, timeout=30)) == []  # no policy reads buckets: nothing went unchecked
    assert pack.process.poll() is None


def test_one_undecodable_resource_leaves_the_rest_of_the_stack_judged(pack: Pack) -> None:
    items = [
        StackItem(SG, "web", group(id=GROUP_ID, ingress=[], egress=[])),
        StackItem(VPC_IN, "in-1", vpc_ingress(), {"securityGroupId": ["web"]}),
        StackItem(VPC_IN, "in-2", vpc_ingress(description="Again"), {"securityGroupId": ["web"]}),
    ]
    request = stack_request(items)
    request.resources[2].properties.fields["junk"].CopyFrom(nested_value(1_000, "map"))
    assert seen(pack.stub.AnalyzeStack(request, timeout=30)) == stack_resource_notes(UNDECODABLE, urn(VPC_IN, "in-2"))
    request.resources[1].properties.fields["cidrIpv4"].string_value = "10.0.0.0/8"
    request.resources.add().CopyFrom(request.resources[1])
    request.resources[3].urn = urn(VPC_IN, "in-3")
    duplicate = [d for d in seen(pack.stub.AnalyzeStack(request, timeout=30)) if d[2] == urn(VPC_IN, "in-3")]
    assert [d[0] for d in duplicate] == ["aws-ec2-securitygroup-disallow-duplicate-rules"]


def test_a_request_that_is_not_protobuf_gets_notes_for_every_policy(pack: Pack) -> None:
    """Bytes that decode as nothing at all: every resource policy (and every stack policy) says so."""
    garbage = b"\xff\xff\xff\xff"
    analyze = pack.channel.unary_unary(
        "/pulumirpc.Analyzer/Analyze", response_deserializer=analyzer_pb2.AnalyzeResponse.FromString
    )
    every = [meta.name for meta in METAS if meta.name not in STACK_POLICY_NAMES]
    every.remove("aws-ec2-securitygroup-disallow-public-egress")  # disabled by default
    assert seen(analyze(garbage, timeout=30)) == resource_notes(UNDECODABLE, every)
    stack = pack.channel.unary_unary(
        "/pulumirpc.Analyzer/AnalyzeStack", response_deserializer=analyzer_pb2.AnalyzeResponse.FromString
    )
    what = f"the stack could not be read ({UNDECODABLE}), so this policy did not check it"
    assert seen(stack(garbage, timeout=30)) == [(p, "advisory", "", unread(p, what)) for p in STACK_POLICY_NAMES]
    configure = pack.channel.unary_unary("/pulumirpc.Analyzer/Configure")
    with pytest.raises(grpc.RpcError) as refused:
        configure(garbage, timeout=30)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == f"the policy config could not be read: {UNDECODABLE}"


# --- Values the engine never sends, and the last-resort guard -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG}, SECRET_WITHOUT_VALUE),
        ({SPECIAL_SIG_KEY: "not-a-signature", "value": 1}, BAD_SIGNATURE),
        ({SPECIAL_SIG_KEY: SPECIAL_ARCHIVE_SIG}, BAD_SIGNATURE),
    ],
)
def test_a_malformed_special_value_is_a_note(pack: Pack, value: dict[str, Any], reason: str) -> None:
    assert seen(pack.analyze(SG, "web", group(description=value))) == resource_notes(reason)
    items = [StackItem(SG, "web", group()), StackItem(SG, "odd", group(description=value))]
    assert seen(pack.analyze_stack(items)) == stack_resource_notes(reason, urn(SG, "odd"))


def test_nesting_past_the_walk_limit_in_process_is_a_note(served: Any) -> None:
    """In this process nothing decodes the request, so the walk's own limit (100) is what stops it."""
    request = analyze_request(SG, "web", group())
    request.properties.fields["junk"].CopyFrom(nested_value(5_000, "list"))
    assert seen(served.Analyze(request, None)) == resource_notes(TOO_DEEP)


def test_an_unexpected_exception_outside_the_policies_is_a_note(served: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_struct: Any) -> Any:
        raise TypeError("a bug that quotes 203.0.113.7")

    monkeypatch.setattr(analyzer_module, "engine_values", broken)
    unexpected = "an unexpected TypeError in the policy pack; please report it with the resource's type and shape"
    assert seen(served.Analyze(analyze_request(SG, "web", group()), None)) == resource_notes(unexpected)
    what = f"the stack could not be read ({unexpected}), so this policy did not check it"
    stacked = seen(served.AnalyzeStack(stack_request([StackItem(SG, "web", group())]), None))
    assert stacked == [(p, "advisory", "", unread(p, what)) for p in STACK_POLICY_NAMES]


class _Crashes(ResourcePolicyDef[Any]):
    """A resource policy whose outcome raises past the framework's own guard."""

    def outcome(self, resource: Any, settings: Any, call: Any) -> Any:
        raise KeyError(resource.description)


class _StackCrashes(StackPolicyDef[Any]):
    def report(self, stack: Any, settings: Any) -> Any:
        return 1 / 0


def _meta(name: str, description: str) -> PolicyMeta:
    return PolicyMeta(name, description, EnforcementLevel.MANDATORY, Severity.LOW, "", (), (), waivable=False)


class CommonOnly(NamedTuple):
    common: Common


def _settings(_config: Any) -> CommonOnly:
    return CommonOnly(Common(NamePatterns(), allow_waivers=False, max_waiver_days=0))


def test_a_policy_that_raises_past_its_guard_is_a_note_and_the_others_still_report() -> None:
    reports = ResourcePolicyDef(
        _meta("reports", "Reports."), frozenset({SG}), _settings, lambda _r, _s: Verdict((Finding("seen"),))
    )
    servicer = analyzer_module.PackAnalyzer(
        "probe",
        [_Crashes(_meta("crashes", "Crashes."), frozenset({SG}), _settings, lambda _r, _s: Verdict()), reports],
        [_StackCrashes(_meta("stack-crashes", "Crashes."), _settings, lambda _s, _t: Verdict())],
    )
    failed = (
        "it stopped on an unexpected {}, so it did not check {}; please report it with the resource's type and shape"
    )
    note = "can't run policy '{}' from policy pack 'probe@v0.0.1': {}"
    assert seen(servicer.Analyze(analyze_request(SG, "web", group()), None)) == [
        ("crashes", "advisory", "", note.format("crashes", failed.format("KeyError", "this resource"))),
        ("reports", "mandatory", "", "seen"),
    ]
    stack_note = note.format("stack-crashes", failed.format("ZeroDivisionError", "the stack"))
    assert seen(servicer.AnalyzeStack(stack_request([StackItem(SG, "web", group())]), None)) == [
        ("stack-crashes", "advisory", "", stack_note)
    ]


def test_remediate_reads_no_props_while_no_policy_rewrites_resources(served: Any) -> None:
    """As the SDK answers, at the remediate level too, even for props the SDK could not convert."""
    request = analyze_request(SG, "web", group(description=math.nan))
    request.properties.fields["junk"].CopyFrom(nested_value(5_000, "map"))
    assert served.Remediate(request, None) == analyzer_pb2.RemediateResponse()
    served.Configure(configure_request(reconcile(served.GetAnalyzerInfo(None, None), {SSH: "remediate"})), None)
    response = served.Remediate(request, None)
    assert [(n.policy_name, n.reason) for n in response.not_applicable] == [
        (SSH, "Policy does not implement remediate")
    ]
    assert list(response.remediations) == []

"""The pack's analyzer answers as the same policies do inside a stock `pulumi_policy.PolicyPack` (`sdk.py`).

`PackAnalyzer` runs the pack's definitions itself; `as_sdk_policies()` adapts the same definitions for the SDK's
own servicer (what `PolicyPack` serves). Both are served on 127.0.0.1 and called over gRPC with wire-form
requests, under every shipped policy config, on a corpus of realistic resources: the replies must be equal,
except where `sdk.py` says a stock pack cannot do what ours does:

- waived findings: ours reports them under report-waivers; a stock pack has no channel for them;
- precedence: the stock pack's exposure policies judge alone, so ours is compared unranked here, and the ranked
  pack is checked to differ only by findings a higher-ranked policy at least as strict reports;
- secrets: the SDK unwraps them, so with secret values only the verdicts are compared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format
from hypothesis import given
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.policy import _PolicyAnalyzerServicer
from security_group_policies import decoding
from security_group_policies.analyzer import SDK_PACK_VERSION, PackAnalyzer
from security_group_policies.catalogue import (
    PACK_DESCRIPTION,
    PACK_ENFORCEMENT_LEVEL,
    PACK_NAME,
    RESOURCE_POLICIES,
    STACK_POLICIES,
    WAIVER_REPORT,
    analyzer,
)
from security_group_policies.precedence import INGRESS_PRECEDENCE
from security_group_policies.sdk import as_sdk_policies
from security_group_policies.waivers import utc_today
from security_group_tools.pack_runner import (
    UNKNOWN,
    StackItem,
    analyze_request,
    configure_request,
    reconcile,
    serve_locally,
    stack_request,
)
from security_group_tools.paths import STACKS_DIR

from .pack_fixtures import SG, SG_RULE, VPC_IN, group, inline, sg_rule, vpc_ingress, waiver
from .test_pack_properties import TYPES, bounded, props, with_secrets

CONFIGS = [None, *sorted(STACKS_DIR.glob("policy-config.*.json"))]
WAIVED_NOTE = " is waived until "


def reply(response: Any) -> dict[str, Any]:
    """A response as plain data, for readable differences."""
    return json_format.MessageToDict(response, preserving_proto_field_name=True)


def stock() -> Any:
    """This pack's policies in a stock `PolicyPack`: the SDK's own servicer over `as_sdk_policies()`."""
    return _PolicyAnalyzerServicer(
        PACK_NAME, SDK_PACK_VERSION, as_sdk_policies(), PACK_ENFORCEMENT_LEVEL, description=PACK_DESCRIPTION
    )


def unranked() -> PackAnalyzer:
    """Our analyzer serving this pack's definitions, each judging alone (no precedence), as a stock pack runs them."""
    return analyzer(rank=False)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, Any]]:
    """Stubs for ours (served as the pack serves it, through `decoding`) and the stock pack, on 127.0.0.1."""
    ours, ours_address = serve_locally(decoding.add_to_server, unranked())
    theirs, theirs_address = serve_locally(analyzer_pb2_grpc.add_AnalyzerServicer_to_server, stock())
    channels = [grpc.insecure_channel(ours_address), grpc.insecure_channel(theirs_address)]
    try:
        yield analyzer_pb2_grpc.AnalyzerStub(channels[0]), analyzer_pb2_grpc.AnalyzerStub(channels[1])
    finally:
        for channel in channels:
            channel.close()
        ours.stop(None)
        theirs.stop(None)


def _open(port: float, **changes: Any) -> dict[str, Any]:
    """A group opening one TCP port to anywhere."""
    return group(ingress=[inline(cidrBlocks=["0.0.0.0/0"], fromPort=port, toPort=port)], **changes)


SOON = utc_today() + timedelta(days=20)
"""A waiver expiry every shipped config accepts (prod's maxWaiverDays is 30)."""


def _corpus() -> list[StackItem]:
    from bench.workloads import resource_mix

    edge = [
        StackItem(SG, "unknown-vpc", _open(22.0, vpcId=UNKNOWN)),
        StackItem(SG, "waived", _open(22.0, tags=waiver("aws-ec2-securitygroup-disallow-public-ssh", f"{SOON} ok"))),
        StackItem(
            SG, "waived-too-long", _open(22.0, tags=waiver("aws-ec2-securitygroup-disallow-public-ssh", "2099-01-01 x"))
        ),
        StackItem(
            SG, "expired", _open(3389.0, tags=waiver("aws-ec2-securitygroup-disallow-public-rdp", "2001-01-01 x"))
        ),
        StackItem(SG, "unknown-tags", _open(22.0, tags=UNKNOWN)),
        StackItem(SG, "typo-waiver", group(tags=waiver("aws-ec2-securitygroup-disallow-public-shh", f"{SOON} ok"))),
        StackItem(SG_RULE, "rule-no-description", sg_rule(description="")),
        StackItem(VPC_IN, "vpc-rule-anywhere", vpc_ingress(cidrIpv4="0.0.0.0/0", fromPort=22.0, toPort=22.0)),
        StackItem("aws:s3/bucket:Bucket", "not-a-group", {"bucket": "logs"}),
    ]
    return [*edge, *resource_mix(120)]


def _configure(stub: Any, path: Any) -> None:
    document = None if path is None else json.loads(path.read_text())
    info = stub.GetAnalyzerInfo(empty_pb2.Empty())
    stub.Configure(configure_request(reconcile(info, document)))
    stub.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(tags={"team": "platform"}))


def _without_waived_notes(answer: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The reply without report-waivers' notes of waived findings, and how many there were."""
    kept = [
        d
        for d in answer.get("diagnostics", [])
        if not (d["policyName"] == WAIVER_REPORT.META.name and WAIVED_NOTE in d["message"])
    ]
    rest = {key: value for key, value in answer.items() if key != "diagnostics"}
    return ({**rest, "diagnostics": kept} if kept else rest), len(answer.get("diagnostics", [])) - len(kept)


def test_both_describe_the_pack_alike(served: tuple[Any, Any]) -> None:
    ours, theirs = served
    info = reply(ours.GetAnalyzerInfo(empty_pb2.Empty()))
    assert info == reply(theirs.GetAnalyzerInfo(empty_pb2.Empty()))
    assert [policy["name"] for policy in info["policies"]] == [
        *(d.meta.name for d in RESOURCE_POLICIES),
        WAIVER_REPORT.META.name,
        *(d.meta.name for d in STACK_POLICIES),
    ]
    assert reply(ours.GetPluginInfo(empty_pb2.Empty())) == reply(theirs.GetPluginInfo(empty_pb2.Empty()))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: "defaults" if path is None else path.name)
def test_every_resource_and_the_stack_get_the_stock_packs_answer(served: tuple[Any, Any], config: Any) -> None:
    ours, theirs = served
    _configure(ours, config)
    _configure(theirs, config)
    items = _corpus()
    diagnostics = waived = 0
    for item in items:
        request = analyze_request(item.resource_type, item.name, item.props)
        answer, notes = _without_waived_notes(reply(ours.Analyze(request)))
        assert answer == reply(theirs.Analyze(request)), item.name
        assert notes == (1 if item.name == "waived" else 0), item.name
        diagnostics += len(answer.get("diagnostics", []))
        waived += notes
    answer = reply(ours.AnalyzeStack(stack_request(items)))
    assert answer == reply(theirs.AnalyzeStack(stack_request(items)))
    assert diagnostics > len(items) // 10  # the corpus opens SSH and RDP, leaves descriptions out, waives
    assert waived == 1
    assert answer.get("diagnostics")


def test_a_waived_finding_is_a_note_in_ours_and_silent_in_a_stock_pack(served: tuple[Any, Any]) -> None:
    ours, theirs = served
    _configure(ours, None)
    _configure(theirs, None)
    request = analyze_request(
        SG, "waived", _open(22.0, tags=waiver("aws-ec2-securitygroup-disallow-public-ssh", f"{SOON} ok"))
    )
    mine = reply(ours.Analyze(request))["diagnostics"]
    stock_reply = reply(theirs.Analyze(request))["diagnostics"]
    ssh = "aws-ec2-securitygroup-disallow-public-ssh"
    [note] = [d for d in mine if d["policyName"] == WAIVER_REPORT.META.name]
    assert note.get("enforcementLevel", "ADVISORY") == "ADVISORY"
    assert note["message"].startswith(f"{WAIVER_REPORT.META.description}\n{ssh} is waived until {SOON}")
    assert [d for d in stock_reply if d["policyName"] in (ssh, WAIVER_REPORT.META.name)] == []
    assert [d for d in mine if d["policyName"] == ssh] == []
    assert [d for d in mine if d is not note] == stock_reply  # the ports other policies report on their own


RANK = {definition.meta.name: rank for rank, definition in enumerate(INGRESS_PRECEDENCE)}


def _found(answer: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(policy, strictness, message) per diagnostic; MessageToDict leaves out the default level, advisory."""
    strictness = {"ADVISORY": 1, "MANDATORY": 2}
    return [
        (d["policyName"], strictness[d.get("enforcementLevel", "ADVISORY")], d["message"])
        for d in answer.get("diagnostics", [])
    ]


def _ranked_below(policy: str) -> bool:
    return RANK.get(policy, 0) > 0


def _left_to_a_higher_policy(ranked: dict[str, Any], alone: dict[str, Any]) -> list[tuple[str, int, str]]:
    """The diagnostics the unranked reply has and the ranked one lacks; fails unless each is accounted for.

    Only a ranked policy may lose a finding, only to a policy ranked above it that reports on the same resource
    at least as strictly; and whatever else the ranked reply says, the unranked one said too.
    """
    assert {key: value for key, value in ranked.items() if key != "diagnostics"} == {
        key: value for key, value in alone.items() if key != "diagnostics"
    }
    mine, theirs = _found(ranked), _found(alone)
    gone = [item for item in theirs if item not in mine]
    for policy, level, message in mine:
        if (policy, level, message) not in theirs:  # a narrower finding: fewer ports named, same rule and source
            assert _ranked_below(policy), message
            head = message.split(" (including ")[0]
            assert any(other == policy and text.startswith(head) for other, _, text in gone), message
    # The report policy's note (after the SDK's "<description>\n") names the policy whose finding is waived.
    notes = [text.partition("\n")[2] for other, _, text in mine if other == WAIVER_REPORT.META.name]
    waived = {note.split(WAIVED_NOTE)[0] for note in notes}
    for policy, level, message in gone:
        assert _ranked_below(policy), message
        higher = [(other, strict) for other, strict, _ in mine if RANK.get(other, len(RANK)) < RANK[policy]]
        higher_waived = [other for other in waived if RANK.get(other, len(RANK)) < RANK[policy]]
        assert higher_waived or any(strict >= level for _, strict in higher), message
    return gone


def _configured(servicer: Any, path: Any) -> Any:
    document = None if path is None else json.loads(path.read_text())
    info = servicer.GetAnalyzerInfo(None, None)
    servicer.Configure(configure_request(reconcile(info, document)), None)
    return servicer


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: "defaults" if path is None else path.name)
def test_the_ranked_pack_differs_only_by_findings_left_to_a_higher_policy(config: Any) -> None:
    ranked = _configured(analyzer(), config)
    alone = _configured(unranked(), config)
    left = 0
    for item in _corpus():
        request = analyze_request(item.resource_type, item.name, item.props)
        left += len(_left_to_a_higher_policy(reply(ranked.Analyze(request, None)), reply(alone.Analyze(request, None))))
    assert left > 0  # the corpus opens SSH and RDP to anywhere, so some findings must have been left
    stack = stack_request(_corpus())
    assert reply(ranked.AnalyzeStack(stack, None)) == reply(alone.AnalyzeStack(stack, None))


def verdicts(answer: dict[str, Any]) -> Any:
    """What a reply decides, without its wording: who reports, at which level, on what, and who does not apply."""
    found = sorted((d["policyName"], d["enforcementLevel"], d.get("urn", "")) for d in answer.get("diagnostics", []))
    return found, answer.get("not_applicable", [])


@bounded(60)
@given(kind=st.sampled_from(TYPES), data=props, secret=st.booleans())
def test_any_props_get_the_same_answer(kind: str, data: dict[str, Any], secret: bool) -> None:
    """The stock pack's replies, in process; with every text leaf secret, the same verdicts (the SDK unwraps
    secrets and so quotes them, where ours says they are secret). Waived findings aside, as above."""
    theirs = stock()
    ours = unranked()
    same = verdicts if secret else (lambda answer: answer)
    request = analyze_request(kind, "junk", with_secrets(data, secret))
    _left_to_a_higher_policy(reply(analyzer().Analyze(request, None)), reply(ours.Analyze(request, None)))
    request = analyze_request(kind, "junk", with_secrets(data, secret))
    answer, _ = _without_waived_notes(reply(ours.Analyze(request, None)))
    assert same(answer) == same(reply(theirs.Analyze(request, None)))
    stack = stack_request([StackItem(kind, "junk", with_secrets(data, secret))])
    assert same(reply(ours.AnalyzeStack(stack, None))) == same(reply(theirs.AnalyzeStack(stack, None)))

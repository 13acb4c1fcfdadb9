"""The pack's analyzer answers exactly as the SDK's own servicer does, with one conversion of each request.

`OneConversionAnalyzer` replaces only the SDK's per-policy conversion loop; everything the engine can observe
(diagnostics, their order, levels, not-applicable replies, preview notes) must be what the SDK would send. Each
test runs the same calls through the SDK's `_PolicyAnalyzerServicer` (what `PolicyPack` serves) and through
ours, and compares the replies; the first also pins the exact replies, so the comparison cannot pass vacuously.

The one thing ours adds is the call's context, with which the ranked exposure policies leave a port to the
policy ranked above them (`precedence.py`). Under the SDK's servicer they have no context and judge alone, so
the pack there answers exactly as our analyzer serving the same policies unranked; with the ranking, ours
differs only by findings that a higher-ranked policy at least as strict reports on the same resource.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _PolicyAnalyzerServicer
from security_group_policies.analyzer import NO_VALIDATE, SDK_PACK_VERSION, OneConversionAnalyzer
from security_group_policies.catalogue import (
    METAS,
    PACK_ENFORCEMENT_LEVEL,
    PACK_NAME,
    RESOURCE_POLICIES,
    STACK_POLICIES,
    WAIVER_REPORT,
    analyzer,
    policies,
)
from security_group_policies.framework import TypedResourcePolicy
from security_group_policies.precedence import INGRESS_PRECEDENCE
from security_group_policies.waivers import utc_today
from security_group_tools.pack_runner import (
    UNKNOWN,
    StackItem,
    analyze_request,
    configure_request,
    reconcile,
    stack_request,
)
from security_group_tools.paths import STACKS_DIR

from .pack_fixtures import SG, SG_RULE, VPC_IN, group, inline, sg_rule, vpc_ingress, waiver
from .test_pack_properties import TYPES, bounded, props, with_secrets


def both(policies_: Sequence[Policy], name: str = "probe") -> tuple[Any, OneConversionAnalyzer]:
    """The SDK's servicer and ours, over the same policy objects."""
    return (
        _PolicyAnalyzerServicer(name, SDK_PACK_VERSION, list(policies_), EnforcementLevel.ADVISORY),
        OneConversionAnalyzer(name, policies_, EnforcementLevel.ADVISORY),
    )


def reply(response: analyzer_pb2.AnalyzeResponse) -> dict[str, Any]:
    """A response as plain data, for readable differences."""
    return json_format.MessageToDict(response, preserving_proto_field_name=True)


# --- Every branch of the SDK's loop, on policies written to reach each one ------------------------------------


def _reports(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    config = dict(args.get_config())
    parent = args.opts.parent
    report_violation(f"{args.name} {args.props['description']} {config} {dict(args.stack_tags)} parent={parent}")


def _reads_unknown(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    report_violation(f"vpc {args.props['vpcId']}")  # unknown during preview: the SDK's proxy raises


def _not_applicable(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    del report_violation
    args.not_applicable(f"not for {args.resource_type}")


async def _reports_later(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    report_violation(f"async {args.urn}")


def _remediates(args: ResourceValidationArgs) -> None:
    del args


def _stack_links(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for resource in args.resources:
        parent = resource.parent.name if resource.parent else None
        deps = sorted(dep.name for dep in resource.dependencies)
        by_prop = {key: [dep.name for dep in found] for key, found in resource.property_dependencies.items()}
        report_violation(f"{resource.name} parent={parent} deps={deps} props={by_prop}", resource.urn)


def _stack_unknown(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    for resource in args.resources:
        report_violation(str(resource.props["vpcId"]), resource.urn)


def _stack_not_applicable(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    del report_violation
    args.not_applicable("not this stack")


BRANCHES: list[Policy] = [
    ResourceValidationPolicy(name="reports", description="Reports.", validate=_reports),
    ResourceValidationPolicy(name="reads-unknown", description="Reads an unknown.", validate=_reads_unknown),
    ResourceValidationPolicy(name="not-applicable", description="Skips.", validate=_not_applicable),
    ResourceValidationPolicy(name="async", description="Reports later.", validate=_reports_later),
    ResourceValidationPolicy(name="remediate-only", description="Only remediates.", remediate=_remediates),
    ResourceValidationPolicy(name="disabled", description="Off.", validate=_reports),
    ResourceValidationPolicy(name="at-remediate", description="Remediate level.", validate=_reports_later),
    StackValidationPolicy(name="stack-links", description="Links.", validate=_stack_links),
    StackValidationPolicy(name="stack-unknown", description="Reads an unknown.", validate=_stack_unknown),
    StackValidationPolicy(name="stack-not-applicable", description="Skips.", validate=_stack_not_applicable),
    StackValidationPolicy(name="stack-disabled", description="Off.", validate=_stack_links),
]
BRANCH_CONFIG: dict[str, tuple[str, dict[str, Any] | None]] = {
    "reports": ("mandatory", {"limit": 3}),
    "disabled": ("disabled", None),
    "at-remediate": ("remediate", None),
    "stack-disabled": ("disabled", None),
}
BRANCH_STACK = [
    StackItem(SG, "web", {"description": "Web", "vpcId": "vpc-1"}),
    StackItem(VPC_IN, "web-in", {"description": "HTTPS", "vpcId": UNKNOWN}, {"securityGroupId": ["web"]}),
]


def _configure(servicer: Any) -> None:
    servicer.Configure(configure_request(BRANCH_CONFIG), None)
    servicer.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(tags={"team": "platform"}), None)


UNKNOWABLE = "can't be known during preview"


def _preview_note(policy: str, what: str) -> str:
    return f"can't run policy '{policy}' from policy pack 'probe@v0.0.1' during preview: {what} {UNKNOWABLE}"


def test_every_branch_of_analyze_and_analyze_stack_answers_as_the_sdk() -> None:
    sdk, ours = both(BRANCHES)
    for servicer in (sdk, ours):
        _configure(servicer)
    parent = "urn:pulumi:dev::security-groups::security-groups:index:SecurityGroup::web"
    request = analyze_request(SG, "web", {"description": "Web", "vpcId": UNKNOWN}, parent=parent)
    analyzed, stacked = ours.Analyze(request, None), ours.AnalyzeStack(stack_request(BRANCH_STACK), None)
    assert reply(analyzed) == reply(sdk.Analyze(request, None))
    assert reply(stacked) == reply(sdk.AnalyzeStack(stack_request(BRANCH_STACK), None))

    sg_urn = request.urn
    found = [(d.policyName, d.enforcementLevel, d.message, d.urn) for d in analyzed.diagnostics]
    assert found == [
        (
            "reports",
            analyzer_pb2.MANDATORY,
            "Reports.\nweb Web {'limit': 3.0} {'team': 'platform'} parent=" + parent,
            "",
        ),
        ("reads-unknown", analyzer_pb2.ADVISORY, _preview_note("reads-unknown", "string value at .vpcId"), ""),
        ("async", analyzer_pb2.ADVISORY, f"Reports later.\nasync {sg_urn}", ""),
        ("at-remediate", analyzer_pb2.MANDATORY, f"Remediate level.\nasync {sg_urn}", ""),
    ]
    assert [(n.policy_name, n.reason) for n in analyzed.not_applicable] == [
        ("not-applicable", f"not for {SG}"),
        ("remediate-only", NO_VALIDATE),
    ]
    in_urn = stack_request(BRANCH_STACK).resources[1].urn
    found = [(d.policyName, d.message, d.urn) for d in stacked.diagnostics]
    assert found == [
        ("stack-links", "Links.\nweb parent=None deps=[] props={}", stack_request(BRANCH_STACK).resources[0].urn),
        ("stack-links", "Links.\nweb-in parent=None deps=['web'] props={'securityGroupId': ['web']}", in_urn),
        ("stack-unknown", "Reads an unknown.\nvpc-1", stack_request(BRANCH_STACK).resources[0].urn),
        ("stack-unknown", _preview_note("stack-unknown", "string value at .vpcId"), ""),
    ]
    assert [(n.policy_name, n.reason) for n in stacked.not_applicable] == [("stack-not-applicable", "not this stack")]


def test_each_request_is_converted_once_and_every_policy_sees_it() -> None:
    seen: list[int] = []

    def record(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        del report_violation
        seen.append(id(args.props))

    _, ours = both([ResourceValidationPolicy(name=f"p{i}", description="d", validate=record) for i in range(3)])
    request = analyze_request(SG, "web", group())
    ours.Analyze(request, None)
    ours.Analyze(request, None)
    assert len(set(seen[:3])) == 1
    assert len(set(seen[3:])) == 1


def test_a_typed_policy_is_only_called_for_its_types_and_answers_as_the_sdk() -> None:
    calls: list[str] = []

    def judge(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        calls.append(args.resource_type)
        if args.resource_type == SG:
            report_violation("A group.", None)

    policy = TypedResourcePolicy(frozenset({SG}), judge, name="groups-only", description="Groups.")
    sdk, ours = both([policy])
    requests = [analyze_request(SG, "web", group()), analyze_request(VPC_IN, "web-in", vpc_ingress())]
    ours_replies = [reply(ours.Analyze(request, None)) for request in requests]
    assert calls == [SG]
    assert ours_replies == [reply(sdk.Analyze(request, None)) for request in requests]
    assert [len(answer.get("diagnostics", [])) for answer in ours_replies] == [1, 0]


# --- This pack's own policies, on realistic stacks, under every config this project ships -------------------


CONFIGS = [None, *sorted(STACKS_DIR.glob("policy-config.*.json"))]


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
        StackItem(SG_RULE, "rule-no-description", sg_rule(description="")),
        StackItem(VPC_IN, "vpc-rule-anywhere", vpc_ingress(cidrIpv4="0.0.0.0/0", fromPort=22.0, toPort=22.0)),
    ]
    return [*edge, *resource_mix(120)]


def sdk_pack() -> Any:
    """This pack's policies behind the SDK's own servicer, as `PolicyPack` would serve them."""
    return _PolicyAnalyzerServicer(PACK_NAME, SDK_PACK_VERSION, policies(), PACK_ENFORCEMENT_LEVEL)


def unranked() -> OneConversionAnalyzer:
    """Our analyzer serving this pack's policies in pack order, each built to judge alone (no ranking)."""
    known = frozenset(meta.name for meta in METAS)
    built = [
        *(definition.build() for definition in RESOURCE_POLICIES),
        WAIVER_REPORT.build(known),
        *(definition.build() for definition in STACK_POLICIES),
    ]
    return OneConversionAnalyzer(PACK_NAME, built, PACK_ENFORCEMENT_LEVEL)


def _configured(servicer: Any, path: Any) -> Any:
    document = None if path is None else json.loads(path.read_text())
    info = servicer.GetAnalyzerInfo(None, None)
    servicer.Configure(configure_request(reconcile(info, document)), None)
    return servicer


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: "defaults" if path is None else path.name)
def test_the_pack_answers_every_resource_and_the_stack_as_the_sdk(config: Any) -> None:
    sdk = _configured(sdk_pack(), config)
    ours = _configured(unranked(), config)
    items = _corpus()
    diagnostics = 0
    for item in items:
        request = analyze_request(item.resource_type, item.name, item.props)
        answer = reply(ours.Analyze(request, None))
        assert answer == reply(sdk.Analyze(request, None)), item.name
        diagnostics += len(answer.get("diagnostics", []))
    answer = reply(ours.AnalyzeStack(stack_request(items), None))
    assert answer == reply(sdk.AnalyzeStack(stack_request(items), None))
    assert diagnostics > len(items) // 10  # the corpus opens SSH and RDP, leaves descriptions out, waives
    assert answer.get("diagnostics")


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
    waived = {note.split(" is waived until ")[0] for note in notes}
    for policy, level, message in gone:
        assert _ranked_below(policy), message
        higher = [(other, strict) for other, strict, _ in mine if RANK.get(other, len(RANK)) < RANK[policy]]
        higher_waived = [other for other in waived if RANK.get(other, len(RANK)) < RANK[policy]]
        assert higher_waived or any(strict >= level for _, strict in higher), message
    return gone


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
    """The same replies as the SDK's; with every text leaf secret, the same verdicts (the SDK unwraps secrets and
    so quotes them, where ours says they are secret)."""
    sdk = sdk_pack()
    ours = unranked()
    same = verdicts if secret else (lambda answer: answer)
    request = analyze_request(kind, "junk", with_secrets(data, secret))
    _left_to_a_higher_policy(reply(analyzer().Analyze(request, None)), reply(ours.Analyze(request, None)))
    request = analyze_request(kind, "junk", with_secrets(data, secret))
    assert same(reply(ours.Analyze(request, None))) == same(reply(sdk.Analyze(request, None)))
    stack = stack_request([StackItem(kind, "junk", with_secrets(data, secret))])
    assert same(reply(ours.AnalyzeStack(stack, None))) == same(reply(sdk.AnalyzeStack(stack, None)))

"""The pack as a process, over the Analyzer gRPC protocol, with values in the engine's wire form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2
from security_group_policies.catalogue import METAS, PACK_DESCRIPTION, PACK_NAME
from security_group_policies.framework import INTERNAL_ERROR
from security_group_policies.waivers import utc_today
from security_group_tools.pack_runner import (
    LEVEL_NAMES,
    SEVERITY_NAMES,
    UNKNOWN,
    Diagnostic,
    Pack,
    Secret,
    StackItem,
    diagnostics,
    urn,
)

from .pack_fixtures import GROUP_ID, SG, VPC_IN, VPC_OUT, group, inline, vpc_egress, vpc_ingress, waiver

SSH = "aws-ec2-securitygroup-disallow-public-ssh"
REPORT = "aws-ec2-securitygroup-report-waivers"
WEB_DEP = {"securityGroupId": ["web"]}
OPEN_SSH = [inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"], description="SSH")]


@pytest.fixture(autouse=True)
def _default_config(pack: Pack) -> None:
    """Each test starts from the pack's defaults, reconciled and sent as the engine would."""
    pack.configure(None)


def found(pack: Pack, resource_type: str, props: dict[str, Any], name: str = "web") -> list[Diagnostic]:
    """Analyze one resource; no diagnostic may come from the last-resort guard."""
    result = diagnostics(pack.analyze(resource_type, name, props))
    assert not [d for d in result if INTERNAL_ERROR in d.message]
    return result


def test_handshake_is_unimplemented_or_ok(pack: Pack) -> None:
    """The Python SDK does not implement Handshake; the engine falls back when it answers UNIMPLEMENTED."""
    request = analyzer_pb2.AnalyzerHandshakeRequest(
        engine_address="127.0.0.1:1", root_directory=".", program_directory="."
    )
    code = grpc.StatusCode.OK
    try:
        pack.stub.Handshake(request, timeout=10)
    except grpc.RpcError as error:
        code = error.code()
    assert code in (grpc.StatusCode.OK, grpc.StatusCode.UNIMPLEMENTED)


def test_configure_stack(pack: Pack) -> None:
    """ConfigureStack is accepted with the fields the engine sends."""
    request = analyzer_pb2.AnalyzerStackConfigureRequest(
        stack="dev", project="security-groups", organization="organization", dry_run=True,
        config={"aws:region": "eu-west-1"}, tags={"pulumi:project": "security-groups"},
    )  # fmt: skip
    assert pack.stub.ConfigureStack(request, timeout=10) == analyzer_pb2.AnalyzerStackConfigureResponse()


def test_analyzer_info_matches_the_catalogue(pack: Pack) -> None:
    """GetAnalyzerInfo reports every policy with exactly the metadata the catalogue (and README) declares."""
    info = pack.info()
    assert (info.name, info.description, info.supportsConfig) == (PACK_NAME, PACK_DESCRIPTION, True)
    expected = [
        (m.name, m.description, m.enforcement_level.value, m.severity.value, m.remediation_steps,
         sorted(m.published_tags()))
        for m in METAS
    ]  # fmt: skip
    actual = [
        (p.name, p.description, LEVEL_NAMES[p.enforcementLevel], SEVERITY_NAMES[p.severity], p.remediation_steps,
         sorted(p.tags))
        for p in info.policies
    ]  # fmt: skip
    assert actual == expected
    stack_policies = {p.name for p in info.policies if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK}
    assert stack_policies == {
        "aws-ec2-securitygroup-disallow-public-combined-cidrs",
        "aws-ec2-securitygroup-disallow-mixed-rule-management",
        "aws-ec2-securitygroup-enforce-rule-quota",
        "aws-ec2-securitygroup-disallow-duplicate-rules",
        "aws-ec2-defaultsecuritygroup-enforce-closed",
        "aws-ec2-securitygroup-disallow-cross-vpc-reference",
    }


def test_wire_values_and_default_levels(pack: Pack) -> None:
    """Doubles, `__` keys and a secret CIDR: each policy reports at its default level and severity."""
    props = group(
        ingress=[
            inline(fromPort=22.0, toPort=22.0, cidrBlocks=[Secret("0.0.0.0/0")], description="SSH"),
            inline(fromPort=3306.0, toPort=3306.0, cidrBlocks=["0.0.0.0/0"], description="MySQL"),
            inline(fromPort=8443.0, toPort=8443.0, cidrBlocks=["0.0.0.0/0"], description="Admin"),
        ]
    )
    props["__defaults"] = ["revokeRulesOnDelete"]
    result = {(d.policy, d.level, d.severity, d.finding) for d in found(pack, SG, props)}
    finding = "ingress[0] allows tcp 22 from the secret CIDR in ingress[0].cidrBlocks[0] (anywhere on IPv4)"
    assert result == {
        (SSH, "advisory", "high", finding),
        ("aws-ec2-securitygroup-disallow-public-high-risk-ports", "advisory", "high",
         "ingress[1] allows tcp 3306 from 0.0.0.0/0 (anywhere on IPv4)"),
        ("aws-ec2-securitygroup-disallow-public-unauthorized-ports", "advisory", "medium",
         "ingress[2] allows tcp 8443 from 0.0.0.0/0 (anywhere on IPv4)"),
    }  # fmt: skip


def test_message_is_description_then_finding(pack: Pack) -> None:
    """As pulumi-policy formats it: the policy description, a newline, then the finding with its fix."""
    [ssh] = [d for d in found(pack, SG, group(ingress=OPEN_SSH)) if d.policy == SSH]
    description = next(m.description for m in METAS if m.name == SSH)
    assert ssh.message.startswith(f"{description}\ningress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4). Fix: ")
    assert ssh.urn == ""


def test_secret_free_text_is_never_echoed(pack: Pack) -> None:
    """Secrets arrive decrypted; names and descriptions are judged but never repeated in a message."""
    secret = "hunter2-café-\u00e9"
    props = group(name=Secret(secret), description=Secret(secret), ingress=[inline(description=Secret(secret))])
    result = found(pack, SG, props)
    assert {d.policy for d in result} == {
        "aws-ec2-securitygroup-disallow-invalid-name",
        "aws-ec2-securitygroup-disallow-invalid-description",
    }
    assert all("hunter2" not in d.message for d in result)


def test_unknowns_become_advisory_notes_even_for_mandatory_policies(pack: Pack) -> None:
    """An unknown value yields the SDK's advisory preview note with our precise text, never a mandatory failure."""
    props = group(ingress=[inline(protocol="-1", cidrBlocks=[UNKNOWN], description=UNKNOWN)])
    by_policy = {d.policy: d for d in found(pack, SG, props)}
    note = by_policy["aws-ec2-securitygroup-disallow-public-all-traffic"]
    assert note.level == "advisory"
    assert note.message.startswith(
        "can't run policy 'aws-ec2-securitygroup-disallow-public-all-traffic' from policy pack "
        f"'{PACK_NAME}@v0.0.1' during preview: could not check ingress[0].cidrBlocks[0]: not known until apply."
    )
    assert by_policy["aws-ec2-securitygroup-missing-rule-description"].level == "advisory"


def test_known_findings_survive_an_unknown_elsewhere(pack: Pack) -> None:
    """A finding on a known rule is reported at its level next to the note about the unknown one."""
    props = group(ingress=[*OPEN_SSH, inline(fromPort=22, toPort=22, cidrBlocks=[UNKNOWN], description="SSH")])
    ssh = [(d.level, d.finding) for d in found(pack, SG, props) if d.policy == SSH]
    assert ssh[0] == ("advisory", "ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)")
    assert "could not check ingress[1].cidrBlocks[0]" in ssh[1][1]


def test_waiver_over_the_wire(pack: Pack) -> None:
    """A valid waiver moves the finding to the report policy's advisory note; the SSH policy says nothing."""
    pack.configure({SSH: "mandatory"})
    expires = utc_today() + timedelta(days=30)
    props = group(ingress=OPEN_SSH, tags={**waiver(SSH, f"{expires} incident bastion, ticket OPS-42"), "team": "web"})
    result = [d for d in found(pack, SG, props) if d.policy in (SSH, REPORT)]
    assert [(d.policy, d.level) for d in result] == [(REPORT, "advisory")]
    assert 'reason: "incident bastion, ticket OPS-42"' in result[0].message
    assert result[0].message.endswith("opening port 22")


def test_expired_waiver_over_the_wire(pack: Pack) -> None:
    """An expired waiver leaves the finding at its level and says so."""
    pack.configure({SSH: "mandatory"})
    props = group(ingress=OPEN_SSH, tags=waiver(SSH, "2000-01-01 long ago"))
    [ssh] = [d for d in found(pack, SG, props) if d.policy == SSH]
    assert ssh.level == "mandatory"
    assert ssh.message.endswith(f"(waiver tag policy-waiver:{SSH} expired on 2000-01-01 and no longer applies)")


def test_config_levels(pack: Pack) -> None:
    """`all` sets every level, a policy's own entry overrides it, disabled policies do not run."""
    pack.configure({"all": "mandatory", "aws-ec2-securitygroup-disallow-public-high-risk-ports": "disabled"})
    mysql = inline(fromPort=3306, toPort=3306, cidrBlocks=["0.0.0.0/0"], description="MySQL")
    levels = {(d.policy, d.finding): d.level for d in found(pack, SG, group(ingress=[*OPEN_SSH, mysql]))}
    assert levels == {
        (SSH, "ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"): "mandatory",
        (
            "aws-ec2-securitygroup-disallow-public-unauthorized-ports",
            "ingress[1] allows tcp 3306 from 0.0.0.0/0 (anywhere on IPv4)",
        ): "mandatory",
    }


def test_config_properties_arrive_as_doubles(pack: Pack) -> None:
    """Configured ports come over the wire as doubles and are honoured."""
    pack.configure({SSH: {"ports": [2222]}})
    props = group(ingress=[inline(fromPort=2222, toPort=2222, cidrBlocks=["0.0.0.0/0"], description="SSH")])
    assert [d.finding for d in found(pack, SG, props) if d.policy == SSH] == [
        "ingress[0] allows tcp 2222 from 0.0.0.0/0 (anywhere on IPv4)"
    ]


def test_excluded_resource_is_not_applicable(pack: Pack) -> None:
    """A resource matched by excludeNames is reported as not applicable, with the reason."""
    pack.configure({SSH: {"excludeNames": ["bastion-.*"]}})
    response = pack.analyze(SG, "bastion-1", group(ingress=OPEN_SSH))
    assert SSH not in {d.policyName for d in response.diagnostics}
    assert [(n.policy_name, n.reason) for n in response.not_applicable] == [
        (SSH, "excluded by the policy config's excludeNames")
    ]


def test_remediate(pack: Pack) -> None:
    """No policy rewrites resources; one configured to remediate is reported as not applicable there and as
    mandatory by Analyze, as the SDK does."""
    from security_group_tools.pack_runner import analyze_request

    request = analyze_request(SG, "web", group(ingress=OPEN_SSH))
    assert pack.stub.Remediate(request, timeout=10) == analyzer_pb2.RemediateResponse()
    pack.configure({SSH: "remediate"})
    response = pack.stub.Remediate(request, timeout=10)
    assert list(response.remediations) == []
    assert [(n.policy_name, n.reason) for n in response.not_applicable] == [
        (SSH, "Policy does not implement remediate")
    ]
    assert [d.level for d in found(pack, SG, group(ingress=OPEN_SSH)) if d.policy == SSH] == ["mandatory"]


def test_analyze_stack(pack: Pack) -> None:
    """Stack policies see the component's shape over the wire, attach findings to resources by URN."""
    items = [
        StackItem(SG, "web", group(id=GROUP_ID, ingress=[inline()], egress=[])),
        StackItem(VPC_IN, "web-in-a", vpc_ingress(fromPort=22, toPort=22, cidrIpv4="0.0.0.0/1"), WEB_DEP),
        StackItem(VPC_IN, "web-in-b",
                  vpc_ingress(fromPort=22, toPort=22, cidrIpv4="128.0.0.0/1", securityGroupId=UNKNOWN), WEB_DEP),
        StackItem(VPC_OUT, "web-out-1", vpc_egress(), WEB_DEP),
        StackItem(VPC_OUT, "web-out-2", vpc_egress(description="Proxy again"), WEB_DEP),
    ]  # fmt: skip
    result = diagnostics(pack.analyze_stack(items))
    assert sorted((d.policy, d.level, d.urn.rsplit("::", 1)[1]) for d in result) == [
        ("aws-ec2-securitygroup-disallow-duplicate-rules", "mandatory", "web-out-2"),
        ("aws-ec2-securitygroup-disallow-mixed-rule-management", "advisory", "web-in-a"),
        ("aws-ec2-securitygroup-disallow-mixed-rule-management", "advisory", "web-in-b"),
        ("aws-ec2-securitygroup-disallow-public-combined-cidrs", "advisory", "web-in-a"),
        ("aws-ec2-securitygroup-disallow-public-combined-cidrs", "advisory", "web-in-b"),
    ]
    assert all(d.urn.startswith("urn:pulumi:dev::security-groups::") for d in result)


def test_quota_over_the_wire(pack: Pack) -> None:
    """The quota is configurable per environment and counted across rule resources."""
    items = [StackItem(SG, "web", group(id=GROUP_ID, ingress=[], egress=[]))] + [
        StackItem(VPC_IN, f"r{i}", vpc_ingress(cidrIpv4=f"10.0.0.{i}/32"), {"securityGroupId": ["web"]})
        for i in range(12)
    ]
    pack.configure({"aws-ec2-securitygroup-enforce-rule-quota": {"ruleQuota": 10}})
    [quota] = diagnostics(pack.analyze_stack(items))
    assert (quota.policy, quota.level, quota.urn) == (
        "aws-ec2-securitygroup-enforce-rule-quota",
        "mandatory",
        urn(SG, "web"),
    )
    assert quota.finding.startswith("the group has 12 IPv4 ingress rules, over the quota of 10")


def test_bad_config_types_never_break_analysis(pack: Pack) -> None:
    """Config the engine would have refused (wrong types) still never fails an RPC: defaults apply."""
    from security_group_tools.pack_runner import configure_request

    bad: dict[str, tuple[str, dict[str, Any] | None]] = {
        m.name: ("advisory", {"ports": "22", "excludeNames": [1, 2], "allowedCidrs": "x", "ruleQuota": "many",
                              "authorizedTcpPorts": [{"a": 1}], "allowWaivers": "yes", "protocols": ["icmp"]})
        for m in METAS
    }  # fmt: skip
    pack.stub.Configure(configure_request(bad), timeout=10)
    assert [d.finding for d in found(pack, SG, group(ingress=OPEN_SSH)) if d.policy == SSH] == [
        "ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"
    ]
    diagnostics(pack.analyze_stack([StackItem(SG, "web", group())]))

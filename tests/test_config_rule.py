"""The AWS Config rule's handler on configuration items in Config's format, with every evaluation captured.

The handler runs with its own boto3 clients: Config is a recording fake on 127.0.0.1 (`fake_config`), EC2 and
SSM are moto's server on 127.0.0.1, each reached through the AWS_ENDPOINT_URL_<SERVICE> variables.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from config_item_fixtures import (
    ALL_OUT,
    CAPTURED_EPOCH,
    REGION,
    change_event,
    configuration,
    history_item,
    item,
    oversized_event,
    permission,
    scheduled_event,
)
from fake_config import FakeConfig, aim_the_handler, fake_config
from moto_server import Moto
from security_group_tools import config_rule
from security_group_tools.config_evaluations import MAX_ANNOTATION
from security_group_tools.paths import STACKS_DIR

PROD = (STACKS_DIR / "policy-config.prod.json").read_text()
NOTIFIED_EPOCH = 1772442930.0
SSH_FIX = (
    "Replace the open source with the CIDRs, security groups or prefix lists that need SSH, or reach hosts through "
    "SSM Session Manager; an expiring policy-waiver tag covers a short-lived exception."
)

WALKTHROUGH = configuration(
    "sg-0a11b22c33d44e55f",
    "launch-wizard-1",
    "Allow SSH access from anywhere",
    [permission("tcp", 22, 22, v4=[("0.0.0.0/0", "SSH from anywhere")])],
    [permission("-1", v4=[("0.0.0.0/0", "All outbound traffic")])],
)
"""The console walkthrough's group, its outbound rule described."""

PROD_TAGS = {"environment": "prod", "cost-center": "4410", "managed-by": "pulumi/security-groups"}
BASTION, WEB, APP, DB = "sg-0b000000000000001", "sg-0b000000000000002", "sg-0b000000000000003", "sg-0b000000000000004"
TIERS = {
    "bastion": configuration(
        BASTION,
        "bastion-7f3a9c1",
        "Prod bastion hosts (SSH entry point from the ops network)",
        [permission("tcp", 22, 22, v4=[("10.20.0.0/16", "SSH from the ops network over the VPN")])],
        [
            permission(
                "tcp",
                22,
                22,
                groups=[(APP, "SSH onwards to app and database hosts"), (DB, "SSH onwards to app and database hosts")],
            )
        ],
        tags=PROD_TAGS,
    ),
    "web": configuration(
        WEB,
        "web-2c4e6a8",
        "Prod web tier behind the public load balancer",
        [
            permission(
                "tcp",
                443,
                443,
                v4=[("0.0.0.0/0", "HTTPS from the internet (IPv4 and IPv6)")],
                v6=[("::/0", "HTTPS from the internet (IPv4 and IPv6)")],
            ),
            permission(
                "tcp",
                80,
                80,
                v4=[("0.0.0.0/0", "HTTP from the internet, redirected to HTTPS")],
                v6=[("::/0", "HTTP from the internet, redirected to HTTPS")],
            ),
            permission("icmp", 3, 4, v4=[("0.0.0.0/0", "Path MTU discovery (fragmentation needed)")]),
            permission("icmpv6", 2, -1, v6=[("::/0", "Path MTU discovery (packet too big)")]),
        ],
        [permission("tcp", 8080, 8080, groups=[(APP, "Forward requests to the app tier")])],
        tags=PROD_TAGS,
    ),
    "app": configuration(
        APP,
        "app-9d8b7f6",
        "Prod application servers",
        [
            permission("tcp", 8080, 8080, groups=[(WEB, "Requests from the web tier")]),
            permission("tcp", 22, 22, groups=[(BASTION, "SSH from the bastion hosts")]),
            permission(
                "tcp",
                9100,
                9100,
                groups=[("sg-0fedcba9876543210", "Node exporter scrapes from the shared monitoring group")],
            ),
        ],
        [
            permission("tcp", 5432, 5432, groups=[(DB, "Queries to the database")]),
            permission(
                "tcp",
                443,
                443,
                v4=[("0.0.0.0/0", "Calls to payment and email providers")],
                lists=[("pl-6da54004", "S3 through the gateway endpoint (AWS-managed prefix list)")],
            ),
        ],
        tags=PROD_TAGS,
    ),
    "db": configuration(
        DB,
        "db-1a2b3c4",
        "Prod PostgreSQL",
        [
            permission(
                "tcp",
                5432,
                5432,
                v4=[("10.20.0.0/16", "Queries from the app tier and the ops network")],
                groups=[(APP, "Queries from the app tier and the ops network")],
            ),
            permission("tcp", 22, 22, groups=[(BASTION, "SSH from the bastion hosts")]),
        ],
        [],
        tags=PROD_TAGS,
    ),
}
"""The prod stack's four tiers (stacks/Pulumi.prod.yaml) as AWS Config records them once deployed."""


@pytest.fixture
def config() -> Iterator[FakeConfig]:
    """The recording Config fake."""
    with fake_config() as fake:
        yield fake


@pytest.fixture
def aws(config: FakeConfig, moto: Moto, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeConfig:
    """Test keys only; Config at the fake, EC2 and SSM at a reset moto; the handler's clients made afresh."""
    moto.reset()
    aim_the_handler(monkeypatch, tmp_path, config, moto.url, region=REGION, services=("EC2", "SSM"))
    return config


def sent(fake: FakeConfig) -> list[tuple[str, str, str | None]]:
    """(group id, compliance, annotation) of every evaluation sent, in order."""
    return [
        (e["ComplianceResourceId"], e["ComplianceType"], e.get("Annotation"))
        for batch in fake.evaluations()
        for e in batch
    ]


def test_the_walkthrough_group_under_prods_config_is_non_compliant(aws: FakeConfig) -> None:
    """Open SSH is mandatory in prod: NON_COMPLIANT, the annotation naming policy, rule and fix; sent exactly."""
    answer = config_rule.handler(change_event(item(WALKTHROUGH), {"policyConfig": PROD}), None)
    assert answer == {"NON_COMPLIANT": 1}
    annotation = (
        f"aws-ec2-securitygroup-disallow-public-ssh on ingress tcp 22 from 0.0.0.0/0: {SSH_FIX}"[: MAX_ANNOTATION - 1]
        + "…"
    )
    assert aws.calls == [
        (
            "PutEvaluations",
            {
                "Evaluations": [
                    {
                        "ComplianceResourceType": "AWS::EC2::SecurityGroup",
                        "ComplianceResourceId": "sg-0a11b22c33d44e55f",
                        "ComplianceType": "NON_COMPLIANT",
                        "OrderingTimestamp": CAPTURED_EPOCH,
                        "Annotation": annotation,
                    }
                ],
                "ResultToken": "result-token-1",
            },
        )
    ]
    assert len(annotation) == MAX_ANNOTATION


def test_the_walkthrough_group_under_the_pack_defaults_fails_only_on_advisory(aws: FakeConfig) -> None:
    """By default open SSH is advisory: COMPLIANT, no annotation; with failOn advisory it is NON_COMPLIANT."""
    assert config_rule.handler(change_event(item(WALKTHROUGH)), None) == {"COMPLIANT": 1}
    assert config_rule.handler(change_event(item(WALKTHROUGH), {"failOn": "advisory"}), None) == {"NON_COMPLIANT": 1}
    assert sent(aws) == [
        ("sg-0a11b22c33d44e55f", "COMPLIANT", None),
        (
            "sg-0a11b22c33d44e55f",
            "NON_COMPLIANT",
            f"aws-ec2-securitygroup-disallow-public-ssh on ingress tcp 22 from 0.0.0.0/0: {SSH_FIX}"[:255] + "…",
        ),
    ]


@pytest.mark.parametrize("fail_on", ["mandatory", "advisory"])
def test_the_prod_tiers_are_compliant_under_prods_config(aws: FakeConfig, fail_on: str) -> None:
    """bastion, web, app and db as deployed from stacks/Pulumi.prod.yaml: no finding, at either level."""
    for tier in TIERS.values():
        config_rule.handler(change_event(item(tier), {"policyConfig": PROD, "failOn": fail_on}), None)
    assert aws.evaluations() == [
        [
            {
                "ComplianceResourceType": "AWS::EC2::SecurityGroup",
                "ComplianceResourceId": group_id,
                "ComplianceType": "COMPLIANT",
                "OrderingTimestamp": CAPTURED_EPOCH,
            }
        ]
        for group_id in (BASTION, WEB, APP, DB)
    ]


def test_a_deleted_group_is_not_applicable(aws: FakeConfig) -> None:
    """ResourceDeleted: `configuration` is null; NOT_APPLICABLE at the item's capture time, nothing else asked."""
    assert config_rule.handler(change_event(item(WALKTHROUGH, status="ResourceDeleted"), {"policyConfig": PROD})) == {
        "NOT_APPLICABLE": 1
    }
    assert aws.calls == [
        (
            "PutEvaluations",
            {
                "Evaluations": [
                    {
                        "ComplianceResourceType": "AWS::EC2::SecurityGroup",
                        "ComplianceResourceId": "sg-0a11b22c33d44e55f",
                        "ComplianceType": "NOT_APPLICABLE",
                        "OrderingTimestamp": CAPTURED_EPOCH,
                    }
                ],
                "ResultToken": "result-token-1",
            },
        )
    ]


def test_a_group_that_left_the_rules_scope_is_not_applicable(aws: FakeConfig) -> None:
    """eventLeftScope: Config asks for NOT_APPLICABLE whatever the group holds."""
    config_rule.handler(change_event(item(WALKTHROUGH), {"policyConfig": PROD}, left_scope=True))
    assert sent(aws) == [("sg-0a11b22c33d44e55f", "NOT_APPLICABLE", None)]


def test_an_oversized_item_is_fetched_with_get_resource_config_history(aws: FakeConfig) -> None:
    """Only the summary travels: the item comes from GetResourceConfigHistory (limit 1, at the capture time)."""
    full = item(WALKTHROUGH)
    aws.history["sg-0a11b22c33d44e55f"] = [history_item(full)]
    config_rule.handler(oversized_event(full, {"policyConfig": PROD}))
    assert [operation for operation, _ in aws.calls] == ["GetResourceConfigHistory", "PutEvaluations"]
    assert aws.calls[0][1] == {
        "resourceType": "AWS::EC2::SecurityGroup",
        "resourceId": "sg-0a11b22c33d44e55f",
        "laterTime": CAPTURED_EPOCH,
        "limit": 1,
    }
    assert sent(aws) == [
        (
            "sg-0a11b22c33d44e55f",
            "NON_COMPLIANT",
            f"aws-ec2-securitygroup-disallow-public-ssh on ingress tcp 22 from 0.0.0.0/0: {SSH_FIX}"[:255] + "…",
        )
    ]
    assert aws.evaluations()[0][0]["OrderingTimestamp"] == CAPTURED_EPOCH


def test_an_oversized_item_config_no_longer_has_is_an_error(aws: FakeConfig) -> None:
    """No item in the history: the invocation fails saying so (Config shows the error), and nothing is sent."""
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(oversized_event(item(WALKTHROUGH)))
    assert str(raised.value) == "GetResourceConfigHistory returned no configuration item for sg-0a11b22c33d44e55f"
    assert aws.evaluations() == []


def test_a_scheduled_run_judges_every_group_of_the_region(aws: FakeConfig, moto: Moto) -> None:
    """Every group moto holds (the walkthrough's, its VPC's default, the region's default VPC's default), together."""
    from moto_server import walkthrough

    ec2 = moto.client()
    made = walkthrough(ec2)
    groups = ec2.describe_security_groups()["SecurityGroups"]
    defaults = sorted(g["GroupId"] for g in groups if g["GroupName"] == "default")
    assert config_rule.handler(scheduled_event({"policyConfig": PROD})) == {"NON_COMPLIANT": 3}
    [batch] = aws.evaluations()
    assert {e["OrderingTimestamp"] for e in batch} == {NOTIFIED_EPOCH}
    default_rules = (
        "aws-ec2-defaultsecuritygroup-disallow-rules on the group: Remove every ingress and egress entry from the "
        "DefaultSecurityGroup resource (which then strips the group's rules) and attach purpose-built groups to "
        "workloads instead."
    )
    undescribed = ("aws-ec2-securitygroup-disallow-public-ssh on ingress tcp 22 from 0.0.0.0/0 (+1 more): " + SSH_FIX)[
        :255
    ] + "…"
    assert sorted(sent(aws)) == sorted(
        [(made.group_id, "NON_COMPLIANT", undescribed), *((d, "NON_COMPLIANT", default_rules) for d in defaults)]
    )


def test_evaluations_go_in_batches_of_100(aws: FakeConfig) -> None:
    """205 evaluations: PutEvaluations three times, 100, 100 and 5, in order, all with the event's result token."""
    from datetime import UTC, datetime

    from security_group_tools.config_evaluations import Evaluation

    when = datetime(2026, 3, 2, tzinfo=UTC)
    found = [Evaluation(f"sg-{index:017x}", "COMPLIANT", when) for index in range(205)]
    config_rule.report(scheduled_event(), found, config_rule.aws_clients())
    assert [len(batch) for batch in aws.evaluations()] == [100, 100, 5]
    assert [e["ComplianceResourceId"] for batch in aws.evaluations() for e in batch] == [e.resource_id for e in found]
    assert {body["ResultToken"] for _, body in aws.calls} == {"result-token-1"}


def test_a_refused_evaluation_fails_the_invocation(aws: FakeConfig) -> None:
    """PutEvaluations' FailedEvaluations are not ignored."""
    aws.refuse.add("sg-0a11b22c33d44e55f")
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(change_event(item(WALKTHROUGH)))
    assert str(raised.value) == "PutEvaluations refused 1 evaluation(s): sg-0a11b22c33d44e55f"


def test_the_policy_config_from_ssm_parameter_store(aws: FakeConfig, moto: Moto) -> None:
    """policyConfigParameter names a parameter holding prod's config: the same verdict as prod's config inline."""
    import boto3
    from moto_server import KEYS

    ssm = boto3.client("ssm", region_name=REGION, endpoint_url=moto.url, **KEYS)
    ssm.put_parameter(Name="/security-groups/policy-config", Value=PROD, Type="String")
    config_rule.handler(change_event(item(WALKTHROUGH), {"policyConfigParameter": "/security-groups/policy-config"}))
    config_rule.handler(change_event(item(WALKTHROUGH), {"policyConfig": PROD}))
    first, second = sent(aws)
    assert first == second
    assert first[1] == "NON_COMPLIANT"


def test_a_missing_ssm_parameter_is_one_line(aws: FakeConfig, capsys: pytest.CaptureFixture[str]) -> None:
    """The role or the name is wrong: the error says which parameter and what the role needs; nothing is sent."""
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(change_event(item(WALKTHROUGH), {"policyConfigParameter": "/nope"}))
    message = "SSM parameter /nope: ParameterNotFound; the function's role needs ssm:GetParameter on it"
    assert str(raised.value) == message
    assert capsys.readouterr().err == f"error: {message}\n"
    assert aws.calls == []


def _waived(expires: str) -> dict[str, Any]:
    tags = {"policy-waiver:aws-ec2-securitygroup-disallow-public-ssh": f"{expires} vendor demo until Friday"}
    return configuration(
        "sg-0a11b22c33d44e55f",
        "launch-wizard-1",
        "Allow SSH access from anywhere",
        [permission("tcp", 22, 22, v4=[("0.0.0.0/0", "SSH from anywhere")])],
        [permission("-1", v4=[("0.0.0.0/0", "All outbound traffic")])],
        tags=tags,
    )


def test_a_group_waiver_tag_covers_its_rules_as_in_the_pack(aws: FakeConfig) -> None:
    """An unexpired waiver on the group makes open SSH advisory (COMPLIANT); an expired one does not."""
    from datetime import timedelta

    from security_group_policies.waivers import utc_today

    soon = (utc_today() + timedelta(days=10)).isoformat()
    config_rule.handler(change_event(item(_waived(soon)), {"policyConfig": PROD}))
    config_rule.handler(change_event(item(_waived("2020-01-01")), {"policyConfig": PROD}))
    assert [compliance for _, compliance, _ in sent(aws)] == ["COMPLIANT", "NON_COMPLIANT"]


MARK = "Zq7-private-note"


def test_annotations_never_carry_descriptions_or_tag_values(aws: FakeConfig) -> None:
    """Messages quote descriptions and waiver reasons; annotations name policy, rule and fix only."""
    group = configuration(
        "sg-0a11b22c33d44e55f",
        "launch-wizard-1",
        f"TODO {MARK}",
        [permission("tcp", 3389, 3389, v4=[("0.0.0.0/0", f"TODO {MARK}")])],
        [ALL_OUT],
        tags={"policy-waiver:aws-ec2-securitygroup-disallow-public-rdp": f"not-a-date {MARK}", "owner": MARK},
    )
    config_rule.handler(change_event(item(group), {"policyConfig": PROD, "failOn": "advisory"}))
    [(_, compliance, annotation)] = sent(aws)
    assert compliance == "NON_COMPLIANT"
    assert annotation is not None
    assert annotation.startswith("aws-ec2-securitygroup-disallow-public-rdp on ingress tcp 3389 from 0.0.0.0/0 (+")
    assert MARK not in annotation
    assert len(annotation) <= MAX_ANNOTATION


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        pytest.param(
            {"policyconfig": "{}"},
            "ruleParameters: unknown key 'policyconfig'; the keys are policyConfig, policyConfigParameter, failOn, "
            "memberRoleName",
            id="unknown-key",
        ),
        pytest.param(
            {"memberRoleName": "guard/member"},
            "ruleParameters.memberRoleName: an IAM role name (1-64 of A-Z a-z 0-9 +=,.@_-)",
            id="member-role-with-a-path",
        ),
        pytest.param(
            {"memberRoleName": "r" * 65},
            "ruleParameters.memberRoleName: an IAM role name (1-64 of A-Z a-z 0-9 +=,.@_-)",
            id="member-role-too-long",
        ),
        pytest.param({"failOn": "warning"}, "ruleParameters.failOn: use one of mandatory, advisory", id="fail-on"),
        pytest.param(
            {"failOn": ["advisory"]}, "ruleParameters.failOn: use one of mandatory, advisory", id="fail-on-a-list"
        ),
        pytest.param(
            {"policyConfig": "{}", "policyConfigParameter": "/p"},
            "ruleParameters: give policyConfig or policyConfigParameter, not both",
            id="both",
        ),
        pytest.param(
            {"policyConfig": '{"aws-ec2-securitygroup-disallow-public-ssh": "blocking"}'},
            "ruleParameters.policyConfig: aws-ec2-securitygroup-disallow-public-ssh: 'blocking' is not a valid "
            "enforcement level; use one of advisory, mandatory, remediate, disabled",
            id="bad-level",
        ),
        pytest.param(
            {"policyConfig": '{"aws-ec2-securitygroup-disallow-public-sh": "mandatory"}'},
            "ruleParameters.policyConfig: aws-ec2-securitygroup-disallow-public-sh: no policy of that name in the "
            "pack; did you mean 'aws-ec2-securitygroup-disallow-public-ssh'?",
            id="typo-in-a-policy-name",
        ),
        pytest.param(
            {"policyConfig": '{"aws-ec2-securitygroup-disallow-public-ssh": {"publicPrefixLengthIpv4": "8"}}'},
            "ruleParameters.policyConfig: aws-ec2-securitygroup-disallow-public-ssh.publicPrefixLengthIpv4: "
            "'8' is not of type 'integer'",
            id="schema",
        ),
        pytest.param(
            {"policyConfig": '{"all": NaN}'},
            "ruleParameters.policyConfig: not valid JSON: NaN is not a JSON number",
            id="nan",
        ),
        pytest.param(
            {"policyConfig": '{"all": {"authorizedTcpPorts": [443]}}'},
            'ruleParameters.policyConfig: all: authorizedTcpPorts: `all` sets only an enforcement level ({"all": '
            '"mandatory"}); a policy\'s properties go under its own name',
            id="all-with-properties",
        ),
        pytest.param(
            {"policyConfig": '{"all": ' + "[" * 100_000 + "]" * 100_000 + "}"},
            "ruleParameters.policyConfig: nested too deeply to be a policy config",
            id="deep",
        ),
        pytest.param(
            {"policyConfig": "{"},
            "ruleParameters.policyConfig:1:2: not valid JSON: Expecting property name enclosed in double quotes",
            id="not-json",
        ),
    ],
)
def test_parameters_the_rule_refuses(aws: FakeConfig, parameters: dict[str, Any], message: str) -> None:
    """Each refusal is one line naming the parameter; nothing is sent."""
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(change_event(item(WALKTHROUGH), parameters))
    assert str(raised.value) == message
    assert aws.calls == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param(
            "ruleParameters", "[" * 100_000 + "]" * 100_000, "ruleParameters: not a JSON object", id="deep-parameters"
        ),
        pytest.param(
            "ruleParameters",
            {"failOn": "advisory"},
            "ruleParameters: expected JSON text, as AWS Config sends it, got dict",
            id="parameters-as-an-object",
        ),
        pytest.param(
            "ruleParameters", 5, "ruleParameters: expected JSON text, as AWS Config sends it, got int", id="int"
        ),
        pytest.param(
            "invokingEvent",
            "[" * 100_000 + "]" * 100_000,
            "invokingEvent: missing or not JSON; is this an AWS Config rule invocation?",
            id="deep-invoking-event",
        ),
    ],
)
def test_an_event_hand_written_wrong_is_one_line(aws: FakeConfig, field: str, value: object, message: str) -> None:
    """What a console test event can hold that AWS never sends: one line each, never a TypeError or RecursionError."""
    event = {**change_event(item(WALKTHROUGH), {"failOn": "advisory"}), field: value}
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(event)
    assert str(raised.value) == message
    assert aws.calls == []


@pytest.mark.parametrize("port", [f"22 {MARK}", 22.5, math.nan, math.inf, True], ids=str)
def test_an_unreadable_item_names_the_field_never_its_value(aws: FakeConfig, port: object) -> None:
    """A port that is text, a fraction, NaN or infinite (Python's JSON reader takes `NaN`): refused with the
    field's path; the value is not echoed."""
    bad = configuration("sg-0a11b22c33d44e55f", "g", "d", [{"ipProtocol": "tcp", "fromPort": port}])
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(change_event(item(bad)))
    assert str(raised.value) == "sg-0a11b22c33d44e55f: configuration.ipPermissions[0].fromPort: expected a whole number"


@pytest.mark.parametrize(
    ("event", "message"),
    [
        pytest.param({}, "invokingEvent: missing or not JSON; is this an AWS Config rule invocation?", id="empty"),
        pytest.param(
            {"invokingEvent": json.dumps({"messageType": "Other"}), "resultToken": "t"},
            "invokingEvent.messageType: 'Other' is not one this rule answers",
            id="message-type",
        ),
    ],
)
def test_events_that_are_not_config_rule_invocations(aws: FakeConfig, event: dict[str, Any], message: str) -> None:
    """One line, no traceback of the rule's own making."""
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(event)
    assert str(raised.value) == message

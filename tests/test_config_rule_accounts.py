"""An organisation rule's events from member accounts are answered as the member, through the role it names.

The handler runs with its own boto3 clients: Config is the recording fake on 127.0.0.1, which keeps the access
key id that signed each call; STS, EC2 and SSM are moto's server on 127.0.0.1. moto's AssumeRole gives each
session keys of the role's own account, so a member's EC2 reads see that member's groups only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from config_item_fixtures import REGION, change_event, configuration, history_item, item, oversized_event, permission
from config_item_fixtures import scheduled_event as own_scheduled_event
from fake_config import FakeConfig, aim_the_handler, fake_config
from fake_endpoint import fake_endpoint
from moto_server import KEYS, Moto, walkthrough
from security_group_tools import config_rule
from security_group_tools.config_rule_accounts import SESSION_NAME

HOME = "123456789012"
"""The function's account (moto's own, as GetCallerIdentity reports it)."""
MEMBER = "444455556666"
ROLE_NAME = "security-groups-config-rule-member"
MEMBER_ROLE = f"arn:aws:iam::{MEMBER}:role/{ROLE_NAME}"
PARAMETERS = {"memberRoleName": ROLE_NAME, "policyConfig": '{"all": "mandatory"}'}


@dataclass(frozen=True)
class Context:
    """The part of Lambda's context object the handler reads."""

    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{HOME}:function:guard-function"


OPEN_SSH = configuration(
    "sg-0a11b22c33d44e55f",
    "launch-wizard-1",
    "Allow SSH access from anywhere",
    [permission("tcp", 22, 22, v4=[("0.0.0.0/0", "SSH from anywhere")])],
    [permission("-1", v4=[("0.0.0.0/0", "All outbound traffic")])],
)


def member(event: dict[str, object]) -> dict[str, object]:
    """The same event as AWS Config in the member account sends it to the one function."""
    return {**event, "accountId": MEMBER, "executionRoleArn": f"arn:aws:iam::{MEMBER}:role/aws-service-role/x"}


def refused(event: dict[str, object], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line the handler fails with: raised without a chained traceback, and printed as `error: …`."""
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(event, Context())
    assert raised.value.__cause__ is None
    assert capsys.readouterr().err == f"error: {raised.value}\n"
    return str(raised.value)


@pytest.fixture
def config() -> Iterator[FakeConfig]:
    with fake_config() as fake:
        yield fake


@pytest.fixture
def aws(config: FakeConfig, moto: Moto, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeConfig:
    """Test keys; Config at the fake; STS, EC2 and SSM at a reset moto; the handler's clients and identity afresh."""
    moto.reset()
    aim_the_handler(monkeypatch, tmp_path, config, moto.url, region=REGION, services=("EC2", "SSM", "STS"))
    return config


def assumed(account: str) -> list[tuple[str, str, str]]:
    """(access key id, role ARN, session name) of every role session moto gave out in `account`."""
    from moto.sts.models import sts_backends

    return [(r.access_key_id, r.role_arn, r.session_name) for r in sts_backends[account]["aws"].assumed_roles]


def test_a_member_accounts_change_is_reported_with_the_member_roles_credentials(aws: FakeConfig) -> None:
    """AssumeRole into the named role in the event's account; PutEvaluations is signed with that session's key."""
    answer = config_rule.handler(member(change_event(item(OPEN_SSH), PARAMETERS)), Context())
    assert answer == {"NON_COMPLIANT": 1}
    [(key, role, session)] = assumed(MEMBER)
    assert (role, session) == (MEMBER_ROLE, SESSION_NAME)
    assert [operation for operation, _ in aws.calls] == ["PutEvaluations"]
    assert aws.access_keys == [key]
    assert key != KEYS["aws_access_key_id"]


def test_an_oversized_member_item_is_fetched_as_the_member_too(aws: FakeConfig) -> None:
    """GetResourceConfigHistory and PutEvaluations, both signed with the member session's key, one AssumeRole."""
    full = item(OPEN_SSH)
    aws.history["sg-0a11b22c33d44e55f"] = [history_item(full)]
    config_rule.handler(member(oversized_event(full, PARAMETERS)), Context())
    [(key, _, _)] = assumed(MEMBER)
    assert [operation for operation, _ in aws.calls] == ["GetResourceConfigHistory", "PutEvaluations"]
    assert aws.access_keys == [key, key]


def test_a_member_accounts_scheduled_run_reads_the_members_groups(aws: FakeConfig, moto: Moto) -> None:
    """EC2's reads go to the member: its group is judged, the function's own account's group is not."""
    walkthrough(moto.client())  # in the function's own account: must not appear
    sts = boto3.client("sts", region_name=REGION, endpoint_url=moto.url, **KEYS)
    keys = sts.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/setup", RoleSessionName="setup")["Credentials"]
    ec2 = boto3.client(
        "ec2",
        region_name=REGION,
        endpoint_url=moto.url,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
    group = walkthrough(ec2).group_id
    expected = sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"])
    config_rule.handler(member(own_scheduled_event(PARAMETERS)), Context())
    [batch] = aws.evaluations()
    assert sorted(e["ComplianceResourceId"] for e in batch) == expected
    assert group in expected
    own = {g["GroupId"] for g in moto.client().describe_security_groups()["SecurityGroups"]}
    assert own.isdisjoint(expected)
    [setup, (key, role, _)] = assumed(MEMBER)  # this test's own session first, then the function's
    assert (setup[1], role) == (f"arn:aws:iam::{MEMBER}:role/setup", MEMBER_ROLE)
    assert aws.access_keys == [key]


def test_an_event_from_the_functions_own_account_assumes_no_role(aws: FakeConfig) -> None:
    """The management account's own groups are judged with the function's own credentials."""
    config_rule.handler(change_event(item(OPEN_SSH), PARAMETERS), Context())
    assert assumed(HOME) == []
    assert assumed(MEMBER) == []
    assert aws.access_keys == [KEYS["aws_access_key_id"]]


def test_outside_lambda_the_functions_account_comes_from_get_caller_identity(aws: FakeConfig) -> None:
    """No context (a local run): STS says the credentials are 123456789012's, so the member's role is entered."""
    config_rule.handler(member(change_event(item(OPEN_SSH), PARAMETERS)))
    [(key, role, _)] = assumed(MEMBER)
    assert role == MEMBER_ROLE
    assert aws.access_keys == [key]
    config_rule.handler(change_event(item(OPEN_SSH), PARAMETERS))
    assert aws.access_keys == [key, KEYS["aws_access_key_id"]]


def test_a_refused_assume_role_is_one_line_naming_account_role_and_code(
    aws: FakeConfig, moto: Moto, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The function's role may not assume the member role: AccessDenied, in one line; nothing reaches Config."""
    iam = boto3.client("iam", region_name=REGION, endpoint_url=moto.url, **KEYS)
    iam.create_user(UserName="guard-function")
    allowed = {"Effect": "Allow", "Action": ["config:*", "ec2:Describe*", "ssm:GetParameter"], "Resource": "*"}
    iam.put_user_policy(
        UserName="guard-function",
        PolicyName="no-assume-role",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allowed]}),
    )
    keys = iam.create_access_key(UserName="guard-function")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys["SecretAccessKey"])
    moto.require_auth()
    try:
        message = refused(member(change_event(item(OPEN_SSH), PARAMETERS)), capsys)
    finally:
        moto.allow_all()
    assert message == (
        f"account {MEMBER}: cannot assume {MEMBER_ROLE}: AccessDenied; the role must exist there, trust the "
        "function's role, and the function's role must be allowed sts:AssumeRole on it"
    )
    assert keys["SecretAccessKey"] not in message
    assert aws.calls == []


@pytest.mark.usefixtures("no_backoff")
def test_a_member_role_behind_an_sts_that_cannot_be_reached(
    aws: FakeConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every AssumeRole connection closed unanswered: the line says STS is out of the function's reach, not that
    the role may not trust it; 5 attempts, and nothing reaches Config."""
    with fake_endpoint("close") as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        message = refused(member(change_event(item(OPEN_SSH), PARAMETERS)), capsys)
    assert message == (
        f"account {MEMBER}: cannot assume {MEMBER_ROLE}: ConnectionClosedError; STS could not be reached from the "
        "function: one in a VPC reaches it only through a NAT gateway or an STS interface endpoint"
    )
    assert sts.requests == ["/"] * 5
    assert aws.calls == []


def test_a_member_event_without_a_member_role_is_refused(aws: FakeConfig) -> None:
    """No memberRoleName: reporting a member's token with the function's own credentials is refused, not tried."""
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler(member(change_event(item(OPEN_SSH), {"failOn": "advisory"})), Context())
    assert str(raised.value) == (
        f"accountId: the event is from account {MEMBER}, the function runs in {HOME}; an organisation rule needs "
        "the memberRoleName parameter naming the role to enter in member accounts"
    )
    assert aws.calls == []


@pytest.mark.parametrize("account", ["44445555666", "4444555566６6", 444455556666, ""])
def test_an_account_id_that_is_not_twelve_digits_is_refused(aws: FakeConfig, account: object) -> None:
    """The event's accountId goes into a role ARN: anything but 12 ASCII digits is refused before any call."""
    with pytest.raises(config_rule.RuleError) as raised:
        config_rule.handler({**change_event(item(OPEN_SSH), PARAMETERS), "accountId": account}, Context())
    assert str(raised.value) == "accountId: not a 12-digit AWS account id"
    assert aws.calls == []
    assert assumed(MEMBER) == []


def test_a_member_role_without_put_evaluations_is_one_line_naming_account_call_and_code(
    aws: FakeConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    """AccessDenied from Config: the invocation fails with one line (AWS's code, never its message), no traceback."""
    aws.deny.add("PutEvaluations")
    message = refused(member(change_event(item(OPEN_SSH), PARAMETERS)), capsys)
    assert message == (
        f"account {MEMBER}: PutEvaluations refused: AccessDeniedException; the role this call ran as (the "
        "function's, or the member role for another account) needs that permission (docs/config-rule.md)"
    )
    assert "not authorized" not in message  # AWS's own text is left out

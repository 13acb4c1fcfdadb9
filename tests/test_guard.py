"""SecurityGroupGuard under Pulumi's mocks: every resource it registers, with exact inputs and IAM documents."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from security_group_tools.program_runner import resolve
from security_groups_component import ConfigError, SecurityGroupGuard
from security_groups_component.guard import member_role_policy, member_trust_policy

ACCOUNT = "111122223333"
LOGS_ARN = "arn:aws:logs:eu-west-1:111122223333:log-group:guard-logs"


class Mocks(pulumi.runtime.Mocks):
    """Records registrations; answers the three invokes the guard makes as AWS would in eu-west-1."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        computed = {
            "aws:cloudwatch/logGroup:LogGroup": {"arn": LOGS_ARN, "name": "guard-logs"},
            "aws:iam/role:Role": {"arn": f"arn:aws:iam::{ACCOUNT}:role/guard-role", "id": "guard-role"},
            "aws:lambda/function:Function": {
                "arn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:guard-function",
                "name": "guard-function",
            },
            "aws:cfg/rule:Rule": {"arn": f"arn:aws:config:eu-west-1:{ACCOUNT}:config-rule/config-rule-1"},
            "aws:cfg/organizationCustomRule:OrganizationCustomRule": {
                "arn": f"arn:aws:config:eu-west-1:{ACCOUNT}:organization-config-rule/r-1"
            },
        }
        outputs.update(computed.get(args.typ, {}))
        return str(outputs.get("id", f"{args.name}-id")), outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        answers = {
            "aws:index/getCallerIdentity:getCallerIdentity": {"accountId": ACCOUNT, "arn": "", "userId": "", "id": ""},
            "aws:index/getRegion:getRegion": {"region": "eu-west-1", "name": "eu-west-1", "id": "eu-west-1"},
            "aws:index/getPartition:getPartition": {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"},
        }
        return answers[args.token], []


@pytest.fixture
def mocks() -> Iterator[Mocks]:
    """A fresh runtime with its own event loop (another test may have closed the thread's)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    found = Mocks()
    pulumi.runtime.set_mocks(found, project="security-groups", stack="prod", preview=False)
    try:
        yield found
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def registered(mocks: Mocks) -> dict[str, tuple[str, dict[str, Any]]]:
    return {r.name: (r.typ, dict(r.inputs)) for r in mocks.resources}


def run(args: dict[str, Any]) -> SecurityGroupGuard:
    guard = SecurityGroupGuard("guard", args)  # type: ignore[arg-type]
    resolve([guard.rule_arn, guard.function_arn, guard.role_arn])  # every registration has then happened
    return guard


POLICY_STATEMENTS = [
    {
        "Sid": "OwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{LOGS_ARN}:*",
    },
    {
        "Sid": "ConfigEvaluations",
        "Effect": "Allow",
        "Action": ["config:GetResourceConfigHistory", "config:PutEvaluations"],
        "Resource": "*",
    },
    {
        "Sid": "ReadSecurityGroups",
        "Effect": "Allow",
        "Action": ["ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups"],
        "Resource": "*",
    },
]


def test_one_account_with_the_policy_config_in_ssm(mocks: Mocks, tmp_path: Path) -> None:
    """Log group, role, role policy, function, one permission for this account, and an aws.cfg.Rule."""
    code = tmp_path / "config-rule.zip"
    code.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: the mocks read no code
    run({"code_path": str(code), "policy_config_parameter": "/security-groups/policy-config"})
    found = registered(mocks)
    assert sorted(found) == sorted(
        ["guard", "guard-logs", "guard-role", "guard-policy", "guard-function", "guard-invoke", "guard-rule"]
    )
    assert found["guard"][0] == "security-groups:index:SecurityGroupGuard"
    assert found["guard-logs"] == ("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 90})
    typ, role = found["guard-role"]
    assert typ == "aws:iam/role:Role"
    assert json.loads(role["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    typ, policy = found["guard-policy"]
    assert (typ, policy["role"]) == ("aws:iam/rolePolicy:RolePolicy", "guard-role")
    assert json.loads(policy["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            *POLICY_STATEMENTS,
            {
                "Sid": "PolicyConfig",
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/security-groups/policy-config",
            },
        ],
    }
    typ, function = found["guard-function"]
    assert typ == "aws:lambda/function:Function"
    code_archive = function.pop("code")
    assert isinstance(code_archive, pulumi.FileArchive)
    assert code_archive.path == str(code)
    assert function == {
        "runtime": "python3.12",
        "handler": "security_group_tools.config_rule.handler",
        "role": f"arn:aws:iam::{ACCOUNT}:role/guard-role",
        "timeout": 300,
        "memorySize": 1024,
        "architectures": ["x86_64"],
        "loggingConfig": {"logFormat": "Text", "logGroup": "guard-logs"},
    }
    assert found["guard-invoke"] == (
        "aws:lambda/permission:Permission",
        {
            "action": "lambda:InvokeFunction",
            "function": "guard-function",
            "principal": "config.amazonaws.com",
            "sourceAccount": ACCOUNT,
        },
    )
    function_arn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:guard-function"
    assert found["guard-rule"] == (
        "aws:cfg/rule:Rule",
        {
            "source": {
                "owner": "CUSTOM_LAMBDA",
                "sourceIdentifier": function_arn,
                "sourceDetails": [
                    {"eventSource": "aws.config", "messageType": "ConfigurationItemChangeNotification"},
                    {"eventSource": "aws.config", "messageType": "OversizedConfigurationItemChangeNotification"},
                    {
                        "eventSource": "aws.config",
                        "messageType": "ScheduledNotification",
                        "maximumExecutionFrequency": "TwentyFour_Hours",
                    },
                ],
            },
            "scope": {"complianceResourceTypes": ["AWS::EC2::SecurityGroup"]},
            "inputParameters": '{"policyConfigParameter": "/security-groups/policy-config"}',
        },
    )


def test_an_organization_rule_with_one_permission_per_member_account(mocks: Mocks, tmp_path: Path) -> None:
    """Organization scope: an OrganizationCustomRule, a permission per member account, the member roles to enter.

    The excluded account's role is not in the function's reach, and the rule names the default member role.
    """
    run(
        {
            "code_path": str(tmp_path / "config-rule.zip"),
            "scope": "organization",
            "member_accounts": ["444455556666", "777788889999"],
            "excluded_accounts": ["777788889999"],
            "policy_config": '{"all": "mandatory"}',
            "fail_on": "advisory",
            "maximum_execution_frequency": "Six_Hours",
        }
    )
    found = registered(mocks)
    assert [found[f"guard-invoke-{i}"][1]["sourceAccount"] for i in (0, 1)] == ["444455556666", "777788889999"]
    assert "guard-invoke" not in found
    assert json.loads(found["guard-policy"][1]["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            *POLICY_STATEMENTS,
            {
                "Sid": "EnterMemberAccounts",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": ["arn:aws:iam::444455556666:role/security-groups-config-rule-member"],
            },
        ],
    }
    assert found["guard-rule"] == (
        "aws:cfg/organizationCustomRule:OrganizationCustomRule",
        {
            "lambdaFunctionArn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:guard-function",
            "triggerTypes": [
                "ConfigurationItemChangeNotification",
                "OversizedConfigurationItemChangeNotification",
                "ScheduledNotification",
            ],
            "maximumExecutionFrequency": "Six_Hours",
            "resourceTypesScopes": ["AWS::EC2::SecurityGroup"],
            "inputParameters": (
                '{"failOn": "advisory", "memberRoleName": "security-groups-config-rule-member", '
                '"policyConfig": "{\\"all\\": \\"mandatory\\"}"}'
            ),
            "excludedAccounts": ["777788889999"],
        },
    )


def test_an_organization_rule_enters_the_named_role_in_each_member_but_its_own_account(
    mocks: Mocks, tmp_path: Path
) -> None:
    """member_role_name reaches the rule's parameters and the AssumeRole statement; the function's own account,
    which needs no role, and a repeated account are left out."""
    run(
        {
            "code_path": str(tmp_path / "config-rule.zip"),
            "scope": "organization",
            "member_accounts": [ACCOUNT, "444455556666", "777788889999", "444455556666"],
            "member_role_name": "ConfigRuleMember",
            "policy_config_parameter": "/security-groups/policy-config",
        }
    )
    found = registered(mocks)
    statements = json.loads(found["guard-policy"][1]["policy"])["Statement"]
    assert statements[-1] == {
        "Sid": "EnterMemberAccounts",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": [
            "arn:aws:iam::444455556666:role/ConfigRuleMember",
            "arn:aws:iam::777788889999:role/ConfigRuleMember",
        ],
    }
    assert [s["Sid"] for s in statements] == [
        "OwnLogs",
        "ConfigEvaluations",
        "ReadSecurityGroups",
        "PolicyConfig",
        "EnterMemberAccounts",
    ]
    assert json.loads(found["guard-rule"][1]["inputParameters"]) == {
        "memberRoleName": "ConfigRuleMember",
        "policyConfigParameter": "/security-groups/policy-config",
    }
    assert [found[f"guard-invoke-{i}"][1]["sourceAccount"] for i in range(4)] == [
        ACCOUNT,
        "444455556666",
        "777788889999",
        "444455556666",
    ]


def test_an_organization_of_only_the_functions_own_account_gets_no_assume_role(mocks: Mocks, tmp_path: Path) -> None:
    """No member account to enter: no sts:AssumeRole at all."""
    run({"code_path": str(tmp_path / "config-rule.zip"), "scope": "organization", "member_accounts": [ACCOUNT]})
    statements = json.loads(registered(mocks)["guard-policy"][1]["policy"])["Statement"]
    assert statements == POLICY_STATEMENTS


def test_the_member_roles_trust_and_permissions() -> None:
    """What each member account creates: a role only the function's role may assume, with the four calls."""
    assert json.loads(member_trust_policy(f"arn:aws:iam::{ACCOUNT}:role/guard-role-1a2b3c")) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/guard-role-1a2b3c"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    assert json.loads(member_role_policy()) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ConfigRuleInMember",
                "Effect": "Allow",
                "Action": [
                    "config:GetResourceConfigHistory",
                    "config:PutEvaluations",
                    "ec2:DescribeSecurityGroupRules",
                    "ec2:DescribeSecurityGroups",
                ],
                "Resource": "*",
            }
        ],
    }


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        pytest.param(
            {"member_role_name": "ConfigRuleMember"},
            "  - member_role_name: a member role needs organization scope",
            id="account-scope",
        ),
        pytest.param(
            {"scope": "organization", "member_accounts": ["444455556666"], "member_role_name": "path/ConfigRuleMember"},
            "  - member_role_name: an IAM role name: 1-64 of A-Z a-z 0-9 +=,.@_- (no path)",
            id="path",
        ),
        pytest.param(
            {"scope": "organization", "member_accounts": ["444455556666"], "member_role_name": "r" * 65},
            "  - member_role_name: an IAM role name: 1-64 of A-Z a-z 0-9 +=,.@_- (no path)",
            id="too-long",
        ),
    ],
)
def test_a_member_role_name_the_guard_refuses(mocks: Mocks, args: dict[str, Any], problem: str) -> None:
    """One problem, nothing registered."""
    with pytest.raises(ConfigError) as raised:
        SecurityGroupGuard("guard", {"code_path": "rule.zip", **args})  # type: ignore[typeddict-item]
    assert str(raised.value).splitlines() == ["SecurityGroupGuard guard: 1 problem. Fix these arguments.", problem]
    assert mocks.resources == []


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        pytest.param(
            {"scope": "organization", "member_accounts": "444455556666"},
            "  - member_accounts: expected a list of AWS account ids (12 digits each)",
            id="accounts-as-text",
        ),
        pytest.param(
            {"scope": "organization", "member_accounts": ["444455556666"], "excluded_accounts": True},
            "  - excluded_accounts: expected a list of AWS account ids (12 digits each)",
            id="excluded-as-a-bool",
        ),
        pytest.param(
            {"policy_config_parameter": 7},
            "  - policy_config_parameter: the name of an SSM parameter (String)",
            id="parameter-as-a-number",
        ),
        pytest.param(
            {"policy_config": {"all": "mandatory"}},
            "  - policy_config: JSON text of a policy config (json.dumps of the document)",
            id="config-as-an-object",
        ),
        pytest.param(
            {"log_retention_days": 10},
            "  - log_retention_days: one of the days CloudWatch Logs keeps logs: 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, "
            "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (0: always)",
            id="retention-cloudwatch-refuses",
        ),
        pytest.param(
            {"log_retention_days": ["90"]},
            "  - log_retention_days: one of the days CloudWatch Logs keeps logs: 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, "
            "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (0: always)",
            id="retention-as-a-list",
        ),
    ],
)
def test_an_argument_of_the_wrong_kind_is_one_problem(mocks: Mocks, args: dict[str, Any], problem: str) -> None:
    """What a typed SDK would refuse, from a Python caller: one problem, nothing registered, never a TypeError or
    AttributeError halfway through (found by calling the guard 1,500 ways)."""
    with pytest.raises(ConfigError) as raised:
        SecurityGroupGuard("guard", {"code_path": "rule.zip", **args})  # type: ignore[typeddict-item]
    assert str(raised.value).splitlines() == ["SecurityGroupGuard guard: 1 problem. Fix these arguments.", problem]
    assert mocks.resources == []


def test_bad_arguments_register_nothing(mocks: Mocks) -> None:
    """Every problem at once, before anything is registered."""
    with pytest.raises(ConfigError) as raised:
        SecurityGroupGuard(
            "guard",
            {  # type: ignore[typeddict-item]
                "code_path": "",
                "scope": "organisation",
                "member_accounts": ["12345"],
                "policy_config": "x" * 1100,
                "policy_config_parameter": "/p",
                "fail_on": "warning",
                "maximum_execution_frequency": "Daily",
            },
        )
    assert str(raised.value).splitlines() == [
        "SecurityGroupGuard guard: 7 problems. Fix these arguments.",
        "  - code_path: give the path of the zip the config_rule_package module builds",
        "  - scope: use one of account, organization",
        "  - member_accounts[0]: an AWS account id is 12 digits",
        "  - policy_config: give policy_config or policy_config_parameter, not both",
        "  - fail_on: use one of mandatory, advisory",
        "  - maximum_execution_frequency: use one of One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours",
        "  - policy_config: over Config's 1,024 characters: use policy_config_parameter",
    ]
    assert mocks.resources == []

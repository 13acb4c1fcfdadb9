"""SecurityGroupGuard: the pack's policies as an AWS Config custom rule, judging every security group change.

It deploys the Lambda function (`security_group_tools.config_rule.handler`, from the zip that
`python -m security_group_tools.config_rule_package` builds), its log group, a least-privilege role, the
permission for Config to invoke it (restricted by source account), and an `aws.cfg.Rule` for this account or
an `aws.cfg.OrganizationCustomRule` for the organisation: scope `AWS::EC2::SecurityGroup`, triggered by each
change and periodically.

No `from __future__ import annotations` here: the component package's schema is inferred from these
annotations at run time (see args.py). Each docstring under a field stays on one line for the same reason.
"""

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, Required, TypedDict

import pulumi
import pulumi_aws as aws

from .component import PACKAGE_NAME
from .problems import ConfigError, Problem

GUARD_TYPE_TOKEN: Final = f"{PACKAGE_NAME}:index:SecurityGroupGuard"
HANDLER: Final = "security_group_tools.config_rule.handler"
RUNTIME: Final = "python3.12"
"""Lambda's runtime on Amazon Linux 2023: the package's google-re2 wheel needs its glibc (python3.11's is older)."""
TIMEOUT_SECONDS: Final = 300
"""A scheduled run reads and judges every group of the region: thousands take well under a minute."""
MEMORY_MB: Final = 1024
"""Lambda gives CPU in proportion to memory; the pack's start-up is CPU-bound."""
TRIGGERS: Final = (
    "ConfigurationItemChangeNotification",
    "OversizedConfigurationItemChangeNotification",
    "ScheduledNotification",
)
FREQUENCIES: Final = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
SCOPES: Final = ("account", "organization")
FAIL_ON: Final = ("mandatory", "advisory")
LOG_RETENTION_DAYS: Final = (
    *(0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731),
    *(1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
"""The retentions CloudWatch Logs takes (PutRetentionPolicy), with 0 for never expiring as the provider reads it."""
MEMBER_ROLE_NAME: Final = "security-groups-config-rule-member"
"""The role the function enters in each member account of an organisation rule, unless `member_role_name` says."""
ROLE_NAME: Final = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")
MEMBER_ACTIONS: Final = (
    "config:GetResourceConfigHistory",
    "config:PutEvaluations",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeSecurityGroups",
)
"""What the function does in a member account: report, fetch an oversized item, read the groups."""
LAMBDA_TRUST: Final = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
    ],
}


class SecurityGroupGuardArgs(TypedDict, total=False):
    """Where the function's code is, which accounts the rule covers, and the policy config it judges by."""

    code_path: Required[str]
    """The Lambda zip built by `python -m security_group_tools.config_rule_package` (a local file path)."""
    scope: str
    """account (an aws.cfg.Rule in this account, the default) or organization (an OrganizationCustomRule)."""
    member_accounts: Sequence[str]
    """For organization scope: the account ids whose AWS Config may invoke the function (one permission each)."""
    excluded_accounts: Sequence[str]
    """For organization scope: account ids the rule is not deployed to."""
    member_role_name: str
    """For organization scope: the role the function assumes in each member (security-groups-config-rule-member)."""
    policy_config_parameter: str
    """An SSM parameter (String) holding the policy config, the JSON of stacks/policy-config.<env>.json."""
    policy_config: str
    """The policy config inline, as JSON text (Config allows 1,024 characters of rule parameters in all)."""
    fail_on: str
    """mandatory (the default): mandatory findings are NON_COMPLIANT; advisory: advisory findings are too."""
    maximum_execution_frequency: str
    """How often the periodic run re-judges every group: One_Hour ... TwentyFour_Hours (the default)."""
    log_retention_days: int
    """How long the function's log group keeps its logs (default 90 days)."""


def _read(name: str, args: Mapping[str, Any]) -> list[Problem]:
    problems = []
    if not isinstance(args.get("code_path"), str) or not args["code_path"]:
        problems.append(Problem("code_path", "give the path of the zip the config_rule_package module builds"))
    scope = args.get("scope", "account")
    if scope not in SCOPES:
        problems.append(Problem("scope", f"use one of {', '.join(SCOPES)}"))
    if scope == "organization" and not args.get("member_accounts"):
        problems.append(Problem("member_accounts", "organization scope needs the member account ids"))
    if scope == "account" and (args.get("member_accounts") or args.get("excluded_accounts")):
        problems.append(Problem("scope", "member_accounts and excluded_accounts need organization scope"))
    member_role = args.get("member_role_name")
    if member_role is not None and scope != "organization":
        problems.append(Problem("member_role_name", "a member role needs organization scope"))
    elif member_role is not None and not (isinstance(member_role, str) and ROLE_NAME.fullmatch(member_role)):
        problems.append(Problem("member_role_name", "an IAM role name: 1-64 of A-Z a-z 0-9 +=,.@_- (no path)"))
    for key in ("member_accounts", "excluded_accounts"):
        accounts = args.get(key)
        if accounts is not None and (isinstance(accounts, str) or not isinstance(accounts, Sequence)):
            problems.append(Problem(key, "expected a list of AWS account ids (12 digits each)"))
            continue
        for index, account in enumerate(accounts or ()):
            if not (isinstance(account, str) and len(account) == 12 and account.isascii() and account.isdigit()):
                problems.append(Problem(f"{key}[{index}]", "an AWS account id is 12 digits"))
    inline, parameter = args.get("policy_config"), args.get("policy_config_parameter")
    if inline is not None and not isinstance(inline, str):
        problems.append(Problem("policy_config", "JSON text of a policy config (json.dumps of the document)"))
    if parameter is not None and not (isinstance(parameter, str) and parameter.strip("/")):
        problems.append(Problem("policy_config_parameter", "the name of an SSM parameter (String)"))
    if inline is not None and parameter is not None:
        problems.append(Problem("policy_config", "give policy_config or policy_config_parameter, not both"))
    retention = args.get("log_retention_days", 90)
    if isinstance(retention, bool) or retention not in LOG_RETENTION_DAYS:
        days = ", ".join(map(str, LOG_RETENTION_DAYS))
        problems.append(
            Problem("log_retention_days", f"one of the days CloudWatch Logs keeps logs: {days} (0: always)")
        )
    if args.get("fail_on", "mandatory") not in FAIL_ON:
        problems.append(Problem("fail_on", f"use one of {', '.join(FAIL_ON)}"))
    if args.get("maximum_execution_frequency", "TwentyFour_Hours") not in FREQUENCIES:
        problems.append(Problem("maximum_execution_frequency", f"use one of {', '.join(FREQUENCIES)}"))
    if len(rule_parameters(args)) > 1024:
        problems.append(Problem("policy_config", "over Config's 1,024 characters: use policy_config_parameter"))
    return problems


def rule_parameters(args: Mapping[str, Any]) -> str:
    """The rule's `InputParameters`: what the handler reads (config_rule_params)."""
    given: dict[str, str] = {}
    if args.get("policy_config") is not None:
        given["policyConfig"] = str(args["policy_config"])
    if args.get("policy_config_parameter") is not None:
        given["policyConfigParameter"] = str(args["policy_config_parameter"])
    if args.get("fail_on", "mandatory") != "mandatory":
        given["failOn"] = str(args["fail_on"])
    if args.get("scope") == "organization":
        given["memberRoleName"] = str(args.get("member_role_name") or MEMBER_ROLE_NAME)
    return json.dumps(given, sort_keys=True)


def member_role_arns(partition: str, account: str, args: Mapping[str, Any]) -> list[str]:
    """The member roles the function may assume: one per member account the rule reaches, never its own account.

    Named accounts, not `arn:...:iam::*:role/<name>`: a role of that name in an account outside the organisation
    (anyone can create one, trusting anyone) is then out of the function's reach.
    """
    if args.get("scope") != "organization":
        return []
    name = str(args.get("member_role_name") or MEMBER_ROLE_NAME)
    skipped = {account, *(args.get("excluded_accounts") or ())}
    members = dict.fromkeys(a for a in args.get("member_accounts") or () if a not in skipped)
    return [f"arn:{partition}:iam::{member}:role/{name}" for member in members]


def member_trust_policy(function_role_arn: str) -> str:
    """The member role's trust policy: only the function's role may assume it."""
    statement = {"Effect": "Allow", "Principal": {"AWS": function_role_arn}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def member_role_policy() -> str:
    """The member role's only permissions: the four calls the function makes for that account's events."""
    statement = {"Sid": "ConfigRuleInMember", "Effect": "Allow", "Action": list(MEMBER_ACTIONS), "Resource": "*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def role_policy(
    partition: str,
    region: str,
    account: str,
    log_group_arn: str,
    parameter: str | None,
    *,
    member_roles: Sequence[str] = (),
) -> str:
    """The function's only permissions: its own logs, Config's and EC2's calls, its parameter, the member roles.

    An organisation rule's function may also sts:AssumeRole each member account's role, and nothing else.

    PutEvaluations, GetResourceConfigHistory and EC2's Describe calls take no resource-level permissions, so
    they are granted on `*`; the logs and the parameter are granted on their ARNs alone.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
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
    if parameter is not None:
        statements.append(
            {
                "Sid": "PolicyConfig",
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": f"arn:{partition}:ssm:{region}:{account}:parameter/{parameter.lstrip('/')}",
            }
        )
    if member_roles:
        statements.append(
            {
                "Sid": "EnterMemberAccounts",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": list(member_roles),
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class SecurityGroupGuard(pulumi.ComponentResource):
    """An AWS Config custom rule that judges every security group with the policy pack, deployed with its function."""

    function_arn: pulumi.Output[str]
    """The Lambda function's ARN."""
    role_arn: pulumi.Output[str]
    """The function's IAM role."""
    rule_arn: pulumi.Output[str]
    """The Config rule (or organisation rule) ARN."""

    def __init__(self, name: str, args: SecurityGroupGuardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = _read(name, args)
        if problems:
            raise ConfigError(f"SecurityGroupGuard {name}", problems, "Fix these arguments.")
        super().__init__(GUARD_TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        logs = aws.cloudwatch.LogGroup(f"{name}-logs", retention_in_days=args.get("log_retention_days", 90), opts=child)
        role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps(LAMBDA_TRUST), opts=child)
        parameter = args.get("policy_config_parameter")
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=pulumi.Output.all(partition.partition, region.region, identity.account_id, logs.arn).apply(
                lambda values: role_policy(
                    values[0],
                    values[1],
                    values[2],
                    values[3],
                    parameter,
                    member_roles=member_role_arns(values[0], values[2], args),
                )
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            runtime=RUNTIME,
            handler=HANDLER,
            code=pulumi.FileArchive(args["code_path"]),
            role=role.arn,
            timeout=TIMEOUT_SECONDS,
            memory_size=MEMORY_MB,
            architectures=["x86_64"],
            logging_config={"log_format": "Text", "log_group": logs.name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        organization = args.get("scope", "account") == "organization"
        sources: list[pulumi.Input[str]] = (
            list(args.get("member_accounts") or ()) if organization else [identity.account_id]
        )
        permissions = [
            aws.lambda_.Permission(
                f"{name}-invoke" + (f"-{index}" if organization else ""),
                action="lambda:InvokeFunction",
                function=function.name,
                principal="config.amazonaws.com",
                source_account=account,
                opts=child,
            )
            for index, account in enumerate(sources)
        ]
        frequency = args.get("maximum_execution_frequency", "TwentyFour_Hours")
        after = pulumi.ResourceOptions(parent=self, depends_on=permissions)
        rule: aws.cfg.Rule | aws.cfg.OrganizationCustomRule
        if organization:
            rule = aws.cfg.OrganizationCustomRule(
                f"{name}-rule",
                lambda_function_arn=function.arn,
                trigger_types=list(TRIGGERS),
                maximum_execution_frequency=frequency,
                resource_types_scopes=["AWS::EC2::SecurityGroup"],
                input_parameters=rule_parameters(args),
                excluded_accounts=list(args.get("excluded_accounts") or ()) or None,
                opts=after,
            )
        else:
            rule = aws.cfg.Rule(
                f"{name}-rule",
                source={
                    "owner": "CUSTOM_LAMBDA",
                    "source_identifier": function.arn,
                    "source_details": [
                        {"event_source": "aws.config", "message_type": TRIGGERS[0]},
                        {"event_source": "aws.config", "message_type": TRIGGERS[1]},
                        {
                            "event_source": "aws.config",
                            "message_type": TRIGGERS[2],
                            "maximum_execution_frequency": frequency,
                        },
                    ],
                },
                scope={"compliance_resource_types": ["AWS::EC2::SecurityGroup"]},
                input_parameters=rule_parameters(args),
                opts=after,
            )
        self.function_arn = function.arn
        self.role_arn = role.arn
        self.rule_arn = rule.arn
        self.register_outputs({"function_arn": function.arn, "role_arn": role.arn, "rule_arn": rule.arn})

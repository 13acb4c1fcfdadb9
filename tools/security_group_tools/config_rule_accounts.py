"""Whose credentials answer an event: the function's own, or a role it enters in the member account.

An organisation rule (`aws.cfg.OrganizationCustomRule`) has one function, in the account that deployed it; AWS
Config in every member account invokes that function with `accountId` set to the member. The result token,
the configuration history and the groups all belong to the member, so PutEvaluations, GetResourceConfigHistory
and EC2's reads must be made as the member: the function assumes `arn:<partition>:iam::<accountId>:role/<name>`,
`<name>` from the `memberRoleName` rule parameter, and makes every call for that event with that session.

The event's own `executionRoleArn` is not used: it is the role AWS Config itself records with, usually its
service-linked role `AWSServiceRoleForConfig`, which only config.amazonaws.com may assume. The AWS Config
Rules Development Kit builds the same `arn:...:role/<ExecutionRoleName>` from a rule parameter for the same
reason.

An event from the function's own account needs no role. The function's account and partition come from its
own ARN (the Lambda context's `invoked_function_arn`); run outside Lambda, from STS GetCallerIdentity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import boto3
import botocore.config
import botocore.exceptions

SESSION_NAME: Final = "security-groups-config-rule"
"""The role session's name: what CloudTrail in the member account shows as having made the calls."""

_STS_CONFIG: Final = botocore.config.Config(
    retries={"mode": "adaptive", "total_max_attempts": 5}, connect_timeout=10, read_timeout=30
)


class AccountError(Exception):
    """The member account cannot be entered; the message names account, role and AWS's error code."""


@dataclass(frozen=True)
class Home:
    """The function's own account and partition."""

    account: str
    partition: str


def is_account_id(value: Any) -> bool:
    """An AWS account id: 12 ASCII digits."""
    return isinstance(value, str) and len(value) == 12 and value.isascii() and value.isdigit()


def home(context: Any, session: boto3.session.Session) -> Home:
    """The function's account and partition: from its ARN (`arn:aws:lambda:<region>:<account>:function:<name>`)."""
    arn = getattr(context, "invoked_function_arn", None)
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda" and is_account_id(parts[4]):
        return Home(parts[4], parts[1])
    try:  # not in Lambda (a local run): ask STS who these credentials are
        caller = session.client("sts", config=_STS_CONFIG).get_caller_identity()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        raise AccountError(f"cannot tell the function's own account: STS GetCallerIdentity: {_code(error)}") from None
    return Home(str(caller["Account"]), str(caller["Arn"]).split(":")[1])


def role_arn(partition: str, account: str, name: str) -> str:
    """The member role's ARN."""
    return f"arn:{partition}:iam::{account}:role/{name}"


def _code(error: Exception) -> str:
    """AWS's error code, or botocore's exception name: never the message, which can quote ARNs and policies."""
    if isinstance(error, botocore.exceptions.ClientError):
        return str(error.response.get("Error", {}).get("Code", "")) or "an error without a code"
    return type(error).__name__


def member_session(session: boto3.session.Session, role: str, account: str) -> boto3.session.Session:
    """A session in the member account, from sts:AssumeRole into `role` with the function's own credentials."""
    try:
        answer = session.client("sts", config=_STS_CONFIG).assume_role(RoleArn=role, RoleSessionName=SESSION_NAME)
    except botocore.exceptions.ClientError as error:
        raise AccountError(
            f"account {account}: cannot assume {role}: {_code(error)}; the role must exist there, trust the "
            "function's role, and the function's role must be allowed sts:AssumeRole on it"
        ) from None
    except botocore.exceptions.BotoCoreError as error:  # STS never answered: the role's trust is not in question
        raise AccountError(
            f"account {account}: cannot assume {role}: {_code(error)}; STS could not be reached from the "
            "function: one in a VPC reaches it only through a NAT gateway or an STS interface endpoint"
        ) from None
    credentials = answer["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=session.region_name,
    )

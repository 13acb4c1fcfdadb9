"""The organisation's active accounts, from AWS Organizations (called from the management or a delegated account).

`ListAccounts` (paginated) gives every account with its name; with organisational units (`--ou`), the accounts
are those of `ListAccountsForParent` under each unit and, recursively, under its child units
(`ListOrganizationalUnitsForParent`). Only ACTIVE accounts are read: a suspended or closing account cannot be
entered. AWS is replacing the accounts' `Status` with `State`; either is read, `State` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

import boto3
import botocore.exceptions

from .aws_session import AwsError, unreachable
from .aws_units import STS_CONFIG

ACTIVE: Final = "ACTIVE"

MAX_DEPTH: Final = 5
"""Organisational units nest at most five levels below the root (AWS's limit): a deeper answer is not followed."""

_ADVICE: Final = {
    "AccessDeniedException": "these credentials must be the management account's, or a delegated administrator's, "
    "and be allowed organizations:ListAccounts, ListAccountsForParent and ListOrganizationalUnitsForParent",
    "AWSOrganizationsNotInUseException": "the account of these credentials is not in an organisation; "
    "list the accounts with --accounts instead",
    "ParentNotFoundException": "check the --ou ids (organizations list-organizational-units-for-parent)",
}


def _is_active(account: Any) -> bool:
    state = account.get("State") or account.get("Status")
    return str(state).upper() == ACTIVE


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _under(client: Any, parent: str, depth: int = 0) -> Iterator[Any]:
    yield from _pages(client, "list_accounts_for_parent", "Accounts", ParentId=parent)
    if depth >= MAX_DEPTH:
        return
    for unit in _pages(client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent):
        yield from _under(client, str(unit["Id"]), depth + 1)


def active_accounts(session: boto3.session.Session, parents: Iterable[str] = ()) -> dict[str, str]:
    """Every ACTIVE account as {id: name}, sorted by id; under the given parents only, when there are any.

    Raises AwsError naming the call and AWS's error code.
    """
    client = session.client("organizations", config=STS_CONFIG)
    wanted = list(parents)
    operation = "organizations:ListAccountsForParent" if wanted else "organizations:ListAccounts"
    try:
        if wanted:
            raw = [account for parent in wanted for account in _under(client, parent)]
        else:
            raw = list(_pages(client, "list_accounts", "Accounts"))
    except botocore.exceptions.ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", "")) or type(error).__name__
        operation = f"organizations:{error.operation_name}" if error.operation_name else operation
        advice = _ADVICE.get(code, "the organisation's accounts cannot be listed")
        raise AwsError(f"{operation}: {code}: {advice}", operation=operation, code=code) from None
    except botocore.exceptions.BotoCoreError as error:
        line = unreachable("Organizations", error) or f"AWS Organizations could not be reached ({error})"
        raise AwsError(
            f"{operation}: {type(error).__name__}: {line}", operation=operation, code=type(error).__name__
        ) from None
    accounts = {str(account["Id"]): str(account.get("Name", "")) for account in raw if _is_active(account)}
    return dict(sorted(accounts.items()))

"""Where a multi-account run looks: the flags (--regions, --accounts, --organization, --role-name, ...), its Plan.

The flags make an `aws_units.Plan`.

Without --regions, --accounts, --organization and --ou a run reads the one region of --region (or AWS_REGION, or
the profile's) with the current credentials and makes no STS call, exactly as a single-region run always did.
With any of them, STS GetCallerIdentity (which needs no permission) says whose the credentials are, so every unit
names its account, the partition comes from the caller's ARN, and the role session name says who ran it.

The current credentials' own account is read with those credentials, never through --role-name: the management
account of an organisation usually has no such role (AWS creates OrganizationAccountAccessRole only in the
member accounts it creates). `--assume-role-in-own-account` enters it through the role like every other account,
so that every account is read with the same permissions.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

import boto3
import botocore.exceptions

from . import aws_names
from .aws_organization import active_accounts
from .aws_session import AwsError, AwsOptions, explain, unreachable
from .aws_units import (
    ALL,
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    STS_CONFIG,
    Account,
    Plan,
    new_session,
    partition_of,
    role_arn_for,
)

NO_REGION: Final = "no AWS region; pass --region or set AWS_REGION"


def concurrency(text: str) -> int:
    """An argparse type: 1 to MAX_CONCURRENCY."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {MAX_CONCURRENCY}")
    return value


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the flags that say which accounts and regions to read, and how many at once."""
    group = parser.add_argument_group("accounts and regions")
    group.add_argument(
        "--regions",
        type=aws_names.regions,
        metavar="REGIONS",
        help="regions to read, comma-separated, or `all` for every region each account has enabled "
        "(default: the one of --region); --region is then where STS and DescribeRegions are asked",
    )
    group.add_argument(
        "--accounts",
        type=aws_names.account_ids,
        action="extend",
        metavar="IDS",
        help="account ids, comma-separated (repeatable); accounts other than the credentials' own need --role-name",
    )
    group.add_argument(
        "--organization",
        action="store_true",
        help="every ACTIVE account of the organisation (AWS Organizations ListAccounts), with its name",
    )
    group.add_argument(
        "--ou",
        type=aws_names.parent_ids,
        action="extend",
        metavar="IDS",
        help="only the organisation's accounts under these units (ou-… or r-…, with their child units)",
    )
    group.add_argument(
        "--role-name",
        type=aws_names.role_name,
        metavar="NAME",
        help="the role to assume in each account: arn:<partition>:iam::<account>:role/NAME",
    )
    group.add_argument("--external-id", type=aws_names.external_id, help="the sts:ExternalId the roles expect")
    group.add_argument(
        "--assume-role-in-own-account",
        action="store_true",
        help="enter the credentials' own account through --role-name too (default: with the credentials)",
    )
    group.add_argument(
        "--concurrency",
        type=concurrency,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"account-regions read at once, 1 to {MAX_CONCURRENCY} (default {DEFAULT_CONCURRENCY})",
    )


@dataclass(frozen=True)
class Targets:
    """The flags, checked."""

    regions: tuple[str, ...] = ()
    """Empty: the one region of --region."""
    accounts: tuple[str, ...] = ()
    organization: bool = False
    parents: tuple[str, ...] = ()
    role_name: str | None = None
    external_id: str | None = None
    own_account_role: bool = False

    @property
    def single(self) -> bool:
        """One region of the credentials' own account, as before these flags: no STS call."""
        return not (self.regions or self.accounts or self.organization or self.parents)


def targets(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Targets:
    """The targets from parsed arguments; combinations that cannot work are usage errors."""
    if args.external_id is not None and args.role_name is None:
        parser.error("--external-id is sent with --role-name's AssumeRole: give --role-name too")
    if args.assume_role_in_own_account and args.role_name is None:
        parser.error("--assume-role-in-own-account needs --role-name")
    return Targets(
        regions=tuple(args.regions or ()),
        accounts=tuple(dict.fromkeys(args.accounts or ())),
        organization=bool(args.organization or args.ou),
        parents=tuple(dict.fromkeys(args.ou or ())),
        role_name=args.role_name,
        external_id=args.external_id,
        own_account_role=bool(args.assume_role_in_own_account),
    )


@dataclass(frozen=True)
class Caller:
    """Whose the current credentials are."""

    account_id: str
    arn: str

    @property
    def partition(self) -> str:
        """From the ARN: `arn:aws-us-gov:iam::…` is in aws-us-gov."""
        parts = self.arn.split(":")
        return parts[1] if len(parts) > 1 and parts[1] else "aws"


def caller(session: boto3.session.Session, options: AwsOptions) -> Caller:
    """STS GetCallerIdentity; raise AwsError naming the call and AWS's error code."""
    try:
        answer = session.client("sts", config=STS_CONFIG).get_caller_identity()
    except botocore.exceptions.ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", "")) or type(error).__name__
        raise AwsError(
            f"sts:GetCallerIdentity: {code}: AWS does not accept these credentials; check the profile or keys",
            operation="sts:GetCallerIdentity",
            code=code,
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        explained = explain(error, options)
        line = unreachable("STS", error) or str(explained)
        raise AwsError(
            f"sts:GetCallerIdentity: {line}", operation="sts:GetCallerIdentity", code=explained.code
        ) from None
    return Caller(str(answer["Account"]), str(answer["Arn"]))


def _base_session(options: AwsOptions) -> boto3.session.Session:
    try:
        return new_session(profile_name=options.profile, region_name=options.region)
    except botocore.exceptions.BotoCoreError as error:
        raise explain(error, options) from None


def plan(chosen: Targets, options: AwsOptions) -> Plan:
    """The plan for these targets: asks STS and Organizations when the targets need them.

    They are asked in --region (or the profile's), else in the first region of --regions; `--regions all`
    needs one of the first two, since DescribeRegions is asked there too.

    Raises AwsError (one line) when the credentials, the organisation or the region cannot be used, and
    UsageError for targets that contradict what AWS said (another partition's region, a role missing).
    """
    session = _base_session(options)
    region = options.region or session.region_name
    if chosen.single:
        if not region:
            raise AwsError(NO_REGION)
        return Plan((Account(""),), (region,), options, partition_of(region))
    if not region and chosen.regions and tuple(chosen.regions) != ALL:
        region = chosen.regions[0]  # where STS and Organizations are asked: any region of the run will do
    if not region:
        raise AwsError(NO_REGION)
    options = replace(options, region=region)
    session = _base_session(options)
    who = caller(session, options)
    names: dict[str, str] = {}
    if chosen.organization:
        names = active_accounts(session, chosen.parents)
    ids = list(dict.fromkeys([*chosen.accounts, *names]))
    if not ids and chosen.organization:
        under = f" under {', '.join(chosen.parents)}" if chosen.parents else ""
        raise UsageError(f"the organisation has no ACTIVE account{under}: nothing to audit")
    ids = ids or [who.account_id]
    regions = chosen.regions or (region,)
    _check_partition(regions, who.partition)
    accounts = tuple(_account(account_id, names.get(account_id, ""), who, chosen) for account_id in sorted(ids))
    return Plan(
        accounts,
        tuple(regions),
        options,
        who.partition,
        aws_names.session_name(who.arn),
        chosen.external_id,
    )


class UsageError(Exception):
    """Targets that cannot work with these credentials: a usage error, found before any unit is read."""


def _check_partition(regions: Sequence[str], partition: str) -> None:
    if tuple(regions) == ALL:
        return
    for region in regions:
        if partition_of(region) != partition:
            raise UsageError(
                f"--regions {region} is in the {partition_of(region)} partition, and these credentials in {partition}"
            )


def _account(account_id: str, name: str, who: Caller, chosen: Targets) -> Account:
    own = account_id == who.account_id
    if own and not chosen.own_account_role:
        return Account(account_id, name)
    if chosen.role_name is None:
        raise UsageError(
            f"account {account_id} is not these credentials' own ({who.account_id}): give --role-name, the role to "
            "assume in it"
        )
    return Account(account_id, name, role_arn_for(who.partition, account_id, chosen.role_name))

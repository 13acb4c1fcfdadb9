"""An EC2 client for the tools, and AWS errors turned into one line that says what to do.

Credentials come from boto3's usual chain (environment, `--profile` / AWS_PROFILE, shared files, SSO, instance
role). Throttling is retried by botocore itself (adaptive mode: client-side rate limiting plus backoff).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import boto3
import botocore.config
import botocore.exceptions

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

MAX_ATTEMPTS: Final = 10
"""Attempts per API call, the first included; DescribeSecurityGroups is throttled hard on large accounts."""


class AwsError(Exception):
    """A failure talking to AWS, already explained in one line (no traceback is shown for it)."""


@dataclass(frozen=True)
class AwsOptions:
    """Where and as whom to call AWS."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    """Another EC2 endpoint, e.g. moto's server for tests (`http://127.0.0.1:5000`)."""


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --region, --profile and --endpoint-url."""
    parser.add_argument("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)")
    parser.add_argument("--profile", help="a profile of ~/.aws/config (default: AWS_PROFILE or the default chain)")
    parser.add_argument("--endpoint-url", help="another EC2 endpoint, such as a local moto server")


def aws_options(args: argparse.Namespace) -> AwsOptions:
    """The AWS options from parsed arguments."""
    return AwsOptions(region=args.region, profile=args.profile, endpoint_url=args.endpoint_url)


def ec2_client(options: AwsOptions) -> EC2Client:
    """An EC2 client with retries for throttling; raise AwsError for a profile or region that cannot be used."""
    config = botocore.config.Config(
        retries={"mode": "adaptive", "max_attempts": MAX_ATTEMPTS}, connect_timeout=10, read_timeout=60
    )
    try:
        session = boto3.session.Session(profile_name=options.profile, region_name=options.region)
        return session.client("ec2", endpoint_url=options.endpoint_url, config=config)
    except botocore.exceptions.BotoCoreError as error:
        raise explain(error, options) from error


_CLIENT_ERRORS: Final = {
    "InvalidGroup.NotFound": "{detail}; check the id and the region (groups belong to one region)",
    "InvalidGroupId.Malformed": "{detail}; a group id looks like sg-0123456789abcdef0",
    "UnauthorizedOperation": (
        "access denied ({detail}); the credentials need ec2:DescribeSecurityGroups and "
        "ec2:DescribeSecurityGroupRules in {region}"
    ),
    "AccessDenied": (
        "access denied ({detail}); the credentials need ec2:DescribeSecurityGroups and "
        "ec2:DescribeSecurityGroupRules in {region}"
    ),
    "AuthFailure": (
        "AWS rejected the credentials in {region} ({detail}); check the profile or keys, "
        "and that the region is enabled for the account"
    ),
    "InvalidClientTokenId": "AWS does not know these credentials ({detail}); check the access key or profile",
    "OptInRequired": "the account is not opted in to {region}; enable the region or choose another",
    "ExpiredToken": "the session token has expired; sign in again (for example `aws sso login`)",
    "RequestExpired": "the request expired; check this machine's clock, then retry",
    "Throttling": "AWS kept throttling the requests after {attempts} attempts; retry later or narrow the selection",
    "RequestLimitExceeded": (
        "AWS kept throttling the requests after {attempts} attempts; retry later or narrow the selection"
    ),
}


def explain(error: Exception, options: AwsOptions) -> AwsError:
    """One line for an AWS or botocore error, saying what to do about it."""
    region = options.region or "this region"
    if isinstance(error, botocore.exceptions.ClientError):
        info = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        detail = str(info.get("Message", "")) or code
        template = _CLIENT_ERRORS.get(code)
        if template is None:
            return AwsError(f"AWS refused the request: {code}: {detail}")
        return AwsError(template.format(detail=detail, region=region, attempts=MAX_ATTEMPTS))
    if isinstance(error, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return AwsError(
            "no usable AWS credentials; set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or sign in with `aws sso login`"
        )
    if isinstance(error, botocore.exceptions.ProfileNotFound):
        return AwsError(f"{error}; list profiles with `aws configure list-profiles`")
    if isinstance(error, botocore.exceptions.NoRegionError):
        return AwsError("no AWS region; pass --region or set AWS_REGION")
    if isinstance(error, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectTimeoutError):
        return AwsError(f"cannot reach the EC2 endpoint ({error}); check the region name, network and proxy")
    return AwsError(f"AWS call failed: {error}")

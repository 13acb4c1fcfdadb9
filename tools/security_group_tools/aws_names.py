"""Names the AWS flags take, checked before any AWS call: each malformed one is one clear usage error.

The rules are AWS's own: an account id is 12 digits; a region is `<area>-<place>-<n>` in lower case
(`us-east-1`, `us-gov-west-1`, `cn-north-1`); an IAM role name is 1-64 of `A-Za-z0-9+=,.@_-`, optionally after
a path (`audit/SecurityAudit`); an external id is 2-1224 of `A-Za-z0-9+=,.@:/_-`; an organisational unit id is
`ou-<root part>-<ou part>` and a root id `r-<part>`. A value that breaks them would only come back from AWS as
a ValidationError per account, after the run has started.
"""

from __future__ import annotations

import argparse
import re
from typing import Final

ACCOUNT_ID: Final = re.compile(r"[0-9]{12}")
REGION: Final = re.compile(r"[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}")
ROLE_NAME: Final = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")
ROLE_PATH_PART: Final = re.compile(r"[\x21-\x2e\x30-\x7e]+")
"""One part of an IAM path: printable ASCII except `/` (IAM allows `\\u0021`-`\\u007E` between slashes)."""
MAX_ROLE_PATH: Final = 512
EXTERNAL_ID: Final = re.compile(r"[A-Za-z0-9+=,.@:/_-]{2,1224}")
PARENT_ID: Final = re.compile(r"ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32}")
ALL_REGIONS: Final = "all"
GROUP_ID: Final = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
VPC_ID: Final = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})")
"""EC2's ids (the component's `aws_facts`, written out here: importing that package would load the program's
model into every command; tests/test_audit.py checks that the two agree)."""

MAX_LISTED: Final = 10_000
"""The most values one list flag takes: far above any organisation's accounts (AWS's default quota is 10)."""


def _items(text: str, what: str) -> list[str]:
    """The comma-separated values of one flag, blanks dropped, duplicates removed (first kept)."""
    items = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not items:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least one {what}")
    if len(items) > MAX_LISTED:
        raise argparse.ArgumentTypeError(f"{len(items)} {what}s: at most {MAX_LISTED} in one run")
    return items


def _shown(value: str) -> str:
    """A value for an error message, cut short: a flag can be given a whole file by mistake."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


def account_ids(text: str) -> list[str]:
    """An argparse type: `111111111111,222222222222`."""
    items = _items(text, "account id")
    for item in items:
        if not ACCOUNT_ID.fullmatch(item):
            raise argparse.ArgumentTypeError(f"{_shown(item)} is not an AWS account id (12 digits)")
    return items


def group_id(text: str) -> str:
    """An argparse type: a security group id. EC2 would refuse a malformed one only after the call."""
    if not GROUP_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a security group id (sg- and 8 or 17 hex digits, e.g. sg-0123456789abcdef0)"
        )
    return text


def vpc_id(text: str) -> str:
    """An argparse type: a VPC id. EC2 does not check a filter's values: a malformed one matches no group."""
    if not VPC_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not a VPC id (vpc- and 8 or 17 hex digits, e.g. vpc-0123456789abcdef0)"
        )
    return text


def region(text: str) -> str:
    """An argparse type: one region name (`--region`).

    A typo such as `us-east1` would otherwise be an endpoint name that does not resolve, retried 10 times before
    it is said.
    """
    if not REGION.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not an AWS region name (such as us-east-1 or eu-west-1, in lower case)"
        )
    return text


def regions(text: str) -> list[str]:
    """An argparse type: `us-east-1,eu-west-1`, or `all` (returned as `["all"]`)."""
    if text.strip().lower() == ALL_REGIONS:
        return [ALL_REGIONS]
    items = _items(text, "region")
    for item in items:
        if item.lower() == ALL_REGIONS:
            raise argparse.ArgumentTypeError("`all` stands alone: --regions all, not beside other regions")
        region(item)
    return items


def role_name(text: str) -> str:
    """An argparse type: an IAM role name, optionally after its path (`audit/SecurityAudit`)."""
    *path, name = text.split("/")
    valid = ROLE_NAME.fullmatch(name) and all(ROLE_PATH_PART.fullmatch(part) for part in path)
    if not valid or text.startswith("arn:"):
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is not an IAM role name: 1-64 of letters, digits and +=,.@_- (after an optional "
            "path such as audit/), and no ARN: the role's ARN is built for each account"
        )
    if len(text) - len(name) + 1 > MAX_ROLE_PATH:
        raise argparse.ArgumentTypeError(f"the role's path is longer than IAM's {MAX_ROLE_PATH} characters")
    return text


def external_id(text: str) -> str:
    """An argparse type: an sts:ExternalId. Never echoed: it is a shared secret of the trust policy."""
    if not EXTERNAL_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(
            "the external id must be 2-1224 of letters, digits and +=,.@:/_- (it is not shown here)"
        )
    return text


def parent_ids(text: str) -> list[str]:
    """An argparse type: `ou-ab12-cdef3456,r-ab12`."""
    items = _items(text, "organizational unit id")
    for item in items:
        if not PARENT_ID.fullmatch(item):
            raise argparse.ArgumentTypeError(
                f"{_shown(item)} is not an organizational unit id (ou-ab12-cdef3456) or root id (r-ab12)"
            )
    return items


SESSION_NAME_PREFIX: Final = "security-groups-audit"
MAX_SESSION_NAME: Final = 64
_NOT_IN_SESSION_NAME: Final = re.compile(r"[^A-Za-z0-9+=,.@_-]")


def session_name(caller_arn: str, prefix: str = SESSION_NAME_PREFIX) -> str:
    """A role session name that says who ran the audit: `security-groups-audit@alice`, within AWS's rules.

    The caller is the last part of its ARN (a user's name, or the session name of an assumed role, often an
    e-mail address); characters AWS refuses become `_`, and the whole is cut to 64 characters.
    """
    who = _NOT_IN_SESSION_NAME.sub("_", caller_arn.rsplit("/", 1)[-1] if "/" in caller_arn else "")
    name = f"{prefix}@{who}" if who else prefix
    return name[:MAX_SESSION_NAME]

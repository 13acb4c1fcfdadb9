"""One account in one region: where a live security group lives, and the unit an organisation-wide audit reads.

Audit findings, adopt's stack files and the multi-account reader all name a place the same way, so one record
carries it and builds the group's ARN (`arn:<partition>:ec2:<region>:<account>:security-group/<id>`).
"""

from __future__ import annotations

from typing import NamedTuple


class AccountRegion(NamedTuple):
    """An AWS account in one region of a partition."""

    account_id: str
    region: str
    partition: str = "aws"
    """`aws`, `aws-cn` or `aws-us-gov`: taken from the caller's ARN, never assumed for a role's account."""
    account_name: str = ""
    """The name AWS Organizations gives the account; empty when it is not known."""

    def group_arn(self, group_id: str) -> str:
        """The ARN of a security group of this account and region."""
        return f"arn:{self.partition}:ec2:{self.region}:{self.account_id}:security-group/{group_id}"

    def label(self) -> str:
        """How reports name the place: `111111111111 (prod) us-east-1`, the name only when known."""
        account = f"{self.account_id} ({self.account_name})" if self.account_name else self.account_id
        return f"{account} {self.region}"

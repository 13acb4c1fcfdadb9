"""An organisation in moto: a management account, member accounts, and one open-SSH group per account-region.

moto gives each assumed role its own account: STS AssumeRole issues keys that moto's IAM records under the
account of the role's ARN (`moto.iam.models.get_account_id_from`), and every later request signed with those
keys is served from that account's EC2. The default keys (`moto_server.KEYS`) are the management account's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from aws_proxy import MANAGEMENT, dropped_line
from moto_server import KEYS, Moto

REGIONS = ("eu-west-1", "us-east-1")
TAG = {"Key": "audit-test", "Value": "org"}
MEMBERS = ("prod", "dev", "denied")
"""Member accounts by name; the test's proxy refuses AssumeRole into `denied`."""
ROLE = "SecurityAudit"


@dataclass(frozen=True)
class Organisation:
    """The accounts by name (`management` too), the closed member's id, the OUs, and each unit's group."""

    accounts: dict[str, str]
    closed: str
    workloads_ou: str
    """Holds `prod`, and the OU `team` holding `dev`."""
    sandbox_ou: str
    """Holds no account."""
    groups: dict[tuple[str, str], str]
    """(account id, region) -> the id of its `ssh` group."""
    rules: dict[tuple[str, str], str]
    """(account id, region) -> the id of its SSH rule."""

    def name_of(self, account_id: str) -> str:
        """The account's name, as Organizations gives it."""
        return next(name for name, number in self.accounts.items() if number == account_id)

    def denied_line(self, region: str) -> str:
        """What audit and adopt print for the unit whose role the proxy denies."""
        account = self.accounts["denied"]
        return (
            f"error: {account} (denied) {region}: sts:AssumeRole: AccessDenied: cannot assume "
            f"arn:aws:iam::{account}:role/{ROLE}: the role must exist in account {account}, trust these "
            "credentials, and they must be allowed sts:AssumeRole on it"
        )

    def sts_dropped_line(self, name: str, region: str, proxy_url: str) -> str:
        """What audit and adopt print for a member's unit when the proxy drops every AssumeRole."""
        account = self.accounts[name]
        return (
            f"error: {account} ({name}) {region}: sts:AssumeRole: ConnectionClosedError: cannot assume "
            f"arn:aws:iam::{account}:role/{ROLE}: {dropped_line('STS', proxy_url)}"
        )


def _session(moto: Moto, account: str) -> dict[str, Any]:
    """Keys in `account` (the default keys for the management account; an assumed role's for a member)."""
    if account == MANAGEMENT:
        return dict(KEYS)
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=moto.url, **KEYS)
    keys = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup")["Credentials"]
    return {
        "aws_access_key_id": keys["AccessKeyId"],
        "aws_secret_access_key": keys["SecretAccessKey"],
        "aws_session_token": keys["SessionToken"],
    }


def _open_ssh_group(moto: Moto, keys: dict[str, Any], region: str, name: str) -> tuple[str, str]:
    """A tagged group with one described SSH rule from anywhere and no egress; its id and its rule's id."""
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=moto.url, **keys)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(
        GroupName=f"ssh-{name}",
        Description="SSH for the bastion",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [TAG]}],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "SSH from anywhere"}],
            }
        ],
    )
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    return group, rules["SecurityGroupRules"][0]["SecurityGroupRuleId"]


def organisation(moto: Moto) -> Organisation:
    """Reset moto; make the organisation, its members (one closed), its OUs, and the groups."""
    moto.reset()
    org = boto3.client("organizations", region_name="us-east-1", endpoint_url=moto.url, **KEYS)
    org.create_organization(FeatureSet="ALL")
    accounts = {"management": MANAGEMENT}
    for name in (*MEMBERS, "closed"):
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        accounts[name] = status["AccountId"]
    closed = accounts.pop("closed")
    org.close_account(AccountId=closed)
    root = org.list_roots()["Roots"][0]["Id"]
    workloads = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    team = org.create_organizational_unit(ParentId=workloads, Name="team")["OrganizationalUnit"]["Id"]
    sandbox = org.create_organizational_unit(ParentId=root, Name="sandbox")["OrganizationalUnit"]["Id"]
    org.move_account(AccountId=accounts["prod"], SourceParentId=root, DestinationParentId=workloads)
    org.move_account(AccountId=accounts["dev"], SourceParentId=root, DestinationParentId=team)
    groups: dict[tuple[str, str], str] = {}
    rules: dict[tuple[str, str], str] = {}
    for name, account in accounts.items():
        keys = _session(moto, account)
        for region in REGIONS:
            groups[account, region], rules[account, region] = _open_ssh_group(moto, keys, region, name)
    return Organisation(accounts, closed, workloads, sandbox, groups, rules)

"""The inventory both auditors judge: security groups in moto, a known few of them open to the world.

Every group has `RULES_PER_GROUP` ingress rules. Most groups hold only private rules (VPC CIDRs and a
reference to another group, every one described). One group in `OPEN_EVERY` also holds exactly one rule open
to the world, taken in turn from `OPEN_KINDS`, so each finding either tool makes on a group names at most one
known open rule: the comparison is by group, and a finding on any other group is an extra. Every open group
and one group in `ATTACH_EVERY` is attached to a network interface, as groups in use are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import boto3

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

TEST_KEY: Final = "testing"
"""moto accepts any keys while authentication is off (its default)."""

RULES_PER_GROUP: Final = 5
OPEN_EVERY: Final = 20
"""One group in twenty is open: 50 of 1,000."""
GROUPS_PER_VPC: Final = 250
ATTACH_EVERY: Final = 10
"""One group in ten, and every open group, is attached to a network interface of its own (in use)."""


@dataclass(frozen=True)
class OpenKind:
    """One way a rule opens a group to the world, as the EC2 API is given it."""

    name: str
    permission: Mapping[str, Any]
    """An IpPermission; a split /0 is one permission with two ranges (two rules in AWS)."""
    rules: int = 1
    """How many AWS rules the permission makes."""


def _tcp(port: int, cidr: str = "0.0.0.0/0", to_port: int | None = None) -> dict[str, Any]:
    ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}]} if ":" in cidr else {"IpRanges": [{"CidrIp": cidr}]}
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port if to_port is None else to_port, **ranges}


OPEN_KINDS: Final[tuple[OpenKind, ...]] = (
    OpenKind("SSH 22 from 0.0.0.0/0", _tcp(22)),
    OpenKind(
        "SSH 22 from 0.0.0.0/1 + 128.0.0.0/1 (a split /0)",
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "IpRanges": [{"CidrIp": "0.0.0.0/1"}, {"CidrIp": "128.0.0.0/1"}],
        },
        rules=2,
    ),
    OpenKind("SSH 22 from ::/0", _tcp(22, "::/0")),
    OpenKind("RDP 3389 from 0.0.0.0/0", _tcp(3389)),
    OpenKind("all traffic from 0.0.0.0/0", {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}),
    OpenKind("all TCP ports 0-65535 from 0.0.0.0/0", _tcp(0, to_port=65535)),
    OpenKind("TCP 20-25 (FTP, SSH, Telnet, SMTP) from 0.0.0.0/0", _tcp(20, to_port=25)),
    OpenKind("MySQL 3306 from 0.0.0.0/0", _tcp(3306)),
    OpenKind("PostgreSQL 5432 from 0.0.0.0/0", _tcp(5432)),
    OpenKind("SQL Server 1433 from 0.0.0.0/0", _tcp(1433)),
    OpenKind("Oracle 1521 from 0.0.0.0/0", _tcp(1521)),
    OpenKind("MongoDB 27017 from 0.0.0.0/0", _tcp(27017)),
    OpenKind("Redis 6379 from 0.0.0.0/0", _tcp(6379)),
    OpenKind("Memcached 11211 from 0.0.0.0/0", _tcp(11211)),
    OpenKind("Elasticsearch 9200 from 0.0.0.0/0", _tcp(9200)),
    OpenKind("Kibana 5601 from 0.0.0.0/0", _tcp(5601)),
    OpenKind("Kafka 9092 from 0.0.0.0/0", _tcp(9092)),
    OpenKind("Cassandra 9042 from 0.0.0.0/0", _tcp(9042)),
    OpenKind("Telnet 23 from 0.0.0.0/0", _tcp(23)),
    OpenKind("HTTPS 443 from 0.0.0.0/0 (a public web port)", _tcp(443)),
    OpenKind("custom TCP 8443 from 0.0.0.0/0", _tcp(8443)),
)
"""The known open rules, in the order groups take them."""


@dataclass(frozen=True)
class Inventory:
    """What was created in one region: every group's id, and the open kind of each open group."""

    region: str
    group_ids: tuple[str, ...]
    open_groups: Mapping[str, str]
    """group id -> OpenKind.name"""
    rules: int

    @property
    def groups(self) -> int:
        """How many groups were created (the region's default groups come on top)."""
        return len(self.group_ids)


def _private(index: int, count: int, peer_group: str | None) -> list[dict[str, Any]]:
    """`count` private rules: TCP ports from 10.x CIDRs, the last from another group when there is one."""
    permissions: list[dict[str, Any]] = []
    for number in range(count):
        port = 8000 + (index * 7 + number) % 1000
        if number == count - 1 and peer_group is not None:
            pairs = [{"GroupId": peer_group, "Description": "from the previous tier"}]
            permissions.append({"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": pairs})
            continue
        cidr = f"10.{index % 250}.{number}.0/24"
        ranges = [{"CidrIp": cidr, "Description": f"app traffic from {cidr}"}]
        permissions.append({"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": ranges})
    return permissions


def _described(permission: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The permission with a description on every range (the tools judge descriptions too, not this bench)."""
    described = dict(permission)
    for key in ("IpRanges", "Ipv6Ranges"):
        if key in described:
            described[key] = [{**entry, "Description": text} for entry in described[key]]
    return described


def client(endpoint_url: str, region: str) -> EC2Client:
    """An EC2 client for moto."""
    return boto3.client(
        "ec2", region_name=region, endpoint_url=endpoint_url, aws_access_key_id=TEST_KEY, aws_secret_access_key=TEST_KEY
    )


def populate(endpoint_url: str, region: str, groups: int) -> Inventory:
    """Create `groups` groups of `RULES_PER_GROUP` ingress rules each in `region`, every `OPEN_EVERY`th open."""
    ec2 = client(endpoint_url, region)
    vpc_id = subnet_id = ""
    group_ids: list[str] = []
    open_groups: dict[str, str] = {}
    rules = 0
    for index in range(groups):
        if index % GROUPS_PER_VPC == 0:
            cidr = f"10.{index // GROUPS_PER_VPC % 250}.0.0/16"
            vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
            subnet_cidr = cidr.replace(".0.0/16", ".0.0/20")
            subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock=subnet_cidr)["Subnet"]["SubnetId"]
        group_id = ec2.create_security_group(
            GroupName=f"bench-{index:05d}", Description=f"Bench group {index}", VpcId=vpc_id
        )["GroupId"]
        kind = OPEN_KINDS[(index // OPEN_EVERY) % len(OPEN_KINDS)] if index % OPEN_EVERY == 0 else None
        peer = group_ids[-1] if group_ids and index % GROUPS_PER_VPC else None
        if kind is None:
            permissions = _private(index, RULES_PER_GROUP, peer)
        else:
            open_groups[group_id] = kind.name
            permissions = [_described(kind.permission, kind.name), *_private(index, RULES_PER_GROUP - kind.rules, peer)]
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)  # type: ignore[arg-type]
        if kind is not None or index % ATTACH_EVERY == 0:
            ec2.create_network_interface(SubnetId=subnet_id, Groups=[group_id], Description=f"bench-{index:05d}")
        rules += RULES_PER_GROUP
        group_ids.append(group_id)
    return Inventory(region, tuple(group_ids), open_groups, rules)


def kinds_in(inventories: Sequence[Inventory]) -> list[str]:
    """Every open kind the inventories hold, in table order."""
    held = {name for inventory in inventories for name in inventory.open_groups.values()}
    return [kind.name for kind in OPEN_KINDS if kind.name in held]

"""Data the policies judge against, kept apart from the logic that uses it.

Sources: the EC2 API reference (IpPermission, IpRange, CreateSecurityGroup), the VPC user guide's quota
page, AWS Config managed rules and Security Hub EC2 controls, and the pulumi-aws provider schema. Nothing
in this module makes a decision; every value here is looked up by name elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Final, NamedTuple

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

from .aws_facts import (
    DEFAULT_RULE_QUOTA,
    MAX_RULE_QUOTA,
    NAME_PREFIX_MAX_LENGTH,
    PORT_MAX,
    PORT_MIN,
    PROTOCOL_NUMBER_MAX,
    RESERVED_GROUP_NAMES,
    RESERVED_NAME_PREFIX,
    TEXT_ALLOWED_CHARACTERS,
    TEXT_MAX_LENGTH,
    TOOL_DEFAULT_DESCRIPTIONS,
)

__all__ = [  # the AWS facts shared with the component, looked up here by the pack's modules
    "DEFAULT_RULE_QUOTA",
    "MAX_RULE_QUOTA",
    "NAME_PREFIX_MAX_LENGTH",
    "PORT_MAX",
    "PORT_MIN",
    "PROTOCOL_NUMBER_MAX",
    "RESERVED_GROUP_NAMES",
    "RESERVED_NAME_PREFIX",
    "TEXT_ALLOWED_CHARACTERS",
    "TEXT_MAX_LENGTH",
    "TOOL_DEFAULT_DESCRIPTIONS",
]

# --- Resource type tokens, as the Pulumi engine names them -------------------------------------------

SECURITY_GROUP: Final = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP: Final = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE: Final = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS_RULE: Final = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC_EGRESS_RULE: Final = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
NATIVE_SECURITY_GROUP: Final = "aws-native:ec2:SecurityGroup"
NATIVE_INGRESS: Final = "aws-native:ec2:SecurityGroupIngress"
NATIVE_EGRESS: Final = "aws-native:ec2:SecurityGroupEgress"
MANAGED_PREFIX_LIST: Final = "aws:ec2/managedPrefixList:ManagedPrefixList"
MANAGED_PREFIX_LIST_ENTRY: Final = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
VPC: Final = "aws:ec2/vpc:Vpc"
DEFAULT_VPC: Final = "aws:ec2/defaultVpc:DefaultVpc"

VPC_TYPES: Final = frozenset({VPC, DEFAULT_VPC})
"""Resources that are a VPC, each of which comes with a default security group."""

# --- Ports -------------------------------------------------------------------------------------------

SSH_PORTS: Final = (22,)
RDP_PORTS: Final = (3389,)

AWS_CONFIG_RESTRICTED_COMMON_PORTS: Final = (20, 21, 3306, 3389, 4333)
"""AWS Config `restricted-common-ports` defaults (blockedPort1..5). All of them are in the list below."""

SECURITY_HUB_HIGH_RISK_PORTS: Final = (
    20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333,
    5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300,
)  # fmt: skip
"""Security Hub EC2.19 "high risk" ports, as public implementations of the control reproduce them."""

SECURITY_HUB_AUTHORIZED_TCP_PORTS: Final = (80, 443)
"""Security Hub EC2.18 default for ports that may be open to the internet."""

# --- Protocols ----------------------------------------------------------------------------------------


class ProtocolKind(Enum):
    """What a rule's protocol means for port coverage."""

    ALL = "all"
    """`-1`/`all`: every protocol and every port."""
    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"
    ICMPV6 = "icmpv6"
    OTHER = "other"
    """Another IANA number: all of that protocol's traffic, which is never TCP or UDP."""
    INVALID = "invalid"
    """Unreadable or out of range: AWS rejects the rule, so it opens nothing."""
    UNKNOWN = "unknown"
    """Not known until apply."""


PROTOCOL_NAMES: Final[Mapping[str, ProtocolKind]] = MappingProxyType(
    {
        "-1": ProtocolKind.ALL,
        "all": ProtocolKind.ALL,
        "tcp": ProtocolKind.TCP,
        "udp": ProtocolKind.UDP,
        "icmp": ProtocolKind.ICMP,
        "icmpv6": ProtocolKind.ICMPV6,
    }
)
"""Protocol names the provider accepts (it lower-cases them first)."""

PROTOCOL_NUMBERS: Final[Mapping[int, ProtocolKind]] = MappingProxyType(
    {
        -1: ProtocolKind.ALL,
        6: ProtocolKind.TCP,
        17: ProtocolKind.UDP,
        1: ProtocolKind.ICMP,
        58: ProtocolKind.ICMPV6,
    }
)
"""IANA numbers with a name of their own; any other number in 0-255 is `OTHER`."""

# --- Wire values ------------------------------------------------------------------------------------------

UNKNOWN_STRING: Final = UNKNOWN_STRING_VALUE
"""The sentinel the engine sends for every unknown value, whatever its type."""

UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,  # the engine sends this one for every unknown
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)
"""How the engine spells "not known until apply" inside property values."""

# --- Waivers ------------------------------------------------------------------------------------------------

WAIVER_TAG_PREFIX: Final = "policy-waiver:"
"""A tag `policy-waiver:<policy name>` = `YYYY-MM-DD <reason>` waives that policy on that resource."""

WAIVER_REASON_MAX_LENGTH: Final = 200
"""Longer reasons are cut when quoted, so one tag cannot flood the output."""

# --- Resource shapes ------------------------------------------------------------------------------------------


class PeerKind(Enum):
    """What a rule's source (ingress) or destination (egress) is."""

    CIDR = "cidr"
    SELF = "self"
    GROUP = "group"
    PREFIX_LIST = "prefix-list"
    INVALID = "invalid"
    """Not a readable CIDR or id: AWS rejects it, so it reaches nobody."""
    UNKNOWN = "unknown"


class RuleFields(NamedTuple):
    """Where one rule shape keeps each part of a rule (engine property names)."""

    protocol: str
    from_port: str
    to_port: str
    description: str
    peers: tuple[tuple[str, PeerKind], ...]
    """Each property that names peers, and what kind of peer it holds (a string or a list of strings)."""
    self_flag: str | None = None
    """A boolean property that adds the group itself as a peer."""


class GroupShape(NamedTuple):
    """A resource that is a security group and may carry its rules inline."""

    inline: tuple[tuple[str, str, RuleFields], ...]
    """(property, direction, fields) for each inline rule list."""
    description: str | None
    name: str | None
    name_prefix: str | None
    tags: str | None
    is_default: bool = False
    vpc: str | None = None
    """The property holding the id of the VPC the group is in."""


class RuleShape(NamedTuple):
    """A resource that is one rule (or one rule per peer) attached to a group by id."""

    fields: RuleFields
    direction: str | None
    """Fixed direction, or None when `direction_property` holds it."""
    direction_property: str | None
    target: str
    """The property holding the id of the group the rule belongs to."""
    tags: str | None


CLASSIC_RULE_FIELDS: Final = RuleFields(
    protocol="protocol",
    from_port="fromPort",
    to_port="toPort",
    description="description",
    peers=(
        ("cidrBlocks", PeerKind.CIDR),
        ("ipv6CidrBlocks", PeerKind.CIDR),
        ("securityGroups", PeerKind.GROUP),
        ("prefixListIds", PeerKind.PREFIX_LIST),
    ),
    self_flag="self",
)
"""Inline `ingress`/`egress` entries of SecurityGroup and DefaultSecurityGroup."""

SECURITY_GROUP_RULE_FIELDS: Final = RuleFields(
    protocol="protocol",
    from_port="fromPort",
    to_port="toPort",
    description="description",
    peers=(
        ("cidrBlocks", PeerKind.CIDR),
        ("ipv6CidrBlocks", PeerKind.CIDR),
        ("sourceSecurityGroupId", PeerKind.GROUP),
        ("prefixListIds", PeerKind.PREFIX_LIST),
    ),
    self_flag="self",
)

VPC_RULE_FIELDS: Final = RuleFields(
    protocol="ipProtocol",
    from_port="fromPort",
    to_port="toPort",
    description="description",
    peers=(
        ("cidrIpv4", PeerKind.CIDR),
        ("cidrIpv6", PeerKind.CIDR),
        ("referencedSecurityGroupId", PeerKind.GROUP),
        ("prefixListId", PeerKind.PREFIX_LIST),
    ),
)

NATIVE_INGRESS_FIELDS: Final = RuleFields(
    protocol="ipProtocol",
    from_port="fromPort",
    to_port="toPort",
    description="description",
    peers=(
        ("cidrIp", PeerKind.CIDR),
        ("cidrIpv6", PeerKind.CIDR),
        ("sourceSecurityGroupId", PeerKind.GROUP),
        ("sourcePrefixListId", PeerKind.PREFIX_LIST),
    ),
)

NATIVE_EGRESS_FIELDS: Final = RuleFields(
    protocol="ipProtocol",
    from_port="fromPort",
    to_port="toPort",
    description="description",
    peers=(
        ("cidrIp", PeerKind.CIDR),
        ("cidrIpv6", PeerKind.CIDR),
        ("destinationSecurityGroupId", PeerKind.GROUP),
        ("destinationPrefixListId", PeerKind.PREFIX_LIST),
    ),
)

GROUP_SHAPES: Final[Mapping[str, GroupShape]] = MappingProxyType(
    {
        SECURITY_GROUP: GroupShape(
            inline=(("ingress", "ingress", CLASSIC_RULE_FIELDS), ("egress", "egress", CLASSIC_RULE_FIELDS)),
            description="description",
            name="name",
            name_prefix="namePrefix",
            tags="tags",
            vpc="vpcId",
        ),
        DEFAULT_SECURITY_GROUP: GroupShape(
            inline=(("ingress", "ingress", CLASSIC_RULE_FIELDS), ("egress", "egress", CLASSIC_RULE_FIELDS)),
            description=None,
            name=None,
            name_prefix=None,
            tags="tags",
            is_default=True,
            vpc="vpcId",
        ),
        NATIVE_SECURITY_GROUP: GroupShape(
            inline=(
                ("securityGroupIngress", "ingress", NATIVE_INGRESS_FIELDS),
                ("securityGroupEgress", "egress", NATIVE_EGRESS_FIELDS),
            ),
            description="groupDescription",
            name="groupName",
            name_prefix=None,
            tags="tags",
            vpc="vpcId",
        ),
    }
)

RULE_SHAPES: Final[Mapping[str, RuleShape]] = MappingProxyType(
    {
        SECURITY_GROUP_RULE: RuleShape(
            fields=SECURITY_GROUP_RULE_FIELDS,
            direction=None,
            direction_property="type",
            target="securityGroupId",
            tags=None,
        ),
        VPC_INGRESS_RULE: RuleShape(
            fields=VPC_RULE_FIELDS, direction="ingress", direction_property=None, target="securityGroupId", tags="tags"
        ),
        VPC_EGRESS_RULE: RuleShape(
            fields=VPC_RULE_FIELDS, direction="egress", direction_property=None, target="securityGroupId", tags="tags"
        ),
        NATIVE_INGRESS: RuleShape(
            fields=NATIVE_INGRESS_FIELDS, direction="ingress", direction_property=None, target="groupId", tags=None
        ),
        NATIVE_EGRESS: RuleShape(
            fields=NATIVE_EGRESS_FIELDS, direction="egress", direction_property=None, target="groupId", tags=None
        ),
    }
)

RULE_BEARING_TYPES: Final = frozenset(GROUP_SHAPES) | frozenset(RULE_SHAPES)
"""Every resource type that can open a port."""

"""What AWS accepts for security groups, as data.

Sources: the EC2 API reference (CreateSecurityGroup, IpRange), the VPC user guide's quota page and
"Security group rules". These are the limits that otherwise fail only at apply time, after a
half-finished `pulumi up`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

TEXT_MAX_LENGTH: Final = 255
"""Group names, group descriptions and rule descriptions: at most 255 characters."""

TEXT_ALLOWED_PUNCTUATION: Final = " ._-:/()#,@[]+=&;{}!$*"
"""Besides a-z, A-Z and 0-9, the characters AWS allows in VPC security-group names and descriptions."""

TEXT_ALLOWED: Final = re.compile(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]")
"""One allowed character (the same set as TEXT_ALLOWED_PUNCTUATION plus letters and digits)."""

RESERVED_NAME_PREFIX: Final = "sg-"
"""AWS rejects group names that start with this, so names never look like group ids."""

RESERVED_NAMES: Final = frozenset({"default"})
"""Every VPC already has a group named `default`."""

TOOL_DEFAULT_DESCRIPTIONS: Final = frozenset({"managed by pulumi", "managed by terraform"})
"""Placeholders tools fill in (lower-cased); the policy pack flags them, so config rejects them first."""

TAG_KEY_MAX_LENGTH: Final = 128
TAG_VALUE_MAX_LENGTH: Final = 256
TAG_RESERVED_PREFIX: Final = "aws:"
"""Tag keys starting with `aws:` are reserved for AWS."""

DEFAULT_RULE_QUOTA: Final = 60
"""Inbound or outbound rules per security group, counted separately per IP family (adjustable)."""

MAX_RULE_QUOTA: Final = 1000
"""rules-per-group x groups-per-interface may not exceed 1,000, so no account's quota goes higher."""

PROTOCOL_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "tcp": "tcp",
        "6": "tcp",
        "udp": "udp",
        "17": "udp",
        "icmp": "icmp",
        "1": "icmp",
        "icmpv6": "icmpv6",
        "58": "icmpv6",
        "all": "-1",
        "-1": "-1",
    }
)
"""Spellings of a protocol (lower-cased) to the AWS `IpProtocol` value we send."""

PROTOCOL_NUMBER_MAX: Final = 255
"""IANA protocol numbers run 0-255."""

PORT_MIN: Final = 0
PORT_MAX: Final = 65535
ICMP_MIN: Final = -1
"""ICMP type or code -1 means all types or codes."""
ICMP_MAX: Final = 255

SECURITY_GROUP_ID: Final = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
PREFIX_LIST_ID: Final = re.compile(r"pl-(?:[0-9a-f]{8}|[0-9a-f]{17})")
VPC_ID: Final = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})")

"""What AWS accepts for security groups, and when a description says nothing: one copy for component and pack.

This module exists twice, byte for byte: `components/security_groups_component/aws_facts.py` (the component
refuses bad config before anything is created) and `policies/security_group_policies/aws_facts.py` (the policy
pack judges any program). The pack is published on its own and cannot import the component, so the file is
copied, and `tests/policies/test_component_agreement.py` fails when the copies differ. The facts and the
predicates that apply them live here so both places decide the same way; each side words its own messages (the
component may quote the user's config, the pack never quotes free text). Standard library only.

Sources: the EC2 API reference (CreateSecurityGroup: "Names are case-insensitive and must be unique within the
VPC", up to 255 characters, cannot start with sg-, the character set; IpRange and the rule resources'
descriptions), the VPC quota page (60 inbound and 60 outbound rules per group and IP family, adjustable; rules x
groups per interface at most 1,000), the tagging guide (50 tags per resource, keys up to 128 and values up to 256
characters, `aws:` reserved), and the pulumi-aws provider (which appends a 26-character suffix to `namePrefix`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

# --- Names and descriptions ---------------------------------------------------------------------------------

TEXT_MAX_LENGTH: Final = 255
"""Group names, group descriptions and rule descriptions: at most 255 characters."""

NAME_PREFIX_SUFFIX_LENGTH: Final = 26
"""The provider appends a 26-character unique suffix to a group's `namePrefix`."""

NAME_PREFIX_MAX_LENGTH: Final = TEXT_MAX_LENGTH - NAME_PREFIX_SUFFIX_LENGTH

TEXT_ALLOWED_PUNCTUATION: Final = " ._-:/()#,@[]+=&;{}!$*"
"""Besides a-z, A-Z and 0-9, the characters AWS accepts in VPC group names, group and rule descriptions."""

TEXT_ALLOWED_CHARACTERS: Final = frozenset(string.ascii_letters + string.digits + TEXT_ALLOWED_PUNCTUATION)

RESERVED_NAME_PREFIX: Final = "sg-"
"""AWS rejects group names starting with this (compared as the provider compares it, case-sensitively)."""

RESERVED_GROUP_NAMES: Final = frozenset({"default"})
"""Every VPC already has a group named `default`; names are case-insensitive, so `Default` is taken too."""

TOOL_DEFAULT_DESCRIPTIONS: Final = ("Managed by Pulumi", "Managed by Terraform")
"""What tools fill in when nobody wrote a description (pulumi-aws fills in the first one itself)."""

PLACEHOLDER_WORDS: Final = (
    "TODO",
    "TBD",
    "TBA",
    "FIXME",
    "XXX",
    "n/a",
    "na",
    "none",
    "null",
    "nil",
    "description",
    "placeholder",
    "changeme",
    "change me",
)
"""Whole descriptions that only stand in for one."""

PLACEHOLDER_MARKERS: Final = ("TODO", "TBD", "FIXME", "XXX")
"""A description that starts with one of these words, in capitals or followed by a colon (`TODO describe why`,
`todo: ask the DBAs`), is a note to fill it in later, whatever follows; `Todo app servers` is a description."""


def fold(text: str) -> str:
    """A description as a reader compares it: case, spacing and a final full stop do not matter."""
    return " ".join(text.split()).rstrip(".").strip().casefold()


_TOOL_DEFAULTS: Final[Mapping[str, str]] = MappingProxyType({fold(text): text for text in TOOL_DEFAULT_DESCRIPTIONS})
_WORDS: Final[Mapping[str, str]] = MappingProxyType({fold(word): word for word in PLACEHOLDER_WORDS})
_MARKERS: Final = frozenset(PLACEHOLDER_MARKERS)
_FIRST_WORD: Final = re.compile(r"\s*([^\W_]+)(:?)")


class Placeholder(NamedTuple):
    """Why a description says nothing, in words safe to show: the project's own, never the description."""

    what: str
    """`a tool's placeholder description` or `a placeholder description`."""
    why: str
    """`"Managed by Pulumi"`, `"TODO"` (the placeholder it is, as this module spells it), `it starts with TODO`
    or `no letters or digits`."""
    names_it: bool
    """True when `why` is the placeholder itself (the text, up to case, spacing and a final full stop)."""

    def __str__(self) -> str:
        return f"{self.what} ({self.why})"


def placeholder(text: str) -> Placeholder | None:
    """Why a non-blank description says nothing, or None when it is a real one.

    Blank and empty descriptions are the callers' to word; this returns None for them.
    """
    folded = fold(text)
    if not folded:
        return None
    if folded in _TOOL_DEFAULTS:
        return Placeholder("a tool's placeholder description", f'"{_TOOL_DEFAULTS[folded]}"', names_it=True)
    if folded in _WORDS:
        return Placeholder("a placeholder description", f'"{_WORDS[folded]}"', names_it=True)
    first = _FIRST_WORD.match(text)
    if first is not None:
        word, colon = first.groups()
        if word.upper() in _MARKERS and (word.isupper() or colon):
            return Placeholder("a placeholder description", f"it starts with {word.upper()}", names_it=False)
    if not any(char.isalnum() for char in folded):
        return Placeholder("a placeholder description", "no letters or digits", names_it=False)
    return None


def rejected_characters(text: str) -> list[tuple[int, str]]:
    """Every (index, character) of `text` that AWS rejects in a name or description, in order."""
    return [(index, char) for index, char in enumerate(text) if char not in TEXT_ALLOWED_CHARACTERS]


def is_reserved_name(name: str) -> bool:
    """True for a group name AWS already uses in every VPC (`default`, in any case)."""
    return name.casefold() in RESERVED_GROUP_NAMES


def has_outer_spaces(name: str) -> bool:
    """True when a name starts or ends with a space, which AWS trims (so the group would not have that name)."""
    return name != name.strip(" ")


# --- Tags ---------------------------------------------------------------------------------------------------

MAX_TAGS: Final = 50
"""Tags one resource may carry (tags with the reserved `aws:` prefix do not count, and cannot be set)."""

TAG_KEY_MAX_LENGTH: Final = 128
TAG_VALUE_MAX_LENGTH: Final = 256
TAG_RESERVED_PREFIX: Final = "aws:"
"""Tag keys starting with this, in any case, are reserved for AWS."""

# --- Quotas -------------------------------------------------------------------------------------------------

DEFAULT_RULE_QUOTA: Final = 60
"""Inbound or outbound rules per security group, counted separately per IP family (adjustable)."""

MAX_RULE_QUOTA: Final = 1000
"""rules-per-group x groups-per-interface may not exceed 1,000, so no account's quota is ever higher."""

# --- Protocols and ports ------------------------------------------------------------------------------------

PORT_MIN: Final = 0
PORT_MAX: Final = 65535
ICMP_MIN: Final = -1
"""ICMP type or code -1 means all types or codes."""
ICMP_MAX: Final = 255
PROTOCOL_NUMBER_MAX: Final = 255
"""IANA protocol numbers run 0-255; -1 means every protocol."""

PROTOCOL_NUMBERS: Final[Mapping[str, int]] = MappingProxyType({"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58})
"""Protocols AWS also accepts by name, with their IANA numbers (`all` is -1)."""

PROTOCOL_NUMBER_TEXT: Final = re.compile(r"-1|0|[1-9][0-9]{0,2}")
"""A protocol number as AWS writes it: ASCII digits, no sign but -1's, no leading zero."""

# --- Ids ----------------------------------------------------------------------------------------------------

SECURITY_GROUP_ID: Final = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
PREFIX_LIST_ID: Final = re.compile(r"pl-(?:[0-9a-f]{8}|[0-9a-f]{17})")
VPC_ID: Final = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})")

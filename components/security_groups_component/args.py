"""The component's typed arguments.

These classes are also the component package's public schema: `pulumi.provider.experimental` infers
every input, its type and its description (the docstring under each field) from them, and
`components/schema.json` records the result. They therefore avoid `from __future__ import annotations`
(the schema inference reads the annotations as objects) and `Union`s (no SDK language can express them).
Each docstring stays on one line: it is copied verbatim, indentation included, into every SDK's docs.
"""

from collections.abc import Mapping, Sequence

# typing's own TypedDict, not typing_extensions': the schema inference finds optional keys only through
# `typing.is_typeddict`, which did not recognise typing_extensions' class (on 3.11 every key came out required).
from typing import Required, TypedDict

import pulumi

from .enums import Protocol, RulePreset


class SecurityGroupRule(TypedDict, total=False):
    """One rule: a preset, a named protocol or a protocol number; its peers; and why the traffic is allowed."""

    preset: RulePreset
    """A console rule Type (ssh, https, postgresql, ...) that fixes protocol and ports; or give a protocol."""
    protocol: Protocol
    """tcp, udp, icmp, icmpv6 or all; or give a preset or a protocol number."""
    protocol_number: int
    """An IANA protocol number, 0 to 255 (47 is GRE, 50 is ESP), for a protocol without a name here."""
    ports: str
    """For tcp and udp: a port ("443") or an inclusive range ("8000-8100"; "0-65535" is every port)."""
    icmp_type: int
    """For icmp and icmpv6: the ICMP type from 0 to 255, or -1 (the default) for all types."""
    icmp_code: int
    """For icmp and icmpv6: the ICMP code from 0 to 255, or -1 (the default) for all codes."""
    peers: Required[Sequence[str]]
    """Sources or destinations, one AWS rule each: CIDRs, anywhere(-ipv4/-ipv6), self, group:<key>, sg-…, pl-…."""
    description: Required[str]
    """Why this traffic is allowed: AWS's character set, at most 255 characters."""


class SecurityGroupArgs(TypedDict, total=False):
    """One security group and its rules. The group has no inline rules; each (rule, peer) is its own resource."""

    description: Required[str]
    """What the group is for. AWS cannot change it in place: a new description replaces the group."""
    name: str
    """A fixed group name; left out, Pulumi auto-names it and can create a replacement before deleting."""
    vpc_id: pulumi.Input[str]
    """The VPC; the region's default VPC when left out. Changing it replaces the group."""
    tags: Mapping[str, str]
    """Tags for the group and each of its rules."""
    ingress: Sequence[SecurityGroupRule]
    """Inbound rules; none when left out."""
    egress: Sequence[SecurityGroupRule]
    """Outbound rules; left out, all traffic to 0.0.0.0/0 (the EC2 console default); empty, none."""
    group_ids: Mapping[str, pulumi.Input[str]]
    """Ids of other groups by key, for group:<key> peers; an id may be an output not yet known."""
    rule_quota: int
    """Rules allowed per direction and IP family, 1 to 1000 (AWS's default quota is 60; set your account's)."""

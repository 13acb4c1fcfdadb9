"""The component's typed arguments, and the one place where stack config maps onto them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from typing_extensions import Required, TypedDict

from .model import Group, PeerKind, Rule


class RuleArgs(TypedDict, total=False):
    """One rule: a console preset, or a protocol with ports; its peers; and why the traffic is allowed."""

    preset: str
    """A console rule Type such as `ssh`, `https` or `postgresql` (see the preset table). Give this or `protocol`."""
    protocol: str
    """`tcp`, `udp`, `icmp`, `icmpv6`, `all`, or an IANA protocol number. Give this or `preset`."""
    ports: str
    """For tcp and udp: a port (`"443"`) or an inclusive range (`"8000-8100"`; `"0-65535"` is every port)."""
    icmp_type: int
    """For icmp and icmpv6: the ICMP type, -1 (the default) for all types."""
    icmp_code: int
    """For icmp and icmpv6: the ICMP code, -1 (the default) for all codes."""
    peers: Sequence[str]
    """Where traffic comes from (ingress) or goes to (egress), one AWS rule each: an IPv4 or IPv6 CIDR,
    `anywhere` (0.0.0.0/0 and ::/0), `anywhere-ipv4`, `anywhere-ipv6`, `self`, `group:<key>` (a key of
    `group_ids`), an `sg-` group id or a `pl-` prefix list id."""
    description: str
    """Why this traffic is allowed (required; AWS's character set, at most 255 characters)."""


class SecurityGroupArgs(TypedDict, total=False):
    """One security group and its rules. The group has no inline rules; each (rule, peer) is its own resource."""

    description: Required[str]
    """What the group is for. AWS cannot change it in place: a new description replaces the group."""
    name: str
    """An explicit group name. Leave it out (the default) to auto-name from the resource name, which lets
    Pulumi create a replacement before deleting the old group; an explicit name forces delete-first."""
    vpc_id: pulumi.Input[str]
    """The VPC; the region's default VPC when left out. Changing it replaces the group."""
    tags: Mapping[str, str]
    """Tags for the group and each of its rules."""
    ingress: Sequence[RuleArgs]
    """Inbound rules; none when left out."""
    egress: Sequence[RuleArgs]
    """Outbound rules. Left out: all traffic to 0.0.0.0/0, like a group made in the EC2 console. `[]`: none."""
    group_ids: Mapping[str, pulumi.Input[str]]
    """Ids of other groups by key, for `group:<key>` peers. The key names the rule's resource, so an id
    may be an Output that is not known until the group exists."""
    rule_quota: int
    """Rules allowed per direction and IP family (AWS's default quota is 60; set your account's)."""


def rule_args(rule: Rule) -> RuleArgs:
    """One validated rule as component arguments (one peer, explicit protocol and ports)."""
    traffic = rule.traffic
    args = RuleArgs(
        protocol="all" if traffic.protocol == "-1" else traffic.protocol,
        peers=[rule.peer.token],
        description=rule.description,
    )
    if traffic.from_port is not None and traffic.to_port is not None:
        if traffic.protocol in ("icmp", "icmpv6"):
            args["icmp_type"] = traffic.from_port
            args["icmp_code"] = traffic.to_port
        elif traffic.from_port == traffic.to_port:
            args["ports"] = str(traffic.from_port)
        else:
            args["ports"] = f"{traffic.from_port}-{traffic.to_port}"
    return args


def group_args(group: Group, group_ids: Mapping[str, pulumi.Input[str]], rule_quota: int) -> SecurityGroupArgs:
    """Map a group read from stack config onto the component's arguments.

    Rules are passed one peer each with presets spelled out; the component derives every resource name
    from a rule's content, so this spelling creates exactly the resources the config describes.
    """
    args = SecurityGroupArgs(
        description=group.description,
        tags=dict(group.tags),
        ingress=[rule_args(rule) for rule in group.ingress],
        egress=[rule_args(rule) for rule in group.egress],
        rule_quota=rule_quota,
    )
    if group.name is not None:
        args["name"] = group.name
    if group.vpc_id is not None:
        args["vpc_id"] = group.vpc_id
    referenced = sorted({rule.peer.value for rule in group.rules if rule.peer.kind is PeerKind.GROUP})
    if referenced:
        args["group_ids"] = {key: group_ids[key] for key in referenced}
    return args

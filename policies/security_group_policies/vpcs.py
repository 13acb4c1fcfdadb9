"""Which VPC a security group of the stack is in, as far as the stack tells, and the stack's own VPCs.

A group's VPC is its `vpcId`. During preview that is often not known yet, but the engine still says which
resource it comes from: a `vpcId` that depends on exactly one resource means that resource's VPC, so two
groups whose `vpcId` depends on the same resource are in the same VPC. Two groups are only ever said to be in
*different* VPCs when that is certain: two different literal ids, or two different VPCs that this stack
creates (`aws.ec2.Vpc` resources, each of which is a VPC of its own). Everything else is "cannot tell", which
never produces a finding.

A DefaultSecurityGroup adopts the default group of the VPC its `vpcId` names. Left out, the provider looks
for EC2-Classic's default group (description "default group") instead, so it closes no VPC's default group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, NamedTuple

from .rules import Resource
from .stack import GroupBook, StackResource, shown_name
from .tables import GROUP_SHAPES, VPC, VPC_TYPES
from .wire import UNKNOWN, Unknown

_VPC_ID: Final = re.compile(r"vpc-[0-9a-f]{8}(?:[0-9a-f]{9})?")


class VpcResource(NamedTuple):
    """A VPC of the stack: an `aws.ec2.Vpc` (a VPC it creates) or an `aws.ec2.DefaultVpc` (the one it adopts)."""

    urn: str
    name: str
    resource_type: str
    own_id: str | Unknown | None


class VpcKey(NamedTuple):
    """What is known of one VPC: its literal id, or the resource of the stack its id comes from."""

    kind: str
    """`id` (a literal VPC id), `vpc` / `default-vpc` (a VPC resource of this stack whose id is not known yet),
    or `dep` (another resource the id is computed from)."""
    value: str


def vpc_resources(resources: Iterable[StackResource]) -> dict[str, VpcResource]:
    """Every VPC resource of the stack, by URN."""
    found: dict[str, VpcResource] = {}
    for item in resources:
        if item.resource_type in VPC_TYPES:
            ident = item.props.get("id")
            own_id = (
                ident.strip() if isinstance(ident, str) and ident.strip() else UNKNOWN if ident is UNKNOWN else None
            )
            found[item.urn] = VpcResource(item.urn, item.name, item.resource_type, own_id)
    return found


def vpc_key(
    value: str | Unknown | None, deps: Sequence[StackResource], vpcs: Mapping[str, VpcResource]
) -> VpcKey | None:
    """The VPC a `vpcId` names, or None when it cannot be told (or is left out: the region's default VPC)."""
    if isinstance(value, str):
        return VpcKey("id", value)
    sources = list(dict.fromkeys(dep.urn for dep in deps))
    if value is not UNKNOWN or len(sources) != 1:
        return None
    vpc = vpcs.get(sources[0])
    if vpc is None:
        return VpcKey("dep", sources[0])
    if isinstance(vpc.own_id, str):
        return VpcKey("id", vpc.own_id)
    return VpcKey("vpc" if vpc.resource_type == VPC else "default-vpc", vpc.urn)


def group_vpc(
    group: Resource, deps: Mapping[str, Sequence[StackResource]], vpcs: Mapping[str, VpcResource]
) -> VpcKey | None:
    """The VPC of a security group of the stack."""
    shape = GROUP_SHAPES.get(group.resource_type)
    prop = shape.vpc if shape is not None else None
    if prop is None:
        return None
    return vpc_key(group.vpc, deps.get(prop, ()), vpcs)


def book_vpc(book: GroupBook, vpcs: Mapping[str, VpcResource]) -> VpcKey | None:
    """The VPC of a group book's group, when the group is in the stack."""
    if book.group is None:
        return None
    return group_vpc(book.group.resource, book.group.deps, vpcs)


def certainly_differ(one: VpcKey, other: VpcKey) -> bool:
    """True only when the two are known to be different VPCs."""
    if one == other:
        return False
    if one.kind == other.kind == "id":
        return True
    # A VPC that this stack creates is a new VPC: no other VPC resource of the stack is the same one.
    kinds = {one.kind, other.kind}
    return "vpc" in kinds and kinds <= {"vpc", "default-vpc"}


def describe(key: VpcKey, vpcs: Mapping[str, VpcResource]) -> str:
    """How a message names a VPC: its id when well-formed, else the VPC resource of this stack."""
    if key.kind == "id":
        return key.value if _VPC_ID.fullmatch(key.value) else "a VPC whose id is not well-formed"
    vpc = vpcs.get(key.value)
    if vpc is not None:
        return f"VPC {shown_name(vpc.name)} of this stack"
    return "a VPC"


class DefaultGroupVpcs(NamedTuple):
    """Which VPCs of the stack a DefaultSecurityGroup closes, or may close."""

    closes: frozenset[str]
    """URNs of the VPCs it certainly belongs to."""
    may_close: frozenset[str]
    """URNs of the VPCs it may belong to: its `vpcId` is not known and could come from any of them."""


def default_group_vpcs(
    group: Resource,
    deps: Sequence[StackResource],
    vpcs: Mapping[str, VpcResource],
    resources: Sequence[StackResource],
) -> DefaultGroupVpcs:
    """Match a DefaultSecurityGroup to the VPCs of the stack by literal id or by its `vpcId` dependency."""
    value = group.vpc
    if isinstance(value, str):
        return DefaultGroupVpcs(frozenset(v.urn for v in vpcs.values() if v.own_id == value), frozenset())
    if value is not UNKNOWN:
        return DefaultGroupVpcs(frozenset(), frozenset())
    direct = list(dict.fromkeys(dep.urn for dep in deps if dep.urn in vpcs))
    if len(direct) == 1:
        return DefaultGroupVpcs(frozenset(direct), frozenset())
    if direct:
        return DefaultGroupVpcs(frozenset(), frozenset(direct))
    return DefaultGroupVpcs(frozenset(), _reachable_vpcs(deps, vpcs, resources))


def _reachable_vpcs(
    start: Sequence[StackResource], vpcs: Mapping[str, VpcResource], resources: Sequence[StackResource]
) -> frozenset[str]:
    """The VPCs that a value computed from `start` could be the id of: those they depend on or contain."""
    children: dict[str, list[StackResource]] = {}
    for item in resources:
        if item.parent is not None:
            children.setdefault(item.parent.urn, []).append(item)
    seen: set[str] = set()
    stack = list(start)
    while stack:
        item = stack.pop()
        if item.urn in seen:
            continue
        seen.add(item.urn)
        stack.extend(item.dependencies)
        stack.extend(children.get(item.urn, ()))
    return frozenset(urn for urn in seen if urn in vpcs)

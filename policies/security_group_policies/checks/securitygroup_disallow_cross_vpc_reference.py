"""Disallow rules that reference a security group of the stack in another VPC, which AWS refuses unless peered.

A rule may name a security group as its source or destination only when that group is in the same VPC, or
in a VPC peered with it in the same Region (or, for inbound rules, one attached to the same transit gateway
with security group referencing turned on); otherwise AWS refuses the rule at apply time. Every rule shape
is judged: inline `ingress`/`egress` of a group (`securityGroups`), SecurityGroupRule
(`sourceSecurityGroupId`), the vpc rule resources (`referencedSecurityGroupId`) and the aws-native shapes.

Only a reference between two groups of this stack whose VPCs are known to differ is a finding: two different
literal `vpcId`s, or two different `aws.ec2.Vpc` resources of the stack (see `vpcs.py`). A VPC or a
referenced group that cannot be told during preview gives no finding and no note: peering is a legitimate
reason for the reference, so an unknown is never a suspicion. A rule resource whose own group cannot be told
(filed under several groups) is reported only when the reference crosses VPCs whichever of them it belongs
to; otherwise that is a preview note, and the real ids at `pulumi up` settle it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, StackPolicyDef, Verdict, common_options, common_settings
from ..rules import Direction, Peer, Rule
from ..stack import GroupBook, Member, Stack, StackView, placement_notes, shown_name, with_notes
from ..tables import PeerKind
from ..vpcs import VpcKey, VpcResource, book_vpc, certainly_differ, describe, vpc_resources
from ..wire import UNKNOWN

FIX = (
    "reference a group of the same VPC or the other VPC's CIDR instead; if the VPCs are peered in the same "
    "Region, this reference is allowed and the rule can be excluded from this policy (excludeNames)"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-cross-vpc-reference",
    description=(
        "Disallow rules that reference a security group of the stack in another VPC, which AWS refuses unless peered."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Reference a security group of the same VPC, or the other VPC's CIDR; a reference across VPCs works only "
        "over an active peering connection in the same Region."
    ),
    options=common_options(waivable=False),
    tags=("network", "aws-limits"),
    waivable=False,
    url="https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html",
)


class CrossVpcSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> CrossVpcSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return CrossVpcSettings(**common_settings(config))


class _Stack(NamedTuple):
    """What every rule of the stack is judged against."""

    view: StackView
    groups: Mapping[str, GroupBook]
    """Group URN -> its book, for the groups of this stack."""
    keys: Mapping[int, VpcKey | None]
    """id(book) -> its group's VPC, where it can be told."""
    vpcs: Mapping[str, VpcResource]


class _Crossing(NamedTuple):
    book: GroupBook
    member: Member
    rule: Rule
    head: str


def judge(whole: Stack, settings: CrossVpcSettings) -> Verdict:
    """Every rule of a group whose referenced group is in a VPC known to differ from its own."""
    view = whole.view
    vpcs = vpc_resources(whole.resources)
    stack = _Stack(
        view,
        {book.key: book for book in view.books if book.group is not None},
        {id(book): book_vpc(book, vpcs) for book in view.books},
        vpcs,
    )
    collector = Collector()
    shared: dict[tuple[str, int], list[_Crossing]] = {}
    for book in view.books:
        if stack.keys[id(book)] is None:
            continue  # the group's own VPC cannot be told: no reference of its rules is known to cross
        rules: list[tuple[Member, Rule]] = []
        if book.group is not None and _names_groups(book.group.resource.rules):
            rules = [(book.group, rule) for rule in book.inline_rules()]  # read-backs of rule resources left out
        for member, rule in [*rules, *book.separate_rules()]:
            for peer in rule.peers:
                crossing = _crossing(stack, book, member, rule, peer)
                if crossing is None:
                    continue
                if member.guessed:
                    shared.setdefault((member.urn, id(peer)), []).append(crossing)
                else:
                    collector.add(f"{crossing.head}. Fix: {FIX}", member.urn, member.name)
    for found in shared.values():
        member = found[0].member
        if len(found) == len(view.placements[member.urn]):
            for crossing in found:
                head = with_notes(crossing.head, placement_notes(member, [member]))
                collector.add(f"{head}. Fix: {FIX}", member.urn, member.name)
        else:
            where = ", ".join(crossing.book.shown for crossing in found)
            collector.gaps.append(
                f"whether {member.place(found[0].rule)} references a group of another VPC (it does if it belongs to "
                f"{where}; {placement_notes(member, [member])[0]})"
            )
    return collector.verdict()


def _crossing(stack: _Stack, book: GroupBook, member: Member, rule: Rule, peer: Peer) -> _Crossing | None:
    if peer.kind is not PeerKind.GROUP or not isinstance(rule.direction, Direction):
        return None
    own = stack.keys[id(book)]
    referenced = _referenced(stack, member, peer)
    if own is None or referenced is None or referenced is book or referenced.group is None:
        return None
    theirs = stack.keys[id(referenced)]
    vpcs = stack.vpcs
    if theirs is None or not certainly_differ(own, theirs):
        return None
    word = "from" if rule.direction is Direction.INGRESS else "to"
    head = (
        f"{rule.where} allows {rule.traffic} {word} group {shown_name(referenced.group.name)}, which is in "
        f"{describe(theirs, vpcs)}, while this rule's group is in {describe(own, vpcs)}: AWS accepts a reference to "
        "a group of another VPC only over an active peering connection in the same Region (or, for inbound rules, "
        "a transit gateway with security group referencing turned on)"
    )
    return _Crossing(book, member, rule, head)


def _referenced(stack: _Stack, member: Member, peer: Peer) -> GroupBook | None:
    """The group of this stack a group peer names: by its literal id, or by the one group its property depends on."""
    groups = stack.groups
    if isinstance(peer.ident, str):
        return stack.view.by_id.get(peer.ident)
    if peer.ident is not UNKNOWN:
        return None
    prop = _top_property(peer)
    candidates = list(dict.fromkeys(dep.urn for dep in member.deps.get(prop, ()) if dep.urn in groups))
    unknown = [
        other
        for rule in member.resource.rules
        for other in rule.peers
        if other.kind is PeerKind.GROUP and other.ident is UNKNOWN and _top_property(other) == prop
    ]
    if len(candidates) == 1 and len(unknown) == 1:
        return groups[candidates[0]]
    return None


def _names_groups(rules: Sequence[Rule]) -> bool:
    return any(peer.kind is PeerKind.GROUP for rule in rules for peer in rule.peers)


def _top_property(peer: Peer) -> str:
    """The top-level property a peer came from: `ingress` for `ingress[0].securityGroups[1]`."""
    return peer.field.split("[")[0].split(".")[0]


DEFINITION = StackPolicyDef(META, read_settings, judge)

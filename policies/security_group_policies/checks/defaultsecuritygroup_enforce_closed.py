"""Require every VPC of the stack to close its default security group, and no rule resource to reopen one (CIS).

CIS AWS Foundations 5.4 (AWS Config `vpc-default-security-group-closed`, Security Hub EC2.2): a VPC's default
group must keep no rules, because whatever is launched without a group of its own lands in it. AWS creates
every default group allowing all inbound traffic from itself and all outbound traffic; a DefaultSecurityGroup
resource with no `ingress` and no `egress` removes both. `defaultsecuritygroup-disallow-rules` judges that
resource's own inline rules; this stack policy judges what no single resource shows:

- a rule resource (SecurityGroupRule, vpc SecurityGroupIngressRule/EgressRule) attached to a
  DefaultSecurityGroup, by property dependency or by its literal id, adds a rule to the default group again
  (reported on the DefaultSecurityGroup, naming the rule resource; one the provider cannot create, such as a
  rule with no readable direction or no source, adds nothing);
- an `aws.ec2.Vpc` or `aws.ec2.DefaultVpc` that no DefaultSecurityGroup of the stack closes (matched by the
  group's `vpcId`: its literal id, or its dependency on the VPC) keeps AWS's default rules.

A DefaultSecurityGroup whose `vpcId` is not known and does not depend on a VPC directly may close any VPC that
its id could come from (what the resources it depends on depend on or contain); such a VPC is a preview note,
not a finding. A rule resource whose group cannot be told (filed under several groups) is judged as a rule of
each, and the finding says so: a rule that may reopen a default group is reported, not deferred.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, StackPolicyDef, Verdict, common_options, common_settings
from ..rules import Direction, ResourceKind, Rule
from ..stack import GroupBook, Member, Stack, placement_notes, shown_name, with_notes
from ..tables import PeerKind, ProtocolKind
from ..vpcs import default_group_vpcs, vpc_resources

FIX_RULE = (
    "delete the rule resource and give the workloads that need this access a security group of their own; "
    "the default group should keep no rules"
)
FIX_VPC = (
    "declare aws.ec2.DefaultSecurityGroup(vpc_id=<this VPC's id>) with no ingress and no egress, which removes "
    "every rule from the VPC's default group, and give workloads security groups of their own"
)

META = PolicyMeta(
    name="aws-ec2-defaultsecuritygroup-enforce-closed",
    description=(
        "Require every VPC of the stack to close its default security group, and no rule resource to reopen one (CIS)."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Declare a DefaultSecurityGroup with no ingress and no egress for every VPC of the stack, and delete rule "
        "resources attached to a default group; attach purpose-built groups to workloads instead."
    ),
    options=common_options(waivable=False),
    tags=(
        "network",
        "cis-aws-foundations",
        "cis-aws-foundations:5.4",
        "aws-config:vpc-default-security-group-closed",
        "security-hub:EC2.2",
    ),
    waivable=False,
    url="https://docs.aws.amazon.com/config/latest/developerguide/vpc-default-security-group-closed.html",
)


class ClosedSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> ClosedSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return ClosedSettings(**common_settings(config))


def judge(stack: Stack, settings: ClosedSettings) -> Verdict:
    """Every rule resource on a default group, and every VPC of the stack whose default group stays open."""
    view = stack.view
    collector = Collector()
    defaults = [
        (book, book.group)
        for book in view.books
        if book.group is not None and book.group.resource.kind is ResourceKind.DEFAULT_GROUP
    ]
    if defaults:
        collector.gaps.extend(view.gaps)  # a rule resource whose group cannot be told may be on one of them
    for book, group in defaults:
        _judge_rules(book, group, collector)
    vpcs = vpc_resources(stack.resources)
    closed: set[str] = set()
    maybe: dict[str, list[str]] = {}
    for _, group in defaults:
        found = default_group_vpcs(group.resource, group.deps.get("vpcId", ()), vpcs, stack.resources)
        closed |= found.closes
        for urn in found.may_close:
            maybe.setdefault(urn, []).append(shown_name(group.name))
    for vpc in vpcs.values():
        if vpc.urn in closed:
            continue
        if vpc.urn in maybe:
            collector.gaps.append(
                f"whether the default security group of {shown_name(vpc.name)} is closed (the vpcId of "
                f"{', '.join(maybe[vpc.urn])} is not known until apply)"
            )
            continue
        collector.add(
            "nothing in this stack closes this VPC's default security group, so it keeps the rules AWS gives every "
            "default group (all inbound traffic from the group itself and all outbound traffic) and takes in "
            f"whatever is launched without a group of its own. Fix: {FIX_VPC}",
            vpc.urn,
            vpc.name,
        )
    return collector.verdict()


def _judge_rules(book: GroupBook, group: Member, collector: Collector) -> None:
    for member, rule in book.separate_rules():
        if not _can_exist(rule):
            continue
        direction = rule.direction.value if isinstance(rule.direction, Direction) else "ingress or egress"
        word = {"ingress": "from", "egress": "to"}.get(direction, "from or to")
        peers = ", ".join(peer.label for peer in rule.peers if peer.kind is not PeerKind.INVALID)
        head = (
            f"rule resource {shown_name(member.name)} adds an {direction} rule to this default security group: "
            f"{rule.traffic} {word} {peers}"
        )
        collector.add(f"{with_notes(head, placement_notes(member, [member]))}. Fix: {FIX_RULE}", group.urn, group.name)


def _can_exist(rule: Rule) -> bool:
    """False for a rule the provider or AWS refuses to create: no readable direction, protocol or source."""
    if rule.direction is None or rule.protocol.kind is ProtocolKind.INVALID:
        return False
    return any(peer.kind is not PeerKind.INVALID for peer in rule.peers)


DEFINITION = StackPolicyDef(META, read_settings, judge)

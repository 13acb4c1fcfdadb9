"""aws-ec2-securitygroup-disallow-cross-vpc-reference: a rule naming a group of the stack in another VPC."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_cross_vpc_reference import DEFINITION, FIX
from security_group_tools.pack_runner import Pack, StackItem, diagnostics

from .pack_fixtures import (
    GROUP_ID,
    NATIVE_IN,
    NATIVE_SG,
    OTHER_GROUP_ID,
    SG,
    SG_RULE,
    UNKNOWN,
    VPC_IN,
    VPC_OUT,
    Item,
    group,
    inline,
    native_group,
    native_ingress,
    run_stack,
    sg_rule,
    urn_of,
    vpc_egress,
    vpc_ingress,
)

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
VPC_A = "vpc-0aaaaaaaaaaaaaaa0"
VPC_B = "vpc-0bbbbbbbbbbbbbbb0"
REFUSED = (
    "AWS accepts a reference to a group of another VPC only over an active peering connection in the same Region "
    "(or, for inbound rules, a transit gateway with security group referencing turned on)"
)


def app(**changes: Any) -> Item:
    """Group `app` in VPC A, no inline rules, its id not known yet."""
    return Item(SG, "app", group(**{"id": UNKNOWN, "vpcId": VPC_A, "ingress": [], "egress": [], **changes}))


def db(**changes: Any) -> Item:
    """Group `db` in VPC B."""
    return Item(SG, "db", group(**{"id": UNKNOWN, "vpcId": VPC_B, "ingress": [], "egress": [], **changes}))


def from_app(name: str = "db-from-app", **changes: Any) -> Item:
    """The component's shape: a vpc ingress rule of `db` from `app`, both ids not known until apply."""
    props = vpc_ingress(**{"securityGroupId": UNKNOWN, "fromPort": 5432, "toPort": 5432, "cidrIpv4": None,
                           "referencedSecurityGroupId": UNKNOWN, **changes})  # fmt: skip
    return Item(VPC_IN, name, props, {"securityGroupId": ["db"], "referencedSecurityGroupId": ["app"]})


def found(items: list[Item]) -> list[tuple[str | None, str]]:
    """(resource name, finding without its fix) for each finding."""
    result = run_stack(DEFINITION, items)
    assert result.preview_gap is None
    names = {urn_of(item.resource_type, item.name): item.name for item in items}
    return [(names.get(urn or ""), head) for urn, head in zip(result.urns, result.heads, strict=True)]


def test_vpc_rule_between_groups_of_two_vpcs() -> None:
    """Both vpcIds literal and different: the rule is named with both VPCs, the reason and the fix."""
    result = run_stack(DEFINITION, [app(), db(), from_app()])
    head = (
        f"this ingress rule allows tcp 5432 from group app, which is in {VPC_A}, while this rule's group is in "
        f"{VPC_B}: {REFUSED}"
    )
    assert (result.urns, result.messages) == ([urn_of(VPC_IN, "db-from-app")], [f"{head}. Fix: {FIX}"])


def test_every_rule_shape() -> None:
    """Inline entries, SecurityGroupRule, the vpc egress rule and aws-native shapes, by dependency or literal id."""
    items = [
        Item(SG, "app", group(id=GROUP_ID, vpcId=VPC_A, ingress=[], egress=[])),
        Item(SG, "db", group(id=OTHER_GROUP_ID, vpcId=VPC_B, egress=[],
                             ingress=[inline(fromPort=5432, toPort=5432, cidrBlocks=[], securityGroups=[GROUP_ID])])),
        Item(SG_RULE, "classic", sg_rule(securityGroupId=OTHER_GROUP_ID, cidrBlocks=None,
                                         sourceSecurityGroupId=GROUP_ID)),
        Item(VPC_OUT, "out", vpc_egress(securityGroupId=GROUP_ID, cidrIpv4=None,
                                        referencedSecurityGroupId=OTHER_GROUP_ID)),
        Item(NATIVE_SG, "native", native_group(vpcId=VPC_B, securityGroupIngress=[], securityGroupEgress=[])),
        Item(NATIVE_IN, "native-in", native_ingress(groupId=UNKNOWN, cidrIp=None, sourceSecurityGroupId=GROUP_ID),
             {"groupId": ["native"]}),
    ]  # fmt: skip
    assert [(name, head.split(",")[0]) for name, head in found(items)] == [
        ("out", "this egress rule allows tcp 443 to group db"),
        ("db", "ingress[0] allows tcp 5432 from group app"),
        ("classic", "this ingress rule allows tcp 443 from group app"),
        ("native-in", "this ingress rule allows tcp 443 from group app"),
    ]


def test_two_vpcs_this_stack_creates() -> None:
    """Two Vpc resources are two VPCs even before either has an id."""
    items = [
        Item(VPC, "red", {"cidrBlock": "10.1.0.0/16", "id": UNKNOWN}),
        Item(VPC, "blue", {"cidrBlock": "10.2.0.0/16", "id": UNKNOWN}),
        Item(SG, "app", app().props | {"vpcId": UNKNOWN}, {"vpcId": ["red"]}),
        Item(SG, "db", db().props | {"vpcId": UNKNOWN}, {"vpcId": ["blue"]}),
        from_app(),
    ]
    assert found(items) == [
        (
            "db-from-app",
            "this ingress rule allows tcp 5432 from group app, which is in VPC red of this stack, while this rule's "
            f"group is in VPC blue of this stack: {REFUSED}",
        )
    ]


SAME_OR_UNKNOWN = [
    ("same-literal-vpc", [app(), db(vpcId=VPC_A), from_app()]),
    (
        "same-vpc-resource",
        [Item(VPC, "main", {"id": UNKNOWN}), Item(SG, "app", app().props | {"vpcId": UNKNOWN}, {"vpcId": ["main"]}),
         Item(SG, "db", db().props | {"vpcId": UNKNOWN}, {"vpcId": ["main"]}), from_app()],
    ),
    (
        "same-subnet-dependency",
        [Item(SUBNET, "net", {"vpcId": VPC_A}), Item(SG, "app", app().props | {"vpcId": UNKNOWN}, {"vpcId": ["net"]}),
         Item(SG, "db", db().props | {"vpcId": UNKNOWN}, {"vpcId": ["net"]}), from_app()],
    ),
    ("vpc-not-known", [app(vpcId=UNKNOWN), db(), from_app()]),
    ("vpc-left-out", [app(vpcId=None), db(), from_app()]),
    (
        "new-vpc-and-a-literal",
        [Item(VPC, "main", {"id": UNKNOWN}), Item(SG, "app", app().props | {"vpcId": UNKNOWN}, {"vpcId": ["main"]}),
         db(), from_app()],
    ),
    ("group-outside-the-stack",
     [db(), Item(VPC_IN, "r", from_app(referencedSecurityGroupId="sg-0ccccccccccccccc0").props,
                 {"securityGroupId": ["db"]})]),
    ("reference-not-told", [app(), db(), Item(VPC_IN, "r", from_app().props, {"securityGroupId": ["db"]})]),
    ("self", [db(ingress=[inline(cidrBlocks=[], self=True)])]),
    (
        "reference-among-two-groups",
        [app(), Item(SG, "peer", db().props),
         Item(SG, "db", db(ingress=[inline(cidrBlocks=[], securityGroups=[UNKNOWN])]).props,
              {"ingress": ["app", "peer"]})],
    ),
]  # fmt: skip


@pytest.mark.parametrize("items", [c[1] for c in SAME_OR_UNKNOWN], ids=[c[0] for c in SAME_OR_UNKNOWN])
def test_same_vpc_or_unknown_gives_no_finding_and_no_note(items: list[Item]) -> None:
    """The same VPC, or a VPC or group that cannot be told, is never a finding, and never noise either."""
    assert found(items) == []


def test_a_rule_filed_under_several_groups() -> None:
    """Reported when it crosses VPCs from every candidate group; a note when only from some."""
    both_b = [app(), db(), Item(SG, "db2", db().props), Item(
        VPC_IN, "either", from_app().props, {"securityGroupId": ["db", "db2"], "referencedSecurityGroupId": ["app"]}
    )]  # fmt: skip
    heads = [head for _, head in found(both_b)]
    assert heads == [
        f"this ingress rule allows tcp 5432 from group app, which is in {VPC_A}, while this rule's group is in "
        f"{VPC_B}: {REFUSED} (its securityGroupId depends on 2 groups of this stack; judged as a rule of each)"
    ]
    partly = [app(), db(), Item(SG, "db2", db(vpcId=VPC_A).props), both_b[3]]
    result = run_stack(DEFINITION, partly)
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith(
        "could not check whether either references a group of another VPC (it does if it belongs to group db; its "
        "securityGroupId depends on 2 groups of this stack; judged as a rule of each):"
    )


def test_over_grpc(pack: Pack) -> None:
    """The running pack reports it as an advisory finding on the rule."""
    pack.configure(None)
    items = [StackItem(i.resource_type, i.name, i.props, i.deps) for i in (app(), db(), from_app())]
    result = [(d.policy, d.level, d.urn.rsplit("::", 1)[-1]) for d in diagnostics(pack.analyze_stack(items))]
    assert result == [(DEFINITION.meta.name, "advisory", "db-from-app")]

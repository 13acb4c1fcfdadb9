"""aws-ec2-defaultsecuritygroup-enforce-closed: every VPC's default group closed, and kept closed (CIS 5.4)."""

from __future__ import annotations

from typing import Any

from security_group_policies.checks.defaultsecuritygroup_enforce_closed import DEFINITION, FIX_RULE, FIX_VPC
from security_group_tools.pack_runner import Pack, StackItem, diagnostics

from .pack_fixtures import (
    DEFAULT_SG,
    GROUP_ID,
    SG,
    SG_RULE,
    UNKNOWN,
    VPC_ID,
    VPC_IN,
    VPC_OUT,
    Item,
    default_group,
    group,
    run_stack,
    sg_rule,
    urn_of,
    vpc_egress,
    vpc_ingress,
)

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_ID = "sg-0d0d0d0d0d0d0d0d0"
OPEN_VPC = (
    "nothing in this stack closes this VPC's default security group, so it keeps the rules AWS gives every default "
    "group (all inbound traffic from the group itself and all outbound traffic) and takes in whatever is launched "
    "without a group of its own"
)


def main_vpc(**changes: Any) -> Item:
    """A VPC the stack creates, its id not known yet."""
    props: dict[str, Any] = {"cidrBlock": "10.0.0.0/16", "id": UNKNOWN}
    props.update(changes)
    return Item(VPC, "main", props)


def closer(deps: bool = True, **changes: Any) -> Item:
    """The DefaultSecurityGroup that closes `main` (by dependency on its id)."""
    return Item(
        DEFAULT_SG, "main-default", default_group(**{"vpcId": UNKNOWN, **changes}), {"vpcId": ["main"]} if deps else {}
    )


def found(items: list[Item], config: dict[str, Any] | None = None) -> list[tuple[str | None, str]]:
    """(resource name, finding without its fix) for each finding; the fix is checked apart."""
    result = run_stack(DEFINITION, items, config=config)
    names = {urn_of(item.resource_type, item.name): item.name for item in items}
    return [(names.get(urn or ""), head) for urn, head in zip(result.urns, result.heads, strict=True)]


def test_a_vpc_nobody_closes() -> None:
    """A VPC of the stack with no DefaultSecurityGroup keeps AWS's default rules: a finding on the VPC, with the fix."""
    result = run_stack(DEFINITION, [main_vpc()])
    assert (result.urns, result.heads) == ([urn_of(VPC, "main")], [OPEN_VPC])
    assert result.messages[0] == f"{OPEN_VPC}. Fix: {FIX_VPC}"
    assert result.preview_gap is None


def test_a_vpc_closed_by_dependency_or_by_literal_id() -> None:
    """The DefaultSecurityGroup's vpcId depends on the VPC (preview), or equals its id (after creation)."""
    assert found([main_vpc(), closer()]) == []
    known = [main_vpc(id=VPC_ID), closer(deps=False, vpcId=VPC_ID)]
    assert found(known) == []
    assert found([Item(DEFAULT_VPC, "default", {"id": VPC_ID}), closer(deps=False, vpcId=VPC_ID)]) == []


def test_closing_another_vpc_or_none_at_all_does_not_count() -> None:
    """Another VPC's id, or no vpcId (the provider then looks for EC2-Classic's default group), closes nothing."""
    assert found([main_vpc(id=VPC_ID), closer(deps=False, vpcId="vpc-0fffffffffffffff0")]) == [("main", OPEN_VPC)]
    assert found([main_vpc(), Item(DEFAULT_SG, "classic", {"ingress": [], "egress": []})]) == [("main", OPEN_VPC)]
    assert found([Item(DEFAULT_VPC, "default", {"id": VPC_ID})]) == [("default", OPEN_VPC)]


def test_a_default_group_whose_vpc_comes_from_another_resource_is_a_note() -> None:
    """vpcId taken from a subnet of the VPC: it may close it, so the VPC is a preview note, not a finding."""
    items = [
        main_vpc(),
        Item(SUBNET, "public", {"vpcId": UNKNOWN, "cidrBlock": "10.0.1.0/24"}, {"vpcId": ["main"]}),
        Item(DEFAULT_SG, "via-subnet", default_group(vpcId=UNKNOWN), {"vpcId": ["public"]}),
    ]
    result = run_stack(DEFINITION, items)
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith(
        "could not check whether the default security group of main is closed (the vpcId of via-subnet is not known "
        "until apply):"
    )


def test_a_default_group_whose_vpc_comes_from_nowhere_in_the_stack_closes_none_of_its_vpcs() -> None:
    """An unknown vpcId with no dependency cannot be the id of a VPC this stack holds."""
    items = [main_vpc(), Item(DEFAULT_SG, "elsewhere", default_group(vpcId=UNKNOWN))]
    assert found(items) == [("main", OPEN_VPC)]


def test_rule_resources_that_reopen_the_default_group() -> None:
    """Every rule resource shape attached to the default group, by dependency or by its id, is named."""
    items = [
        main_vpc(),
        closer(id=DEFAULT_ID),
        Item(VPC_IN, "in", vpc_ingress(securityGroupId=UNKNOWN), {"securityGroupId": ["main-default"]}),
        Item(VPC_OUT, "out", vpc_egress(securityGroupId=DEFAULT_ID, cidrIpv4="0.0.0.0/0")),
        Item(SG_RULE, "classic", sg_rule(securityGroupId=DEFAULT_ID, protocol="-1", fromPort=0, toPort=0,
                                         cidrBlocks=[], self=True)),
    ]  # fmt: skip
    prefix = "rule resource {} adds an {} rule to this default security group: "
    assert found(items) == [
        ("main-default", prefix.format("in", "ingress") + "tcp 443 from 10.0.0.0/8"),
        ("main-default", prefix.format("out", "egress") + "tcp 443 to 0.0.0.0/0"),
        ("main-default", prefix.format("classic", "ingress") + "all traffic from the group itself"),
    ]
    assert run_stack(DEFINITION, items).messages[0].endswith(f". Fix: {FIX_RULE}")


def test_rules_that_cannot_be_created_add_nothing() -> None:
    """No readable direction, an invalid protocol, or no source: the provider or AWS refuses it."""
    rules = [
        Item(SG_RULE, "no-direction", sg_rule(type="-1", securityGroupId=DEFAULT_ID)),
        Item(VPC_IN, "no-source", vpc_ingress(securityGroupId=DEFAULT_ID, cidrIpv4=None)),
        Item(VPC_IN, "bad-protocol", vpc_ingress(securityGroupId=DEFAULT_ID, ipProtocol="bogus")),
        Item(VPC_IN, "bad-cidr", vpc_ingress(securityGroupId=DEFAULT_ID, cidrIpv4="10.0.0.0/33")),
    ]
    assert found([main_vpc(), closer(id=DEFAULT_ID), *rules]) == []


def test_a_rule_of_an_ordinary_group_is_not_this_policys_concern() -> None:
    """Only default groups are held to "no rules"."""
    items = [main_vpc(), closer(), Item(SG, "web", group(id=GROUP_ID)), Item(VPC_IN, "in", vpc_ingress())]
    assert found(items) == []


def test_a_rule_that_may_be_on_the_default_group_is_reported_and_says_so() -> None:
    """Its securityGroupId depends on an ordinary group and the default group: judged as a rule of each."""
    items = [
        main_vpc(),
        closer(),
        Item(SG, "web", group(id=UNKNOWN, ingress=UNKNOWN, egress=UNKNOWN)),
        Item(VPC_IN, "either", vpc_ingress(securityGroupId=UNKNOWN), {"securityGroupId": ["web", "main-default"]}),
    ]
    assert found(items) == [
        (
            "main-default",
            "rule resource either adds an ingress rule to this default security group: tcp 443 from 10.0.0.0/8 (its "
            "securityGroupId depends on 2 groups of this stack; judged as a rule of each)",
        )
    ]


def test_an_unplaced_rule_is_a_note_when_the_stack_has_a_default_group() -> None:
    """A rule resource whose group cannot be told may be the default group's."""
    rule = Item(VPC_IN, "lost", vpc_ingress(securityGroupId=UNKNOWN))
    result = run_stack(DEFINITION, [main_vpc(), closer(), rule])
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check which group 1 rule resource belongs to:")
    without = run_stack(DEFINITION, [main_vpc(), rule])  # no default group in the stack: the rule cannot be on one
    assert (without.heads, without.preview_gap) == ([OPEN_VPC], None)


def test_exclusion_by_name() -> None:
    """excludeNames applies to the resource the finding is on: the VPC, or the default group."""
    assert found([main_vpc()], {"excludeNames": ["main"]}) == []


def test_over_grpc(pack: Pack) -> None:
    """The running pack: a VPC left open and a rule resource on another VPC's default group, advisory."""
    pack.configure(None)
    items = [
        StackItem(VPC, "open", {"cidrBlock": "10.1.0.0/16", "id": UNKNOWN}),
        StackItem(VPC, "main", {"cidrBlock": "10.0.0.0/16", "id": UNKNOWN}),
        StackItem(DEFAULT_SG, "main-default", default_group(vpcId=UNKNOWN, id=UNKNOWN), {"vpcId": ["main"]}),
        StackItem(VPC_IN, "reopen", vpc_ingress(securityGroupId=UNKNOWN), {"securityGroupId": ["main-default"]}),
    ]
    result = [(d.policy, d.level, d.urn.rsplit("::", 1)[-1], d.finding) for d in diagnostics(pack.analyze_stack(items))]
    policy = DEFINITION.meta.name
    assert [r for r in result if r[0] == policy] == [
        (
            policy,
            "advisory",
            "main-default",
            "rule resource reopen adds an ingress rule to this default security group: tcp 443 from 10.0.0.0/8",
        ),
        (policy, "advisory", "open", OPEN_VPC),
    ]

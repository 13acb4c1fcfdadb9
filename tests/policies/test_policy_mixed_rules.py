"""aws-ec2-securitygroup-disallow-mixed-rule-management: inline and separate rules on one group."""

from __future__ import annotations

from typing import Any

from security_group_policies.checks.securitygroup_disallow_mixed_rule_management import DEFINITION

from .pack_fixtures import (
    DEFAULT_SG,
    GROUP_ID,
    OTHER_GROUP_ID,
    SG,
    SG_RULE,
    UNKNOWN,
    VPC_IN,
    Item,
    default_group,
    group,
    inline,
    run_stack,
    sg_rule,
    urn_of,
    vpc_ingress,
)

SEPARATE = vpc_ingress(fromPort=8443, toPort=8443, description="Admin from the corporate network")


def findings(items: list[Item]) -> list[tuple[str | None, str]]:
    """(URN, finding without its fix) for each finding."""
    result = run_stack(DEFINITION, items)
    assert result.preview_gap is None
    return list(zip(result.urns, result.heads, strict=True))


def test_rule_resource_on_group_with_inline_rules_via_dependency() -> None:
    """The rule resource is reported (it is the one to move), naming the group's inline entries."""
    items = [
        Item(SG, "web", group(id=UNKNOWN, ingress=[inline(), inline(fromPort=80, toPort=80)])),
        Item(VPC_IN, "web-admin", SEPARATE, {"securityGroupId": ["web"]}),
    ]
    assert findings(items) == [
        (
            urn_of(VPC_IN, "web-admin"),
            "this ingress rule belongs to a security group that also declares 2 inline ingress rules (ingress[0], "
            "ingress[1]); the provider overwrites one with the other on every update",
        )
    ]


def test_rule_resource_matched_by_literal_id() -> None:
    """A rule attached by a hard-coded id, with no dependency, is matched through the group's id."""
    items = [Item(SG, "web", group(id=GROUP_ID)), Item(VPC_IN, "web-admin", SEPARATE)]
    assert [urn for urn, _ in findings(items)] == [urn_of(VPC_IN, "web-admin")]


def test_classic_rule_and_default_group() -> None:
    """SecurityGroupRule and DefaultSecurityGroup are covered too."""
    items = [
        Item(
            DEFAULT_SG, "default", default_group(id=GROUP_ID, egress=[inline(protocol="-1", cidrBlocks=["0.0.0.0/0"])])
        ),
        Item(
            SG_RULE,
            "extra-egress",
            sg_rule(type="egress", fromPort=8443, toPort=8443),
            {"securityGroupId": ["default"]},
        ),
    ]
    assert [urn for urn, _ in findings(items)] == [urn_of(SG_RULE, "extra-egress")]


def test_benign_cases_pass() -> None:
    """Other direction, read-backs, other groups, groups outside the stack and computed inline lists pass."""
    cases: list[list[Item]] = [
        [Item(SG, "web", group(id=GROUP_ID, ingress=[])), Item(VPC_IN, "r", SEPARATE, {"securityGroupId": ["web"]})],
        [Item(SG, "web", group(id=GROUP_ID, ingress=[], egress=[inline()])), Item(VPC_IN, "r", SEPARATE)],
        [
            Item(SG, "web", group(id=GROUP_ID, ingress=[inline(fromPort=8443, toPort=8443)])),
            Item(VPC_IN, "r", SEPARATE),
        ],
        [Item(SG, "web", group(id=GROUP_ID)), Item(VPC_IN, "r", vpc_ingress(securityGroupId=OTHER_GROUP_ID))],
        [Item(VPC_IN, "r", vpc_ingress(securityGroupId=OTHER_GROUP_ID))],
        [
            Item(SG, "web", group(id=UNKNOWN, ingress=UNKNOWN)),
            Item(VPC_IN, "r", SEPARATE, {"securityGroupId": ["web"]}),
        ],
    ]
    for items in cases:
        assert findings(items) == [], [item.props.get("ingress") for item in items]


def test_partial_read_back_still_counts() -> None:
    """An inline entry with a source no separate rule has is a real inline rule, even next to a read-back."""
    read_back_and_more: dict[str, Any] = inline(fromPort=8443, toPort=8443, cidrBlocks=["10.0.0.0/8", "192.168.0.0/16"])
    items = [Item(SG, "web", group(id=GROUP_ID, ingress=[read_back_and_more])), Item(VPC_IN, "r", SEPARATE)]
    assert [urn for urn, _ in findings(items)] == [urn_of(VPC_IN, "r")]

"""aws-ec2-securitygroup-enforce-rule-quota: rules per group, per direction and IP family."""

from __future__ import annotations

from typing import Any

from security_group_policies.checks.securitygroup_enforce_rule_quota import DEFINITION

from .pack_fixtures import (
    GROUP_ID,
    OTHER_GROUP_ID,
    PREFIX_LIST,
    SG,
    UNKNOWN,
    VPC_IN,
    VPC_OUT,
    Item,
    group,
    inline,
    run_stack,
    urn_of,
    vpc_egress,
    vpc_ingress,
)

NOTE = "(each CIDR, group reference and self counts as one, a prefix list as its maximum entries"


def ipv4_rules(count: int, *, direction: str = "in", **changes: Any) -> list[Item]:
    """`count` vpc rules of group `web`, each from its own /32."""
    make = vpc_ingress if direction == "in" else vpc_egress
    kind = VPC_IN if direction == "in" else VPC_OUT
    return [
        Item(
            kind,
            f"{direction}-{i}",
            make(**{"cidrIpv4": f"10.0.{i // 256}.{i % 256}/32", **changes}),
            {"securityGroupId": ["web"]},
        )
        for i in range(count)
    ]


def ipv6_rules(count: int) -> list[Item]:
    """`count` vpc ingress rules of group `web`, each from its own IPv6 /128."""
    return [
        Item(
            VPC_IN,
            f"in6-{i}",
            vpc_ingress(cidrIpv4=None, cidrIpv6=f"2001:db8::{i:x}/128"),
            {"securityGroupId": ["web"]},
        )
        for i in range(count)
    ]


WEB = Item(SG, "web", group(id=GROUP_ID, ingress=[], egress=[]))


def test_sixty_one_ipv4_ingress_rules() -> None:
    """One rule over the default quota is a finding on the group, counting every rule resource."""
    result = run_stack(DEFINITION, [WEB, *ipv4_rules(61)])
    assert result.urns == [urn_of(SG, "web")]
    assert result.heads == [f"the group has 61 IPv4 ingress rules, over the quota of 60 {NOTE})"]


def test_families_and_directions_are_counted_apart() -> None:
    """60 IPv4 + 60 IPv6 inbound and 60 IPv4 outbound are all within quota."""
    result = run_stack(DEFINITION, [WEB, *ipv4_rules(60), *ipv6_rules(60), *ipv4_rules(60, direction="out")])
    assert result.messages == []


def test_inline_cidrs_and_group_references_count() -> None:
    """Each CIDR of an inline rule counts, and group references and self count as IPv4."""
    cidrs = [f"10.1.0.{i}/32" for i in range(58)]
    web = Item(
        SG, "web", group(id=GROUP_ID, ingress=[inline(cidrBlocks=cidrs, securityGroups=[OTHER_GROUP_ID], self=True)])
    )
    result = run_stack(DEFINITION, [web, *ipv4_rules(1)])
    assert result.heads == [f"the group has 61 IPv4 ingress rules, over the quota of 60 {NOTE})"]


def test_configured_quota() -> None:
    """A raised quota is honoured (engine floats too)."""
    assert run_stack(DEFINITION, [WEB, *ipv4_rules(61)], config={"ruleQuota": 100.0}).messages == []


def test_prefix_list_counts_as_its_max_entries() -> None:
    """A prefix list of this stack weighs its maxEntries; one from elsewhere counts once, with a note."""
    listed = Item(PREFIX_LIST, "office", {"id": "pl-0123456789abcdef0", "addressFamily": "IPv4", "maxEntries": 50})
    via_list = Item(VPC_IN, "via", vpc_ingress(cidrIpv4=None, prefixListId=UNKNOWN),
                    {"securityGroupId": ["web"], "prefixListId": ["office"]})  # fmt: skip
    result = run_stack(DEFINITION, [WEB, listed, via_list, *ipv4_rules(11)])
    assert result.heads == [f"the group has 61 IPv4 ingress rules, over the quota of 60 {NOTE})"]
    elsewhere = Item(
        VPC_IN, "via", vpc_ingress(cidrIpv4=None, prefixListId="pl-0fedcba9876543210"), {"securityGroupId": ["web"]}
    )
    result = run_stack(DEFINITION, [WEB, elsewhere, *ipv4_rules(60)])
    assert result.heads == [
        f"the group has 61 IPv4 ingress rules, over the quota of 60 {NOTE}; 1 prefix list from outside this stack "
        "counted as one rule each, though AWS counts their maximum entries)"
    ]


def test_group_outside_the_stack_is_reported_on_the_stack() -> None:
    """Rules for a group that is not in the stack still add up; the finding names the group by id."""
    rules = ipv4_rules(61, securityGroupId=OTHER_GROUP_ID)
    for rule in rules:
        rule.deps = {}
    result = run_stack(DEFINITION, rules)
    assert result.urns == [None]
    assert result.heads == [f"security group {OTHER_GROUP_ID} has 61 IPv4 ingress rules, over the quota of 60 {NOTE})"]


def test_unknown_cidrs_that_could_break_the_quota_are_a_gap() -> None:
    """60 known plus one unknown CIDR might be 61 IPv4 rules: decided during `pulumi up`."""
    result = run_stack(
        DEFINITION,
        [WEB, *ipv4_rules(60), Item(VPC_IN, "unknown", vpc_ingress(cidrIpv4=UNKNOWN), {"securityGroupId": ["web"]})],
    )
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check the ingress rule count of group web (60 known):")

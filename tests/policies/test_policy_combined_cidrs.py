"""aws-ec2-securitygroup-disallow-public-combined-cidrs: anywhere spelled across resources or in a prefix list."""

from __future__ import annotations

from typing import Any

from security_group_policies.checks.securitygroup_disallow_public_combined_cidrs import DEFINITION

from .pack_fixtures import (
    GROUP_ID,
    OTHER_GROUP_ID,
    PREFIX_LIST,
    PREFIX_LIST_ENTRY,
    SG,
    UNKNOWN,
    VPC_IN,
    Item,
    group,
    inline,
    run_stack,
    urn_of,
    vpc_ingress,
)

PL_ID = "pl-0123456789abcdef0"
HALVES = "(0.0.0.0/1, 128.0.0.0/1)"


def bare_group(**changes: Any) -> Item:
    """The component's group: no inline rules, its id known (as after creation)."""
    return Item(SG, "web", group(id=GROUP_ID, ingress=[], egress=[], **changes))


def ssh_rule(name: str, *, deps: bool = True, **changes: Any) -> Item:
    """A vpc SSH rule of the group `web`."""
    props = vpc_ingress(**{"fromPort": 22, "toPort": 22, **changes})
    return Item(VPC_IN, name, props, {"securityGroupId": ["web"]} if deps else {})


def heads_by_resource(items: list[Item], config: dict[str, Any] | None = None) -> list[tuple[str | None, str]]:
    """(resource name, finding without its fix) for each finding."""
    result = run_stack(DEFINITION, items, config=config)
    names = {urn_of(item.resource_type, item.name): item.name for item in items}
    return [(names.get(urn or ""), head) for urn, head in zip(result.urns, result.heads, strict=True)]


def test_halves_in_two_rule_resources() -> None:
    """Two rule resources of one group whose CIDRs add up to everything: each resource gets the finding."""
    items = [bare_group(), ssh_rule("a", cidrIpv4="0.0.0.0/1"), ssh_rule("b", cidrIpv4="128.0.0.0/1")]
    expected = (
        "this ingress rule together with 1 rule of other resources of the same group allows tcp 22 from every "
        f"IPv4 address, through CIDRs that together cover the whole address space {HALVES}"
    )
    assert heads_by_resource(items) == [("a", expected), ("b", expected)]


def test_halves_attached_by_literal_id() -> None:
    """Rules attached by a hard-coded group id (no property dependency) are matched through the group's id."""
    items = [
        bare_group(),
        ssh_rule("a", deps=False, cidrIpv4="0.0.0.0/1"),
        ssh_rule("b", deps=False, cidrIpv4="128.0.0.0/1"),
    ]
    assert [name for name, _ in heads_by_resource(items)] == ["a", "b"]


def test_halves_on_a_group_outside_the_stack() -> None:
    """Rules for a group that is not in the stack are still grouped by its literal id."""
    items = [
        ssh_rule("a", deps=False, cidrIpv4="0.0.0.0/1", securityGroupId=OTHER_GROUP_ID),
        ssh_rule("b", deps=False, cidrIpv4="128.0.0.0/1", securityGroupId=OTHER_GROUP_ID),
    ]
    assert [name for name, _ in heads_by_resource(items)] == ["a", "b"]


def test_inline_and_separate_halves() -> None:
    """An inline half and a separate half are combined too."""
    items = [
        Item(SG, "web", group(id=GROUP_ID, ingress=[inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/1"])])),
        ssh_rule("b", cidrIpv4="128.0.0.0/1"),
    ]
    found = heads_by_resource(items)
    assert [name for name, _ in found] == ["web", "b"]
    assert found[0][1].startswith("ingress[0] together with 1 rule of other resources of the same group allows tcp 22")


def test_all_protocol_halves_reported_once() -> None:
    """All-protocol halves are one "all traffic" finding per resource, not one per protocol."""
    items = [
        bare_group(),
        ssh_rule("a", ipProtocol="-1", fromPort=None, toPort=None, cidrIpv4="0.0.0.0/1"),
        ssh_rule("b", ipProtocol="-1", fromPort=None, toPort=None, cidrIpv4="128.0.0.0/1"),
    ]
    found = heads_by_resource(items)
    assert [name for name, _ in found] == ["a", "b"]
    assert all("allows all traffic from every IPv4 address" in head for _, head in found)


def test_prefix_list_with_anywhere_entry() -> None:
    """A prefix list of this stack that contains 0.0.0.0/0 opens whatever rule uses it."""
    items = [
        bare_group(),
        Item(PREFIX_LIST, "office", {"id": PL_ID, "addressFamily": "IPv4", "maxEntries": 5,
                                     "entries": [{"cidr": "203.0.113.0/24"}, {"cidr": "0.0.0.0/0"}]}),
        Item(VPC_IN, "via-list", vpc_ingress(fromPort=22, toPort=22, cidrIpv4=None, prefixListId=UNKNOWN),
             {"securityGroupId": ["web"], "prefixListId": ["office"]}),
    ]  # fmt: skip
    assert heads_by_resource(items) == [
        (
            "via-list",
            f"this ingress rule allows tcp 22 from 0.0.0.0/0 (an entry of prefix list {PL_ID}) (anywhere on IPv4)",
        )
    ]


def test_prefix_list_entries_as_resources_add_up() -> None:
    """ManagedPrefixListEntry resources are gathered into their list, and halves there add up to everything."""
    items = [
        bare_group(),
        Item(PREFIX_LIST, "office", {"id": PL_ID, "addressFamily": "IPv4", "maxEntries": 5, "entries": []}),
        Item(PREFIX_LIST_ENTRY, "e1", {"prefixListId": UNKNOWN, "cidr": "0.0.0.0/1"}, {"prefixListId": ["office"]}),
        Item(PREFIX_LIST_ENTRY, "e2", {"prefixListId": PL_ID, "cidr": "128.0.0.0/1"}),
        Item(VPC_IN, "via-list", vpc_ingress(cidrIpv4=None, prefixListId=PL_ID), {"securityGroupId": ["web"]}),
    ]
    [(name, head)] = heads_by_resource(items)
    assert name == "via-list"
    assert head.startswith("this ingress rule allows tcp 443 from every IPv4 address")
    assert f"0.0.0.0/1 (an entry of prefix list {PL_ID})" in head


def test_prefix_list_used_inline_by_literal_id() -> None:
    """An inline rule naming the list's id is resolved too."""
    items = [
        Item(SG, "web", group(id=GROUP_ID, ingress=[inline(cidrBlocks=[], prefixListIds=[PL_ID])])),
        Item(PREFIX_LIST, "office", {"id": PL_ID, "addressFamily": "IPv6", "entries": [{"cidr": "::/0"}]}),
    ]
    assert [name for name, _ in heads_by_resource(items)] == ["web"]


def test_benign_cases_pass() -> None:
    """What the per-rule policies already see, private lists, and halves that never meet stay silent here."""
    cases = [
        [bare_group(), ssh_rule("direct", cidrIpv4="0.0.0.0/0")],
        [Item(SG, "web", group(id=GROUP_ID, ingress=[inline(cidrBlocks=["0.0.0.0/1", "128.0.0.0/1"])]))],
        [bare_group(), ssh_rule("a", cidrIpv4="0.0.0.0/1"), ssh_rule("b", ipProtocol="udp", cidrIpv4="128.0.0.0/1")],
        [bare_group(), ssh_rule("a", cidrIpv4="0.0.0.0/1"),
         ssh_rule("b", deps=False, cidrIpv4="128.0.0.0/1", securityGroupId=OTHER_GROUP_ID)],
        [bare_group(), Item(PREFIX_LIST, "office", {"id": PL_ID, "entries": [{"cidr": "10.0.0.0/8"}]}),
         Item(VPC_IN, "r", vpc_ingress(cidrIpv4=None, prefixListId=PL_ID), {"securityGroupId": ["web"]})],
        [bare_group(), ssh_rule("a", cidrIpv4="0.0.0.0/1"),
         ssh_rule("b", fromPort=23, toPort=23, cidrIpv4="128.0.0.0/1")],
    ]  # fmt: skip
    for items in cases:
        result = run_stack(DEFINITION, items)
        assert (result.messages, result.preview_gap) == ([], None), [item.name for item in items]


def test_exclusion_by_resource_name() -> None:
    """excludeNames suppresses the finding on the matching resource only."""
    items = [bare_group(), ssh_rule("legacy-a", cidrIpv4="0.0.0.0/1"), ssh_rule("b", cidrIpv4="128.0.0.0/1")]
    assert [name for name, _ in heads_by_resource(items, {"excludeNames": ["legacy-.*"]})] == ["b"]


def test_rule_with_unknown_group_and_no_dependency_is_a_gap() -> None:
    """A rule whose group cannot be told during preview is named in the preview note."""
    result = run_stack(DEFINITION, [bare_group(), ssh_rule("a", deps=False, securityGroupId=UNKNOWN)])
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check which group 1 rule resource belongs to:")

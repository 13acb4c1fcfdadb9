"""Prefix lists of the stack whose entries or size are not known during preview: a note naming rule and list.

The combined-CIDRs policy looks into a stack's prefix lists for entries that reach anywhere, and the quota
counts a stack's list as its maxEntries. When the list's entries (the whole list, one entry, or an entry's
cidr), a ManagedPrefixListEntry's cidr, or the list's maxEntries are not known until apply, each policy
says so in its preview note instead of passing silently; what is known is still judged.
"""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks import securitygroup_disallow_public_combined_cidrs as combined
from security_group_policies.checks import securitygroup_enforce_rule_quota as quota
from security_group_tools.pack_runner import Pack, StackItem, diagnostics

from .pack_fixtures import GROUP_ID, PREFIX_LIST, PREFIX_LIST_ENTRY, SG, UNKNOWN, VPC_IN, Item, group, run_stack
from .pack_fixtures import vpc_ingress as vpc_rule

PL_ID = "pl-0123456789abcdef0"
WEB = Item(SG, "web", group(id=GROUP_ID, ingress=[], egress=[]))
TAIL = (
    ": not known until apply. Everything known was checked and reported; the policy checks the rest with real "
    "values during `pulumi up`."
)


def office(**changes: Any) -> Item:
    """The stack's prefix list `office`, its id not known yet (as before it exists)."""
    props: dict[str, Any] = {"id": UNKNOWN, "addressFamily": "IPv4", "maxEntries": 5, "entries": []}
    props.update(changes)
    return Item(PREFIX_LIST, "office", props)


def via_list(**changes: Any) -> Item:
    """An SSH rule of `web` from the list `office`, both ids not known until apply."""
    props = vpc_rule(fromPort=22, toPort=22, cidrIpv4=None, prefixListId=UNKNOWN, **changes)
    return Item(VPC_IN, "via-list", props, {"securityGroupId": ["web"], "prefixListId": ["office"]})


UNKNOWN_ENTRIES = [
    ("whole-list", {"entries": UNKNOWN}, [], "entries"),
    ("one-entry", {"entries": [{"cidr": "10.0.0.0/8"}, UNKNOWN]}, [], "entries[1]"),
    ("one-cidr", {"entries": [{"cidr": UNKNOWN, "description": "office"}]}, [], "entries[0].cidr"),
    (
        "entry-resource",
        {},
        [Item(PREFIX_LIST_ENTRY, "e1", {"prefixListId": UNKNOWN, "cidr": UNKNOWN}, {"prefixListId": ["office"]})],
        "the cidr of entry e1",
    ),
]


@pytest.mark.parametrize(
    ("changes", "extra", "unknown"), [c[1:] for c in UNKNOWN_ENTRIES], ids=[c[0] for c in UNKNOWN_ENTRIES]
)
def test_combined_cidrs_names_the_rule_and_the_list(changes: dict[str, Any], extra: list[Item], unknown: str) -> None:
    """Whatever part of the entries is unknown, the note names it, the list and the rule that uses it."""
    result = run_stack(combined.DEFINITION, [WEB, office(**changes), *extra, via_list()])
    assert (result.messages, result.preview_gap) == (
        [],
        f"could not check the entries of prefix list office that via-list uses ({unknown}){TAIL}",
    )


def test_an_entry_resource_whose_list_cannot_be_told() -> None:
    """An entry whose prefixListId depends on two lists of the stack may be in either: a note for each list."""
    items = [
        WEB,
        office(),
        Item(PREFIX_LIST, "partners", {"id": UNKNOWN, "addressFamily": "IPv4", "maxEntries": 5, "entries": []}),
        Item(PREFIX_LIST_ENTRY, "e1", {"prefixListId": UNKNOWN, "cidr": "0.0.0.0/0"},
             {"prefixListId": ["office", "partners"]}),
        via_list(),
    ]  # fmt: skip
    result = run_stack(combined.DEFINITION, items)
    assert (result.messages, result.preview_gap) == (
        [],
        "could not check the entries of prefix list office that via-list uses (entry e1, whose list is not known "
        f"until apply){TAIL}",
    )
    items[3] = Item(PREFIX_LIST_ENTRY, "e1", {"prefixListId": UNKNOWN, "cidr": "0.0.0.0/0"})
    assert run_stack(combined.DEFINITION, items).preview_gap is None  # from nowhere in the stack: none of its lists


def test_known_entries_are_still_judged_next_to_an_unknown_one() -> None:
    """A list holding 0.0.0.0/0 and an unknown entry: the finding is reported and the note still given."""
    result = run_stack(combined.DEFINITION, [WEB, office(entries=[{"cidr": "0.0.0.0/0"}, UNKNOWN]), via_list()])
    assert result.heads == [
        "this ingress rule allows tcp 22 from 0.0.0.0/0 (an entry of a prefix list of this stack) (anywhere on IPv4)"
    ]
    assert (
        result.preview_gap == f"could not check the entries of prefix list office that via-list uses (entries[1]){TAIL}"
    )


def test_an_inline_rule_naming_a_list_with_unknown_entries() -> None:
    """Inline rules are named by their place in the group."""
    items = [
        Item(SG, "web", group(id=GROUP_ID, ingress=[{"protocol": "tcp", "fromPort": 22, "toPort": 22,
                                                     "prefixListIds": [PL_ID], "description": "SSH"}], egress=[])),
        office(id=PL_ID, entries=UNKNOWN),
    ]  # fmt: skip
    result = run_stack(combined.DEFINITION, items)
    assert (
        result.preview_gap
        == f"could not check the entries of prefix list office that ingress[0] of web uses (entries){TAIL}"
    )


def test_egress_through_a_list_with_unknown_entries_needs_no_note() -> None:
    """The combined-CIDRs policy judges inbound traffic only, so an outbound rule's list is not its concern."""
    props = vpc_rule(cidrIpv4=None, prefixListId=UNKNOWN)
    rule = Item("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "out", props,
                {"securityGroupId": ["web"], "prefixListId": ["office"]})  # fmt: skip
    assert run_stack(combined.DEFINITION, [WEB, office(entries=UNKNOWN), rule]).preview_gap is None


def test_a_list_that_cannot_be_told_among_several() -> None:
    """A rule naming two lists of the stack whose ids are not known: which is which cannot be told."""
    items = [
        WEB,
        office(),
        Item(PREFIX_LIST, "partners", {"id": UNKNOWN, "addressFamily": "IPv4", "maxEntries": 5, "entries": []}),
        Item(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "two-lists",
            {"type": "ingress", "securityGroupId": UNKNOWN, "protocol": "tcp", "fromPort": 22, "toPort": 22,
             "prefixListIds": [UNKNOWN, UNKNOWN], "description": "SSH"},
            {"securityGroupId": ["web"], "prefixListIds": ["office", "partners"]},
        ),
    ]  # fmt: skip
    result = run_stack(combined.DEFINITION, items)
    assert result.preview_gap == (
        "could not check which prefix list of this stack two-lists uses (prefixListIds[0]), which prefix list of "
        f"this stack two-lists uses (prefixListIds[1]){TAIL}"
    )


def test_quota_when_max_entries_is_not_known() -> None:
    """A list's weight is its maxEntries; unknown, the group's count cannot be decided during preview."""
    result = run_stack(quota.DEFINITION, [WEB, office(maxEntries=UNKNOWN), via_list()])
    assert (result.messages, result.preview_gap) == (
        [],
        "could not check the ingress rule count of group web (the maxEntries of prefix list office, which via-list "
        f"uses){TAIL}",
    )


def test_quota_already_over_needs_no_note() -> None:
    """Over the quota without the list's weight: the finding stands and nothing is left to check."""
    rules = [
        Item(VPC_IN, f"r{i}", vpc_rule(cidrIpv4=f"10.0.0.{i}/32"), {"securityGroupId": ["web"]}) for i in range(61)
    ]
    result = run_stack(quota.DEFINITION, [WEB, office(maxEntries=UNKNOWN), via_list(), *rules])
    assert result.urns == [f"urn:pulumi:test::security-groups::{SG}::web"]
    assert result.heads[0].startswith("the group has 62 IPv4 ingress rules, over the quota of 60")
    assert result.preview_gap is None


def test_over_grpc(pack: Pack) -> None:
    """The pack as the CLI runs it: one advisory note per policy, each naming the rule and the list."""
    pack.configure(None)
    items = [
        StackItem(SG, "web", group(id=GROUP_ID, ingress=[], egress=[])),
        StackItem(PREFIX_LIST, "office", {"id": UNKNOWN, "addressFamily": "IPv4", "maxEntries": UNKNOWN,
                                          "entries": UNKNOWN}),
        StackItem(VPC_IN, "via-list", vpc_rule(fromPort=22, toPort=22, cidrIpv4=None, prefixListId=UNKNOWN),
                  {"securityGroupId": ["web"], "prefixListId": ["office"]}),
    ]  # fmt: skip
    found = [(d.policy, d.level, d.urn, d.message) for d in diagnostics(pack.analyze_stack(items))]
    prefix = "can't run policy '{0}' from policy pack 'security-groups@v0.0.1' during preview: could not check "
    assert found == [
        (
            combined.META.name,
            "advisory",
            "",
            prefix.format(combined.META.name) + f"the entries of prefix list office that via-list uses (entries){TAIL}",
        ),
        (
            quota.META.name,
            "advisory",
            "",
            prefix.format(quota.META.name)
            + f"the ingress rule count of group web (the maxEntries of prefix list office, which via-list uses){TAIL}",
        ),
    ]

"""Which group a rule resource belongs to, for the stack policies: by literal id, else by dependency, never a guess.

During preview a new group's id is not known, so a rule resource is matched to its group through the engine's
property dependencies. When its `securityGroupId` depends on several groups (`Output.all(b.id, a.id).apply(
lambda ids: ids[1])`) the pack cannot tell which one it is: the rule is judged as a rule of each, and every
finding that rests on that says so. Exposure findings are reported under any placement; a mandatory AWS-limit
finding (duplicates, quota) that holds under only some placements is a preview note, because AWS refuses such
a rule itself and the real ids settle it at `pulumi up`. The stacks here are the engine's shapes over gRPC.
"""

from __future__ import annotations

from typing import Any

import pytest
from security_group_tools.pack_runner import Diagnostic, Pack, StackItem, diagnostics

from .pack_fixtures import GROUP_ID, OTHER_GROUP_ID, SG, UNKNOWN, VPC_IN, group, inline, vpc_ingress

COMBINED = "aws-ec2-securitygroup-disallow-public-combined-cidrs"
DUPLICATES = "aws-ec2-securitygroup-disallow-duplicate-rules"
QUOTA = "aws-ec2-securitygroup-enforce-rule-quota"
MIXED = "aws-ec2-securitygroup-disallow-mixed-rule-management"
NOTE_PREFIX = "can't run policy '{}' from policy pack 'security-groups@v0.0.1' during preview: could not check "
NOTE_SUFFIX = (
    ": not known until apply. Everything known was checked and reported; the policy checks the rest with real "
    "values during `pulumi up`."
)
BOTH = "(its securityGroupId depends on 2 groups of this stack; judged as a rule of each)"


@pytest.fixture(autouse=True)
def _default_config(pack: Pack) -> None:
    pack.configure(None)


def new_group(name: str, **changes: Any) -> StackItem:
    """A group as a preview sends it before it exists: no id yet, inline lists computed by the provider."""
    return StackItem(SG, name, group(name=f"{name}-1a2b3c4", id=UNKNOWN, ingress=UNKNOWN, egress=UNKNOWN, **changes))


def rule(name: str, groups: list[str], **changes: Any) -> StackItem:
    """A vpc ingress rule whose securityGroupId is not known yet and depends on `groups`, in that order."""
    props = vpc_ingress(**{"securityGroupId": UNKNOWN, "fromPort": 22, "toPort": 22, **changes})
    return StackItem(VPC_IN, name, props, {"securityGroupId": groups})


def judged(pack: Pack, items: list[StackItem]) -> list[tuple[str, str, str, str]]:
    """(policy, level, resource name or "" for a preview note, finding or note) for every diagnostic."""
    found: list[Diagnostic] = diagnostics(pack.analyze_stack(items))
    return [(d.policy, d.level, d.urn.rsplit("::", 1)[-1] if d.urn else "", d.finding) for d in found]


def note(policy: str, what: str) -> tuple[str, str, str, str]:
    """The advisory preview note a policy leaves when it could not check `what`."""
    return (policy, "advisory", "", NOTE_PREFIX.format(policy) + what + NOTE_SUFFIX)


@pytest.mark.parametrize("order", [["b", "a"], ["a", "b"]], ids=["real-group-second", "real-group-first"])
def test_halves_that_open_ssh_are_found_whichever_dependency_comes_first(pack: Pack, order: list[str]) -> None:
    """Two rules that together open SSH: one on `a`, one whose securityGroupId depends on `a` and `b`."""
    items = [
        new_group("a"),
        new_group("b"),
        rule("half-1", ["a"], cidrIpv4="0.0.0.0/1"),
        rule("half-2", order, cidrIpv4="128.0.0.0/1"),
    ]
    together = (
        "this ingress rule together with 1 rule of other resources of the same group allows tcp 22 from every IPv4 "
        "address, through CIDRs that together cover the whole address space (0.0.0.0/1, 128.0.0.0/1)"
    )
    assert judged(pack, items) == [
        (COMBINED, "advisory", "half-1", f"{together} (the securityGroupId of half-2 depends on 2 groups of this "
                                         "stack; it is judged as a rule of each)"),
        (COMBINED, "advisory", "half-2", f"{together} {BOTH}"),
    ]  # fmt: skip


def test_a_duplicate_under_one_placement_only_is_a_note_not_a_mandatory_failure(pack: Pack) -> None:
    """`copy` repeats a rule of `a`, but may belong to `b`: AWS refuses it only if it is `a`'s."""
    items = [new_group("a"), new_group("b"), rule("first", ["a"]), rule("copy", ["b", "a"])]
    assert judged(pack, items) == [
        note(
            DUPLICATES,
            "whether copy repeats tcp 22 from 10.0.0.0/8 (group a has it; its securityGroupId depends on 2 groups of "
            "this stack; judged as a rule of each)",
        )
    ]


def test_a_duplicate_under_every_placement_is_a_mandatory_finding(pack: Pack) -> None:
    """When both candidate groups already have the permission, the rule is a duplicate wherever it belongs."""
    items = [new_group("a"), new_group("b"), rule("on-a", ["a"]), rule("on-b", ["b"]), rule("copy", ["b", "a"])]
    head = (
        "this ingress rule repeats tcp 22 from 10.0.0.0/8, already allowed by another rule resource of the same group"
    )
    assert judged(pack, items) == [(DUPLICATES, "mandatory", "copy", f"{head} {BOTH}")]


def test_the_real_id_at_up_settles_it(pack: Pack) -> None:
    """During `pulumi up` the ids are known: the rule is filed under the group its id names, with no note."""
    items = [
        StackItem(SG, "a", group(id=GROUP_ID, ingress=[], egress=[])),
        StackItem(SG, "b", group(id=OTHER_GROUP_ID, ingress=[], egress=[])),
        StackItem(VPC_IN, "first", vpc_ingress(fromPort=22, toPort=22), {"securityGroupId": ["a"]}),
        StackItem(VPC_IN, "copy", vpc_ingress(fromPort=22, toPort=22), {"securityGroupId": ["b", "a"]}),
    ]
    head = (
        "this ingress rule repeats tcp 22 from 10.0.0.0/8, already allowed by another rule resource of the same group"
    )
    assert judged(pack, items) == [(DUPLICATES, "mandatory", "copy", head)]
    items[3] = StackItem(
        VPC_IN,
        "copy",
        vpc_ingress(fromPort=22, toPort=22, securityGroupId=OTHER_GROUP_ID),
        {"securityGroupId": ["a", "b"]},
    )
    assert judged(pack, items) == []


def test_a_known_id_of_a_group_outside_the_stack_is_not_filed_under_a_dependency(pack: Pack) -> None:
    """A literal id that no group of the stack has is a group outside it, even if the value depends on one: the
    rule does not mix with `a`'s inline rules."""
    outside = "sg-0aaaaaaaaaaaaaaaa"
    items = [
        StackItem(SG, "a", group(id=GROUP_ID, ingress=[inline(fromPort=80, toPort=80)], egress=[])),
        StackItem(VPC_IN, "elsewhere", vpc_ingress(fromPort=22, toPort=22, securityGroupId=outside),
                  {"securityGroupId": ["a"]}),
    ]  # fmt: skip
    assert judged(pack, items) == []


def test_quota_counts_a_guessed_rule_only_when_the_group_is_over_without_it(pack: Pack) -> None:
    """60 rules of `a` plus one that may be `a`'s: a note; 61 of `a` plus that one: a finding that leaves it out."""
    pack.configure({QUOTA: {"ruleQuota": 3}})
    mine = [rule(f"r{i}", ["a"], cidrIpv4=f"10.0.0.{i}/32") for i in range(3)]
    maybe = rule("maybe", ["b", "a"], cidrIpv4="10.0.1.0/32")
    assert judged(pack, [new_group("a"), new_group("b"), *mine, maybe]) == [
        note(
            QUOTA,
            "the IPv4 ingress rule count of group a (3 certain, and 1 more if the rule resources filed under several "
            "groups of this stack belong to it)",
        )
    ]
    more = rule("r3", ["a"], cidrIpv4="10.0.0.3/32")
    [(policy, level, name, finding)] = judged(pack, [new_group("a"), new_group("b"), *mine, more, maybe])
    assert (policy, level, name) == (QUOTA, "mandatory", "a")
    assert finding == (
        "the group has 4 IPv4 ingress rules, over the quota of 3 (each CIDR, group reference and self counts as "
        "one, a prefix list as its maximum entries; not counting 1 more from rule resources whose group cannot "
        "be told until apply, which are filed under several groups of this stack)"
    )


def test_mixed_management_under_some_placements_only_is_a_note(pack: Pack) -> None:
    """`a` declares inline rules and `b` does not: the rule mixes models only if it is `a`'s."""
    a_inline = StackItem(SG, "a", group(id=UNKNOWN, ingress=[inline()], egress=UNKNOWN))
    items = [a_inline, new_group("b"), rule("maybe", ["b", "a"], fromPort=8443, toPort=8443)]
    assert judged(pack, items) == [
        note(
            MIXED,
            "whether maybe is managed alongside inline rules (group a declares them; its securityGroupId depends "
            "on 2 groups of this stack; judged as a rule of each)",
        )
    ]
    b_inline = StackItem(SG, "b", group(id=UNKNOWN, ingress=[inline(fromPort=80, toPort=80)], egress=UNKNOWN))
    assert judged(pack, [a_inline, b_inline, items[2]]) == [
        (MIXED, "advisory", "maybe", "this ingress rule belongs to a security group that also declares 1 inline "
                                     f"ingress rule (ingress[0]) {BOTH}; the provider overwrites one with the other on "
                                     "every update"),
    ]  # fmt: skip

"""aws-ec2-securitygroup-disallow-duplicate-rules: permissions AWS would refuse as duplicates."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_duplicate_rules import DEFINITION

from .pack_fixtures import (
    GROUP_ID,
    OTHER_GROUP_ID,
    SG,
    SG_RULE,
    VPC_IN,
    VPC_OUT,
    Item,
    group,
    inline,
    run_stack,
    sg_rule,
    urn_of,
    vpc_egress,
    vpc_ingress,
)

WEB = Item(SG, "web", group(id=GROUP_ID, ingress=[], egress=[]))


def rule(name: str, **changes: Any) -> Item:
    """A vpc ingress rule of group `web`."""
    return Item(VPC_IN, name, vpc_ingress(**changes), {"securityGroupId": ["web"]})


SEPARATE_FAILS = [
    (
        "fail-identical",
        {},
        "this ingress rule repeats tcp 443 from 10.0.0.0/8, already allowed by another rule resource of the same group",
    ),
    (
        "fail-other-description",
        {"description": "Something else"},
        "this ingress rule repeats tcp 443 from 10.0.0.0/8, already allowed by another rule resource of the same group",
    ),
    (
        "fail-host-bits",
        {"cidrIpv4": "10.1.2.3/8"},
        "this ingress rule repeats tcp 443 from 10.1.2.3/8 (the same network as 10.0.0.0/8), already allowed by "
        "another rule resource of the same group",
    ),
    (
        "fail-protocol-number",
        {"ipProtocol": "6"},
        "this ingress rule repeats tcp 443 from 10.0.0.0/8, already allowed by another rule resource of the same group",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in SEPARATE_FAILS], ids=[c[0] for c in SEPARATE_FAILS])
def test_repeated_rule_resource(changes: dict[str, Any], expected: str) -> None:
    """The later of two rule resources with one permission is reported; descriptions and spellings do not matter."""
    result = run_stack(DEFINITION, [WEB, rule("first"), rule("second", **changes)])
    assert (result.urns, result.heads) == ([urn_of(VPC_IN, "second")], [expected])


def test_all_protocol_ports_do_not_matter() -> None:
    """For protocol -1 AWS ignores ports, so two all-traffic rules with different ports repeat each other."""
    items = [
        Item(SG, "web", group(id=GROUP_ID, ingress=[inline(protocol="-1", fromPort=0, toPort=0),
                                                    inline(protocol="all", fromPort=443, toPort=443)])),
    ]  # fmt: skip
    assert run_stack(DEFINITION, items).heads == [
        "ingress[1] repeats all traffic from 10.0.0.0/8, already allowed by ingress[0]"
    ]


def test_same_cidr_twice_in_one_rule() -> None:
    """One request with one permission twice is refused too."""
    items = [
        WEB,
        Item(SG_RULE, "twice", sg_rule(cidrBlocks=["10.0.0.0/8", "10.0.0.0/8"]), {"securityGroupId": ["web"]}),
    ]
    assert run_stack(DEFINITION, items).heads == [
        "this ingress rule repeats tcp 443 from 10.0.0.0/8, already allowed earlier in the same rule"
    ]


def test_benign_cases_pass() -> None:
    """Other direction, ports, source or group is another permission; a read-back is not a repeat."""
    cases: list[list[Item]] = [
        [WEB, rule("a"), Item(VPC_OUT, "b", vpc_egress(), {"securityGroupId": ["web"]})],
        [WEB, rule("a"), rule("b", fromPort=444, toPort=444)],
        [WEB, rule("a"), rule("b", cidrIpv4="10.0.0.0/9")],
        [WEB, rule("a"), rule("b", cidrIpv4=None, cidrIpv6="::/0")],
        [WEB, rule("a"), Item(VPC_IN, "b", vpc_ingress(securityGroupId=OTHER_GROUP_ID))],
        [Item(SG, "web", group(id=GROUP_ID, ingress=[inline()])), rule("a")],
        [WEB, rule("a", cidrIpv4=None, referencedSecurityGroupId=OTHER_GROUP_ID), rule("b")],
    ]
    for items in cases:
        assert run_stack(DEFINITION, items).messages == [], [item.name for item in items]


def test_waiver_tag_is_refused_with_a_reason() -> None:
    """A waiver cannot make AWS accept a duplicate; the finding says why the tag was not honoured."""
    tags = {"policy-waiver:aws-ec2-securitygroup-disallow-duplicate-rules": "2099-01-01 we know"}
    [message] = run_stack(DEFINITION, [WEB, rule("first"), rule("second", tags=tags)]).messages
    assert message.endswith(
        "(tag policy-waiver:aws-ec2-securitygroup-disallow-duplicate-rules cannot waive this policy: it predicts an "
        "error or a conflict at apply time)"
    )

"""The bypass patterns of reference/policies.md section 9, each caught by the running pack over gRPC, and the
benign look-alikes that must not fire (B15: noise is what makes teams switch a check off)."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_tools.pack_runner import Pack, StackItem, diagnostics

from .pack_fixtures import (
    DEFAULT_SG,
    GROUP_ID,
    NATIVE_SG,
    OTHER_GROUP_ID,
    PREFIX_LIST,
    SG,
    SG_RULE,
    UNKNOWN,
    VPC_IN,
    default_group,
    group,
    inline,
    native_group,
    sg_rule,
    vpc_ingress,
)

P = "aws-ec2-securitygroup-"
SSH, RDP, ALL, RISK, UNAUTH = (
    f"{P}disallow-public-{s}" for s in ("ssh", "rdp", "all-traffic", "high-risk-ports", "unauthorized-ports")
)
COMBINED = f"{P}disallow-public-combined-cidrs"
MIXED = f"{P}disallow-mixed-rule-management"
DEFAULT_RULES = "aws-ec2-defaultsecuritygroup-disallow-rules"
EXPOSURE = {SSH, RDP, ALL, RISK, UNAUTH}


def ssh(**changes: Any) -> dict[str, Any]:
    """An inline SSH rule; cases set its source."""
    return inline(**{"fromPort": 22, "toPort": 22, "description": "SSH", **changes})


RESOURCE_CASES: list[tuple[str, str, dict[str, Any], set[str]]] = [
    (
        "B1-protocol-minus-one-ports-0-0",
        SG,
        group(ingress=[inline(protocol="-1", fromPort=0, toPort=0, cidrBlocks=["0.0.0.0/0"])]),
        {ALL},
    ),
    ("B1-protocol-all-word", SG, group(ingress=[inline(protocol="all", cidrBlocks=["0.0.0.0/0"])]), {ALL}),
    (
        "B1-vpc-rule-minus-one-no-ports",
        VPC_IN,
        vpc_ingress(ipProtocol="-1", fromPort=None, toPort=None, cidrIpv4="0.0.0.0/0"),
        {ALL},
    ),
    (
        "B2-range-0-1024",
        SG,
        group(ingress=[ssh(fromPort=0, toPort=1024, cidrBlocks=["0.0.0.0/0"])]),
        {SSH, RISK, UNAUTH},
    ),
    (
        "B2-range-20-3389",
        SG,
        group(ingress=[ssh(fromPort=20, toPort=3389, cidrBlocks=["0.0.0.0/0"])]),
        {SSH, RDP, RISK, UNAUTH},
    ),
    ("B3-ipv6-anywhere", SG, group(ingress=[ssh(cidrBlocks=[], ipv6CidrBlocks=["::/0"])]), {SSH}),
    ("B4-ipv6-alias", SG, group(ingress=[ssh(cidrBlocks=[], ipv6CidrBlocks=["::0/0"])]), {SSH}),
    (
        "B4-ipv6-expanded",
        VPC_IN,
        vpc_ingress(fromPort=22, toPort=22, cidrIpv4=None, cidrIpv6="0:0:0:0:0:0:0:0/0"),
        {SSH},
    ),
    (
        "B5-halves-in-one-group",
        SG,
        group(ingress=[ssh(cidrBlocks=["0.0.0.0/1"]), ssh(cidrBlocks=["128.0.0.0/1"])]),
        {SSH},
    ),
    (
        "B6-classic-rule-resource",
        SG_RULE,
        sg_rule(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"]),
        {SSH},
    ),
    (
        "B6-vpc-rule-resource",
        VPC_IN,
        vpc_ingress(fromPort=3389, toPort=3389, cidrIpv4="0.0.0.0/0"),
        {RDP},
    ),
    (
        "B7-default-group",
        DEFAULT_SG,
        default_group(ingress=[ssh(cidrBlocks=["0.0.0.0/0"])]),
        {SSH, DEFAULT_RULES},
    ),
    ("B8-self-in-the-same-rule", SG, group(ingress=[ssh(self=True, cidrBlocks=["0.0.0.0/0"])]), {SSH}),
    (
        "B8-self-in-an-earlier-rule",
        SG,
        group(ingress=[inline(self=True, cidrBlocks=[]), ssh(cidrBlocks=["0.0.0.0/0"])]),
        {SSH},
    ),
    (
        "B9-prefix-list-next-to-open-cidr",
        SG,
        group(ingress=[ssh(prefixListIds=["pl-0123456789abcdef0"], cidrBlocks=["0.0.0.0/0"])]),
        {SSH},
    ),
    ("B10-protocol-6", SG, group(ingress=[ssh(protocol="6", cidrBlocks=["0.0.0.0/0"])]), {SSH}),
    ("B10-protocol-uppercase", SG, group(ingress=[ssh(protocol="TCP", cidrBlocks=["0.0.0.0/0"])]), {SSH}),
    ("B11-default-description", SG, group(description="Managed by Pulumi"), {f"{P}missing-description"}),
    (
        "B14-aws-native-group",
        NATIVE_SG,
        native_group(
            securityGroupIngress=[
                {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIp": "0.0.0.0/0", "description": "SSH"}
            ]
        ),
        {SSH},
    ),
]

BENIGN_CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("B15-udp-22-is-not-ssh", SG, group(ingress=[ssh(protocol="udp", cidrBlocks=["10.0.0.0/8"])])),
    (
        "B15-public-load-balancer-80-443",
        SG,
        group(
            ingress=[
                inline(fromPort=80, toPort=80, cidrBlocks=["0.0.0.0/0"]),
                inline(cidrBlocks=["0.0.0.0/0"], ipv6CidrBlocks=["::/0"]),
            ]
        ),
    ),
    (
        "B15-all-protocols-from-private-cidr",
        SG,
        group(ingress=[inline(protocol="-1", cidrBlocks=["10.0.0.0/8", "fd00::/8"])]),
    ),
    (
        "B15-referenced-group-only",
        VPC_IN,
        vpc_ingress(fromPort=22, toPort=22, cidrIpv4=None, referencedSecurityGroupId=OTHER_GROUP_ID),
    ),
    (
        "B15-gre-47-from-private",
        SG,
        group(ingress=[inline(protocol="47", fromPort=0, toPort=0, cidrBlocks=["192.168.0.0/16"])]),
    ),
    (
        "B15-icmp-is-not-all-traffic",
        SG,
        group(ingress=[inline(protocol="icmp", fromPort=-1, toPort=-1, cidrBlocks=["10.0.0.0/8"])]),
    ),
    ("B15-self-all-traffic", SG, group(ingress=[inline(protocol="-1", cidrBlocks=[], self=True)])),
    ("B15-ssh-from-private-network", SG, group(ingress=[ssh(cidrBlocks=["10.20.0.0/16"])])),
]


@pytest.fixture(autouse=True)
def _default_config(pack: Pack) -> None:
    pack.configure(None)


@pytest.mark.parametrize(
    ("resource_type", "props", "expected"), [c[1:] for c in RESOURCE_CASES], ids=[c[0] for c in RESOURCE_CASES]
)
def test_bypass_is_caught(pack: Pack, resource_type: str, props: dict[str, Any], expected: set[str]) -> None:
    """The pack reports exactly the policies the pattern breaks, nothing else, and each port once.

    An all-traffic rule is all-traffic's finding alone, an open SSH port SSH's (README, "One problem, one
    finding"); a wider range still shows the ports no policy ranked higher reports (B2).
    """
    assert {d.policy for d in diagnostics(pack.analyze(resource_type, "case", props))} == expected


@pytest.mark.parametrize(("resource_type", "props"), [c[1:] for c in BENIGN_CASES], ids=[c[0] for c in BENIGN_CASES])
def test_benign_look_alike_is_silent(pack: Pack, resource_type: str, props: dict[str, Any]) -> None:
    """None of the exposure policies fires on traffic that is not open to anywhere."""
    assert {d.policy for d in diagnostics(pack.analyze(resource_type, "case", props))} & EXPOSURE == set()


def test_tcp_0_0_is_port_0_only(pack: Pack) -> None:
    """tcp 0-0 from anywhere opens port 0, which is not authorised, and nothing else: no SSH, no all traffic."""
    props = group(ingress=[ssh(fromPort=0, toPort=0, cidrBlocks=["0.0.0.0/0"])])
    found = [(d.policy, d.finding) for d in diagnostics(pack.analyze(SG, "case", props))]
    assert found == [(UNAUTH, "ingress[0] allows tcp 0 from 0.0.0.0/0 (anywhere on IPv4)")]


def test_b5_halves_across_rule_resources(pack: Pack) -> None:
    """B5 across resources: no single resource shows it; the stack policy attaches it to both rules."""
    items = [
        StackItem(SG, "web", group(id=GROUP_ID, ingress=[], egress=[])),
        StackItem(VPC_IN, "a", vpc_ingress(fromPort=22, toPort=22, cidrIpv4="0.0.0.0/1"), {"securityGroupId": ["web"]}),
        StackItem(
            VPC_IN, "b", vpc_ingress(fromPort=22, toPort=22, cidrIpv4="128.0.0.0/1"), {"securityGroupId": ["web"]}
        ),
    ]
    assert {
        d.policy for item in items for d in diagnostics(pack.analyze(item.resource_type, item.name, item.props))
    } == set()
    found = {(d.policy, d.urn.rsplit("::", 1)[1]) for d in diagnostics(pack.analyze_stack(items))}
    assert found == {(COMBINED, "a"), (COMBINED, "b")}


def test_b5_wide_public_range_when_configured(pack: Pack) -> None:
    """B5's "other huge public ranges": flagged once the environment sets a public-prefix threshold."""
    props = group(ingress=[ssh(cidrBlocks=["0.0.0.0/2"])])
    assert SSH not in {d.policy for d in diagnostics(pack.analyze(SG, "case", props))}
    pack.configure({SSH: {"publicPrefixLengthIpv4": 8}})
    assert [(d.level, d.finding) for d in diagnostics(pack.analyze(SG, "case", props)) if d.policy == SSH] == [
        (
            "advisory",
            "ingress[0] allows tcp 22 from 0.0.0.0/2 (a public range no longer than /8, which this policy treats "
            "as anywhere)",
        )
    ]


def test_b9_prefix_list_containing_anywhere(pack: Pack) -> None:
    """B9: a prefix list defined in the stack whose entries hold 0.0.0.0/0 is resolved and reported."""
    items = [
        StackItem(SG, "web", group(id=GROUP_ID, ingress=[], egress=[])),
        StackItem(
            PREFIX_LIST,
            "office",
            {
                "id": "pl-0123456789abcdef0",
                "addressFamily": "IPv4",
                "entries": [{"cidr": "0.0.0.0/0", "description": "oops"}],
            },
        ),
        StackItem(
            VPC_IN,
            "via-list",
            vpc_ingress(fromPort=22, toPort=22, cidrIpv4=None, prefixListId=UNKNOWN),
            {"securityGroupId": ["web"], "prefixListId": ["office"]},
        ),
    ]
    assert {(d.policy, d.urn.rsplit("::", 1)[1]) for d in diagnostics(pack.analyze_stack(items))} == {
        (COMBINED, "via-list")
    }


def test_b12_unknown_is_deferred_not_skipped(pack: Pack) -> None:
    """B12: during preview an unknown CIDR yields an advisory note naming it; with the value known (as during
    `pulumi up`) the same rule is judged."""
    preview = diagnostics(pack.analyze(SG, "case", group(ingress=[ssh(cidrBlocks=[UNKNOWN])])))
    [note] = [d for d in preview if d.policy == SSH]
    assert note.level == "advisory"
    assert "could not check ingress[0].cidrBlocks[0]: not known until apply" in note.message
    update = diagnostics(pack.analyze(SG, "case", group(ingress=[ssh(cidrBlocks=["0.0.0.0/0"])])))
    assert [(d.level, d.finding) for d in update if d.policy == SSH] == [
        ("advisory", "ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)")
    ]


def test_b13_rule_attached_by_literal_id(pack: Pack) -> None:
    """B13: a rule attached by a literal group id (no dependency) still counts as mixing with inline rules."""
    items = [
        StackItem(SG, "web", group(id=GROUP_ID)),
        StackItem(VPC_IN, "by-id", vpc_ingress(fromPort=8443, toPort=8443)),
        StackItem(SG_RULE, "by-lookup", sg_rule(type="egress", fromPort=8443, toPort=8443)),
    ]
    found = {(d.policy, d.urn.rsplit("::", 1)[1]) for d in diagnostics(pack.analyze_stack(items))}
    assert found == {(MIXED, "by-id"), (MIXED, "by-lookup")}

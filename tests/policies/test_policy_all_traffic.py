"""aws-ec2-securitygroup-disallow-public-all-traffic: every protocol, or every TCP/UDP port, from anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_public_all_traffic import DEFINITION

from .pack_fixtures import SG, UNKNOWN, VPC_IN, group, inline, run, vpc_ingress

CASES = [
    (
        "fail-all-minus-one-zero-ports",
        group(ingress=[inline(protocol="-1", fromPort=0, toPort=0, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows all traffic from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-all-word-no-ports",
        group(ingress=[inline(protocol="All", fromPort=None, toPort=None, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows all traffic from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-all-ipv6-alias",
        group(ingress=[inline(protocol="-1", cidrBlocks=[], ipv6CidrBlocks=["::0/0"])]),
        ["ingress[0] allows all traffic from ::0/0 (anywhere on IPv6)"],
    ),
    (
        "fail-all-split-halves",
        group(ingress=[inline(protocol="-1", cidrBlocks=["0.0.0.0/1", "128.0.0.0/1"])]),
        [
            "ingress[0] allows all traffic from every IPv4 address, through CIDRs that together "
            "cover the whole address "
            "space (0.0.0.0/1, 128.0.0.0/1)"
        ],
    ),
    (
        "fail-all-tcp-0-65535",
        group(ingress=[inline(fromPort=0, toPort=65535, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp all ports from 0.0.0.0/0 (anywhere on IPv4), which is every tcp port"],
    ),
    (
        "fail-all-tcp-1-65535",
        group(ingress=[inline(fromPort=1, toPort=65535, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 1-65535 from 0.0.0.0/0 (anywhere on IPv4), which is every tcp port"],
    ),
    (
        "fail-all-udp-every-port",
        group(ingress=[inline(protocol="udp", fromPort=0, toPort=65535, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows udp all ports from 0.0.0.0/0 (anywhere on IPv4), which is every udp port"],
    ),
    (
        "fail-all-tcp-ranges-add-up",
        group(
            ingress=[
                inline(fromPort=1, toPort=32767, cidrBlocks=["0.0.0.0/0"]),
                inline(fromPort=32768, toPort=65535, cidrBlocks=["0.0.0.0/0"]),
            ]
        ),
        ["ingress[0], ingress[1] together open every tcp port to every IPv4 address (0.0.0.0/0)"],
    ),
    (
        "fail-all-tcp-ports-and-halves",
        group(
            ingress=[
                inline(fromPort=0, toPort=65535, cidrBlocks=["0.0.0.0/1"]),
                inline(fromPort=0, toPort=65535, cidrBlocks=["128.0.0.0/1"]),
            ]
        ),
        [
            "ingress[0], ingress[1] together allow tcp 1-65535 from every IPv4 address, through "
            "CIDRs that together cover "
            "the whole address space (0.0.0.0/1, 128.0.0.0/1), which is every tcp port"
        ],
    ),
    ("pass-icmp-alone", group(ingress=[inline(protocol="icmp", fromPort=-1, toPort=-1, cidrBlocks=["0.0.0.0/0"])]), []),
    ("pass-icmpv6-alone", group(ingress=[inline(protocol="58", fromPort=-1, toPort=-1, ipv6CidrBlocks=["::/0"])]), []),
    ("pass-gre-alone", group(ingress=[inline(protocol="47", cidrBlocks=["0.0.0.0/0"])]), []),
    ("pass-tcp-0-0", group(ingress=[inline(fromPort=0, toPort=0, cidrBlocks=["0.0.0.0/0"])]), []),
    ("pass-tcp-missing-one-port", group(ingress=[inline(fromPort=2, toPort=65535, cidrBlocks=["0.0.0.0/0"])]), []),
    ("pass-all-private", group(ingress=[inline(protocol="-1", cidrBlocks=["10.0.0.0/8"])]), []),
    ("pass-all-from-self", group(ingress=[inline(protocol="-1", cidrBlocks=[], self=True)]), []),
    ("pass-all-egress", group(egress=[inline(protocol="-1", cidrBlocks=["0.0.0.0/0"])]), []),
    (
        "pass-tcp-and-udp-halves-of-ports",
        group(
            ingress=[
                inline(fromPort=1, toPort=32767, cidrBlocks=["0.0.0.0/0"]),
                inline(protocol="udp", fromPort=32768, toPort=65535, cidrBlocks=["0.0.0.0/0"]),
            ]
        ),
        [],
    ),
]


@pytest.mark.parametrize(("props", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_all_traffic(props: dict[str, Any], expected: list[str]) -> None:
    """All protocols, or every port of TCP or UDP, from anywhere; ICMP or one other protocol is not all traffic."""
    assert run(DEFINITION, SG, props).heads == expected


def test_vpc_rule_without_ports() -> None:
    """A vpc rule with ipProtocol -1 and no ports (how the provider spells all traffic) is found."""
    props = vpc_ingress(ipProtocol="-1", fromPort=None, toPort=None)
    props["cidrIpv4"] = "0.0.0.0/0"
    assert run(DEFINITION, VPC_IN, props).heads == [
        "this ingress rule allows all traffic from 0.0.0.0/0 (anywhere on IPv4)"
    ]


def test_unknown_source_of_all_protocol_rule_is_a_gap() -> None:
    """An all-protocol rule whose CIDR is unknown is named in the preview note."""
    result = run(DEFINITION, SG, group(ingress=[inline(protocol="-1", cidrBlocks=[UNKNOWN])]))
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check ingress[0].cidrBlocks[0]:")


def test_unknown_that_cannot_complete_every_port_is_silent() -> None:
    """A TCP 443 rule with an unknown CIDR can never open every port, so it is not a gap for this policy."""
    result = run(DEFINITION, SG, group(ingress=[inline(cidrBlocks=[UNKNOWN])]))
    assert (result.messages, result.preview_gap) == ([], None)


def test_unknown_that_could_complete_every_port_is_a_gap() -> None:
    """Half the TCP ports open to anywhere plus an unknown rule for the other half: not decidable yet."""
    props = group(
        ingress=[
            inline(fromPort=1, toPort=32767, cidrBlocks=["0.0.0.0/0"]),
            inline(fromPort=32768, toPort=65535, cidrBlocks=[UNKNOWN]),
        ]
    )
    result = run(DEFINITION, SG, props)
    assert result.messages == []
    assert result.preview_gap is not None
    assert "ingress[1].cidrBlocks[0]" in result.preview_gap

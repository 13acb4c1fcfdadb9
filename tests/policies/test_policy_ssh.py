"""aws-ec2-securitygroup-disallow-public-ssh: each case changes one thing in a compliant baseline."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_public_ssh import DEFINITION

from .pack_fixtures import (
    DEFAULT_SG,
    GROUP_ID,
    NATIVE_IN,
    NATIVE_SG,
    OTHER_GROUP_ID,
    SG,
    SG_RULE,
    UNKNOWN,
    VPC_IN,
    VPC_OUT,
    default_group,
    group,
    inline,
    native_group,
    native_ingress,
    run,
    sg_rule,
    vpc_egress,
    vpc_ingress,
)


def ssh(**changes: Any) -> dict[str, Any]:
    """An inline SSH rule from the corporate network (compliant); cases open it up."""
    return inline(**{"fromPort": 22, "toPort": 22, "description": "SSH from the corporate network", **changes})


FAILS = [
    (
        "fail-ssh-open-ipv4",
        SG,
        group(ingress=[ssh(cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-open-ipv6",
        SG,
        group(ingress=[ssh(cidrBlocks=[], ipv6CidrBlocks=["::/0"])]),
        ["ingress[0] allows tcp 22 from ::/0 (anywhere on IPv6)"],
    ),
    (
        "fail-ssh-open-ipv6-alias",
        SG,
        group(ingress=[ssh(cidrBlocks=[], ipv6CidrBlocks=["::0/0"])]),
        ["ingress[0] allows tcp 22 from ::0/0 (anywhere on IPv6)"],
    ),
    (
        "fail-ssh-open-ipv6-expanded",
        SG,
        group(ingress=[ssh(cidrBlocks=[], ipv6CidrBlocks=["0:0:0:0:0:0:0:0/0"])]),
        ["ingress[0] allows tcp 22 from 0:0:0:0:0:0:0:0/0 (anywhere on IPv6)"],
    ),
    (
        "fail-ssh-open-both-families",
        SG,
        group(ingress=[ssh(cidrBlocks=["0.0.0.0/0"], ipv6CidrBlocks=["::/0"])]),
        [
            "ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)",
            "ingress[0] allows tcp 22 from ::/0 (anywhere on IPv6)",
        ],
    ),
    (
        "fail-ssh-host-bits-on-slash-zero",
        SG,
        group(ingress=[ssh(cidrBlocks=["10.1.2.3/0"])]),
        ["ingress[0] allows tcp 22 from 10.1.2.3/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-cidr-with-spaces",
        SG,
        group(ingress=[ssh(cidrBlocks=[" 0.0.0.0/0 "])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-cidr-string-not-list",
        SG,
        group(ingress=[ssh(cidrBlocks="0.0.0.0/0")]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-range-covers-22",
        SG,
        group(ingress=[ssh(fromPort=0, toPort=1024, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 0-1024 (including tcp 22) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-range-ends-at-22",
        SG,
        group(ingress=[ssh(fromPort=20, toPort=22, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 20-22 (including tcp 22) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-protocol-minus-one",
        SG,
        group(ingress=[ssh(protocol="-1", fromPort=0, toPort=0, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows all traffic (including tcp 22) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-protocol-minus-one-number",
        SG,
        group(ingress=[ssh(protocol=-1.0, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows all traffic (including tcp 22) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-protocol-all-any-case",
        SG,
        group(ingress=[ssh(protocol="ALL", fromPort=None, toPort=None, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows all traffic (including tcp 22) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-protocol-all-with-other-ports",
        SG,
        group(ingress=[ssh(protocol="all", fromPort=443, toPort=443, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows all traffic (including tcp 22) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-protocol-6-string",
        SG,
        group(ingress=[ssh(protocol="6", cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-protocol-6-float",
        SG,
        group(ingress=[ssh(protocol=6.0, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-protocol-uppercase",
        SG,
        group(ingress=[ssh(protocol="TCP", cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-ports-as-strings",
        SG,
        group(ingress=[ssh(fromPort="22", toPort="22.0", cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-ports-missing-judged-open",
        SG,
        group(ingress=[ssh(fromPort=None, toPort=None, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp all ports (including tcp 22) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-ports-minus-one",
        SG,
        group(ingress=[ssh(fromPort=-1, toPort=-1, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp all ports (including tcp 22) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-self-does-not-excuse",
        SG,
        group(ingress=[ssh(self=True, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-group-reference-does-not-excuse",
        SG,
        group(ingress=[ssh(securityGroups=[OTHER_GROUP_ID], cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-prefix-list-does-not-excuse",
        SG,
        group(ingress=[ssh(prefixListIds=["pl-0123456789abcdef0"], cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-after-a-benign-self-rule",
        SG,
        group(ingress=[inline(self=True, cidrBlocks=[]), ssh(cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[1] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-every-rule-judged",
        SG,
        group(ingress=[ssh(cidrBlocks=["0.0.0.0/0"]), ssh(cidrBlocks=[], ipv6CidrBlocks=["::/0"])]),
        [
            "ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)",
            "ingress[1] allows tcp 22 from ::/0 (anywhere on IPv6)",
        ],
    ),
    (
        "fail-ssh-split-halves-in-one-rule",
        SG,
        group(ingress=[ssh(cidrBlocks=["0.0.0.0/1", "128.0.0.0/1"])]),
        [
            "ingress[0] allows tcp 22 from every IPv4 address, through CIDRs that together cover the "
            "whole address space "
            "(0.0.0.0/1, 128.0.0.0/1)"
        ],
    ),
    (
        "fail-ssh-split-halves-across-rules",
        SG,
        group(ingress=[ssh(cidrBlocks=["0.0.0.0/1"]), inline(protocol="-1", cidrBlocks=["128.0.0.0/1"])]),
        [
            "ingress[0], ingress[1] together allow tcp 22 from every IPv4 address, through CIDRs "
            "that together cover the "
            "whole address space (0.0.0.0/1, 128.0.0.0/1)"
        ],
    ),
    (
        "fail-ssh-split-ipv6-quarters",
        SG,
        group(ingress=[ssh(cidrBlocks=[], ipv6CidrBlocks=["::/2", "4000::/2", "8000::/1"])]),
        [
            "ingress[0] allows tcp 22 from every IPv6 address, through CIDRs that together cover the "
            "whole address space "
            "(::/2, 4000::/2, 8000::/1)"
        ],
    ),
    (
        "fail-ssh-vpc-rule",
        VPC_IN,
        vpc_ingress(fromPort=22, toPort=22, cidrIpv4="0.0.0.0/0"),
        ["this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-vpc-rule-all-protocols-no-ports",
        VPC_IN,
        vpc_ingress(ipProtocol="-1", fromPort=None, toPort=None, cidrIpv4=None, cidrIpv6="::/0"),
        ["this ingress rule allows all traffic (including tcp 22) from ::/0 (anywhere on IPv6)"],
    ),
    (
        "fail-ssh-classic-rule",
        SG_RULE,
        sg_rule(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"]),
        ["this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-classic-rule-type-uppercase",
        SG_RULE,
        sg_rule(type="INGRESS", fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"]),
        ["this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-default-group",
        DEFAULT_SG,
        default_group(ingress=[ssh(cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-aws-native-group",
        NATIVE_SG,
        native_group(securityGroupIngress=[{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIp": "0.0.0.0/0"}]),
        ["securityGroupIngress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-ssh-aws-native-ingress",
        NATIVE_IN,
        native_ingress(fromPort=22, toPort=22, cidrIp=None, cidrIpv6="::/0"),
        ["this ingress rule allows tcp 22 from ::/0 (anywhere on IPv6)"],
    ),
]

PASSES = [
    ("pass-udp-22-is-not-ssh", SG, group(ingress=[ssh(protocol="udp", cidrBlocks=["0.0.0.0/0"])])),
    ("pass-tcp-0-0-is-port-0", SG, group(ingress=[ssh(fromPort=0, toPort=0, cidrBlocks=["0.0.0.0/0"])])),
    ("pass-range-below-22", SG, group(ingress=[ssh(fromPort=0, toPort=21, cidrBlocks=["0.0.0.0/0"])])),
    ("pass-range-above-22", SG, group(ingress=[ssh(fromPort=23, toPort=1024, cidrBlocks=["0.0.0.0/0"])])),
    ("pass-inverted-range", SG, group(ingress=[ssh(fromPort=30, toPort=20, cidrBlocks=["0.0.0.0/0"])])),
    ("pass-private-cidr", SG, group(ingress=[ssh(cidrBlocks=["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])])),
    ("pass-wide-public-range-by-default", SG, group(ingress=[ssh(cidrBlocks=["1.0.0.0/8"])])),
    ("pass-self-only", SG, group(ingress=[ssh(cidrBlocks=[], self=True)])),
    (
        "pass-referenced-group",
        VPC_IN,
        vpc_ingress(fromPort=22, toPort=22, cidrIpv4=None, referencedSecurityGroupId=OTHER_GROUP_ID),
    ),
    (
        "pass-referenced-group-unknown-id",
        VPC_IN,
        vpc_ingress(fromPort=22, toPort=22, cidrIpv4=None, referencedSecurityGroupId=UNKNOWN),
    ),
    (
        "pass-prefix-list-only",
        VPC_IN,
        vpc_ingress(fromPort=22, toPort=22, cidrIpv4=None, prefixListId="pl-0123456789abcdef0"),
    ),
    (
        "pass-icmp-from-anywhere",
        SG,
        group(ingress=[ssh(protocol="icmp", fromPort=-1, toPort=-1, cidrBlocks=["0.0.0.0/0"])]),
    ),
    ("pass-gre-from-anywhere", SG, group(ingress=[ssh(protocol="47", fromPort=0, toPort=0, cidrBlocks=["0.0.0.0/0"])])),
    ("pass-esp-number-from-anywhere", SG, group(ingress=[ssh(protocol=50.0, cidrBlocks=["0.0.0.0/0"])])),
    ("pass-egress-to-anywhere", SG, group(egress=[ssh(cidrBlocks=["0.0.0.0/0"])])),
    ("pass-vpc-egress-rule", VPC_OUT, vpc_egress(fromPort=22, toPort=22, cidrIpv4="0.0.0.0/0")),
    ("pass-classic-egress-rule", SG_RULE, sg_rule(type="egress", fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"])),
    (
        "pass-halves-on-different-ports",
        SG,
        group(ingress=[ssh(cidrBlocks=["0.0.0.0/1"]), ssh(fromPort=23, toPort=23, cidrBlocks=["128.0.0.0/1"])]),
    ),
    (
        "pass-halves-of-different-families",
        SG,
        group(ingress=[ssh(cidrBlocks=["0.0.0.0/1"], ipv6CidrBlocks=["8000::/1"])]),
    ),
    ("pass-invalid-cidr", SG, group(ingress=[ssh(cidrBlocks=["0.0.0.0/0x", "00.0.0.0/0", "anywhere"])])),
    ("pass-invalid-protocol-name", SG, group(ingress=[ssh(protocol="gre", cidrBlocks=["0.0.0.0/0"])])),
    (
        "pass-classic-rule-unreadable-type",
        SG_RULE,
        sg_rule(type="sideways", fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"]),
    ),
    ("pass-not-a-security-group", "aws:s3/bucket:Bucket", {"cidrBlocks": ["0.0.0.0/0"], "fromPort": 22, "toPort": 22}),
]


@pytest.mark.parametrize(("resource_type", "props", "expected"), [c[1:] for c in FAILS], ids=[c[0] for c in FAILS])
def test_open_ssh_is_found(resource_type: str, props: dict[str, Any], expected: list[str]) -> None:
    """Every spelling of SSH-from-anywhere is found, once per rule and source, naming both."""
    assert run(DEFINITION, resource_type, props).heads == expected


@pytest.mark.parametrize(("resource_type", "props"), [c[1:] for c in PASSES], ids=[c[0] for c in PASSES])
def test_benign_look_alikes_pass(resource_type: str, props: dict[str, Any]) -> None:
    """Rules that only look like SSH from anywhere draw no finding and no preview note."""
    result = run(DEFINITION, resource_type, props)
    assert (result.messages, result.preview_gap) == ([], None)


def test_message_names_the_fix() -> None:
    """The message says how to fix it, after the description of the rule."""
    [message] = run(DEFINITION, SG, group(ingress=[ssh(cidrBlocks=["0.0.0.0/0"])])).messages
    assert message.endswith(
        "Fix: allow SSH only from the CIDRs, security groups or prefix lists that need it, or use SSM Session "
        "Manager or EC2 Instance Connect Endpoint instead of opening port 22"
    )


@pytest.mark.parametrize(
    ("config", "cidr", "expected"),
    [
        ({"ports": [2222]}, "0.0.0.0/0", ["ingress[0] allows tcp 2222 from 0.0.0.0/0 (anywhere on IPv4)"]),
        ({"ports": [22.0, 2222.0]}, "0.0.0.0/0", ["ingress[0] allows tcp 2222 from 0.0.0.0/0 (anywhere on IPv4)"]),
        (
            {"publicPrefixLengthIpv4": 8},
            "1.0.0.0/8",
            [
                "ingress[0] allows tcp 2222 from 1.0.0.0/8 (a public range no longer than /8, which "
                "this policy treats as "
                "anywhere)"
            ],
        ),
        ({"publicPrefixLengthIpv4": 8}, "10.0.0.0/8", []),
        ({"publicPrefixLengthIpv4": 8}, "1.0.0.0/9", []),
        ({"publicPrefixLengthIpv4": 8, "allowedCidrs": ["1.0.0.0/8"]}, "1.0.0.0/8", []),
        ({"allowedCidrs": ["0.0.0.0/0"]}, "0.0.0.0/0", []),
        (
            {"allowedCidrs": ["not a cidr"]},
            "0.0.0.0/0",
            ["ingress[0] allows tcp 2222 from 0.0.0.0/0 (anywhere on IPv4)"],
        ),
    ],
    ids=[
        "custom-port",
        "custom-ports-as-engine-floats",
        "wide-public-range-when-configured",
        "private-range-never-wide",
        "narrower-than-threshold",
        "allowed-cidr",
        "allowed-everything-is-explicit",
        "unusable-allowed-list-falls-back-to-none",
    ],
)
def test_config(config: dict[str, Any], cidr: str, expected: list[str]) -> None:
    """Ports, the public-prefix threshold and allowed CIDRs come from config; engine floats are fine."""
    props = group(ingress=[ssh(fromPort=2222, toPort=2222, cidrBlocks=[cidr])])
    config = {"ports": [2222], **config} if "ports" not in config else config
    assert run(DEFINITION, SG, props, config=config).heads == expected


def test_unknown_source_is_named_and_the_rest_still_judged() -> None:
    """During preview an unknown CIDR is named in one advisory note; known open rules are still reported."""
    props = group(ingress=[ssh(cidrBlocks=["10.0.0.0/8", UNKNOWN]), ssh(cidrBlocks=[], ipv6CidrBlocks=["::/0"])])
    result = run(DEFINITION, SG, props)
    assert result.heads == ["ingress[1] allows tcp 22 from ::/0 (anywhere on IPv6)"]
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check ingress[0].cidrBlocks[1]: not known until apply.")


@pytest.mark.parametrize(
    ("resource_type", "props", "gap"),
    [
        (SG, group(ingress=UNKNOWN), "the ingress list"),
        (SG, group(ingress=[UNKNOWN]), "ingress[0]"),
        (SG, group(ingress=[ssh(protocol=UNKNOWN, cidrBlocks=["0.0.0.0/0"])]), "ingress[0] (its protocol or ports)"),
        (SG, group(ingress=[ssh(fromPort=UNKNOWN, cidrBlocks=["0.0.0.0/0"])]), "ingress[0] (its protocol or ports)"),
        (SG, group(ingress=[ssh(cidrBlocks=UNKNOWN)]), "ingress[0].cidrBlocks"),
        (VPC_IN, vpc_ingress(fromPort=22, toPort=22, cidrIpv4=UNKNOWN), "this ingress rule's cidrIpv4"),
        (SG_RULE, sg_rule(type=UNKNOWN, fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"]), "this rule (its direction)"),
    ],
    ids=["whole-list", "one-entry", "protocol", "port", "cidr-list", "vpc-rule-cidr", "classic-rule-type"],
)
def test_unknowns_become_one_preview_note(resource_type: str, props: dict[str, Any], gap: str) -> None:
    """What is not known until apply is named precisely, and never reported as a finding."""
    result = run(DEFINITION, resource_type, props)
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith(f"could not check {gap}: not known until apply.")


@pytest.mark.parametrize(
    "props",
    [
        group(ingress=[ssh(protocol="udp", cidrBlocks=[UNKNOWN])]),
        group(ingress=[ssh(fromPort=80, toPort=80, cidrBlocks=[UNKNOWN])]),
        group(ingress=[ssh(protocol=UNKNOWN, cidrBlocks=["10.0.0.0/8"])]),
        group(ingress=[ssh(securityGroups=[UNKNOWN], cidrBlocks=[])]),
        group(description=UNKNOWN, tags=UNKNOWN, name=UNKNOWN),
    ],
    ids=[
        "unknown-cidr-on-udp",
        "unknown-cidr-on-port-80",
        "unknown-protocol-private-cidr",
        "unknown-group-id",
        "unknown-text",
    ],
)
def test_irrelevant_unknowns_stay_silent(props: dict[str, Any]) -> None:
    """An unknown that cannot change this policy's verdict draws no preview note."""
    result = run(DEFINITION, SG, props)
    assert (result.messages, result.preview_gap) == ([], None)


def test_group_id_of_a_rule_is_never_needed() -> None:
    """A separate rule whose group id is unknown (every new group in preview) is still fully judged."""
    props = vpc_ingress(fromPort=22, toPort=22, cidrIpv4="0.0.0.0/0", securityGroupId=UNKNOWN)
    result = run(DEFINITION, VPC_IN, props)
    assert (result.heads, result.preview_gap) == (
        ["this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"],
        None,
    )
    assert GROUP_ID not in result.messages[0]

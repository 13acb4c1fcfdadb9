"""aws-ec2-securitygroup-disallow-public-rdp: TCP and UDP 3389 from anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_public_rdp import DEFINITION

from .pack_fixtures import SG, VPC_IN, group, inline, run, vpc_ingress


def rdp(**changes: Any) -> dict[str, Any]:
    """An inline RDP rule from the corporate network (compliant); cases open it up."""
    return inline(**{"fromPort": 3389, "toPort": 3389, "description": "RDP from the corporate network", **changes})


CASES = [
    (
        "fail-rdp-tcp",
        group(ingress=[rdp(cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 3389 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-rdp-udp",
        group(ingress=[rdp(protocol="udp", cidrBlocks=[], ipv6CidrBlocks=["::/0"])]),
        ["ingress[0] allows udp 3389 from ::/0 (anywhere on IPv6)"],
    ),
    (
        "fail-rdp-udp-as-17",
        group(ingress=[rdp(protocol="17", cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows udp 3389 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-rdp-all-protocols-once",
        group(ingress=[rdp(protocol="-1", cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows all traffic (including tcp 3389 and udp 3389) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-rdp-wide-range",
        group(ingress=[rdp(fromPort=1024, toPort=65535, cidrBlocks=["0.0.0.0/0"])]),
        ["ingress[0] allows tcp 1024-65535 (including tcp 3389) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    ("pass-rdp-private", group(ingress=[rdp(cidrBlocks=["192.168.0.0/16"])]), []),
    ("pass-rdp-3390", group(ingress=[rdp(fromPort=3390, toPort=3390, cidrBlocks=["0.0.0.0/0"])]), []),
    ("pass-rdp-icmp", group(ingress=[rdp(protocol="icmp", fromPort=-1, toPort=-1, cidrBlocks=["0.0.0.0/0"])]), []),
]


@pytest.mark.parametrize(("props", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rdp(props: dict[str, Any], expected: list[str]) -> None:
    """RDP over TCP or UDP from anywhere is found; one finding per rule and source even if both match."""
    assert run(DEFINITION, SG, props).heads == expected


def test_rdp_vpc_rule() -> None:
    """The vpc rule shape is judged the same way."""
    props = vpc_ingress(ipProtocol="udp", fromPort=3389, toPort=3389, cidrIpv4="0.0.0.0/0")
    assert run(DEFINITION, VPC_IN, props).heads == [
        "this ingress rule allows udp 3389 from 0.0.0.0/0 (anywhere on IPv4)"
    ]

"""aws-ec2-securitygroup-disallow-public-egress: disabled by default; judged here as if enabled."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import EnforcementLevel
from security_group_policies.checks.securitygroup_disallow_public_egress import DEFINITION, META

from .pack_fixtures import SG, VPC_OUT, group, inline, run, vpc_egress


def out(**changes: Any) -> dict[str, Any]:
    """An egress rule to anywhere."""
    return inline(**{"cidrBlocks": ["0.0.0.0/0"], "description": "Outbound", **changes})


def test_disabled_by_default() -> None:
    """The console's default egress is everywhere, so this policy is opt-in."""
    assert META.enforcement_level is EnforcementLevel.DISABLED


CASES = [
    (
        "fail-console-default-egress",
        group(egress=[out(protocol="-1", fromPort=0, toPort=0)]),
        {},
        ["egress[0] allows all traffic to 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-https-out-unless-authorised",
        group(egress=[out()]),
        {},
        ["egress[0] allows tcp 443 to 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    ("pass-https-out-authorised", group(egress=[out()]), {"authorizedTcpPorts": [443]}, []),
    (
        "fail-icmp-out",
        group(egress=[out(protocol="icmp", fromPort=-1, toPort=-1)]),
        {},
        ["egress[0] allows icmp type all code all to 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-gre-out",
        group(egress=[out(protocol="47")]),
        {},
        ["egress[0] allows protocol 47 to 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-split-halves-out",
        group(egress=[out(protocol="-1", cidrBlocks=["0.0.0.0/1", "128.0.0.0/1"])]),
        {},
        [
            "egress[0] allows all traffic to every IPv4 address, through CIDRs that together cover "
            "the whole address space "
            "(0.0.0.0/1, 128.0.0.0/1)"
        ],
    ),
    ("pass-private-egress", group(egress=[out(protocol="-1", cidrBlocks=["10.0.0.0/8"])]), {}, []),
    ("pass-ingress-is-not-egress", group(ingress=[out(protocol="-1")]), {}, []),
]


@pytest.mark.parametrize(("props", "config", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_egress(props: dict[str, Any], config: dict[str, Any], expected: list[str]) -> None:
    """Egress to anywhere is found for every protocol, except authorised TCP/UDP ports."""
    assert run(DEFINITION, SG, props, config=config).heads == expected


def test_component_default_egress_rule() -> None:
    """The component's console-parity egress rule (a vpc egress rule) is what this policy flags when enabled."""
    props = vpc_egress(ipProtocol="-1", fromPort=None, toPort=None, cidrIpv4="0.0.0.0/0")
    assert run(DEFINITION, VPC_OUT, props).heads == [
        "this egress rule allows all traffic to 0.0.0.0/0 (anywhere on IPv4)"
    ]

"""aws-ec2-securitygroup-disallow-public-unauthorized-ports: only authorised ports may face anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_public_unauthorized_ports import DEFINITION

from .pack_fixtures import SG, VPC_IN, group, inline, run, vpc_ingress


def public(**changes: Any) -> dict[str, Any]:
    """An inline rule open to anywhere."""
    return inline(**{"cidrBlocks": ["0.0.0.0/0"], **changes})


CASES = [
    ("pass-https-public", group(ingress=[public()]), {}, []),
    ("pass-http-public", group(ingress=[public(fromPort=80, toPort=80)]), {}, []),
    ("pass-icmp-public", group(ingress=[public(protocol="icmp", fromPort=8, toPort=0)]), {}, []),
    ("pass-private-anything", group(ingress=[inline(protocol="-1", cidrBlocks=["10.0.0.0/8"])]), {}, []),
    (
        "fail-8080",
        group(ingress=[public(fromPort=8080, toPort=8080)]),
        {},
        ["ingress[0] allows tcp 8080 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-range-around-authorised",
        group(ingress=[public(fromPort=79, toPort=444)]),
        {},
        ["ingress[0] allows tcp 79-444 (including tcp 79, 81-442, 444) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-udp-dns",
        group(ingress=[public(protocol="udp", fromPort=53, toPort=53)]),
        {},
        ["ingress[0] allows udp 53 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "pass-udp-authorised-range",
        group(ingress=[public(protocol="udp", fromPort=50000, toPort=50010)]),
        {"authorizedUdpPorts": ["50000-50100"]},
        [],
    ),
    (
        "pass-tcp-authorised-as-float",
        group(ingress=[public(fromPort=8443, toPort=8443)]),
        {"authorizedTcpPorts": [443.0, 8443.0]},
        [],
    ),
    (
        "fail-unusable-authorised-list",
        group(ingress=[public(fromPort=8443, toPort=8443)]),
        {"authorizedTcpPorts": ["99999"]},
        ["ingress[0] allows tcp 8443 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-all-protocols",
        group(ingress=[public(protocol="-1")]),
        {},
        [
            "ingress[0] allows all traffic (including tcp 0-79, 81-442, 444-65535 and udp all ports) from 0.0.0.0/0 "
            "(anywhere on IPv4)"
        ],
    ),
]


@pytest.mark.parametrize(("props", "config", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_unauthorized_ports(props: dict[str, Any], config: dict[str, Any], expected: list[str]) -> None:
    """Ports outside the authorised lists, open to anywhere, are findings naming just those ports."""
    assert run(DEFINITION, SG, props, config=config).heads == expected


def test_load_balancer_rule_passes() -> None:
    """A public ALB's HTTPS listener rule (a classic noisy false positive elsewhere) passes by default."""
    props = vpc_ingress(cidrIpv4="0.0.0.0/0")
    assert run(DEFINITION, VPC_IN, props).messages == []

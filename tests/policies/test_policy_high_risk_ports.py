"""aws-ec2-securitygroup-disallow-public-high-risk-ports: Security Hub EC2.19's list, configurable."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_public_high_risk_ports import DEFINITION, META
from security_group_policies.tables import AWS_CONFIG_RESTRICTED_COMMON_PORTS, SECURITY_HUB_HIGH_RISK_PORTS

from .pack_fixtures import SG, group, inline, run


def open_port(port: int, protocol: str = "tcp") -> dict[str, Any]:
    """A group with one rule opening `port` to anywhere."""
    return group(ingress=[inline(protocol=protocol, fromPort=port, toPort=port, cidrBlocks=["0.0.0.0/0"])])


@pytest.mark.parametrize("port", SECURITY_HUB_HIGH_RISK_PORTS)
def test_every_default_port_is_found(port: int) -> None:
    """Each port of the default list, open to anywhere over TCP, is a finding naming it."""
    assert run(DEFINITION, SG, open_port(port)).heads == [
        f"ingress[0] allows tcp {port} from 0.0.0.0/0 (anywhere on IPv4)"
    ]


def test_defaults_contain_aws_config_defaults() -> None:
    """AWS Config restricted-common-ports' defaults are all in the default list."""
    assert set(AWS_CONFIG_RESTRICTED_COMMON_PORTS) <= set(SECURITY_HUB_HIGH_RISK_PORTS)
    schema = META.config_schema().properties["ports"]
    assert schema["default"] == list(SECURITY_HUB_HIGH_RISK_PORTS)


CASES = [
    ("fail-udp-1434", open_port(1434, "udp"), {}, ["ingress[0] allows udp 1434 from 0.0.0.0/0 (anywhere on IPv4)"]),
    ("pass-udp-when-tcp-only", open_port(1434, "udp"), {"protocols": ["tcp"]}, []),
    ("pass-https", open_port(443), {}, []),
    ("pass-config-list", open_port(5432), {"ports": list(AWS_CONFIG_RESTRICTED_COMMON_PORTS)}, []),
    (
        "fail-config-list",
        open_port(4333),
        {"ports": list(AWS_CONFIG_RESTRICTED_COMMON_PORTS)},
        ["ingress[0] allows tcp 4333 from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-range-names-only-listed-ports",
        group(ingress=[inline(fromPort=3000, toPort=3400, cidrBlocks=["0.0.0.0/0"])]),
        {},
        ["ingress[0] allows tcp 3000-3400 (including tcp 3000, 3306, 3389) from 0.0.0.0/0 (anywhere on IPv4)"],
    ),
    (
        "fail-long-list-is-cut",
        group(ingress=[inline(fromPort=0, toPort=65535, cidrBlocks=["0.0.0.0/0"])]),
        {"protocols": ["tcp"]},
        [
            "ingress[0] allows tcp all ports (including tcp 20-23, 25, 110, 135, 143, 445, "
            "1433-1434, 3000 and 12 more) "
            "from 0.0.0.0/0 (anywhere on IPv4)"
        ],
    ),
]


@pytest.mark.parametrize(("props", "config", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_high_risk_ports(props: dict[str, Any], config: dict[str, Any], expected: list[str]) -> None:
    """Only the listed ports of the listed protocols are judged, and a finding names the ones it hit."""
    assert run(DEFINITION, SG, props, config=config).heads == expected

"""One problem, one finding: a port a higher-ranked exposure policy reports is not reported again by the lower ones.

Every case runs twice, with the same config reconciled as the engine does: through the pack process over gRPC
(as `pulumi preview` runs it) and through the very same analyzer in this process; both must give exactly the
findings listed, in pack order. The ranking is `precedence.INGRESS_PRECEDENCE`: all traffic, SSH, RDP,
high-risk ports, unauthorised ports.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer
from security_group_policies.analyzer import SDK_PACK_VERSION
from security_group_policies.catalogue import PACK_NAME, RESOURCE_POLICIES
from security_group_policies.exposure import ExposurePolicy
from security_group_policies.precedence import INGRESS_PRECEDENCE
from security_group_policies.sdk import as_sdk_policies
from security_group_policies.waivers import utc_today
from security_group_tools.audit_engine import InProcessPack
from security_group_tools.pack_runner import UNKNOWN, Pack, analyze_request, diagnostics

from .pack_fixtures import SG, VPC_IN, group, inline, vpc_ingress, waiver

P = "aws-ec2-securitygroup-"
SSH, RDP, ALL, RISK, UNAUTH, EGRESS = (
    f"{P}disallow-public-{s}" for s in ("ssh", "rdp", "all-traffic", "high-risk-ports", "unauthorized-ports", "egress")
)
REPORT = f"{P}report-waivers"
A, M = "advisory", "mandatory"
V4 = "0.0.0.0/0 (anywhere on IPv4)"
SOON = utc_today() + timedelta(days=30)
"""An expiry every shipped config accepts (the pack process reads today's date itself)."""

Found = list[tuple[str, str, str]]


def rule(low: int, high: int | None = None, protocol: str = "tcp", **changes: Any) -> dict[str, Any]:
    """An inline ingress rule from anywhere on IPv4, unless changed."""
    fields: dict[str, Any] = {
        "protocol": protocol,
        "fromPort": low,
        "toPort": low if high is None else high,
        "cidrBlocks": ["0.0.0.0/0"],
        "description": "Probe",
    }
    return inline(**{**fields, **changes})


def open_group(*rules: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A group whose ingress is `rules`."""
    return group(ingress=list(rules), **changes)


def _waived_note(policy: str, finding: str) -> str:
    return f"{policy} is waived until {SOON} (30 days left) by tag policy-waiver:{policy}, reason: " + (
        f'"bastion during the migration". Waived finding: {finding}'
    )


HIGH_RISK_ALL = (
    "tcp 20-23, 25, 110, 135, 143, 445, 1433-1434, 3000 and 12 more and "
    "udp 20-23, 25, 110, 135, 143, 445, 1433-1434, 3000 and 12 more"
)

CASES: list[tuple[str, dict[str, Any] | None, str, dict[str, Any], Found]] = [
    (
        "ssh-open",
        None,
        SG,
        open_group(rule(22)),
        [(SSH, A, f"ingress[0] allows tcp 22 from {V4}")],
    ),
    (
        "rdp-open",
        None,
        SG,
        open_group(rule(3389, protocol="udp")),
        [(RDP, A, f"ingress[0] allows udp 3389 from {V4}")],
    ),
    (
        "all-traffic",
        None,
        SG,
        open_group(rule(0, 0, protocol="-1")),
        [(ALL, M, f"ingress[0] allows all traffic from {V4}")],
    ),
    (
        "tcp-0-65535-including-port-0",
        None,
        SG,
        open_group(rule(0, 65535)),
        [(ALL, M, f"ingress[0] allows tcp all ports from {V4}, which is every tcp port")],
    ),
    (
        "tcp-ranges-that-add-up-to-every-port",
        None,
        SG,
        open_group(rule(1, 32767), rule(32768, 65535)),
        [(ALL, M, "ingress[0], ingress[1] together open every tcp port to every IPv4 address (0.0.0.0/0)")],
    ),
    (
        "vpc-rule-all-traffic",
        None,
        VPC_IN,
        vpc_ingress(ipProtocol="-1", fromPort=None, toPort=None, cidrIpv4="0.0.0.0/0"),
        [(ALL, M, f"this ingress rule allows all traffic from {V4}")],
    ),
    (
        "two-peers-one-anywhere",
        None,
        SG,
        open_group(rule(22, cidrBlocks=["10.0.0.0/8"], ipv6CidrBlocks=["::/0"])),
        [(SSH, A, "ingress[0] allows tcp 22 from ::/0 (anywhere on IPv6)")],
    ),
    (
        "range-leaves-the-other-ports-to-the-others",
        None,
        SG,
        open_group(rule(0, 1024)),
        [
            (SSH, A, f"ingress[0] allows tcp 0-1024 (including tcp 22) from {V4}"),
            (RISK, A, f"ingress[0] allows tcp 0-1024 (including tcp 20-21, 23, 25, 110, 135, 143, 445) from {V4}"),
            (
                UNAUTH,
                A,
                "ingress[0] allows tcp 0-1024 (including tcp 0-19, 24, 26-79, 81-109, 111-134, 136-142, 144-442, 444 "
                f"and 1 more) from {V4}",
            ),
        ],
    ),
    (
        "each-rule-its-own",
        None,
        SG,
        open_group(rule(22), rule(3306), rule(8443)),
        [
            (SSH, A, f"ingress[0] allows tcp 22 from {V4}"),
            (RISK, A, f"ingress[1] allows tcp 3306 from {V4}"),
            (UNAUTH, A, f"ingress[2] allows tcp 8443 from {V4}"),
        ],
    ),
    (
        "halves-combined",
        None,
        SG,
        open_group(rule(22, cidrBlocks=["0.0.0.0/1"]), rule(22, cidrBlocks=["128.0.0.0/1"])),
        [
            (
                SSH,
                A,
                "ingress[0], ingress[1] together allow tcp 22 from every IPv4 address, through CIDRs that "
                "together cover the whole address space (0.0.0.0/1, 128.0.0.0/1)",
            )
        ],
    ),
    (
        "combined-only-partly-reported-above-is-still-reported",
        {SSH: {"publicPrefixLengthIpv4": 1, "allowedCidrs": ["128.0.0.0/1"]}},
        SG,
        open_group(rule(22, cidrBlocks=["0.0.0.0/1"]), rule(22, cidrBlocks=["128.0.0.0/1"])),
        [
            (
                SSH,
                A,
                "ingress[0] allows tcp 22 from 0.0.0.0/1 (a public range no longer than /1, which this policy "
                "treats as anywhere)",
            ),
            (
                RISK,
                A,
                "ingress[0], ingress[1] together allow tcp 22 from every IPv4 address, through CIDRs that "
                "together cover the whole address space (0.0.0.0/1, 128.0.0.0/1)",
            ),
        ],
    ),
    (
        "a-disabled-policy-claims-nothing",
        {SSH: "disabled"},
        SG,
        open_group(rule(22)),
        [(RISK, A, f"ingress[0] allows tcp 22 from {V4}")],
    ),
    (
        "b-a-weaker-policy-does-not-silence-a-stricter-one",
        {RISK: "mandatory"},
        SG,
        open_group(rule(22)),
        [(SSH, A, f"ingress[0] allows tcp 22 from {V4}"), (RISK, M, f"ingress[0] allows tcp 22 from {V4}")],
    ),
    (
        "b-a-stricter-policy-silences-the-weaker-ones",
        {SSH: "mandatory"},
        SG,
        open_group(rule(22)),
        [(SSH, M, f"ingress[0] allows tcp 22 from {V4}")],
    ),
    (
        "b-all-traffic-advisory-ssh-mandatory",
        {ALL: "advisory", SSH: "mandatory"},
        SG,
        open_group(rule(0, 0, protocol="-1")),
        [
            (SSH, M, f"ingress[0] allows all traffic (including tcp 22) from {V4}"),
            (ALL, A, f"ingress[0] allows all traffic from {V4}"),
        ],
    ),
    (
        "c-excluded-from-the-specific-policy",
        {SSH: {"excludeNames": ["w.b"]}},
        SG,
        open_group(rule(22)),
        [(RISK, A, f"ingress[0] allows tcp 22 from {V4}")],
    ),
    (
        "d-the-specific-policys-own-ports",
        {SSH: {"ports": [2222]}},
        SG,
        open_group(rule(22)),
        [(RISK, A, f"ingress[0] allows tcp 22 from {V4}")],
    ),
    (
        "d-the-specific-policys-own-allowed-cidrs",
        {SSH: {"allowedCidrs": ["0.0.0.0/0"]}},
        SG,
        open_group(rule(22)),
        [(RISK, A, f"ingress[0] allows tcp 22 from {V4}")],
    ),
    (
        "d-e-the-specific-policys-own-openness-per-peer",
        {RISK: {"publicPrefixLengthIpv4": 8}},
        SG,
        open_group(rule(22, cidrBlocks=["0.0.0.0/0", "1.0.0.0/8"])),
        [
            (SSH, A, f"ingress[0] allows tcp 22 from {V4}"),
            (
                RISK,
                A,
                "ingress[0] allows tcp 22 from 1.0.0.0/8 (a public range no longer than /8, which this policy "
                "treats as anywhere)",
            ),
        ],
    ),
    (
        "f-a-waiver-of-the-specific-policy-covers-the-port",
        None,
        SG,
        open_group(rule(22), tags=waiver(SSH, f"{SOON} bastion during the migration")),
        [(REPORT, A, _waived_note(SSH, f"ingress[0] allows tcp 22 from {V4}"))],
    ),
    (
        "f-but-not-where-the-general-policy-allows-no-waivers",
        {RISK: {"allowWaivers": False}},
        SG,
        open_group(rule(22), tags=waiver(SSH, f"{SOON} bastion during the migration")),
        [
            (RISK, A, f"ingress[0] allows tcp 22 from {V4}"),
            (REPORT, A, _waived_note(SSH, f"ingress[0] allows tcp 22 from {V4}")),
        ],
    ),
    (
        "f-a-port-only-passed-on-by-a-waived-policy-is-reported",
        {RISK: {"allowWaivers": False}},
        SG,
        open_group(rule(0, 0, protocol="-1"), tags=waiver(ALL, f"{SOON} bastion during the migration")),
        [
            (RISK, A, f"ingress[0] allows all traffic (including {HIGH_RISK_ALL}) from {V4}"),
            (REPORT, A, _waived_note(ALL, f"ingress[0] allows all traffic from {V4}")),
        ],
    ),
    (
        "egress-is-judged-on-its-own",
        {EGRESS: "advisory"},
        SG,
        group(ingress=[rule(22)], egress=[rule(22)]),
        [
            (SSH, A, f"ingress[0] allows tcp 22 from {V4}"),
            (EGRESS, A, "egress[0] allows tcp 22 to 0.0.0.0/0 (anywhere on IPv4)"),
        ],
    ),
]


def _found(response: Any) -> Found:
    return [(d.policy, d.level, d.finding) for d in diagnostics(response)]


@pytest.mark.parametrize(
    ("config", "resource_type", "props", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_port_is_reported_once_over_grpc_and_in_process(
    pack: Pack, config: dict[str, Any] | None, resource_type: str, props: dict[str, Any], expected: Found
) -> None:
    pack.configure(config)
    over_grpc = _found(pack.analyze(resource_type, "web", props))
    in_process = InProcessPack()
    in_process.configure(config)
    here = _found(in_process.servicer.Analyze(analyze_request(resource_type, "web", props), None))
    assert over_grpc == expected
    assert here == expected


def test_a_port_is_left_out_only_once_it_was_checked(pack: Pack) -> None:
    """Gaps stay as they are: each policy whose ports an unknown source could open still says it could not check."""
    pack.configure(None)
    props = open_group(rule(22, cidrBlocks=[UNKNOWN]))
    notes = [(d.policy, d.level) for d in diagnostics(pack.analyze(SG, "web", props))]
    assert notes == [(SSH, A), (RISK, A), (UNAUTH, A)]
    assert all(
        "during preview: could not check ingress[0].cidrBlocks[0]: not known until apply." in d.message
        for d in diagnostics(pack.analyze(SG, "web", props))
    )


def test_under_a_stock_policy_pack_each_policy_judges_alone() -> None:
    """Without this pack's analyzer there is no context, so the policies report as they always have."""
    stock = _PolicyAnalyzerServicer(PACK_NAME, SDK_PACK_VERSION, as_sdk_policies(), EnforcementLevel.ADVISORY)
    found = _found(stock.Analyze(analyze_request(SG, "web", open_group(rule(22))), None))
    assert found == [
        (SSH, A, f"ingress[0] allows tcp 22 from {V4}"),
        (RISK, A, f"ingress[0] allows tcp 22 from {V4}"),
        (UNAUTH, A, f"ingress[0] allows tcp 22 from {V4}"),
    ]


def test_the_ranking_is_every_ingress_exposure_policy_most_specific_first() -> None:
    """All traffic, SSH, RDP, high-risk, unauthorised; egress judges another direction and is not ranked."""
    assert [definition.meta.name for definition in INGRESS_PRECEDENCE] == [ALL, SSH, RDP, RISK, UNAUTH]
    exposure = {d.meta.name for d in RESOURCE_POLICIES if isinstance(d, ExposurePolicy)}
    assert exposure == {ALL, SSH, RDP, RISK, UNAUTH}
    assert all(any(d is ranked for d in RESOURCE_POLICIES) for ranked in INGRESS_PRECEDENCE)

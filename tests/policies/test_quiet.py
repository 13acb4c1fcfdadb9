"""`reach.quiet`: the one pass that answers every exposure policy for a resource with nothing open.

The fast path must never change a finding. The examples pin where the line is; the property runs every
resource policy on generated resources with the fast path and without it and requires the same replies.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from security_group_policies import exposure
from security_group_policies.catalogue import RESOURCE_POLICIES
from security_group_policies.reach import Openness, quiet
from security_group_policies.rules import Direction, normalise
from security_group_policies.wire import thaw_props

from .pack_fixtures import SG, SG_RULE, UNKNOWN, VPC_IN, Result, group, inline, run, sg_rule, vpc_ingress
from .test_pack_properties import bounded

DEFAULT = Openness()
TEN = Openness(allowed=(ipaddress.ip_network("10.0.0.0/8"),))


def _quiet(resource_type: str, props: dict[str, Any], direction: Direction, openness: Openness = DEFAULT) -> bool:
    resource = normalise(resource_type, thaw_props(props))
    assert resource is not None
    return quiet(resource.rules, direction, openness, unknown_lists=resource.unknown_rules)


@pytest.mark.parametrize(
    ("cidrs", "openness", "expected"),
    [
        (["10.0.0.0/8"], DEFAULT, True),
        (["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"], DEFAULT, True),
        (["0.0.0.0/0"], DEFAULT, False),
        (["0.0.0.0/1", "128.0.0.0/1"], DEFAULT, False),  # together they are every address
        (["0.0.0.0/1", "128.0.0.0/2"], DEFAULT, True),  # three quarters, however they overlap
        (["0.0.0.0/1", "0.0.0.0/1", "0.0.0.0/1"], DEFAULT, False),  # sizes add up; only the merge can tell
        (["0.0.0.0/1", "10.0.0.0/8"], TEN, True),  # an allowed CIDR never counts towards a cover
        ([UNKNOWN], DEFAULT, False),
    ],
)
def test_a_group_is_quiet_only_when_its_peers_cannot_reach_anywhere(
    cidrs: list[str], openness: Openness, expected: bool
) -> None:
    props = group(ingress=[inline(cidrBlocks=cidrs)])
    assert _quiet(SG, props, Direction.INGRESS, openness) is expected


def test_an_unknown_list_is_never_quiet_in_its_own_direction() -> None:
    props = group(ingress=UNKNOWN)
    assert (_quiet(SG, props, Direction.INGRESS), _quiet(SG, props, Direction.EGRESS)) == (False, True)


def test_a_rule_of_the_other_direction_does_not_count() -> None:
    props = group(egress=[inline(cidrBlocks=["0.0.0.0/0"])])
    assert (_quiet(SG, props, Direction.INGRESS), _quiet(SG, props, Direction.EGRESS)) == (True, False)


def test_a_rule_whose_direction_is_unknown_counts_for_both() -> None:
    props = sg_rule(type=UNKNOWN, cidrBlocks=["0.0.0.0/0"])
    assert (_quiet(SG_RULE, props, Direction.INGRESS), _quiet(SG_RULE, props, Direction.EGRESS)) == (False, False)


# --- The fast path never changes a reply ----------------------------------------------------------------------

CIDRS = ["10.0.0.0/8", "0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "8.0.0.0/7", "192.168.1.0/24", "::/0", "::/1",
         "8000::/1", "2001:db8::/32", "fd00::/8", UNKNOWN]  # fmt: skip
PROTOCOLS = ["tcp", "udp", "-1", "icmp", "6", UNKNOWN]
CONFIGS: list[dict[str, Any] | None] = [
    None,
    {"allowedCidrs": ["10.0.0.0/8", "0.0.0.0/1"]},
    {"publicPrefixLengthIpv4": 8, "publicPrefixLengthIpv6": 16},
]

ports = st.sampled_from([(22, 22), (0, 65535), (3389, 3389), (1, 1024), (1025, 65535), (443, 443)])
peers = st.lists(st.sampled_from(CIDRS), max_size=3)


@st.composite
def inline_rules(draw: st.DrawFn) -> dict[str, Any]:
    low, high = draw(ports)
    cidrs = draw(peers)
    return inline(
        protocol=draw(st.sampled_from(PROTOCOLS)),
        fromPort=low,
        toPort=high,
        cidrBlocks=[c for c in cidrs if ":" not in c],
        ipv6CidrBlocks=[c for c in cidrs if ":" in c],
    )


@st.composite
def resources(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from([SG, SG_RULE, VPC_IN]))
    if kind == SG:
        lists = st.one_of(st.just(UNKNOWN), st.lists(inline_rules(), max_size=4))
        return kind, group(ingress=draw(lists), egress=draw(lists))
    if kind == SG_RULE:
        low, high = draw(ports)
        cidrs = draw(peers)
        return kind, sg_rule(
            type=draw(st.sampled_from(["ingress", "egress", UNKNOWN])),
            protocol=draw(st.sampled_from(PROTOCOLS)),
            fromPort=low,
            toPort=high,
            cidrBlocks=[c for c in cidrs if ":" not in c],
            ipv6CidrBlocks=[c for c in cidrs if ":" in c],
        )
    low, high = draw(ports)
    return kind, vpc_ingress(
        ipProtocol=draw(st.sampled_from(PROTOCOLS)), fromPort=low, toPort=high, cidrIpv4=draw(st.sampled_from(CIDRS))
    )


def _replies(resource_type: str, props: dict[str, Any], config: dict[str, Any] | None) -> list[Result]:
    replies = []
    for definition in RESOURCE_POLICIES:
        replies.append(run(definition, resource_type, props, config=config))
    return replies


@bounded(150)
@given(resource=resources(), config=st.sampled_from(CONFIGS))
def test_every_reply_is_the_same_without_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, resource: tuple[str, dict[str, Any]], config: dict[str, Any] | None
) -> None:
    resource_type, props = resource
    fast = _replies(resource_type, props, config)
    with monkeypatch.context() as patched:
        patched.setattr(exposure, "quiet", lambda *_args, **_kwargs: False)
        slow = _replies(resource_type, props, config)
    assert fast == slow


def test_a_quiet_resource_is_never_screened(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("screened")

    monkeypatch.setattr(exposure, "screen", refuse)
    replies = _replies(SG, group(), None)
    assert [reply.messages for reply in replies] == [[] for _ in RESOURCE_POLICIES]


def test_a_resource_that_is_not_quiet_is_judged_in_full() -> None:
    props = group(ingress=[inline(cidrBlocks=["0.0.0.0/1", "128.0.0.0/1"], fromPort=0, toPort=65535)])
    found = {
        definition.meta.name.removeprefix("aws-ec2-securitygroup-disallow-public-"): reply.heads
        for definition, reply in zip(RESOURCE_POLICIES, _replies(SG, props, None), strict=True)
        if reply.messages
    }
    through = (
        "from every IPv4 address, through CIDRs that together cover the whole address space (0.0.0.0/1, 128.0.0.0/1)"
    )
    assert found == {
        "ssh": [f"ingress[0] allows tcp 22 {through}"],
        "rdp": [f"ingress[0] allows tcp 3389 {through}"],
        "all-traffic": [f"ingress[0] allows tcp 1-65535 {through}, which is every tcp port"],
        "high-risk-ports": [
            f"ingress[0] allows tcp 20-23, 25, 110, 135, 143, 445, 1433-1434, 3000 and 12 more {through}"
        ],
        "unauthorized-ports": [f"ingress[0] allows tcp 0-79, 81-442, 444-65535 {through}"],
    }

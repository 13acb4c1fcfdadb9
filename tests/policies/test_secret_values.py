"""A value that arrived in the engine's secret envelope is judged like any other and never appears in a message.

The exact-message tests run over gRPC against the pack process, with values wrapped as the engine wraps them
(`pack_runner.Secret`); the property runs the servicer that process serves, in this process, on generated
resources and stacks with any subset of their values wrapped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from security_group_policies.catalogue import analyzer
from security_group_policies.waivers import utc_today
from security_group_tools.pack_runner import (
    Pack,
    Secret,
    StackItem,
    analyze_request,
    configure_request,
    diagnostics,
    reconcile,
    stack_request,
    urn,
)

from .pack_fixtures import GROUP_ID, PREFIX_LIST, SG, VPC_IN, group, inline, vpc_ingress, waiver
from .test_pack_properties import bounded

SSH = "aws-ec2-securitygroup-disallow-public-ssh"
ALL_TRAFFIC = "aws-ec2-securitygroup-disallow-public-all-traffic"
REPORT = "aws-ec2-securitygroup-report-waivers"
DUPLICATES = "aws-ec2-securitygroup-disallow-duplicate-rules"
COMBINED = "aws-ec2-securitygroup-disallow-public-combined-cidrs"
QUOTA = "aws-ec2-securitygroup-enforce-rule-quota"
WEB = {"securityGroupId": ["web"]}


@pytest.fixture(autouse=True)
def _default_config(pack: Pack) -> None:
    pack.configure(None)


def heads(pack_response: Any, policy: str) -> list[str]:
    """The findings of one policy, without the description line and the `. Fix: …` tail."""
    return [d.finding for d in diagnostics(pack_response) if d.policy == policy]


def test_a_secret_waiver_reason_is_not_quoted(pack: Pack) -> None:
    open_ssh = [inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"], description="SSH")]
    expires = utc_today() + timedelta(days=60)  # within maxWaiverDays (90 by default)
    tags = {**waiver(SSH, Secret(f"{expires} s3cr3t-reason-42")), "team": "web"}  # type: ignore[dict-item]
    assert heads(pack.analyze(SG, "web", group(ingress=open_ssh, tags=tags)), REPORT) == [
        f"{SSH} is waived until {expires} (60 days left) by tag policy-waiver:{SSH}, with a secret reason. "
        "Waived finding: ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"
    ]


def test_a_secret_cidr_in_an_exposure_finding(pack: Pack) -> None:
    props = vpc_ingress(fromPort=22, toPort=22, cidrIpv4=Secret("0.0.0.7/0"))
    assert heads(pack.analyze(VPC_IN, "in", props), SSH) == [
        "this ingress rule allows tcp 22 from the secret CIDR in cidrIpv4 (anywhere on IPv4)"
    ]


def test_secret_ports_and_a_secret_protocol(pack: Pack) -> None:
    ports = group(ingress=[inline(fromPort=Secret(0), toPort=Secret(1024), cidrBlocks=["0.0.0.0/0"])])
    assert heads(pack.analyze(SG, "web", ports), SSH) == [
        "ingress[0] allows tcp (secret ports) from 0.0.0.0/0 (anywhere on IPv4)"
    ]
    protocol = vpc_ingress(ipProtocol=Secret("-1"), cidrIpv4="0.0.0.0/0")
    assert heads(pack.analyze(VPC_IN, "in", protocol), ALL_TRAFFIC) == [
        "this ingress rule allows a secret protocol from 0.0.0.0/0 (anywhere on IPv4)"
    ]
    direction = {"type": Secret("ingress"), "securityGroupId": GROUP_ID, "protocol": "tcp", "fromPort": 22,
                 "toPort": 22, "cidrBlocks": ["0.0.0.0/0"], "description": "SSH"}  # fmt: skip
    assert heads(pack.analyze("aws:ec2/securityGroupRule:SecurityGroupRule", "r", direction), SSH) == [
        "this rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"
    ]


def test_secret_text_is_judged_without_describing_it(pack: Pack) -> None:
    props = group(
        description=Secret("s3cr3t é desc"),
        ingress=[inline(description=Secret("Managed by Pulumi"))],
        tags=Secret({"policy-waiver:nopolicy": "2099-01-01 x"}),
    )
    response = pack.analyze(SG, "web", props)
    assert heads(response, "aws-ec2-securitygroup-missing-rule-description") == [
        "ingress[0] (tcp 443) has a placeholder description (a secret value)"
    ]
    assert heads(response, "aws-ec2-securitygroup-disallow-invalid-description") == [
        "the group description (a secret value) contains characters AWS rejects (allowed: letters, digits, space "
        "and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
    ]
    assert heads(response, REPORT) == ["a policy-waiver:… tag names no policy of this pack, so it waives nothing"]


def test_a_duplicate_of_a_secret_cidr_and_a_combined_cover(pack: Pack) -> None:
    items = [
        StackItem(SG, "web", group(id=GROUP_ID, ingress=[], egress=[])),
        StackItem(VPC_IN, "a", vpc_ingress(cidrIpv4=Secret("10.0.0.0/8")), WEB),
        StackItem(VPC_IN, "b", vpc_ingress(cidrIpv4=Secret("10.0.0.1/8")), WEB),
        StackItem(VPC_IN, "c", vpc_ingress(cidrIpv4="10.0.0.0/8", description="Plain"), WEB),
        StackItem(VPC_IN, "low", vpc_ingress(fromPort=22, toPort=22, cidrIpv4=Secret("0.0.0.9/1")), WEB),
        StackItem(VPC_IN, "high", vpc_ingress(fromPort=22, toPort=22, cidrIpv4="128.0.0.9/1"), WEB),
    ]
    response = pack.analyze_stack(items)
    repeats = "already allowed by another rule resource of the same group"
    assert [(d.urn, d.finding) for d in diagnostics(response) if d.policy == DUPLICATES] == [
        (urn(VPC_IN, "b"), f"this ingress rule repeats tcp 443 from the secret CIDR in cidrIpv4, {repeats}"),
        (urn(VPC_IN, "c"), "this ingress rule repeats tcp 443 from 10.0.0.0/8 (the same network as the secret CIDR in "
                           f"cidrIpv4), {repeats}"),
    ]  # fmt: skip
    cover = (
        "this ingress rule together with 1 rule of other resources of the same group allows tcp 22 from every IPv4 "
        "address, through CIDRs that together cover the whole address space (the secret CIDR in cidrIpv4, 128.0.0.9/1)"
    )
    assert [(d.urn, d.finding) for d in diagnostics(response) if d.policy == COMBINED] == [
        (urn(VPC_IN, "low"), cover),
        (urn(VPC_IN, "high"), cover),
    ]


def test_a_secret_prefix_list_entry_and_a_secret_group_id(pack: Pack) -> None:
    entries = [{"cidr": Secret("0.0.0.0/0"), "description": "x"}]
    items = [
        StackItem(SG, "web", group(id=GROUP_ID, ingress=[], egress=[])),
        StackItem(PREFIX_LIST, "pl", {"id": "pl-0123456789abcdef0", "addressFamily": "IPv4", "maxEntries": 1,
                                      "entries": entries}),
        StackItem(VPC_IN, "in", vpc_ingress(cidrIpv4=None, prefixListId="pl-0123456789abcdef0"),
                  {**WEB, "prefixListId": ["pl"]}),
        *[StackItem(VPC_IN, f"out-{i}", vpc_ingress(securityGroupId=Secret("sg-0fedcba9876543210"),
                                                    cidrIpv4=f"10.0.0.{i}/32")) for i in range(2)],
    ]  # fmt: skip
    pack.configure({QUOTA: {"ruleQuota": 1}})
    response = pack.analyze_stack(items)
    assert heads(response, COMBINED) == [
        "this ingress rule allows tcp 443 from the secret CIDR in prefixListId entry (an entry of prefix list "
        "pl-0123456789abcdef0) (anywhere on IPv4)"
    ]
    assert [finding.split(" (each")[0] for finding in heads(response, QUOTA)] == [
        "a security group with a secret id has 2 IPv4 ingress rules, over the quota of 1"
    ]


# --- The property: secrets change no verdict and appear in no message -----------------------------------------


CIDRS = ["203.0.113.0/24", "198.51.100.0/24", "0.0.0.7/0", "::7/0", "0.0.0.9/1", "128.0.0.9/1", "2001:db8::/32"]
PORTS = [(22, 22), (2201, 4123), (3389, 3389), (6111, 7420), (-1, -1), (0, 65535), (2201, 7420)]
DISTINCT_NUMBERS = {2201, 4123, 6111, 7420}
"""Port bounds whose digits no policy's own text, default config or computed range contains."""
PROTOCOLS = ["tcp", "udp", "-1", "icmp", "6"]
TEXTS = ["s3cr3t-desc-{}", "s3cr3t-é-{} x", "Managed by Pulumi", "", "sg-s3cr3t{}"]
REASONS = ["2099-12-31 s3cr3t-reason-{}", "2000-01-01 s3cr3t-old-{}", "s3cr3t-malformed-{}"]

serial = iter(range(10**9))
"""Numbers that make each generated text unique, so a secret one can be told from every other text."""


@st.composite
def texts(draw: Callable[..., Any], pool: list[str] = TEXTS) -> str:
    return str(draw(st.sampled_from(pool))).format(next(serial))


@st.composite
def rules(draw: Callable[..., Any], inline_rule: bool) -> dict[str, Any]:
    low, high = draw(st.sampled_from(PORTS))
    rule: dict[str, Any] = {"fromPort": low, "toPort": high, "description": draw(texts())}
    if inline_rule:
        rule["protocol"] = draw(st.sampled_from(PROTOCOLS))
        rule["cidrBlocks"] = draw(
            st.lists(st.sampled_from(["0.0.0.7/0", *CIDRS[:2], *CIDRS[4:6]]), max_size=3, unique=True)
        )
        rule["ipv6CidrBlocks"] = draw(st.lists(st.sampled_from(["::7/0", "2001:db8::/32"]), max_size=2, unique=True))
    else:
        rule["ipProtocol"] = draw(st.sampled_from(PROTOCOLS))
        rule["cidrIpv4"] = draw(st.sampled_from(CIDRS))
        rule["securityGroupId"] = GROUP_ID
    return rule


@st.composite
def tags(draw: Callable[..., Any]) -> dict[str, Any]:
    chosen = {"team": draw(texts(["s3cr3t-team-{}"]))}
    for policy in draw(st.lists(st.sampled_from([SSH, ALL_TRAFFIC, "nopolicy-x"]), max_size=2, unique=True)):
        chosen[f"policy-waiver:{policy}"] = draw(texts(REASONS))
    return chosen


@st.composite
def groups(draw: Callable[..., Any]) -> dict[str, Any]:
    return {
        "id": GROUP_ID,
        "name": draw(texts()),
        "description": draw(texts()),
        "vpcId": "vpc-0a1b2c3d4e5f67890",
        "ingress": draw(st.lists(rules(inline_rule=True), max_size=3)),
        "egress": draw(st.lists(rules(inline_rule=True), max_size=2)),
        "tags": draw(tags()),
    }


@st.composite
def separate_rules(draw: Callable[..., Any]) -> dict[str, Any]:
    return {**draw(rules(inline_rule=False)), "tags": draw(tags())}


@st.composite
def wrapped(draw: Callable[..., Any], value: Any, top: bool = True) -> Any:
    """`value` with any subset of its values (and containers of them) in secret envelopes.

    Never the property map itself: the engine wraps property values, not the map of them.
    """
    if not top and draw(st.integers(0, 3)) == 0:
        return Secret(value)
    if isinstance(value, dict):
        return {key: draw(wrapped(item, False)) for key, item in value.items()}
    if isinstance(value, list):
        return [draw(wrapped(item, False)) for item in value]
    return value


def leaves(value: Any, secret: bool = False) -> list[tuple[Any, bool]]:
    """Every text and number (and map key) with whether it sits inside an envelope."""
    if isinstance(value, Secret):
        return leaves(value.value, True)
    if isinstance(value, dict):
        found = [(key, secret) for key in value]
        for item in value.values():
            found.extend(leaves(item, secret))
        return found
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item, secret)]
    return [] if value is None or isinstance(value, bool) else [(value, secret)]


TELLING = {*CIDRS, "Managed by Pulumi", "policy-waiver:nopolicy-x"}
"""Generated texts no message would contain unless it quoted them (map keys such as `ingress` are not)."""


def telling(value: Any) -> list[str]:
    """What of a secret value would tell it: the text itself, its `s3cr3t` words, or a distinctive port."""
    if isinstance(value, str):
        words = [word for word in value.split() if "s3cr3t" in word]
        return [value, *words] if words or value in TELLING else []
    return [str(value)] if value in DISTINCT_NUMBERS else []


def verdicts(response: Any) -> Any:
    found = sorted(
        (d.policy, d.level, d.urn, d.message if "could not" in d.message else "") for d in diagnostics(response)
    )
    return found, sorted((n.policy_name, n.reason) for n in response.not_applicable)


def assert_secrets_kept(plain: Any, secret: Any, props: list[Any]) -> None:
    assert verdicts(secret) == verdicts(plain)
    every = [leaf for item in props for leaf in leaves(item)]
    shown = {text for leaf, is_secret in every if not is_secret for text in telling(leaf)}
    hidden = {text for leaf, is_secret in every if is_secret for text in telling(leaf)}
    for message in (d.message for d in diagnostics(secret)):
        for text in hidden - shown:
            assert text not in message


def unwrap(value: Any) -> Any:
    if isinstance(value, Secret):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


@functools.cache
def configured() -> Any:
    """One servicer for every example, as the pack process serves every call (its caches included)."""
    servicer = analyzer()
    info = servicer.GetAnalyzerInfo(None, None)
    document = {"all": "mandatory", "aws-ec2-securitygroup-disallow-public-egress": "advisory", QUOTA: {"ruleQuota": 2}}
    servicer.Configure(configure_request(reconcile(info, document)), None)
    return servicer


@bounded(300)
@given(data=st.data(), resource=st.one_of(groups(), separate_rules()))
def test_secrets_change_no_verdict_of_a_resource_and_appear_in_no_message(data: Any, resource: dict[str, Any]) -> None:
    kind = SG if "ingress" in resource else VPC_IN
    secret = data.draw(wrapped(resource))
    servicer = configured()
    plain_reply = servicer.Analyze(analyze_request(kind, "web", unwrap(secret)), None)
    secret_reply = servicer.Analyze(analyze_request(kind, "web", secret), None)
    assert_secrets_kept(plain_reply, secret_reply, [secret])


@bounded(100)
@given(data=st.data(), own=groups(), separate=st.lists(separate_rules(), max_size=4))
def test_secrets_change_no_verdict_of_a_stack_and_appear_in_no_message(
    data: Any, own: dict[str, Any], separate: list[dict[str, Any]]
) -> None:
    props = [data.draw(wrapped(item)) for item in [own, *separate]]
    items = [StackItem(SG, "web", props[0])] + [
        StackItem(VPC_IN, f"r{index}", item, WEB) for index, item in enumerate(props[1:])
    ]
    plain_items = [StackItem(item.resource_type, item.name, unwrap(item.props), item.deps) for item in items]
    servicer = configured()
    plain_reply = servicer.AnalyzeStack(stack_request(plain_items), None)
    secret_reply = servicer.AnalyzeStack(stack_request(items), None)
    assert_secrets_kept(plain_reply, secret_reply, props)


def test_equal_rule_resources_each_get_their_combined_finding() -> None:
    """Found by the property above: rules were told apart by equality, so of two rule resources with equal
    contents only one got the combined-CIDRs finding (and wrapping one in a secret made the other reappear)."""
    from security_group_policies.checks.securitygroup_disallow_public_combined_cidrs import DEFINITION

    from .pack_fixtures import Item, run_stack, urn_of

    items = [
        Item(SG, "web", group(id=GROUP_ID, ingress=[], egress=[])),
        Item(VPC_IN, "low", vpc_ingress(fromPort=22, toPort=22, cidrIpv4="0.0.0.0/1"), WEB),
        Item(VPC_IN, "high-1", vpc_ingress(fromPort=22, toPort=22, cidrIpv4="128.0.0.0/1"), WEB),
        Item(VPC_IN, "high-2", vpc_ingress(fromPort=22, toPort=22, cidrIpv4="128.0.0.0/1"), WEB),
    ]
    result = run_stack(DEFINITION, items)
    assert result.urns == [urn_of(VPC_IN, "low"), urn_of(VPC_IN, "high-1"), urn_of(VPC_IN, "high-2")]
    assert result.heads[0] == (
        "this ingress rule together with 2 rules of other resources of the same group allows tcp 22 from every IPv4 "
        "address, through CIDRs that together cover the whole address space (0.0.0.0/1, 128.0.0.0/1)"
    )

"""Property tests: any config either builds exactly what it says or fails with a ConfigError, never else.

Profiles (tests/conftest.py): the default is derandomized so CI is reproducible; `HYPOTHESIS_PROFILE=explore
make test` searches with fresh random examples and many more of them.
"""

from __future__ import annotations

from typing import Any

from conftest import COMPONENT, SG, cli_config, start_runtime
from hypothesis import given
from hypothesis import strategies as st
from security_groups_component import ConfigError

KEYS = ["web", "app", "db", "cache-1", "ops.tools"]
GOOD_PEERS = [
    "anywhere",
    "anywhere-ipv4",
    "anywhere-ipv6",
    "self",
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.20.0.0/16",
    "192.168.1.128/25",
    "::/0",
    "2001:db8::/32",
    "fd00::/8",
    "sg-0123456789abcdef0",
    "sg-0abc1234",
    "pl-6da54004",
    *(f"group:{k}" for k in KEYS),
]
BAD_PEERS = ["anywere", "10.0.0.1/8", "10.0.0.5", "sg-1", "pl-", "", " ", "group:", "group:nope", "300.0.0.0/8", "::1"]
PRESETS = ["ssh", "https", "http", "postgresql", "all-traffic", "all-icmp-ipv4", "all-icmp-ipv6", "all-tcp", "dns-udp"]

# Anything the CLI can send: JSON without NaN or infinities (YAML's .nan cannot be encoded by the CLI).
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
description = st.one_of(
    st.sampled_from(["Public web tier", "App traffic", "x", "Managed by Pulumi", "   ", "Café", "a" * 256]),
    st.text(max_size=20),
    junk,
)


def rule(peers_key: str, *, valid: bool) -> st.SearchStrategy[dict[str, Any]]:
    """A rule: mostly plausible, and (unless `valid`) sometimes wrong in any field."""
    if valid:
        traffic = st.one_of(
            st.fixed_dictionaries({"rule": st.sampled_from(PRESETS)}),
            st.fixed_dictionaries(
                {
                    "protocol": st.sampled_from(["tcp", "udp", "6", "17"]),
                    "ports": st.sampled_from([22, "443", "8000-8100", "0-65535"]),
                }
            ),
            st.tuples(st.sampled_from(["icmp", "icmpv6"]), st.integers(-1, 255), st.integers(-1, 255)).map(
                # An ICMP code needs a type: the valid shapes are none, a type, or a type and a code.
                lambda t: (
                    {"protocol": t[0]}
                    | ({"icmpType": t[1]} if t[1] >= 0 else {})
                    | ({"icmpCode": t[2]} if t[1] >= 0 else {})
                )
            ),
            st.fixed_dictionaries({"protocol": st.sampled_from(["all", "-1", "47", 50])}),
        )
        peers = st.lists(st.sampled_from(GOOD_PEERS), min_size=1, max_size=3)
        return st.tuples(traffic, peers, st.sampled_from(["Why this is allowed", "HTTPS (public) #2"])).map(
            lambda t: {**t[0], peers_key: t[1], "description": t[2]}
        )
    return st.fixed_dictionaries(
        {},
        optional={
            "rule": st.one_of(st.sampled_from([*PRESETS, "postgres", "SSH"]), junk),
            "protocol": st.one_of(st.sampled_from(["tcp", "udp", "icmp", "icmpv6", "all", "tpc", "-1", "300"]), junk),
            "ports": st.one_of(st.integers(-5, 70000), st.sampled_from(["80", "8000-8100", "100-1", "x", "1-"]), junk),
            "icmpType": st.one_of(st.integers(-3, 300), junk),
            "icmpCode": st.one_of(st.integers(-3, 300), junk),
            peers_key: st.one_of(st.lists(st.sampled_from(GOOD_PEERS + BAD_PEERS) | junk, max_size=3), junk),
            "description": description,
            "protocl": junk,
        },
    )


def group(*, valid: bool) -> st.SearchStrategy[Any]:
    optional: dict[str, st.SearchStrategy[Any]] = {
        "ingress": st.lists(rule("from", valid=valid), max_size=3),
        "egress": st.lists(rule("to", valid=valid), max_size=3),
    }
    if not valid:
        optional |= {
            "name": st.one_of(st.sampled_from(["web-public", "sg-x", "default", "ok "]), junk),
            "vpcId": st.one_of(st.sampled_from(["vpc-0a1b2c3d", "vpc-1"]), junk),
            "tags": st.one_of(st.dictionaries(st.sampled_from(["env", "aws:x", ""]), st.text(max_size=5) | junk), junk),
            "descripton": junk,
        }
    body = st.fixed_dictionaries(
        {"description": st.sampled_from(["Public web tier", "Database"]) if valid else description}, optional=optional
    )
    return body if valid else st.one_of(body, junk)


def stack(*, valid: bool) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(KEYS) if valid else st.one_of(st.sampled_from(KEYS), st.text(max_size=6))
    groups = st.dictionaries(keys, group(valid=valid), min_size=1 if valid else 0, max_size=4)
    if valid:
        # Valid configs only reference groups that exist (and never their own key).
        return groups.map(_prune_references).map(lambda g: {"groups": g})
    return st.fixed_dictionaries(
        {"groups": st.one_of(groups, junk)},
        optional={
            "ruleQuota": st.one_of(st.integers(-1, 2000), junk),
            "tags": st.one_of(st.dictionaries(st.text(max_size=5), st.text(max_size=5)), junk),
        },
    )


def _prune_references(groups: dict[str, Any]) -> dict[str, Any]:
    for key, body in groups.items():
        for direction, peers_key in (("ingress", "from"), ("egress", "to")):
            for rule_ in body.get(direction, []):
                kept = [p for p in rule_[peers_key] if not p.startswith("group:") or (p[6:] in groups and p[6:] != key)]
                rule_[peers_key] = kept or ["10.0.0.0/8"]
    return groups


def run(config: dict[str, Any]) -> tuple[BaseException | None, Any]:
    with start_runtime("dev") as rt:
        result = rt.run_program(cli_config(config))
        return result.error, rt.mocks


def expected_resource_count(config: dict[str, Any]) -> int:
    """An independent count: a component and a group per group, one rule per peer (anywhere counts twice),
    and the console's default egress when `egress` is left out. Duplicate rules make a config invalid."""
    total = 0
    for body in config["groups"].values():
        total += 2 + ("egress" not in body)
        for direction, key in (("ingress", "from"), ("egress", "to")):
            total += sum(2 if p == "anywhere" else 1 for r in body.get(direction, []) for p in r[key])
    return total


@given(stack(valid=False))
def test_any_config_builds_or_fails_with_a_config_error(config: dict[str, Any]) -> None:
    """Whatever the stack file holds, the program never raises anything but ConfigError, and on a
    ConfigError it has registered nothing and every problem names where it is."""
    error, mocks = run(config)
    if error is None:
        assert len(mocks.of_type(SG)) == len(mocks.of_type(COMPONENT)) == len(config["groups"])
        return
    assert isinstance(error, ConfigError), repr(error)
    assert mocks.resources == []
    assert error.problems
    assert all(p.path and p.message for p in error.problems)


@given(stack(valid=True))
def test_valid_configs_build_one_resource_per_rule_and_peer(config: dict[str, Any]) -> None:
    """Configs built only from valid parts either build exactly the resources they describe, or are
    rejected only for duplicate rules (the one mistake valid parts can combine into)."""
    error, mocks = run(config)
    if error is not None:
        assert isinstance(error, ConfigError)
        assert all(p.message.startswith("repeats the rule at ") for p in error.problems), error
        assert mocks.resources == []
        return
    assert len(mocks.resources) == expected_resource_count(config)
    assert len({(r.typ, r.name) for r in mocks.resources}) == len(mocks.resources), "resource names must be unique"

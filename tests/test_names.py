"""Every resource a valid config registers has a URN of its own, whatever its group keys are.

A rule's resource is named `<group key>-<direction>-<traffic>-<peer>`. The traffic and peer parts follow a fixed
grammar, so within one group names never collide; across groups they could, when a key contains what separates a
key from its rules' names (`a-ingress-all-group-c`), so such keys are refused. adopt derives keys from live group
names and must never derive one that is refused, nor two that are equal.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pulumi
import pytest
from conftest import Pulumi, cli_config, start_runtime
from hypothesis import example, given
from hypothesis import strategies as st
from security_group_tools.adopt_config import group_key
from security_groups_component import ConfigError
from security_groups_component.parse import check_group_key
from security_groups_component.problems import Problems


def all_traffic(peer: str) -> dict[str, Any]:
    return {"rule": "all-traffic", "from": [peer], "description": "Everything from there"}


ISSUE_EXAMPLE: dict[str, Any] = {
    "a": {"description": "A", "ingress": [all_traffic("group:c-ingress-all-self")], "egress": []},
    "a-ingress-all-group-c": {"description": "B", "ingress": [all_traffic("self")], "egress": []},
    "c-ingress-all-self": {"description": "C", "egress": []},
}


def test_the_colliding_keys_of_the_review_are_refused(pulumi_mocks: Pulumi) -> None:
    """`a` (from group:c-ingress-all-self) and `a-ingress-all-group-c` (from self) would both register
    `a-ingress-all-group-c-ingress-all-self`: such keys are refused, each with a key that would do, and nothing
    is registered. A reference to a refused key is not reported again."""
    run = pulumi_mocks.run_program(cli_config({"aws:region": "eu-west-1", "groups": ISSUE_EXAMPLE}))
    assert isinstance(run.error, ConfigError)
    assert run.error.lines == (
        "groups.a-ingress-all-group-c: 'a-ingress-all-group-c' contains '-ingress', which separates a group's key "
        "from its rules' names (`<key>-ingress-tcp-443-…`), so two rules could get the same name; choose another "
        "key, e.g. 'a_ingress-all-group-c'",
        "groups.c-ingress-all-self: 'c-ingress-all-self' contains '-ingress', which separates a group's key from "
        "its rules' names (`<key>-ingress-tcp-443-…`), so two rules could get the same name; choose another key, "
        "e.g. 'c_ingress-all-self'",
    )
    assert pulumi_mocks.mocks.resources == []


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("web", True),
        ("ingress", True),
        ("egress-proxy", True),
        ("web-ingressive", True),
        ("web_ingress", True),
        ("web-ingress", False),
        ("web-egress", False),
        ("web-ingress-lb", False),
        ("a-egress-b-ingress", False),
    ],
)
def test_which_keys_are_refused(key: str, accepted: bool) -> None:
    """Only `-ingress`/`-egress` followed by `-` or the end of the key can make a name ambiguous."""
    assert check_group_key(key, "key", Problems()) is accepted


FRAGMENTS = ["a", "c", "web", "-", "_", ".", "ingress", "egress", "all", "group", "self", "tcp", "443", "-ingress-"]
KEYS = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map("".join)


@st.composite
def stacks(draw: st.DrawFn) -> dict[str, Any]:
    """Groups with adversarial keys that name each other, and themselves, with every kind of rule."""
    keys = draw(st.lists(KEYS, min_size=2, max_size=5, unique=True))
    groups: dict[str, Any] = {}
    for key in keys:
        tokens = st.sampled_from([*(f"group:{k}" for k in keys if k != key), "self"])
        ingress = [
            {"rule": preset, "from": [peer], "description": "In"}
            for peer in draw(st.lists(tokens, min_size=1, max_size=3, unique=True))
            for preset in draw(st.lists(st.sampled_from(["all-traffic", "https"]), min_size=1, unique=True))
        ]
        egress = [
            {"rule": "all-traffic", "to": [peer], "description": "Out"}
            for peer in draw(st.lists(tokens, max_size=2, unique=True))
        ]
        groups[key] = {"description": "Adversarial", "ingress": ingress, "egress": egress}
    return groups


@given(stacks())
@example(ISSUE_EXAMPLE)
def test_no_two_resources_of_a_valid_config_share_a_urn(groups: dict[str, Any]) -> None:
    """Any config the program accepts registers resources whose URNs are all different."""
    with start_runtime("dev") as runtime:
        run = runtime.run_program(cli_config({"aws:region": "eu-west-1", "groups": groups}))
        if isinstance(run.error, ConfigError):
            allowed = ("is not a usable group key", "contains '-", "names no group")
            assert all(any(text in line for text in allowed) for line in run.error.lines), run.error
            assert runtime.mocks.resources == []
            return
        assert run.error is None, run.error
        requests = pulumi.runtime.settings.get_monitor().requests
        urns = Counter((request.type, request.parent, request.name) for request in requests)
        assert len(urns) == len(requests) == len(runtime.mocks.resources) + 1  # and the root Stack
        assert max(urns.values()) == 1


NAMES = st.one_of(
    KEYS,
    st.lists(st.sampled_from([*"aA0-_. :/gc", "é", "-ingress", "-egress", "ingress"]), min_size=1, max_size=12).map(
        "".join
    ),
    st.sampled_from(["web-ingress", "a-ingress-all-group-c", "sg-web", "-", "launch-wizard-1", "default"]),
)


@given(st.lists(NAMES, min_size=1, max_size=8))
def test_adopt_derives_valid_distinct_keys(names: list[str]) -> None:
    """Whatever the live groups are called, adopt gives each a key the component accepts, never the same twice."""
    taken: set[str] = set()
    keys = [group_key(name, taken) for name in names]
    assert len(set(keys)) == len(keys)
    assert all(check_group_key(key, "key", Problems()) for key in keys)

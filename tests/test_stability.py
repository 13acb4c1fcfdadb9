"""Stable identity: reordering config changes nothing; adding or removing a rule touches only that rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pulumi
from conftest import INGRESS, Pulumi, cli_config, stack_config
from security_groups_component import build_security_groups, load_settings
from security_groups_component.settings import StackSettings


def run(runtime_factory: Callable[..., Pulumi], config: dict[str, Any]) -> set[tuple[str, str, str]]:
    rt = runtime_factory("staging")
    result = rt.run_program(cli_config(config))
    assert result.error is None, result.error
    return rt.mocks.snapshot()


def staging() -> dict[str, Any]:
    return copy.deepcopy(stack_config("staging"))


def groups(config: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = config["security-groups:groups"]
    return value


def test_reversing_every_list_changes_nothing(runtime_factory: Callable[..., Pulumi]) -> None:
    """Rules and peers in reverse order give exactly the same resources with exactly the same inputs."""
    before = run(runtime_factory, staging())
    reordered = staging()
    for group in groups(reordered).values():
        for direction in ("ingress", "egress"):
            rules = group.get(direction, [])
            rules.reverse()
            for rule in rules:
                for key in ("from", "to"):
                    if key in rule:
                        rule[key].reverse()
    assert run(runtime_factory, reordered) == before


def test_group_order_does_not_matter_even_with_cycles(runtime_factory: Callable[..., Pulumi]) -> None:
    """Building groups in reverse order (web and app reference each other) registers the same resources."""
    rt = runtime_factory("staging")
    pulumi.runtime.set_all_config(cli_config(staging()), [])
    holder: dict[str, StackSettings] = {}
    assert rt.run(lambda: holder.setdefault("s", load_settings())).error is None
    forward = holder["s"]
    backward = StackSettings(forward.stack_file, dict(reversed(list(forward.groups.items()))), forward.rule_quota)

    rt = runtime_factory("staging")
    assert rt.run(lambda: build_security_groups(forward)).error is None
    first = rt.mocks.snapshot()
    rt = runtime_factory("staging")
    assert rt.run(lambda: build_security_groups(backward)).error is None
    assert rt.mocks.snapshot() == first


def test_inserting_a_rule_first_adds_only_that_rule(runtime_factory: Callable[..., Pulumi]) -> None:
    before = run(runtime_factory, staging())
    changed = staging()
    groups(changed)["app"]["ingress"].insert(
        0, {"rule": "ssh", "from": ["10.30.0.0/24"], "description": "SSH from the admin subnet"}
    )
    after = run(runtime_factory, changed)
    assert before < after
    assert {(typ, name) for typ, name, _ in after - before} == {(INGRESS, "app-ingress-tcp-22-10.30.0.0/24")}


def test_removing_a_middle_rule_removes_only_that_rule(runtime_factory: Callable[..., Pulumi]) -> None:
    before = run(runtime_factory, staging())
    changed = staging()
    del groups(changed)["app"]["egress"][1]  # the cache rule, between the db and https rules
    after = run(runtime_factory, changed)
    assert after < before
    removed = {(typ, name) for typ, name, _ in before - after}
    assert removed == {("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "app-egress-tcp-6379-group-cache")}


def test_changing_a_description_updates_in_place(runtime_factory: Callable[..., Pulumi]) -> None:
    """A new rule description keeps the resource name (AWS updates descriptions in place)."""
    before = run(runtime_factory, staging())
    changed = staging()
    groups(changed)["db"]["ingress"][0]["description"] = "Queries from the app tier and the ops subnet (VPN)"
    after = run(runtime_factory, changed)
    assert {name for _, name, _ in after} == {name for _, name, _ in before}
    assert {name for _, name, _ in after - before} == {
        "db-ingress-tcp-5432-group-app",
        "db-ingress-tcp-5432-10.30.16.0/20",
    }

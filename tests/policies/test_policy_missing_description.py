"""aws-ec2-securitygroup-missing-description: a real group description, never quoted in a finding."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_missing_description import DEFINITION

from .pack_fixtures import DEFAULT_SG, NATIVE_SG, SG, UNKNOWN, default_group, group, native_group, run

CASES = [
    ("fail-missing", group(description=None), ["the group has no description"]),
    ("fail-absent-key", {k: v for k, v in group().items() if k != "description"}, ["the group has no description"]),
    ("fail-empty", group(description=""), ["the group has an empty description"]),
    ("fail-whitespace", group(description=" \t\n "), ["the group has a description of only whitespace"]),
    (
        "fail-pulumi-default",
        group(description="Managed by Pulumi"),
        ['the group has a tool\'s placeholder description ("Managed by Pulumi")'],
    ),
    (
        "fail-terraform-default",
        group(description="Managed by Terraform"),
        ['the group has a tool\'s placeholder description ("Managed by Terraform")'],
    ),
    (
        "fail-default-other-case-and-spacing",
        group(description="  managed  BY pulumi. "),
        ['the group has a tool\'s placeholder description ("Managed by Pulumi")'],
    ),
    (
        "fail-default-final-full-stop",
        group(description="Managed by Pulumi."),
        ['the group has a tool\'s placeholder description ("Managed by Pulumi")'],
    ),
    ("fail-todo", group(description="todo"), ['the group has a placeholder description ("TODO")']),
    (
        "fail-todo-note",
        group(description="TODO describe why"),
        ["the group has a placeholder description (it starts with TODO)"],
    ),
    (
        "fail-fixme-colon",
        group(description="fixme: ask the DBAs"),
        ["the group has a placeholder description (it starts with FIXME)"],
    ),
    ("fail-n-a", group(description="N/A"), ['the group has a placeholder description ("n/a")']),
    ("fail-dash", group(description=" - "), ["the group has a placeholder description (no letters or digits)"]),
    ("pass-todo-app", group(description="Todo app servers"), []),
    ("fail-not-text", group(description=42.0), ["the group has a description that is not text"]),
    ("pass-real", group(description="Web tier"), []),
    ("pass-mentions-pulumi", group(description="Web tier, managed by Pulumi in repo web-infra"), []),
]


@pytest.mark.parametrize(("props", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_group_description(props: dict[str, Any], expected: list[str]) -> None:
    """Missing, blank and placeholder descriptions are found; a finding never quotes what the user wrote."""
    assert run(DEFINITION, SG, props).heads == expected


def test_aws_native_group() -> None:
    """aws-native spells it groupDescription."""
    assert run(DEFINITION, NATIVE_SG, native_group(groupDescription="")).heads == ["the group has an empty description"]


def test_default_group_has_no_description_to_judge() -> None:
    """A DefaultSecurityGroup has no description input, so this policy does not apply to it."""
    assert run(DEFINITION, DEFAULT_SG, default_group()).messages == []


def test_unknown_description_is_a_gap() -> None:
    """A description computed from another resource is checked during `pulumi up`."""
    result = run(DEFINITION, SG, group(description=UNKNOWN))
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check the group description:")

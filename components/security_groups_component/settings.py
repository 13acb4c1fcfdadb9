"""Read this stack's config (stacks/Pulumi.<stack>.yaml) into frozen, validated settings, in one place.

Nothing here runs at import time: config is read when `load_settings()` is called, after the Pulumi
runtime (or the test mocks) has set it up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import pulumi
from pulumi.runtime import config as runtime_config

from . import aws_limits
from .model import Group
from .parse import CONFIG_STYLE, Scope, check_group_key, parse_group, parse_tags
from .problems import ConfigError, PathPart, Problems, did_you_mean, show

PROJECT_KEYS: Final = ("groups", "vpcId", "tags", "ruleQuota")
"""The config keys this program reads, in the project's namespace (declared in Pulumi.yaml)."""


@dataclass(frozen=True)
class StackSettings:
    """Everything the program needs from this stack's config, validated."""

    stack_file: str
    """The stack file the settings came from, e.g. `stacks/Pulumi.dev.yaml`."""
    groups: Mapping[str, Group]
    """The groups by key, in config order."""
    rule_quota: int
    """Rules allowed per group, direction and IP family."""


def load_settings(stack_config_dir: str = "stacks") -> StackSettings:
    """Read and check the whole config; raise one ConfigError listing every problem if anything is wrong."""
    project = pulumi.get_project()
    stack_file = f"{stack_config_dir}/Pulumi.{pulumi.get_stack()}.yaml"
    config = pulumi.Config()
    problems = Problems()

    _check_unknown_keys(project, problems)
    vpc_id = _project_vpc_id(config.get("vpcId"), problems)
    tags = parse_tags(
        _json(config.get("tags"), ("tags",), "a mapping of tag names to values", problems), ("tags",), problems
    )
    quota = _rule_quota(config.get("ruleQuota"), problems)
    raw_groups = _json(config.get("groups"), ("groups",), "a mapping of group keys to groups", problems)

    groups: dict[str, Group] = {}
    if raw_groups is None and config.get("groups") is None:
        problems.add(("groups",), f"required: describe this stack's security groups under '{project}:groups'")
    elif raw_groups is not None and not isinstance(raw_groups, Mapping):
        problems.add(("groups",), f"expected a mapping of group keys to groups, got {show(raw_groups)}")
    elif raw_groups is not None:
        # Every well-formed key is known before any group is read, so references may point forwards.
        known = frozenset(key for key in raw_groups if check_group_key(key, ("groups", str(key)), problems))
        for key, raw in raw_groups.items():
            if key not in known:
                continue
            scope = Scope(key=key, known_groups=known, default_vpc_id=vpc_id, default_tags=tags, rule_quota=quota)
            group = parse_group(raw, ("groups", key), CONFIG_STYLE, scope, problems)
            if group is not None:
                groups[key] = group
        _check_unique_names(groups, problems)

    if problems:
        raise ConfigError(
            f"{stack_file}: config '{project}:'",
            problems.items,
            "Nothing was created or changed; fix the config and run again.",
        )
    return StackSettings(stack_file=stack_file, groups=MappingProxyType(groups), rule_quota=quota)


def _check_unknown_keys(project: str, problems: Problems) -> None:
    # Pulumi passes every config key to the program, but has no public API to list them; a typo such as
    # `security-groups:group` would otherwise be silently ignored while `groups` is reported missing.
    namespace = f"{project}:"
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    for full_key in sorted(keys):
        if not full_key.startswith(namespace):
            continue
        key = full_key.removeprefix(namespace)
        if key not in PROJECT_KEYS:
            hint = did_you_mean(key, PROJECT_KEYS)
            problems.add((key,), f"unknown key{hint}; '{project}:' takes {', '.join(PROJECT_KEYS)}")


def _json(text: str | None, at: tuple[PathPart, ...], expected: str, problems: Problems) -> object | None:
    # The CLI passes structured values as JSON text and plain strings as themselves.
    if text is None:
        return None
    try:
        value: object = json.loads(text)
    except ValueError:
        problems.add(at, f"expected {expected}, got the text {text!r}")
        return None
    if value is None:
        # A YAML key with nothing after it: more likely a mistake than a wish for "nothing".
        problems.add(at, "has no value; give it one, or remove the key")
    return value


def _project_vpc_id(value: str | None, problems: Problems) -> str | None:
    # Pulumi.yaml declares `vpcId` with the default "" (a declared key without a default would be required).
    if not value:
        return None
    if aws_limits.VPC_ID.fullmatch(value):
        return value
    problems.add(
        ("vpcId",), f"{value!r} is not a VPC id (vpc- and 8 or 17 hex digits); leave it out for the default VPC"
    )
    return None


def _rule_quota(value: str | None, problems: Problems) -> int:
    if value is None:
        return aws_limits.DEFAULT_RULE_QUOTA
    if value.strip().isdigit() and 1 <= int(value) <= aws_limits.MAX_RULE_QUOTA:
        return int(value)
    problems.add(
        ("ruleQuota",),
        f"{value!r} is not a rule quota; give a whole number from 1 to {aws_limits.MAX_RULE_QUOTA} "
        f"(AWS's default is {aws_limits.DEFAULT_RULE_QUOTA})",
    )
    return aws_limits.DEFAULT_RULE_QUOTA


def _check_unique_names(groups: Mapping[str, Group], problems: Problems) -> None:
    taken: dict[tuple[str | None, str], str] = {}
    for key, group in groups.items():
        if group.name is None:
            continue
        first = taken.setdefault((group.vpc_id, group.name), key)
        if first != key:
            problems.add(
                ("groups", key, "name"),
                f"{group.name!r} is also the name of groups.{first} in the same VPC; names must be unique per VPC",
            )

"""Read this stack's config (stacks/Pulumi.<stack>.yaml) into frozen, validated settings, in one place.

Nothing here runs at import time: config is read when `load_settings()` is called, after the Pulumi
runtime (or the test mocks) has set it up.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Final

import pulumi
from pulumi.runtime import config as runtime_config

from . import aws_facts
from .group_files import GroupFile, read_group_files
from .lookups import GroupLookup, VpcLookup, read_existing_groups, read_vpc_lookup, resolve_group, resolve_vpc
from .model import Group, PeerKind
from .parse import CONFIG_STYLE, Scope, check_group_key, parse_group, parse_tags
from .problems import ConfigError, PathPart, Problems, did_you_mean, quote, redacted, render_path, show

PROJECT_KEYS: Final = (
    "groups",
    "groupFiles",
    "vpcId",
    "vpc",
    "existingGroups",
    "tags",
    "ruleQuota",
    "closeDefaultGroups",
)
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
    tags: Mapping[str, str] = field(default_factory=dict)
    """The stack's own tags (`security-groups:tags`), already merged into every group's."""
    close_default_groups: bool = False
    """Strip the rules of the default group of every VPC the groups use (`closeDefaultGroups`)."""
    secret_keys: frozenset[str] = frozenset()
    """The project keys that are secrets (`pulumi config set --secret`): what they hold is registered as secret."""
    existing_groups: Mapping[str, str] = field(default_factory=dict)
    """Existing groups that rules name as `group:<key>` (`existingGroups`), by key: their ids, looked up."""
    group_files: Mapping[str, GroupFile] = field(default_factory=dict)
    """The group file each group was read from, by group key; a group of `security-groups:groups` is not in it."""


@dataclass(frozen=True)
class _Source:
    """Where a group is written: the stack config (`file` None) or a group file."""

    file: GroupFile | None
    secret: bool

    def place(self, key: str, parts: tuple[PathPart, ...] = ()) -> str:
        if self.file is None:
            return render_path(("groups", key, *parts))
        return self.file.place((key, *parts), render_path((key, *parts)))

    def at(self, key: str, parts: tuple[PathPart, ...] = ()) -> tuple[PathPart, ...] | str:
        """Where a problem is, for `Problems.add`: the same text as `place`.

        For a group of the stack config it is kept as config path parts, so that a tool showing the error can find
        the line it was written on.
        """
        if self.file is None:
            return ("groups", key, *parts)
        return self.place(key, parts)


def load_settings(stack_config_dir: str = "stacks", base_dir: str | Path = ".") -> StackSettings:
    """Read and check the whole config; raise one ConfigError listing every problem if anything is wrong.

    `stack_config_dir` is the stack files' directory as messages name it (Pulumi.yaml's `stackConfigDir`);
    group files are read from it under `base_dir`, the project's directory.
    """
    project = pulumi.get_project()
    stack_file = f"{stack_config_dir}/Pulumi.{pulumi.get_stack()}.yaml"
    config = pulumi.Config()
    problems = Problems()
    secret = frozenset(key for key in PROJECT_KEYS if runtime_config.is_config_secret(f"{project}:{key}"))

    def secrecy(key: str) -> contextlib.AbstractContextManager[None]:
        return redacted(key in secret)

    _check_unknown_keys(project, problems)
    with secrecy("vpcId"):
        vpc_id = _project_vpc_id(config.get("vpcId"), problems)
    with secrecy("vpc"):
        vpc_lookup = read_vpc_lookup(_json(config.get("vpc"), ("vpc",), "a VPC lookup", problems), ("vpc",), problems)
        if vpc_lookup is not None and config.get("vpcId"):
            problems.add(("vpc",), "vpcId is set too; name the VPC by its id (vpcId) or by a lookup (vpc), not both")
    with secrecy("tags"):
        tags = parse_tags(
            _json(config.get("tags"), ("tags",), "a mapping of tag names to values", problems), ("tags",), problems
        )
    with secrecy("ruleQuota"):
        quota = _rule_quota(config.get("ruleQuota"), problems)
    with secrecy("closeDefaultGroups"):
        close = _flag(config.get("closeDefaultGroups"), ("closeDefaultGroups",), problems)
    with secrecy("groupFiles"):
        named = _json(config.get("groupFiles"), ("groupFiles",), "a list of file paths", problems)
        files = read_group_files(
            named,
            Path(base_dir) / stack_config_dir,
            stack_config_dir,
            problems,
        )
    with secrecy("groups"):
        raw_groups = _json(config.get("groups"), ("groups",), "a mapping of group keys to groups", problems)
        if raw_groups is not None and not isinstance(raw_groups, Mapping):
            problems.add(("groups",), f"expected a mapping of group keys to groups, got {show(raw_groups)}")
            raw_groups = None
    if raw_groups is None and config.get("groups") is None and not named:
        problems.add(
            ("groups",),
            f"required: describe this stack's security groups under '{project}:groups' (or in files named by "
            f"'{project}:groupFiles')",
        )
    sources: dict[str, _Source] = {}
    raws: dict[str, object] = {}
    _collect(raw_groups or {}, _Source(None, "groups" in secret), sources, raws, problems)
    for group_file in files:
        _collect(group_file.groups, _Source(group_file, False), sources, raws, problems)
    with secrecy("existingGroups"):
        existing, refused = read_existing_groups(
            _json(config.get("existingGroups"), ("existingGroups",), "a mapping of keys to existing groups", problems),
            ("existingGroups",),
            frozenset(raws),
            problems,
        )
    groups = _read_groups(
        raws,
        sources=sources,
        vpc_id=vpc_id,
        tags=tags,
        quota=quota,
        outside=(frozenset(existing), refused),
        problems=problems,
    )
    existing_ids: dict[str, str] = {}
    if not problems:
        # AWS is asked only about a config that is otherwise sound: nothing is looked up for a stack refused anyway.
        groups, existing_ids = _resolve(groups, vpc_lookup, existing, secrecy, problems)
    _check_unique_names(groups, sources, problems)
    _check_vpcs(groups, sources, problems)

    if problems:
        raise ConfigError(
            f"{stack_file}: config '{project}:'",
            problems.items,
            "Nothing was created or changed; fix the config and run again.",
        )
    return StackSettings(
        stack_file=stack_file,
        groups=MappingProxyType(groups),
        rule_quota=quota,
        tags=MappingProxyType(tags),
        close_default_groups=close,
        secret_keys=secret,
        existing_groups=MappingProxyType(existing_ids),
        group_files=MappingProxyType(
            {key: source.file for key, source in sources.items() if source.file is not None and key in groups}
        ),
    )


def _resolve(
    groups: Mapping[str, Group],
    vpc_lookup: VpcLookup | None,
    existing: Mapping[str, GroupLookup],
    secrecy: Callable[[str], contextlib.AbstractContextManager[None]],
    problems: Problems,
) -> tuple[dict[str, Group], dict[str, str]]:
    """Ask AWS for the looked-up VPC and groups; the groups with no VPC of their own get the one found."""
    resolved = dict(groups)
    if vpc_lookup is not None:
        with secrecy("vpc"):
            vpc_id = resolve_vpc(vpc_lookup, ("vpc",), problems)
        if vpc_id is not None:
            resolved = {
                key: group if group.vpc_id is not None else replace(group, vpc_id=vpc_id)
                for key, group in groups.items()
            }
    ids: dict[str, str] = {}
    with secrecy("existingGroups"):
        for key, lookup in existing.items():
            found = resolve_group(lookup, ("existingGroups", key), problems)
            if found is not None:
                ids[key] = found
    return resolved, ids


def _collect(
    raw: Mapping[str, object],
    source: _Source,
    sources: dict[str, _Source],
    raws: dict[str, object],
    problems: Problems,
) -> None:
    """Add one source's groups; a key written twice (stack file, group files) is one mistake, shown where both are."""
    for key, group in raw.items():
        first = sources.get(key)
        if first is not None:
            problems.add(
                source.at(key),
                f"group {key!r} is also written at {first.place(key)}; a key names one group of the stack",
            )
            continue
        sources[key] = source
        raws[key] = group


def _read_groups(
    raws: Mapping[str, object],
    *,
    sources: Mapping[str, _Source],
    vpc_id: str | None,
    tags: Mapping[str, str],
    quota: int,
    outside: tuple[frozenset[str], frozenset[str]],
    problems: Problems,
) -> dict[str, Group]:
    # Every well-formed key is known before any group is read, so references may point forwards, across files.
    # `outside` holds the keys of existing groups (`existingGroups`), read and refused: `group:<key>` names them too.
    existing, refused = outside
    known = frozenset(key for key in raws if check_group_key(key, sources[key].at(key), problems))
    groups: dict[str, Group] = {}
    for key, raw in raws.items():
        if key not in known:
            continue
        source = sources[key]
        scope = Scope(
            key=key,
            known_groups=known | existing,
            refused_groups=(frozenset(raws) - known) | refused,
            default_vpc_id=vpc_id,
            default_tags=tags,
            rule_quota=quota,
        )
        found = Problems()
        with redacted(source.secret):
            group = parse_group(raw, ("groups", key) if source.file is None else (key,), CONFIG_STYLE, scope, found)
        for problem in found.items:
            parts = problem.parts[1:] if source.file is None else problem.parts
            if parts:
                problems.add(source.at(key, parts[1:]), problem.message)
            else:
                problems.add(
                    problem.path if source.file is None else source.file.place((key,), problem.path), problem.message
                )
        if group is not None:
            groups[key] = group
    return groups


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
    # The CLI passes structured values as JSON text and plain strings as themselves, and a key written with no
    # value as "": more likely a mistake than a wish for "nothing".
    if text is None:
        return None
    if not text.strip() or text.strip() == "null":
        problems.add(at, "has no value; give it one, or remove the key")
        return None
    try:
        value: object = json.loads(text)
    except (ValueError, RecursionError) as error:
        if text.lstrip()[:1] in ("{", "["):
            # JSON from the CLI that Python cannot read (a number of thousands of digits): say why, never echo it.
            problems.add(at, f"expected {expected}, got a value this program cannot read ({_json_reason(error)})")
        else:
            shown = quote(text) if len(text) <= 200 else f"a {len(text)}-character text"
            problems.add(at, f"expected {expected}, got the text {shown}")
        return None
    return value


def _json_reason(error: ValueError | RecursionError) -> str:
    if isinstance(error, RecursionError):  # Python's reader recurses once per level: about a thousand at most
        return "nested too deeply"
    message = str(error)
    if "integer string conversion" in message:
        return f"a number longer than {sys.get_int_max_str_digits()} digits"
    return message.split(":", 1)[0]


def _project_vpc_id(value: str | None, problems: Problems) -> str | None:
    # Pulumi.yaml declares `vpcId` with the default "" (a declared key without a default would be required).
    if not value:
        return None
    if aws_facts.VPC_ID.fullmatch(value):
        return value
    problems.add(
        ("vpcId",), f"{quote(value)} is not a VPC id (vpc- and 8 or 17 hex digits); leave it out for the default VPC"
    )
    return None


def _rule_quota(value: str | None, problems: Problems) -> int:
    if value is None:
        return aws_facts.DEFAULT_RULE_QUOTA
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) <= 4 and 1 <= int(text) <= aws_facts.MAX_RULE_QUOTA:
        return int(text)
    problems.add(
        ("ruleQuota",),
        f"{quote(value) if len(value) <= 20 else 'the value'} is not a rule quota; give a whole number from 1 to "
        f"{aws_facts.MAX_RULE_QUOTA} (AWS's default is {aws_facts.DEFAULT_RULE_QUOTA})",
    )
    return aws_facts.DEFAULT_RULE_QUOTA


def _flag(value: str | None, at: tuple[PathPart, ...], problems: Problems) -> bool:
    # The CLI passes a YAML boolean as the text `true` or `false`.
    if value is None or value == "false":
        return False
    if value == "true":
        return True
    problems.add(at, f"{quote(value)} is not true or false")
    return False


def _check_unique_names(groups: Mapping[str, Group], sources: Mapping[str, _Source], problems: Problems) -> None:
    # AWS compares group names without regard to case: `Web` and `web` cannot share a VPC.
    taken: dict[tuple[str | None, str], str] = {}
    for key, group in groups.items():
        if group.name is None:
            continue
        first = taken.setdefault((group.vpc_id, group.name.casefold()), key)
        if first != key:
            with redacted(sources[key].secret):
                problems.add(
                    sources[key].at(key, ("name",)),
                    f"{quote(group.name)} is also the name of {sources[first].place(first)} in the same VPC; names "
                    "must be unique per VPC, whatever their case",
                )


def _check_vpcs(groups: Mapping[str, Group], sources: Mapping[str, _Source], problems: Problems) -> None:
    """A `group:` peer in another VPC: AWS refuses it unless the VPCs are connected, so say it before it fails."""
    for key, group in groups.items():
        source = sources[key]
        for rule in group.rules:
            other = groups.get(rule.peer.value) if rule.peer.kind is PeerKind.GROUP else None
            if other is None or group.vpc_id is None or other.vpc_id is None or other.vpc_id == group.vpc_id:
                continue
            with redacted(source.secret or sources[other.key].secret):
                problems.add(
                    source.at(key, rule.origin_parts[1:] if source.file else rule.origin_parts[2:]),
                    f"'group:{other.key}' is in {quote(other.vpc_id)} but group {key!r} is in {quote(group.vpc_id)}; "
                    "AWS accepts a rule naming a group of another VPC only when the two VPCs are peered in the same "
                    "region, so put both groups in one VPC, or, if the VPCs are peered, name the other group by its "
                    "id (sg-…)",
                )

"""Where the config behind each resource of an offline preview was written: a line of the stack file or a group file.

The program's own model says which config made which resource: each group is its key, and each (rule, peer)
resource is named by `component.rule_resource_name` and remembers its config path (`Rule.origin_parts`, such as
`("groups", "web", "ingress", 0, "from", 1)`); `StackSettings.group_files` says which groups came from a group
file. Lines come from the YAML reader's positions (`stack_yaml.Document.where`). Nothing is found by taking
resource names apart.

- A rule resource is at its peer's item in the rule's `from`/`to` list. A rule with no such item (the default
  egress the program adds when `egress` is left out) is at the nearest entry written: the group's key.
- A group, and the component named after it, are at the group's key.
- A group of a group file is located in that file, never in the stack file.
- The default groups that `closeDefaultGroups` adopts are at the `closeDefaultGroups` key.
- Anything else (the root Stack, a stack-wide finding) has no location.

Anchors, aliases and merge keys: a value reached through an alias (`from: *office`) or a merge key
(`<<: *base`) is located where this group uses it, the alias or the merging entry, not at the anchor, which may
belong to another group. YAML lets an alias refer only to an anchor written before it, so a value whose position
comes before the entry holding it was written elsewhere; the walk down the path stops at the last entry written
in place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from security_groups_component import stack_yaml
from security_groups_component.component import rule_resource_name
from security_groups_component.problems import ConfigError, PathPart
from security_groups_component.settings import StackSettings

from .paths import PROJECT
from .preview_model import Finding, Location, Resource
from .program_runner import COMPONENT, EGRESS, INGRESS, SG

DEFAULT_GROUP: Final = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
"""What `closeDefaultGroups` adopts: one per VPC the stack's groups use."""


@dataclass(frozen=True)
class SourceFile:
    """A YAML file config was read from: as the output names it, and where each of its values was written."""

    path: str
    """Relative to the project when inside it, with forward slashes: `stacks/Pulumi.dev.yaml`."""
    document: stack_yaml.Document

    def location(self, path: stack_yaml.Path, floor: int) -> Location | None:
        """The nearest entry written in place on the way down `path`; None unless its first `floor` steps exist.

        See the module docstring for why a position that goes backwards ends the walk.
        """
        found: tuple[int, int] | None = None
        for end in range(floor, len(path) + 1):
            position = self.document.where(path[:end])
            if position is None or (found is not None and position < found):
                break
            found = position
        return None if found is None else Location(self.path, *found)


class StackConfigPaths:
    """Config paths of the program (`("groups", "web", …)`) as paths of the stack file's document.

    The key is found as it is written: `security-groups:groups`, or bare `groups`, which the CLI namespaces.
    """

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.written: dict[str, str] = {}
        """`security-groups:<key>` -> the key as the stack file writes it."""
        data = source.document.data
        config = data.get("config") if isinstance(data, dict) else None
        for key in config if isinstance(config, dict) else ():
            full = stack_yaml.config_key(key, PROJECT)
            if full is not None:
                self.written.setdefault(full, key)

    def location(self, parts: Sequence[PathPart]) -> Location | None:
        """Where the program's config path `parts` was written, or None when its key is not in the stack file."""
        if not parts or not isinstance(parts[0], str):
            return None
        key = self.written.get(f"{PROJECT}:{parts[0]}")
        if key is None:
            return None
        return self.source.location(("config", key, *parts[1:]), floor=2)


class Locator:
    """Every resource of one preview that config made, and where that config was written."""

    def __init__(self, stack_file: SourceFile | None, settings: StackSettings | None) -> None:
        self.by_resource: dict[tuple[str, str], Location] = {}
        """(type, name) -> location."""
        self.by_type: dict[str, Location] = {}
        """Types whose every resource has one location (the adopted default groups)."""
        stack = StackConfigPaths(stack_file) if stack_file is not None else None
        if settings is None:
            return
        for key, group in settings.groups.items():
            group_file = settings.group_files.get(key)
            locate: Callable[[tuple[PathPart, ...]], Location | None]
            if group_file is not None:
                # A group file maps group keys to groups: the program's path there is the document's own path.
                own: tuple[PathPart, ...] = (key,)
                locate = functools.partial(SourceFile(group_file.shown, group_file.document).location, floor=1)
            elif stack is not None:
                own = ("groups", key)
                locate = stack.location
            else:
                continue
            where = locate(own)
            for resource_type in (SG, COMPONENT):
                self._add(resource_type, key, where)
            for rule in group.rules:
                resource_type = INGRESS if rule.direction == "ingress" else EGRESS
                self._add(resource_type, rule_resource_name(key, rule), locate(rule.origin_parts))
        if settings.close_default_groups and stack is not None:
            where = stack.location(("closeDefaultGroups",))
            if where is not None:
                self.by_type[DEFAULT_GROUP] = where

    def _add(self, resource_type: str, name: str, where: Location | None) -> None:
        if where is not None:
            self.by_resource[(resource_type, name)] = where

    def of(self, resource: Resource) -> Location | None:
        """Where the config that made `resource` was written, or None."""
        return self.by_resource.get((resource.type, resource.name), self.by_type.get(resource.type))

    def locate(self, findings: Iterable[Finding], resources: Sequence[Resource]) -> list[Finding]:
        """The findings, each with the location of the resource it is on (none for a stack-wide finding)."""
        by_urn = {resource.urn: resource for resource in resources}
        located = []
        for finding in findings:
            resource = by_urn.get(finding.urn)
            located.append(replace(finding, location=None if resource is None else self.of(resource)))
        return located


def program_settings(program_globals: Mapping[str, object]) -> StackSettings | None:
    """The settings the program read and built its resources from: the one StackSettings its module holds."""
    found = [value for value in program_globals.values() if isinstance(value, StackSettings)]
    return found[0] if len(found) == 1 else None


def located_config_error(error: ConfigError, stack_file: SourceFile) -> str:
    """The program's config error with `file:line:column:` before each problem whose path is in the stack file.

    A problem at a path the file does not have (a required key left out) is shown at the nearest entry that
    holds it. Problems in group files already name their file and line, and are shown as the program wrote them.
    """
    stack = StackConfigPaths(stack_file)
    lines = [str(error).split("\n", 1)[0]]  # the summary: where, how many problems, what to do
    for problem in error.problems:
        where = stack.location(problem.parts)
        prefix = "" if where is None else f"{where.path}:{where.line}:{where.column}: "
        lines.append(f"  - {prefix}{problem}")
    return "\n".join(lines)

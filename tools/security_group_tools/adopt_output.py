"""What adopt writes: a YAML snippet for a stack file, and a `pulumi import --file` document.

The import file follows the CLI's `importFile` schema (pulumi/pulumi `pkg/cmd/pulumi/operations/import.go`):
`resources` entries with `type`, `name` (a handle inside the file, used by `parent`), `logicalName` (the
resource's Pulumi name), `id`, `parent`, and `component: true` for a component to create empty, with no id.
Parents inside the same file and empty components need Pulumi CLI 3.94 or later. The CLI builds each URN from
the parent's type, the type and the logical name, exactly as the program does.
"""

from __future__ import annotations

from typing import Any, Final

from security_groups_component import TYPE_TOKEN

from . import yaml_writer
from .adopt_config import Adoption
from .paths import PROJECT
from .program_runner import EGRESS, INGRESS, SG

GROUPS_KEY: Final = f"{PROJECT}:groups"


def resource_name(key: str, rule_key: str) -> str:
    """The logical name the component gives a rule resource: the group's name, then the rule's stable key."""
    return f"{key}-{rule_key}"


def import_document(adoption: Adoption) -> dict[str, Any]:
    """The `pulumi import --file` document: each component, its group and its rules, by the names the program uses.

    Handles (`name`) are the AWS ids for the group and its rules, and the key for the component, so no handle
    can collide with another (keys never start with `sg-`).
    """
    resources: list[dict[str, Any]] = []
    for group in adoption.groups:
        resources.append({"type": TYPE_TOKEN, "name": group.key, "component": True})
        resources.append(
            {
                "type": SG,
                "name": group.live.group_id,
                "logicalName": group.key,
                "id": group.live.group_id,
                "parent": group.key,
            }
        )
        for rule in group.rules:
            resources.append(
                {
                    "type": INGRESS if rule.rule.direction == "ingress" else EGRESS,
                    "name": rule.rule_id,
                    "logicalName": resource_name(group.key, rule.rule.key),
                    "id": rule.rule_id,
                    "parent": group.key,
                }
            )
    return {"resources": resources}


def config_snippet(adoption: Adoption, source: str) -> str:
    """The groups as YAML to paste under `config:` in stacks/Pulumi.<env>.yaml, notes first as comments.

    Written by yaml_writer, so every text reads back as written in the Pulumi CLI and in any YAML 1.1 or 1.2
    reader (`1e1`, `0o17`, `022` are quoted).
    """
    comments = [
        f"{source}: {len(adoption.groups)} group(s) adopted.",
        f"Add to stacks/Pulumi.<env>.yaml (merge into its `config:` and any existing {GROUPS_KEY}).",
        *(f"NOTE {note}" for note in adoption.notes),
    ]
    return yaml_writer.dump({"config": {GROUPS_KEY: adoption.config()}}, comments=comments)


def notes_beside_rules(adoption: Adoption) -> tuple[dict[yaml_writer.Path, list[str]], list[str]]:
    """Each note as a comment beside what it concerns, by path in the groups mapping; and notes on no adopted group.

    A note on a rule that config reproduces goes above that rule's entry (`("web", "ingress", 0)`); a note on a
    group, or on a rule config leaves out (the default outbound rule, a rule the format cannot hold), above the
    group's key; a note on a group that was not adopted (a VPC's default group) has no place in the groups and
    is returned apart, to be written above them.
    """
    beside: dict[yaml_writer.Path, list[str]] = {}
    apart: list[str] = []
    by_id = {group.live.group_id: group for group in adoption.groups}
    for note in adoption.notes:
        group = by_id.get(note.group_id)
        if group is None:
            apart.append(f"NOTE {note}")
            continue
        rule = next((rule for rule in group.rules if rule.rule_id == note.rule_id), None)
        # origin_parts: ("groups", key, direction, index, peers key, peer index), as adopt_config parses the entry;
        # a rule the config leaves out (the default egress) ends at ("groups", key, "egress"): the group holds it.
        written = rule is not None and len(rule.rule.origin_parts) >= 4
        path: yaml_writer.Path = (group.key, *rule.rule.origin_parts[2:4]) if rule and written else (group.key,)
        beside.setdefault(path, []).append(f"NOTE {note}")
    return beside, apart

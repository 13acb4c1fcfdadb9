"""The generated parts of the docs, rendered from the code: the preset table, the policy catalogue, its config keys.

Each part sits between `<!-- <name>:start -->` and `<!-- <name>:end -->` in its doc; test_generated_sections.py
fails while a copy differs, and `UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/docs` rewrites it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final

from security_group_policies.catalogue import METAS
from security_group_policies.compliance import FRAMEWORKS, Control, controls_of
from security_group_policies.framework import PolicyMeta
from security_group_tools.audit_checks import AUDIT_ONLY_CHECKS
from security_groups_component import PRESETS


def short(name: str) -> str:
    """A policy name without the `aws-ec2-securitygroup-` (or `aws-ec2-`) prefix."""
    return name.removeprefix("aws-ec2-securitygroup-").removeprefix("aws-ec2-")


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def presets() -> str:
    """The console's Type list as the component knows it: one row per preset."""

    def ports(from_port: int | None, to_port: int | None) -> str:
        if from_port is None:
            return "all"
        if from_port == -1:
            return "all types and codes"
        return str(from_port) if from_port == to_port else f"{from_port}-{to_port}"

    lines = ["| `rule:` | Console Type | Protocol | Ports |", "|---|---|---|---|"]
    for p in PRESETS.values():
        protocol = "all" if p.protocol == "-1" else p.protocol
        lines.append(f"| `{p.key}` | {p.label} | {protocol} | {ports(p.from_port, p.to_port)} |")
    return "\n".join(lines) + "\n"


def catalogue() -> str:
    """One row per policy: name, level, severity, what, how to fix, config keys."""
    lines = [
        "| policy | level | severity | what | how to fix | config |",
        "|---|---|---|---|---|---|",
    ]
    for meta in METAS:
        keys = ", ".join(f"`{option.key}`" for option in meta.options) or "–"
        lines.append(
            f"| `{meta.name}` | {meta.enforcement_level.value} | {meta.severity.value} | {cell(meta.description)} "
            f"| {cell(meta.remediation_steps)} | {keys} |"
        )
    return "\n".join(lines) + "\n"


def _users(metas: list[PolicyMeta]) -> str:
    missing = [meta for meta in METAS if meta not in metas]
    if not missing:
        return "all"
    if len(missing) <= 2 and len(metas) > 2:
        return "all except " + ", ".join(f"`{short(meta.name)}`" for meta in missing)
    return ", ".join(f"`{short(meta.name)}`" for meta in metas)


def config_keys() -> str:
    """One row per distinct option: key, the policies that have it, default, meaning."""
    rows: dict[tuple[str, str], list[PolicyMeta]] = {}
    schemas: dict[tuple[str, str], dict[str, object]] = {}
    for meta in METAS:
        for option in meta.options:
            identity = (option.key, json.dumps(option.schema, sort_keys=True))
            rows.setdefault(identity, []).append(meta)
            schemas[identity] = dict(option.schema)
    lines = ["| key | policies | default | meaning |", "|---|---|---|---|"]
    for identity, metas in rows.items():
        schema = schemas[identity]
        default = json.dumps(schema["default"], separators=(", ", ": "))
        lines.append(f"| `{identity[0]}` | {_users(metas)} | `{default}` | {cell(str(schema['description']))} |")
    return "\n".join(lines) + "\n"


def controls() -> str:
    """One row per policy of the pack, then per audit-only check: severity, and controls per framework."""
    lines = [
        "| policy | severity | " + " | ".join(framework.title for framework in FRAMEWORKS) + " |",
        "|---|---|" + "---|" * len(FRAMEWORKS),
    ]

    def row(label: str, severity: str, mapped: tuple[Control, ...]) -> str:
        ids = [", ".join(c.control_id for c in mapped if c.framework == framework) or "–" for framework in FRAMEWORKS]
        return f"| {label} | {severity} | " + " | ".join(ids) + " |"

    lines.extend(row(f"`{meta.name}`", meta.severity.value, controls_of(meta.name)) for meta in METAS)
    lines.extend(row(f"`{check.name}` (audit only)", check.severity, check.controls) for check in AUDIT_ONLY_CHECKS)
    return "\n".join(lines) + "\n"


SECTIONS: Final[dict[tuple[str, str], Callable[[], str]]] = {
    ("docs/config.md", "presets"): presets,
    ("policies/README.md", "catalogue"): catalogue,
    ("policies/README.md", "config-keys"): config_keys,
    ("docs/adopt-and-audit.md", "controls"): controls,
}
"""(doc, section name) -> what the section holds."""

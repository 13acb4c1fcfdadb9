"""Render the README's policy catalogue and config tables from the policies' own metadata.

`python tests/policies/catalogue_table.py` prints both tables; test_readme_catalogue.py fails when the README's
copy differs, so the docs cannot drift from the code.
"""

from __future__ import annotations

import json

from security_group_policies.catalogue import METAS
from security_group_policies.framework import PolicyMeta


def short(name: str) -> str:
    """A policy name without the `aws-ec2-securitygroup-` (or `aws-ec2-`) prefix."""
    return name.removeprefix("aws-ec2-securitygroup-").removeprefix("aws-ec2-")


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


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
    return "\n".join(lines)


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
    return "\n".join(lines)


if __name__ == "__main__":
    print(catalogue())
    print()
    print(config_keys())

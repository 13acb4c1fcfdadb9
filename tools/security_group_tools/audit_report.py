"""Audit findings, tied back to the live group and rule they are about, as a table or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Final

from .aws_inventory import LiveGroup
from .pack_runner import Diagnostic

LEVEL_ORDER: Final = {"mandatory": 0, "advisory": 1}


@dataclass(frozen=True)
class Finding:
    """One policy finding on one live group or rule."""

    level: str
    policy: str
    group_id: str
    group_name: str
    rule_id: str
    """The `sgr-` id when the finding is about one rule; empty when it is about the group."""
    message: str


def findings(groups: Sequence[LiveGroup], found: Sequence[tuple[str, Diagnostic]]) -> list[Finding]:
    """Each diagnostic as a finding on its group (and rule), mandatory first, then by group, rule and policy."""
    where: dict[str, tuple[str, str, str]] = {}
    for group in groups:
        where[group.group_id] = (group.group_id, group.name, "")
        for rule in group.rules:
            where[rule.rule_id] = (group.group_id, group.name, rule.rule_id)
    result = []
    for name, diagnostic in found:
        group_id, group_name, rule_id = where.get(name, ("", "", ""))
        result.append(Finding(diagnostic.level, diagnostic.policy, group_id, group_name, rule_id, diagnostic.finding))
    return sorted(result, key=lambda f: (LEVEL_ORDER.get(f.level, 2), f.group_id, f.rule_id, f.policy, f.message))


def render_table(found: Sequence[Finding], *, groups: int, rules: int) -> str:
    """Findings as aligned columns, with a one-line summary."""
    mandatory = sum(1 for finding in found if finding.level == "mandatory")
    summary = f"{groups} group(s), {rules} rule(s) audited: {len(found)} finding(s), {mandatory} mandatory\n"
    if not found:
        return summary
    header = ("LEVEL", "POLICY", "GROUP", "RULE", "FINDING")
    rows = [
        (
            f.level,
            f.policy,
            f"{f.group_id} ({f.group_name})" if f.group_name else f.group_id,
            f.rule_id or "-",
            f.message,
        )
        for f in found
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in [header, *rows]
    ]
    return "\n".join(lines) + "\n" + summary


def render_json(found: Sequence[Finding], *, groups: int, rules: int) -> str:
    """Findings as one JSON document."""
    document = {"groups": groups, "rules": rules, "findings": [asdict(finding) for finding in found]}
    return json.dumps(document, indent=2) + "\n"

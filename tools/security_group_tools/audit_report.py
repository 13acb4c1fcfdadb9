"""Audit findings, tied back to the live group and rule they are about, as a table or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from .account_region import AccountRegion
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
    place: AccountRegion | None = None
    """The account and region of the group, when known."""


def order(finding: Finding) -> tuple[Any, ...]:
    """Mandatory first, then by account, region, group, rule and policy."""
    place = finding.place or AccountRegion("", "")
    return (
        LEVEL_ORDER.get(finding.level, 2),
        place.account_id,
        place.region,
        finding.group_id,
        finding.rule_id,
        finding.policy,
        finding.message,
    )


def findings(
    groups: Sequence[LiveGroup], found: Sequence[tuple[str, Diagnostic]], place: AccountRegion | None = None
) -> list[Finding]:
    """Each diagnostic as a finding on its group (and rule) in `place`, in `order`."""
    where: dict[str, tuple[str, str, str]] = {}
    for group in groups:
        where[group.group_id] = (group.group_id, group.name, "")
        for rule in group.rules:
            where[rule.rule_id] = (group.group_id, group.name, rule.rule_id)
    result = []
    for name, diagnostic in found:
        group_id, group_name, rule_id = where.get(name, ("", "", ""))
        result.append(
            Finding(diagnostic.level, diagnostic.policy, group_id, group_name, rule_id, diagnostic.finding, place)
        )
    return sorted(result, key=order)


def render_table(found: Sequence[Finding], *, groups: int, rules: int, places: bool = False) -> str:
    """Findings as aligned columns, with a one-line summary; with `places`, a WHERE column (account, region)."""
    mandatory = sum(1 for finding in found if finding.level == "mandatory")
    summary = f"{groups} group(s), {rules} rule(s) audited: {len(found)} finding(s), {mandatory} mandatory\n"
    if not found:
        return summary
    header: tuple[str, ...] = ("LEVEL", "POLICY", "GROUP", "RULE", "FINDING")
    if places:
        header = ("LEVEL", "WHERE", *header[1:])
    rows = [
        (
            f.level,
            *([f.place.label() if f.place else "-"] if places else []),
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


def _finding(finding: Finding) -> dict[str, Any]:
    fields = asdict(finding)
    del fields["place"]
    if finding.place is not None:
        fields["account_id"] = finding.place.account_id
        fields["account_name"] = finding.place.account_name
        fields["region"] = finding.place.region
        fields["group_arn"] = finding.place.group_arn(finding.group_id) if finding.place.account_id else ""
    return fields


def render_json(
    found: Sequence[Finding],
    *,
    groups: int,
    rules: int,
    incomplete: Sequence[Mapping[str, str]] = (),
    skipped_regions: Sequence[Mapping[str, str]] = (),
) -> str:
    """Findings as one JSON document; with the units that could not be read and the opt-in regions left out."""
    document: dict[str, Any] = {"groups": groups, "rules": rules, "findings": [_finding(f) for f in found]}
    if incomplete:
        document["incomplete"] = list(incomplete)
    if skipped_regions:
        document["skipped_regions"] = list(skipped_regions)
    return json.dumps(document, indent=2) + "\n"

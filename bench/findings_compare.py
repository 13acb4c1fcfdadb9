"""Side by side: which of the known open rules each auditor reported, and what it reported beyond them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.auditors import Reported
from bench.prowler_checks import CHECK_PREFIX
from bench.sg_inventory import Inventory, kinds_in

OUR_POLICY_PREFIX = "aws-ec2-securitygroup-disallow-public-"


@dataclass(frozen=True)
class KindRow:
    """One open kind: how many groups hold it, and how many of them each auditor reported, and with what."""

    kind: str
    groups: int
    reported: Mapping[str, int]
    """auditor -> groups of this kind it reported"""
    why: Mapping[str, tuple[str, ...]]
    """auditor -> the policies or checks it reported them with, shortened"""


@dataclass(frozen=True)
class Comparison:
    """The whole side-by-side."""

    rows: tuple[KindRow, ...]
    extra: Mapping[str, tuple[str, ...]]
    """auditor -> groups it reported that hold no known open rule"""
    other: Mapping[str, int]
    """auditor -> findings outside the comparison"""

    def missed(self, auditor: str) -> list[str]:
        """The kinds of which the auditor reported fewer groups than hold them."""
        return [row.kind for row in self.rows if row.reported[auditor] < row.groups]


def _short(name: str) -> str:
    return name.removeprefix(OUR_POLICY_PREFIX).removeprefix(CHECK_PREFIX)


def compare(inventories: Sequence[Inventory], reported: Mapping[str, Reported]) -> Comparison:
    """Compare every auditor's reported groups with the known open groups of the inventories."""
    open_groups = {group: kind for inventory in inventories for group, kind in inventory.open_groups.items()}
    rows = []
    for kind in kinds_in(inventories):
        groups = [group for group, held in open_groups.items() if held == kind]
        counts: dict[str, int] = {}
        why: dict[str, tuple[str, ...]] = {}
        for auditor, found in reported.items():
            hits = [group for group in groups if group in found.by_group]
            counts[auditor] = len(hits)
            why[auditor] = tuple(sorted({_short(name) for group in hits for name in found.by_group[group]}))
        rows.append(KindRow(kind, len(groups), counts, why))
    extra = {
        auditor: tuple(sorted(group for group in found.by_group if group not in open_groups))
        for auditor, found in reported.items()
    }
    return Comparison(tuple(rows), extra, {auditor: found.other for auditor, found in reported.items()})


def markdown(comparison: Comparison, auditors: Sequence[str]) -> str:
    """The comparison as a Markdown table and a line on what lies outside it."""
    head = " | ".join(auditors)
    lines = [f"| Open rule (known) | Groups | {head} |", "|---|---|" + "---|" * len(auditors)]
    for row in comparison.rows:
        cells = []
        for auditor in auditors:
            why = f" ({', '.join(row.why[auditor])})" if row.why[auditor] else ""
            cells.append(f"{row.reported[auditor]}/{row.groups}{why}")
        lines.append(f"| {row.kind} | {row.groups} | {' | '.join(cells)} |")
    total = sum(row.groups for row in comparison.rows)
    found = " | ".join(f"**{sum(row.reported[a] for row in comparison.rows)}/{total}**" for a in auditors)
    lines.append(f"| **all known open rules** | {total} | {found} |")
    lines.append("")
    for auditor in auditors:
        missed = comparison.missed(auditor)
        lines.append(
            f"- {auditor}: {len(comparison.extra[auditor])} group(s) reported beyond the known open ones; "
            f"missed: {', '.join(missed) if missed else 'none'}; "
            f"{comparison.other[auditor]} finding(s) of other policies or checks, not compared."
        )
    return "\n".join(lines)

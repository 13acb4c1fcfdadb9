"""Audit findings that say where, how bad, which controls, and whether the group is in use; three renderings.

Each finding names its account, region and group ARN, the policy's severity and compliance controls, and
whether its group is attached to a network interface and a public one. Renderings: a table grouped by account
and region, one JSON document, or JSON lines.

One account in one region is a unit (`UnitReport`); every renderer takes the units of a run, however many
accounts and regions they span, and orders findings the same way: exposed first (a finding that opens the group
to anywhere, on a group attached to a public interface), then mandatory before advisory, then by account,
region, group, rule and policy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Final

from security_group_policies.compliance import FRAMEWORKS, Control, controls_of

from .account_region import AccountRegion
from .audit_checks import OPENS_TO_ANYWHERE, UNUSED_GROUP
from .aws_inventory import LiveGroup
from .network_interfaces import NOT_READ, UNKNOWN, Attachments, Use
from .pack_runner import Diagnostic

LEVEL_ORDER: Final = {"mandatory": 0, "advisory": 1}

NOWHERE: Final = AccountRegion("", "")
"""The place of groups read where no account or region is known."""


@dataclass(frozen=True)
class Finding:
    """One finding on one live group or rule, with where it lives and what it means."""

    level: str
    policy: str
    group_id: str
    group_name: str
    rule_id: str
    """The `sgr-` id when the finding is about one rule; empty when it is about the group."""
    message: str
    severity: str = ""
    """The policy's own severity, as its diagnostic gives it: low, medium, high or critical."""
    account_id: str = ""
    account_name: str = ""
    """The name AWS Organizations gives the account; empty when not known."""
    region: str = ""
    group_arn: str = ""
    controls: tuple[Control, ...] = ()
    in_use: bool | None = None
    """Attached to a network interface; None when the interfaces could not be read."""
    public: bool | None = None
    """Attached to an interface with a public address; None when unknown."""

    @property
    def exposed(self) -> bool:
        """Open to anywhere on a group the internet can reach (a public interface)."""
        return bool(self.public) and self.policy in OPENS_TO_ANYWHERE

    @property
    def use(self) -> str:
        """The table's IN USE cell: exposed, public, yes, no or unknown."""
        if self.in_use is None:
            return "unknown"
        if self.exposed:
            return "exposed"
        return "public" if self.public else "yes" if self.in_use else "no"

    def as_json(self) -> dict[str, Any]:
        """The finding as a JSON object, in the order people read it: where, what, how bad, then the text."""
        return {
            "account_id": self.account_id,
            "account_name": self.account_name,
            "region": self.region,
            "group_id": self.group_id,
            "group_arn": self.group_arn,
            "group_name": self.group_name,
            "rule_id": self.rule_id,
            "policy": self.policy,
            "level": self.level,
            "severity": self.severity,
            "controls": [
                {"framework": c.framework.key, "title": c.framework.title, "id": c.control_id} for c in self.controls
            ],
            "in_use": self.in_use,
            "public": self.public,
            "exposed": self.exposed,
            "message": self.message,
        }


def order(finding: Finding) -> tuple[Any, ...]:
    """Exposed first, then mandatory, then by place, group, rule, policy and message."""
    return (
        not finding.exposed,
        LEVEL_ORDER.get(finding.level, 2),
        finding.account_id,
        finding.region,
        finding.group_id,
        finding.rule_id,
        finding.policy,
        finding.message,
    )


@dataclass(frozen=True)
class UnitReport:
    """What audit found in one account and region."""

    place: AccountRegion
    groups: int
    """Groups audited (those left out by --skip-unused not counted)."""
    rules: int
    findings: tuple[Finding, ...]
    unused_left_out: int = 0
    """Groups attached to nothing that --skip-unused left out."""
    in_use_unknown: str | None = None
    """Why whether groups are in use is not known here (see network_interfaces); None when it is."""


def _where(group: LiveGroup, place: AccountRegion, use: Use) -> dict[str, Any]:
    # A group shared into this account from another keeps its owner's account in its ARN.
    account = group.owner_id or place.account_id
    owner = place._replace(account_id=account, account_name=place.account_name if account == place.account_id else "")
    return {
        "group_id": group.group_id,
        "group_name": group.name,
        "account_id": owner.account_id,
        "account_name": owner.account_name,
        "region": owner.region,
        "group_arn": owner.group_arn(group.group_id) if owner.account_id and owner.region else "",
        "in_use": use.in_use,
        "public": use.public,
    }


def findings(
    groups: Sequence[LiveGroup],
    found: Sequence[tuple[str, Diagnostic]],
    place: AccountRegion = NOWHERE,
    attachments: Attachments = NOT_READ,
) -> list[Finding]:
    """Each of the pack's diagnostics (named by group or rule id) as a finding on its group and rule, in `order`.

    `place` is the account and region the groups were read in; `attachments` says which are in use (by default
    unknown: the AWS Config rule, for one, reads no network interfaces).
    """
    where = _places(groups, place, attachments)
    result = [
        Finding(
            level=diagnostic.level,
            policy=diagnostic.policy,
            message=diagnostic.finding,
            severity=diagnostic.severity,
            controls=controls_of(diagnostic.policy),
            **(where.get(name) or _unplaced(place)),
        )
        for name, diagnostic in found
    ]
    return sorted(result, key=order)


def _places(groups: Sequence[LiveGroup], place: AccountRegion, attachments: Attachments) -> dict[str, dict[str, Any]]:
    """Where each group and rule is, by its id: the fields of a finding on it."""
    where: dict[str, dict[str, Any]] = {}
    for group in groups:
        base = _where(group, place, attachments.use(group.group_id))
        where[group.group_id] = {**base, "rule_id": ""}
        for rule in group.rules:
            where[rule.rule_id] = {**base, "rule_id": rule.rule_id}
    return where


def unused_findings(groups: Sequence[LiveGroup], place: AccountRegion, attachments: Attachments) -> list[Finding]:
    """The audit-only unused-group check: one advisory finding per group on no interface, default groups excepted."""
    where = _places(groups, place, attachments)
    return [
        Finding(
            level=UNUSED_GROUP.level,
            policy=UNUSED_GROUP.name,
            message=UNUSED_GROUP.message,
            severity=UNUSED_GROUP.severity,
            controls=UNUSED_GROUP.controls,
            **where[group.group_id],
        )
        for group in groups
        if attachments.use(group.group_id).in_use is False and not group.is_default
    ]


def unit_report(
    place: AccountRegion,
    groups: Sequence[LiveGroup],
    attachments: Attachments,
    found: Sequence[tuple[str, Diagnostic]],
    *,
    skip_unused: bool = False,
) -> UnitReport:
    """The pack's diagnostics and the audit-only checks, as one account and region's findings and counts.

    With `skip_unused`, groups attached to no interface are left out of the findings and the counts (and counted
    as left out); when whether they are in use is unknown, nothing is left out. Every group is judged either
    way, so a stack policy's finding on a group that stays is the same with or without the flag.
    """
    left_out = {g.group_id for g in groups if skip_unused and attachments.use(g.group_id).in_use is False}
    result = findings(groups, found, place, attachments) + unused_findings(groups, place, attachments)
    kept = [group for group in groups if group.group_id not in left_out]
    return UnitReport(
        place=place,
        groups=len(kept),
        rules=sum(len(group.rules) for group in kept),
        findings=tuple(sorted((f for f in result if f.group_id not in left_out), key=order)),
        unused_left_out=len(left_out),
        in_use_unknown=attachments.unknown,
    )


def _unplaced(place: AccountRegion) -> dict[str, Any]:
    """Where a diagnostic on no known resource is: the unit itself."""
    return {
        "account_id": place.account_id,
        "account_name": place.account_name,
        "region": place.region,
        "group_arn": "",
        "group_id": "",
        "group_name": "",
        "rule_id": "",
        "in_use": UNKNOWN.in_use,
        "public": UNKNOWN.public,
    }


def all_findings(units: Iterable[UnitReport]) -> list[Finding]:
    """Every unit's findings in one order."""
    return sorted((finding for unit in units for finding in unit.findings), key=order)


# --- Counts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """Totals over some units."""

    regions: int
    groups: int
    rules: int
    findings: int
    mandatory: int
    exposed: int
    unused_left_out: int

    @classmethod
    def of(cls, units: Sequence[UnitReport]) -> Counts:
        """The totals of these units."""
        found = [finding for unit in units for finding in unit.findings]
        return cls(
            regions=len({unit.place.region for unit in units}),
            groups=sum(unit.groups for unit in units),
            rules=sum(unit.rules for unit in units),
            findings=len(found),
            mandatory=sum(1 for finding in found if finding.level == "mandatory"),
            exposed=sum(1 for finding in found if finding.exposed),
            unused_left_out=sum(unit.unused_left_out for unit in units),
        )

    def findings_text(self) -> str:
        """`3 finding(s), 1 mandatory, 1 exposed`."""
        return f"{self.findings} finding(s), {self.mandatory} mandatory, {self.exposed} exposed"

    def left_out_text(self) -> str:
        """`; 2 unused group(s) left out (--skip-unused)`, or nothing."""
        return f"; {self.unused_left_out} unused group(s) left out (--skip-unused)" if self.unused_left_out else ""

    def as_json(self) -> dict[str, int]:
        """The counts as a JSON object."""
        return {
            "groups": self.groups,
            "rules": self.rules,
            "finding_count": self.findings,
            "mandatory": self.mandatory,
            "exposed": self.exposed,
            "unused_left_out": self.unused_left_out,
        }


def _by_account(units: Sequence[UnitReport]) -> list[tuple[AccountRegion, list[UnitReport]]]:
    """The units per account (by account id), each account's in region order."""
    ordered = sorted(units, key=lambda unit: (unit.place.account_id, unit.place.region))
    accounts = []
    for _, same_account in groupby(ordered, key=lambda unit: unit.place.account_id):
        members = list(same_account)
        accounts.append((members[0].place, members))
    return accounts


def _account_label(place: AccountRegion) -> str:
    """`111111111111 (prod)`; `(account unknown)` for a region that held no group to name its owner."""
    account = place.account_id or "(account unknown)"
    return f"{account} ({place.account_name})" if place.account_name else account


# --- Table -----------------------------------------------------------------------------------------------------

HEADER: Final = ("IN USE", "LEVEL", "SEVERITY", "POLICY", "GROUP", "RULE", "FINDING")


def _rows(found: Sequence[Finding]) -> list[str]:
    rows = [
        (
            f.use,
            f.level,
            f.severity or "-",
            f.policy,
            f"{f.group_id} ({f.group_name})" if f.group_name else f.group_id or "-",
            f.rule_id or "-",
            f.message,
        )
        for f in found
    ]
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER) - 1)]
    return [
        "  " + "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in [HEADER, *rows]
    ]


def _controls_legend(found: Sequence[Finding]) -> list[str]:
    """One line per policy found that maps to controls: `policy: CIS v3.0.0 5.2, 5.3; FSBP EC2.19`."""
    lines = []
    for policy in sorted({f.policy for f in found}):
        controls = next(f.controls for f in found if f.policy == policy)
        parts = []
        for framework in FRAMEWORKS:
            ids = [c.control_id for c in controls if c.framework == framework]
            if ids:
                parts.append(f"{framework.short} {', '.join(ids)}")
        if parts:
            lines.append(f"  {policy}: {'; '.join(parts)}")
    return ["controls:", *lines] if lines else []


def render_table(units: Sequence[UnitReport]) -> str:
    """The findings grouped by account and region, with a summary per account and one line of totals.

    Each account and region has a line of counts, then its findings (and why use is unknown, if it is); each
    account a summary after its regions; then the controls the findings map to.
    """
    lines: list[str] = []
    for account, account_units in _by_account(units):
        for unit in account_units:
            counts = Counts.of([unit])
            lines.append(
                f"{_account_label(unit.place)} {unit.place.region}: "
                f"{counts.groups} group(s), {counts.rules} rule(s): {counts.findings_text()}{counts.left_out_text()}"
            )
            if unit.in_use_unknown is not None:
                lines.append(f"  in use: unknown: {unit.in_use_unknown}")
            if unit.findings:
                lines.extend(_rows(unit.findings))
        totals = Counts.of(account_units)
        lines.append(
            f"account {_account_label(account)}: {totals.regions} region(s), {totals.groups} group(s), "
            f"{totals.rules} rule(s): {totals.findings_text()}{totals.left_out_text()}"
        )
    lines.extend(_controls_legend(all_findings(units)))
    totals = Counts.of(units)
    lines.append(
        f"{totals.groups} group(s), {totals.rules} rule(s) audited: {totals.findings} finding(s), "
        f"{totals.mandatory} mandatory, {totals.exposed} exposed{totals.left_out_text()}"
    )
    return "\n".join(lines) + "\n"


# --- JSON ------------------------------------------------------------------------------------------------------


def _unit_json(unit: UnitReport) -> dict[str, Any]:
    return {
        "account_id": unit.place.account_id,
        "account_name": unit.place.account_name,
        "region": unit.place.region,
        **Counts.of([unit]).as_json(),
        "in_use_unknown": unit.in_use_unknown,
    }


def render_json(
    units: Sequence[UnitReport],
    *,
    incomplete: Sequence[Mapping[str, str]] = (),
    skipped_regions: Sequence[Mapping[str, str]] = (),
) -> str:
    """One JSON document: the totals, every finding, each account and region's counts, and each account's.

    With the account-regions that could not be read (`incomplete`) and the opt-in regions left out, when any.
    """
    return json.dumps(json_document(units, incomplete=incomplete, skipped_regions=skipped_regions), indent=2) + "\n"


def json_document(
    units: Sequence[UnitReport],
    *,
    incomplete: Sequence[Mapping[str, str]] = (),
    skipped_regions: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """`render_json`'s document, before it is written (callers that add to it write it once)."""
    accounts: list[Mapping[str, Any]] = [
        {"account_id": place.account_id, "account_name": place.account_name, **Counts.of(group).as_json()}
        for place, group in _by_account(units)
    ]
    document: dict[str, Any] = {
        **Counts.of(units).as_json(),
        "findings": [finding.as_json() for finding in all_findings(units)],
        "units": [_unit_json(unit) for _, group in _by_account(units) for unit in group],
        "accounts": accounts,
    }
    if incomplete:
        document["incomplete"] = list(incomplete)
    if skipped_regions:
        document["skipped_regions"] = list(skipped_regions)
    return document


def render_jsonl(units: Sequence[UnitReport]) -> str:
    """One JSON object per finding and line, for pipelines; nothing for no finding."""
    return "".join(json.dumps(finding.as_json()) + "\n" for finding in all_findings(units))

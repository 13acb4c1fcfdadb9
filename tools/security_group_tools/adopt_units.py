"""adopt across accounts and regions: each account-region's groups merged into a stack file of its own.

A stack deploys to one account and one region, so each account-region (a unit of `aws_units`, read on the same
bounded pool as audit's) gets its own stack file and import file: `--write` and `--import-file` name them with
`{account}` and `{region}`, filled in per unit (`stacks/Pulumi.{account}-{region}.yaml`). A field may be left
out only where it cannot differ: `{account}` with one account, `{region}` with one region.

Every unit is read first; then each is adopted and merged (`stack_merge`), its diff printed, in account and
region order. A unit that cannot be read (a role refused, a region denied) or merged (its stack file cannot take
the groups) is reported with its account and region and writes nothing; the others go on. With --yes each
unit's two files are written all or nothing, one unit after another, so a failure or a signal leaves every
unit either whole or untouched.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from . import interrupts, stack_merge
from .account_region import AccountRegion
from .adopt_config import Adoption, adopt
from .adopt_output import import_document, notes_beside_rules
from .aws_inventory import LiveGroup, Selection, describe
from .aws_names import SESSION_NAME_PREFIX
from .aws_session import Attempts, ec2_client
from .aws_units import ALL, Plan, Unit, UnitFailure, UnitResult, Units
from .cli import USAGE_ERROR, fail, progress, stopped
from .output_files import Output, OutputError
from .unit_progress import UnitProgress

ACCOUNT: Final = "{account}"
REGION: Final = "{region}"
SESSION_NAME: Final = "security-groups-adopt"
"""The role session name's prefix in each account entered (CloudTrail shows it): adopt, not audit."""
EXIT_DIFF_ONLY: Final = 1
EXIT_INCOMPLETE: Final = 3
"""Some account-region could not be read or merged; the others were (audit's status for the same)."""


def fill(path: Path, place: AccountRegion) -> Path:
    """The path for one unit: `{account}` and `{region}` replaced."""
    return Path(str(path).replace(ACCOUNT, place.account_id).replace(REGION, place.region))


_FIELD: Final = re.compile(r"\{[^{}/]*\}")
"""Anything written as a field in a path: `{account}`, or a misspelt `{acount}`."""


def unknown_fields(paths: Sequence[tuple[str, Path | None]], *, across: bool) -> list[str]:
    """Each flag whose path holds a field adopt does not fill in: never kept as literal braces in a file name.

    Across accounts or regions the fields are `{account}` and `{region}`; a single account-region fills in none.
    """
    problems = []
    for flag, path in paths:
        if path is None:
            continue
        fields = list(dict.fromkeys(_FIELD.findall(str(path))))
        if across:
            stray = [field for field in fields if field not in (ACCOUNT, REGION)]
            if stray:
                problems.append(
                    f"{flag} {path}: {', '.join(stray)} is not a field adopt fills in; the fields are {ACCOUNT} and "
                    f"{REGION}"
                )
        elif fields:
            problems.append(
                f"{flag} {path}: {', '.join(fields)} is filled in only across accounts or regions (--regions, "
                "--accounts, --organization, --ou); for one account-region, name the file itself"
            )
    return problems


def missing_fields(planned: Plan, paths: Sequence[tuple[str, Path]]) -> list[str]:
    """Each flag whose path would name one file for several units, with the fields it needs."""
    needed = []
    if len(planned.accounts) > 1:
        needed.append(ACCOUNT)
    if planned.regions == ALL or len(planned.regions) > 1:
        needed.append(REGION)
    problems = []
    for flag, path in paths:
        absent = [field for field in needed if field not in str(path)]
        if absent:
            problems.append(
                f"{flag} {path}: one stack deploys to one account and one region, so each account-region needs "
                f"files of its own: put {' and '.join(absent)} in the path, e.g. "
                f"{flag} 'stacks/Pulumi.{ACCOUNT}-{REGION}.yaml'"
                if flag == "--write"
                else f"{flag} {path}: each account-region needs an import file of its own: put "
                f"{' and '.join(absent)} in the path, e.g. {flag} 'adopt-import.{ACCOUNT}-{REGION}.json'"
            )
    return problems


@dataclass(frozen=True)
class _Prepared:
    """One unit, adopted and merged: ready to show and to write."""

    place: AccountRegion
    adoption: Adoption
    merged: stack_merge.Merged
    import_file: Path


def run(args: argparse.Namespace, chosen: Selection, planned: Plan) -> int:
    """Read every unit, merge each into its stack file, show every diff; with --yes, write unit by unit."""
    problems = missing_fields(planned, [("--write", args.write), ("--import-file", args.import_file)])
    if problems:
        for problem in problems:
            fail(problem)
        return USAGE_ERROR
    planned = replace(planned, session_name=SESSION_NAME + planned.session_name.removeprefix(SESSION_NAME_PREFIX))
    results, failures, planned_count = _read(args, chosen, planned)
    prepared: list[_Prepared] = []
    for result in sorted(results, key=lambda result: result.place):
        try:
            prepared.append(_prepare(args, result.place, result.value))
        except stack_merge.MergeError as error:
            failures.extend(f"{result.place.label()}: {problem}" for problem in error.problems)
    prepared = _distinct(prepared, failures)
    for unit in prepared:
        for note in unit.adoption.notes:
            progress(f"adopt: {unit.place.label()}: {note}")
        sys.stdout.write(unit.merged.diff())
    sys.stdout.flush()
    changes = [unit for unit in prepared if unit.merged.added]
    for unit in prepared:
        if not unit.merged.added:
            progress(f"adopt: {unit.place.label()}: no group to adopt; {unit.merged.before.shown} is not written")
    if not args.yes:
        _not_written(changes)
    else:
        stopped_by = _write(args, changes, failures)
        if stopped_by is not None:
            return stopped_by
    for failure in failures:
        fail(failure)
    if failures:
        progress(
            f"adopt: incomplete: {len({line.split(': ', 1)[0] for line in failures})} of {planned_count} "
            "account-region(s) could not be adopted; nothing was written for them"
        )
        return USAGE_ERROR if not prepared else EXIT_INCOMPLETE
    return EXIT_DIFF_ONLY if changes and not args.yes else 0


def _read(
    args: argparse.Namespace, chosen: Selection, planned: Plan
) -> tuple[list[UnitResult[list[LiveGroup]]], list[str], int]:
    """Every unit's groups (or its failure, as one line), on the pool, with audit's progress bar."""

    def read(unit: Unit, attempts: Attempts) -> list[LiveGroup]:
        # Per-unit progress lines would interleave across units: the bar says how far the run is instead.
        return describe(ec2_client(unit.options, attempts, unit.session), chosen, unit.options, lambda _: None)

    results: list[UnitResult[list[LiveGroup]]] = []
    failures: list[UnitFailure] = []
    with UnitProgress() as bar, Units(planned, read, args.concurrency) as units:
        for outcome in units.run():
            bar.planned(len(units.planned))
            if isinstance(outcome, UnitResult):
                results.append(outcome)
                bar.unit_done(len(outcome.value))
            else:
                failures.append(outcome)
                bar.unit_done()
        bar.close()
        for place in sorted(units.skipped):
            progress(f"adopt: skipped {place.label()}: an opt-in region the account has not enabled")
        # In account and region order, as audit says them: units end in whatever order their reads finish.
        lines = [failure.line() for failure in sorted(failures, key=lambda failure: failure.place)]
        return results, lines, len(units.planned)


def _prepare(args: argparse.Namespace, place: AccountRegion, groups: list[LiveGroup]) -> _Prepared:
    if not place.account_id and groups:  # the credentials' own account, not asked of STS: the groups' owner
        place = place._replace(account_id=groups[0].owner_id)
    path = fill(args.write, place)
    stack = stack_merge.read(path, str(path))
    adoption = adopt(groups, stack.existing)
    stack_merge.check_new(stack, adoption)
    beside, apart = notes_beside_rules(adoption)
    header = [f"adopted from {place.label()} by security-groups adopt: {len(adoption.groups)} group(s)", *apart]
    merged = stack_merge.merge(stack, adoption, place.region, header=header, notes=beside)
    return _Prepared(place, adoption, merged, fill(args.import_file, place))


def _distinct(prepared: list[_Prepared], failures: list[str]) -> list[_Prepared]:
    """Units whose files no earlier unit also names (a path with {account} or {region} spelt in another way)."""
    kept: list[_Prepared] = []
    seen: dict[Path, AccountRegion] = {}
    for unit in prepared:
        paths = [unit.merged.before.path.resolve(), unit.import_file.resolve()]
        other = next((seen[path] for path in paths if path in seen), None)
        if other is not None:
            failures.append(f"{unit.place.label()}: its files are also {other.label()}'s; give each unit its own path")
            continue
        seen.update(dict.fromkeys(paths, unit.place))
        kept.append(unit)
    return kept


def _not_written(changes: Sequence[_Prepared]) -> None:
    if changes:
        files = ", ".join(str(unit.merged.before.shown) for unit in changes)
        progress(
            f"adopt: nothing was written; pass --yes to write {files} (each old file kept beside it as "
            f"<file>{stack_merge.BACKUP_SUFFIX}…) and their import files"
        )


def _write(args: argparse.Namespace, changes: Sequence[_Prepared], failures: list[str]) -> int | None:
    """Write each unit's files, all or nothing per unit; the status if a signal stopped the run, else None."""
    written: list[str] = []
    try:
        for unit in changes:
            text = json.dumps(import_document(unit.adoption), indent=2) + "\n"
            try:
                backup, held = stack_merge.write(
                    unit.merged, Output("--import-file", unit.import_file, text), force=args.force
                )
            except stack_merge.MergeError as error:
                failures.extend(f"{unit.place.label()}: {problem}" for problem in error.problems)
                continue
            except OutputError as error:
                failures.extend(f"{unit.place.label()}: {problem}" for problem in error.problems)
                continue
            written.append(str(unit.merged.before.shown))
            rules = sum(len(group.rules) for group in unit.adoption.groups)
            kept = f" (the old file kept as {backup})" if backup else ""
            progress(
                f"adopt: {unit.place.label()}: {len(unit.adoption.groups)} group(s) and {rules} rule(s) merged "
                f"into {unit.merged.before.shown}{kept}; import with `pulumi import --file {unit.import_file} "
                "--generate-code=false`"
            )
            if held is not None:
                return _stopped(held, written)
    except (KeyboardInterrupt, interrupts.Terminated) as error:
        return _stopped(interrupts.signal_of(error), written)
    return None


def _stopped(signum: int, written: Sequence[str]) -> int:
    done = f"; written before it: {', '.join(written)}; no other file" if written else "; no file was written"
    return stopped(signum, prefix="adopt: ", suffix=done)

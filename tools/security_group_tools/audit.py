"""Audit live security groups with the policy pack's own policies, under a `--policy-pack-config` file.

    security-groups audit --region us-east-1 --policy-config stacks/policy-config.prod.json
    security-groups audit --organization --role-name SecurityAudit --regions all --region us-east-1

Without --group-id, --vpc-id or --tag, every group of each region is audited. Without --regions, --accounts,
--organization or --ou, one region of the credentials' own account. Each account-region is read on its own
(--concurrency at once) within --timeout. Exit status: 0 when every account-region was read and no finding is
mandatory under the policy config; 1 when one is mandatory and every account-region was read; 3 when an
account-region could not be read (its account, region, call and AWS error code are on stderr; the rest is
reported; 3 wins over 1); 2 on usage, credential or endpoint errors and when no account-region could be read
at all; 130 on SIGINT (Ctrl-C) and 143 on SIGTERM, after a partial report of what was read.
"""

from __future__ import annotations

from . import console, interrupts, phases

if __name__ == "__main__":
    # A signal while the imports below load (half a second) ends the command like one at any later moment.
    console.start("audit")

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from . import policy_config
from .account_region import AccountRegion
from .audit_engine import InProcessPack
from .audit_report import Finding, findings, order, render_json, render_table
from .audit_resources import stack_items
from .aws_inventory import LiveGroup, Selection, add_selection_arguments, describe, selection
from .aws_session import Attempts, AwsError, add_aws_arguments, aws_options, ec2_client
from .aws_targets import UsageError, add_target_arguments, plan, targets
from .aws_units import Plan, Unit, UnitFailure, UnitResult, Units, Work
from .cli import USAGE_ERROR, fail, progress, stopped
from .pack_runner import ConfigError
from .unit_progress import UnitProgress

PREFIX = "audit: "

EXIT_MANDATORY: Final = 1
EXIT_INCOMPLETE: Final = 3
"""Some account-region could not be read: the report covers the rest. Wins over 1: a gate must not pass, or
fail for findings alone, while part of the estate went unseen."""


def _configure(pack: InProcessPack, path: Path | None) -> None:
    """Configure the pack with the policy config, read and checked exactly as preview-offline does."""
    if path is None:
        pack.configure(None)
        return
    document = policy_config.read(path, hint="check --policy-config")
    policy_config.check_names(path, document, [policy.name for policy in pack.info().policies])
    try:
        pack.configure(document)
    except ConfigError as error:
        raise policy_config.refused(path, error) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run audit; return the exit status (130 or 143, after one line, when SIGINT or SIGTERM ends it)."""
    with interrupts.raising():
        try:
            return _main(argv)
        except (KeyboardInterrupt, interrupts.Terminated) as error:
            return stopped(interrupts.signal_of(error), prefix=PREFIX)


@dataclass
class _Audit:
    """What the run has read and judged so far."""

    single: bool
    """One region of the credentials' own account: report and errors exactly as before multi-account runs."""
    groups: int = 0
    rules: int = 0
    found: list[Finding] = field(default_factory=list)
    failures: list[UnitFailure] = field(default_factory=list)
    judged: int = 0


def _reader(chosen: Selection, single: bool) -> Work[list[LiveGroup]]:
    """A unit's work: its groups and their rules."""

    def read(unit: Unit, attempts: Attempts) -> list[LiveGroup]:
        # Per-unit progress lines would interleave across units: the bar says how far the run is instead.
        report = progress if single else (lambda _message: None)
        return describe(ec2_client(unit.options, attempts, unit.session), chosen, unit.options, report)

    return read


def _judge(pack: InProcessPack, audit: _Audit, place: AccountRegion, groups: list[LiveGroup]) -> int:
    """Judge one unit's groups as one stack (stack policies see one account-region at a time); its findings."""
    if not place.account_id and groups:  # the credentials' own account, not asked of STS: the groups' owner
        place = place._replace(account_id=groups[0].owner_id)
    if audit.judged == 0:
        phases.reached("judging")
    found = findings(groups, pack.analyze(stack_items(groups), progress if audit.single else None), place)
    audit.found.extend(found)
    audit.groups += len(groups)
    audit.rules += sum(len(group.rules) for group in groups)
    audit.judged += 1
    return len(found)


def _report(audit: _Audit, units: Units[list[LiveGroup]], output_format: str) -> None:
    found = sorted(audit.found, key=order)
    if output_format == "json":
        failures = [
            {
                "account_id": failure.place.account_id,
                "region": failure.place.region,
                "operation": failure.operation,
                "error_code": failure.error_code,
                "message": failure.message,
            }
            for failure in sorted(audit.failures, key=lambda failure: failure.place)
        ]
        skipped = [{"account_id": place.account_id, "region": place.region} for place in sorted(units.skipped)]
        sys.stdout.write(
            render_json(found, groups=audit.groups, rules=audit.rules, incomplete=failures, skipped_regions=skipped)
        )
    else:
        sys.stdout.write(render_table(found, groups=audit.groups, rules=audit.rules, places=not audit.single))


def _notes(audit: _Audit, units: Units[list[LiveGroup]]) -> None:
    """On stderr: the opt-in regions left out, then each unit not read, one line each."""
    for place in sorted(units.skipped):
        progress(f"{PREFIX}skipped {place.label()}: an opt-in region the account has not enabled")
    for failure in sorted(audit.failures, key=lambda failure: failure.place):
        fail(failure.message if audit.single else failure.line())
    if audit.failures and audit.judged:
        progress(
            f"{PREFIX}incomplete: {len(audit.failures)} of {len(units.planned)} account-region(s) could not be "
            f"read; the report covers the other {audit.judged}"
        )


def _report_all(audit: _Audit, units: Units[list[LiveGroup]], output_format: str) -> None:
    """The report, when anything was read, and the notes on what was not."""
    if audit.judged or not audit.failures:
        _report(audit, units, output_format)
    _notes(audit, units)


def _partial(audit: _Audit, units: Units[list[LiveGroup]], output_format: str) -> None:
    """After SIGINT or SIGTERM: what was judged, as a report marked partial; the units not read as failures."""
    if not audit.judged:
        return  # nothing to report: the signal's line says it all, as before multi-account runs
    audit.failures.extend(
        UnitFailure(place, "", "Interrupted", "not read: the audit was stopped") for place in units.pending()
    )
    _report(audit, units, output_format)
    progress(
        f"{PREFIX}partial report: {audit.judged} of {len(units.planned)} account-region(s) were read and judged "
        "before the signal"
    )


def _status(audit: _Audit) -> int:
    if audit.failures:
        return USAGE_ERROR if not audit.judged else EXIT_INCOMPLETE
    return EXIT_MANDATORY if any(finding.level == "mandatory" for finding in audit.found) else 0


def _main(argv: Sequence[str] | None) -> int:
    parser = console.parser("audit", __doc__)
    add_selection_arguments(parser)
    add_aws_arguments(parser)
    add_target_arguments(parser)
    parser.add_argument(
        "--policy-config", type=Path, help="a --policy-pack-config file, e.g. stacks/policy-config.prod.json"
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args(argv)
    chosen = selection(args, parser)
    where = targets(args, parser)
    pack = InProcessPack()
    try:
        _configure(pack, args.policy_config)
    except policy_config.PolicyConfigError as error:
        for problem in error.problems:
            fail(problem)
        return USAGE_ERROR
    try:
        planned: Plan = plan(where, aws_options(args))
    except (AwsError, UsageError) as error:
        return fail(str(error))
    audit = _Audit(single=where.single)
    read = _reader(chosen, where.single)
    with UnitProgress() as bar, Units(planned, read, args.concurrency) as units:
        try:
            for outcome in units.run():
                bar.planned(len(units.planned))
                if isinstance(outcome, UnitResult):
                    bar.unit_done(len(outcome.value), _judge(pack, audit, outcome.place, outcome.value))
                else:
                    audit.failures.append(outcome)
                    bar.unit_done()
                if units.pending():
                    phases.reached("reading")
        except (KeyboardInterrupt, interrupts.Terminated):
            bar.close()
            _partial(audit, units, args.format)
            raise
        bar.close()
        _report_all(audit, units, args.format)
    return _status(audit)


if __name__ == "__main__":
    sys.exit(main())

"""Audit live security groups with the policy pack's own policies, under a `--policy-pack-config` file.

    security-groups audit --region us-east-1 --policy-config stacks/policy-config.prod.json
    security-groups audit --organization --role-name SecurityAudit --regions all --region us-east-1

Without --group-id, --vpc-id or --tag, every group of each region is audited. Without --regions, --accounts,
--organization or --ou, one region of the credentials' own account. Each account-region is read on its own
(--concurrency at once) within --timeout. Each finding says where (account, region, ARN), its severity and
compliance controls, and whether its group is in use (attached to a network interface) and public; --skip-unused
leaves out groups attached to nothing. Exit status: 0 when every account-region was read and no open finding is at a
level --fail-on fails on; 1 when one is and every account-region was read (the default --fail-on mandatory: a
mandatory finding under the policy config; --fail-on advisory: any mandatory or advisory finding; --fail-on none:
never; findings a --baseline holds never count); 3 when an account-region could not be read (its account, region,
call and AWS error code are on stderr; the rest is reported; 3 wins over 1); 2 on usage, credential or endpoint
errors, when no account-region could be read at all, a bad baseline file or a --create-baseline file in the way; 130
on SIGINT (Ctrl-C) and 143 on SIGTERM, after a partial report of what was read. `--format sarif|junit|markdown`,
`--fail-on` and the baseline options work as for `preview` (docs/findings-formats.md).
"""

from __future__ import annotations

from . import console, interrupts, phases

if __name__ == "__main__":
    # A signal while the imports below load (half a second) ends the command like one at any later moment.
    console.start("audit")

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from . import audit_findings, gc_tuning, policy_config, report_options
from .account_region import AccountRegion
from .audit_engine import InProcessPack
from .audit_report import Counts, UnitReport, unit_report
from .audit_resources import stack_items
from .aws_inventory import Selection, add_selection_arguments, nothing_matched, selection
from .aws_session import Attempts, AwsError, add_aws_arguments, aws_options, ec2_client
from .aws_targets import UsageError, add_target_arguments, plan, targets
from .aws_units import Plan, Unit, UnitFailure, UnitResult, Units, Work
from .baseline import BaselineError, Entry
from .cli import USAGE_ERROR, fail, progress, stopped
from .early_judging import EarlyJudging
from .findings_report import Policy, Subject, policies
from .network_interfaces import ACTION, Inventory, inventory
from .output_files import OutputError
from .pack_runner import ConfigError
from .unit_progress import UnitProgress

PREFIX = "audit: "

EXIT_MANDATORY: Final = 1
EXIT_INCOMPLETE: Final = 3
"""Some account-region could not be read: the report covers the rest. Wins over 1: a gate must not pass, or
fail for findings alone, while part of the estate went unseen."""


def _configure(pack: InProcessPack, path: Path | None) -> tuple[Policy, ...]:
    """Configure the pack with the policy config, read and checked exactly as preview-offline does.

    Returns the pack's policies at the levels the config gives them.
    """
    info = pack.info()
    if path is None:
        return policies(info, pack.configure(None))
    document = policy_config.read(path, hint="check --policy-config")
    policy_config.check_names(path, document, [policy.name for policy in info.policies])
    try:
        return policies(info, pack.configure(document))
    except ConfigError as error:
        raise policy_config.refused(path, error) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run audit; return the exit status (130 or 143, after one line, when SIGINT or SIGTERM ends it)."""
    with interrupts.raising(), gc_tuning.for_batch():
        try:
            return _main(argv)
        except (KeyboardInterrupt, interrupts.Terminated) as error:
            return stopped(interrupts.signal_of(error), prefix=PREFIX)


@dataclass
class _Audit:
    """What the run has read and judged so far."""

    single: bool
    """One region of the credentials' own account: report and errors exactly as before multi-account runs."""
    skip_unused: bool = False
    reports: list[UnitReport] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    """Every resource judged, for JUnit's one case per resource and policy."""
    failures: list[UnitFailure] = field(default_factory=list)

    @property
    def judged(self) -> int:
        """Account-regions read and judged."""
        return len(self.reports)


def _reader(
    chosen: Selection, single: bool, pack: InProcessPack, early: dict[AccountRegion, EarlyJudging]
) -> Work[Inventory]:
    """A unit's work: its groups and their rules, and which groups are attached to network interfaces.

    While it reads, what has arrived is analysed on a thread of the unit's own (`early`, by unit).
    """

    def read(unit: Unit, attempts: Attempts) -> Inventory:
        # Per-unit progress lines would interleave across units: the bar says how far the run is instead.
        report = progress if single else (lambda _message: None)
        client = ec2_client(unit.options, attempts, unit.session)
        judging = early[unit.place] = EarlyJudging(pack)
        read = inventory(client, chosen, unit.options, report, unit.place, seen=judging.seen)
        if single and (line := nothing_matched(chosen, read.groups, unit.place.region)):
            progress(f"{PREFIX}{line}")
        return read

    return read


def _judge(pack: InProcessPack, audit: _Audit, inventory: Inventory, early: EarlyJudging | None) -> UnitReport:
    """Judge one unit's groups as one stack (stack policies see one account-region at a time)."""
    if audit.judged == 0:
        phases.reached("judging")
    if inventory.attachments.unknown is not None:
        progress(
            f"{PREFIX}in use: unknown: {inventory.attachments.unknown}; grant {ACTION} to see which groups are in use"
        )
    items = stack_items(inventory.groups)
    audit.subjects.extend(Subject(item.name, item.resource_type) for item in items)
    found = pack.analyze(items, progress if audit.single else None, early.finish() if early is not None else None)
    report = unit_report(inventory.place, inventory.groups, inventory.attachments, found, skip_unused=audit.skip_unused)
    audit.reports.append(report)
    return report


def _failures_json(audit: _Audit, units: Units[Inventory]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The units not read and the opt-in regions left out, as the JSON report lists them."""
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
    return failures, skipped


@dataclass
class _Outcome:
    """The report of a run, once findings are settled against the baseline; its exit status by --fail-on."""

    args: argparse.Namespace
    audit: _Audit
    judging: tuple[Policy, ...]
    entries: tuple[Entry, ...] | None
    """The --baseline file's entries, or None without one."""
    status: int = 0

    def report(self, units: Units[Inventory]) -> None:
        """Settle the findings (a baseline suppresses, --create-baseline writes) and print the chosen format."""
        args, audit = self.args, self.audit
        found = audit_findings.findings(audit.reports)
        matched = report_options.settle(args, self.entries, found)
        kept, report = audit_findings.build(
            audit.reports, matched, subjects=audit.subjects, policies=self.judging, fail_on=args.fail_on
        )
        self.status = report.status
        if args.format == "json":
            failures, skipped = _failures_json(audit, units)
            text = audit_findings.render_json(kept, report, incomplete=failures, skipped_regions=skipped)
        elif args.format == "jsonl":
            text = audit_findings.render_jsonl(kept)
            totals = Counts.of(kept)
            progress(
                f"{PREFIX}{totals.groups} group(s), {totals.rules} rule(s) audited: {totals.findings_text()}"
                f"{totals.left_out_text()}"
            )
        elif args.format == "sarif":
            from . import findings_sarif  # noqa: PLC0415  # each renderer loads only when its format is chosen

            text = findings_sarif.render(report)
        elif args.format == "junit":
            from . import findings_junit  # noqa: PLC0415  # (a fifth of a second of imports in all)

            text = findings_junit.render(report)
        elif args.format == "markdown":
            text = audit_findings.render_summary(report, kept)
        else:
            text = audit_findings.render_table(kept, report, report_options.baseline_path(args))
        sys.stdout.write(text)
        report_options.notes(args, matched)


def _notes(audit: _Audit, units: Units[Inventory]) -> None:
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


def _report_all(outcome: _Outcome, units: Units[Inventory]) -> None:
    """The report, when anything was read, and the notes on what was not."""
    if outcome.audit.judged or not outcome.audit.failures:
        outcome.report(units)
    _notes(outcome.audit, units)


def _partial(outcome: _Outcome, units: Units[Inventory]) -> None:
    """After SIGINT or SIGTERM: what was judged, as a report marked partial; the units not read as failures."""
    audit = outcome.audit
    if not audit.judged:
        return  # nothing to report: the signal's line says it all, as before multi-account runs
    audit.failures.extend(
        UnitFailure(place, "", "Interrupted", "not read: the audit was stopped") for place in units.pending()
    )
    if outcome.args.create_baseline is not None:
        # A baseline of part of the estate would hide nothing the next full run finds, yet read as complete.
        outcome.args = argparse.Namespace(**{**vars(outcome.args), "create_baseline": None})
    outcome.report(units)
    progress(
        f"{PREFIX}partial report: {audit.judged} of {len(units.planned)} account-region(s) were read and judged "
        "before the signal"
    )


def _status(outcome: _Outcome) -> int:
    if outcome.audit.failures:
        return USAGE_ERROR if not outcome.audit.judged else EXIT_INCOMPLETE
    return EXIT_MANDATORY if outcome.status else 0


def _main(argv: Sequence[str] | None) -> int:
    parser = console.parser("audit", __doc__)
    add_selection_arguments(parser)
    add_aws_arguments(parser)
    add_target_arguments(parser)
    parser.add_argument(
        "--policy-config", type=Path, help="a --policy-pack-config file, e.g. stacks/policy-config.prod.json"
    )
    report_options.add_report_arguments(parser, ["table", "json", "jsonl"])
    parser.add_argument(
        "--skip-unused",
        action="store_true",
        help="leave out groups attached to no network interface (their count is still reported)",
    )
    args = parser.parse_args(argv)
    report_options.check(args, parser)
    chosen = selection(args, parser)
    where = targets(args, parser)
    for clash in report_options.clashes(args, [("policy config", args.policy_config)]):
        return fail(clash)
    try:
        entries = report_options.read_baseline(args)
    except BaselineError as error:
        return fail(str(error))
    pack = InProcessPack()
    try:
        judging = _configure(pack, args.policy_config)
    except policy_config.PolicyConfigError as error:
        for problem in error.problems:
            fail(problem)
        return USAGE_ERROR
    try:
        planned: Plan = plan(where, aws_options(args))
    except (AwsError, UsageError) as error:
        return fail(str(error))
    audit = _Audit(single=where.single, skip_unused=args.skip_unused)
    run = _Outcome(args, audit, judging, entries)
    early: dict[AccountRegion, EarlyJudging] = {}
    read = _reader(chosen, where.single, pack, early)
    with UnitProgress() as bar, Units(planned, read, args.concurrency) as units:
        try:
            for outcome in units.run():
                bar.planned(len(units.planned))
                judged_early = early.pop(outcome.place, None)
                if isinstance(outcome, UnitResult):
                    report = _judge(pack, audit, outcome.value, judged_early)
                    bar.unit_done(len(outcome.value.groups), len(report.findings))
                else:
                    if judged_early is not None:
                        judged_early.stop()
                    audit.failures.append(outcome)
                    bar.unit_done()
                if units.pending():
                    phases.reached("reading")
        except (KeyboardInterrupt, interrupts.Terminated):
            for unread in list(early.values()):  # nothing more judged in the background of the partial report
                unread.stop()
            bar.close()
            _partial(run, units)
            raise
        bar.close()
        try:
            _report_all(run, units)
        except OutputError as error:
            for problem in error.problems:
                fail(problem)
            return fail(error.outcome)
        except report_options.SignalledError as signalled:
            suffix = f"; {args.create_baseline} had already been written"
            return stopped(signalled.signum, prefix=PREFIX, suffix=suffix)
    return _status(run)


if __name__ == "__main__":
    sys.exit(main())

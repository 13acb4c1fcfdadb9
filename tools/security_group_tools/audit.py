"""Audit live security groups with the policy pack's own policies, under a `--policy-pack-config` file.

    security-groups audit --region us-east-1 --policy-config stacks/policy-config.prod.json

Without --group-id, --vpc-id or --tag, every group of the region is audited. `--format sarif|junit|markdown`,
`--fail-on` and the baseline options work as for `preview` (docs/findings-formats.md).

Exit status: 0 when no open finding is at a level --fail-on fails on, 1 when one is (the default --fail-on
mandatory: a mandatory finding under the policy config; --fail-on advisory: any mandatory or advisory finding;
--fail-on none: never); findings a --baseline holds never count; 2 on usage, credential, access or endpoint
errors (and when AWS does not answer within --timeout), a bad baseline file or a --create-baseline file in the
way; 130 on SIGINT (Ctrl-C) and 143 on SIGTERM.
"""

from __future__ import annotations

from . import console, interrupts, phases

if __name__ == "__main__":
    # A signal while the imports below load (half a second) ends the command like one at any later moment.
    console.start("audit")

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import audit_findings, findings_junit, findings_sarif, policy_config, report_options
from .audit_engine import InProcessPack
from .audit_report import Finding, findings
from .audit_resources import stack_items
from .aws_inventory import add_selection_arguments, read_selected, selection
from .aws_session import AwsError, add_aws_arguments, aws_options
from .baseline import BaselineError
from .cli import USAGE_ERROR, fail, progress, stopped
from .findings_report import Policy, Report, policies
from .output_files import OutputError
from .pack_runner import ConfigError

PREFIX = "audit: "


def _configure(pack: InProcessPack, path: Path | None) -> tuple[Policy, ...]:
    """Configure the pack with the policy config, read and checked exactly as preview-offline does.

    Returns the pack's policies at the levels the config gives them.
    """
    if path is None:
        return policies(pack.info(), pack.configure(None))
    document = policy_config.read(path, hint="check --policy-config")
    policy_config.check_names(path, document, [policy.name for policy in pack.info().policies])
    try:
        return policies(pack.info(), pack.configure(document))
    except ConfigError as error:
        raise policy_config.refused(path, error) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run audit; return the exit status (130 or 143, after one line, when SIGINT or SIGTERM ends it)."""
    with interrupts.raising():
        try:
            return _main(argv)
        except (KeyboardInterrupt, interrupts.Terminated) as error:
            return stopped(interrupts.signal_of(error), prefix=PREFIX)


def _main(argv: Sequence[str] | None) -> int:
    parser = console.parser("audit", __doc__)
    add_selection_arguments(parser)
    add_aws_arguments(parser)
    parser.add_argument(
        "--policy-config", type=Path, help="a --policy-pack-config file, e.g. stacks/policy-config.prod.json"
    )
    report_options.add_report_arguments(parser, ["table", "json"])
    args = parser.parse_args(argv)
    report_options.check(args, parser)
    chosen = selection(args, parser)
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
        groups = read_selected(args, chosen)
    except AwsError as error:
        return fail(str(error))
    items = stack_items(groups)
    phases.reached("judging")
    found: list[Finding] = findings(groups, pack.analyze(items, progress))
    rules = sum(len(group.rules) for group in groups)
    at = audit_findings.where(groups, aws_options(args), judging)
    try:
        matched = report_options.settle(args, entries, [audit_findings.finding(f, at) for f in found])
    except OutputError as error:
        for problem in error.problems:
            fail(problem)
        return fail(error.outcome)
    except report_options.SignalledError as signalled:
        return stopped(signalled.signum, prefix=PREFIX, suffix=f"; {args.create_baseline} had already been written")
    kept, report = audit_findings.build(
        found, matched, at=at, groups=groups, items=items, policies=judging, fail_on=args.fail_on
    )
    sys.stdout.write(_render(args, kept, report, groups=len(groups), rules=rules))
    report_options.notes(args, matched)
    return report.status


def _render(args: argparse.Namespace, kept: list[Finding], report: Report, *, groups: int, rules: int) -> str:
    if args.format == "json":
        return audit_findings.render_json(kept, report, groups=groups, rules=rules)
    if args.format == "sarif":
        return findings_sarif.render(report)
    if args.format == "junit":
        return findings_junit.render(report)
    if args.format == "markdown":
        return audit_findings.render_summary(report, groups=groups, rules=rules)
    return audit_findings.render_table(kept, report, report_options.baseline_path(args), groups=groups, rules=rules)


if __name__ == "__main__":
    sys.exit(main())

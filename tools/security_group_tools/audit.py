"""Audit live security groups with the policy pack's own policies, under a `--policy-pack-config` file.

    security-groups audit --region us-east-1 --policy-config stacks/policy-config.prod.json

Without --group-id, --vpc-id or --tag, every group of the region is audited. Each finding says where (account,
region, ARN), its severity and compliance controls, and whether its group is in use (attached to a network
interface) and public; --skip-unused leaves out groups attached to nothing. Exit status: 0 when no finding is
mandatory under the policy config, 1 when one is, 2 on usage, credential, access or endpoint errors (and when
AWS does not answer within --timeout), 130 on SIGINT (Ctrl-C) and 143 on SIGTERM.
"""

from __future__ import annotations

from . import console, interrupts, phases

if __name__ == "__main__":
    # A signal while the imports below load (half a second) ends the command like one at any later moment.
    console.start("audit")

import sys
from collections.abc import Sequence
from pathlib import Path

from . import policy_config
from .audit_engine import InProcessPack
from .audit_report import Counts, render_json, render_jsonl, render_table, unit_report
from .audit_resources import stack_items
from .aws_inventory import add_selection_arguments, selection
from .aws_session import AwsError, add_aws_arguments, aws_options
from .cli import USAGE_ERROR, fail, progress, stopped
from .network_interfaces import ACTION, read_inventory
from .pack_runner import ConfigError

PREFIX = "audit: "


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


def _main(argv: Sequence[str] | None) -> int:
    parser = console.parser("audit", __doc__)
    add_selection_arguments(parser)
    add_aws_arguments(parser)
    parser.add_argument(
        "--policy-config", type=Path, help="a --policy-pack-config file, e.g. stacks/policy-config.prod.json"
    )
    parser.add_argument(
        "--format",
        choices=("table", "json", "jsonl"),
        default="table",
        help="table (grouped by account and region), json (one document) or jsonl (one finding per line)",
    )
    parser.add_argument(
        "--skip-unused",
        action="store_true",
        help="leave out groups attached to no network interface (their count is still reported)",
    )
    args = parser.parse_args(argv)
    chosen = selection(args, parser)
    pack = InProcessPack()
    try:
        _configure(pack, args.policy_config)
    except policy_config.PolicyConfigError as error:
        for problem in error.problems:
            fail(problem)
        return USAGE_ERROR
    try:
        inventory = read_inventory(aws_options(args), chosen, progress)
    except AwsError as error:
        return fail(str(error))
    if inventory.attachments.unknown is not None:
        progress(
            f"{PREFIX}in use: unknown: {inventory.attachments.unknown}; grant {ACTION} to see which groups are in use"
        )
    items = stack_items(inventory.groups)
    phases.reached("judging")
    found = pack.analyze(items, progress)
    units = [unit_report(inventory.place, inventory.groups, inventory.attachments, found, skip_unused=args.skip_unused)]
    if args.format == "json":
        sys.stdout.write(render_json(units))
    elif args.format == "jsonl":
        sys.stdout.write(render_jsonl(units))
        totals = Counts.of(units)
        progress(
            f"{PREFIX}{totals.groups} group(s), {totals.rules} rule(s) audited: {totals.findings_text()}"
            f"{totals.left_out_text()}"
        )
    else:
        sys.stdout.write(render_table(units))
    return 1 if any(finding.level == "mandatory" for unit in units for finding in unit.findings) else 0


if __name__ == "__main__":
    sys.exit(main())

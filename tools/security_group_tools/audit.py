"""Audit live security groups with the policy pack's own policies, under a `--policy-pack-config` file.

    security-groups audit --region us-east-1 --policy-config stacks/policy-config.prod.json

Without --group-id, --vpc-id or --tag, every group of the region is audited. Exit status: 0 when no finding is
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
from .audit_report import Finding, findings, render_json, render_table
from .audit_resources import stack_items
from .aws_inventory import add_selection_arguments, read_selected, selection
from .aws_session import AwsError, add_aws_arguments
from .cli import USAGE_ERROR, fail, progress, stopped
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
    parser.add_argument("--format", choices=("table", "json"), default="table")
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
        groups = read_selected(args, chosen)
    except AwsError as error:
        return fail(str(error))
    items = stack_items(groups)
    phases.reached("judging")
    found: list[Finding] = findings(groups, pack.analyze(items, progress))
    rules = sum(len(group.rules) for group in groups)
    if args.format == "json":
        sys.stdout.write(render_json(found, groups=len(groups), rules=rules))
    else:
        sys.stdout.write(render_table(found, groups=len(groups), rules=rules))
    return 1 if any(finding.level == "mandatory" for finding in found) else 0


if __name__ == "__main__":
    sys.exit(main())

r"""Adopt existing security groups: stack config that reproduces them, and a file for `pulumi import --file`.

    security-groups adopt --region us-east-1 --group-id sg-0123456789abcdef0 \
        --import-file adopt-import.json > adopted.yaml

    security-groups adopt --region us-east-1 --vpc-id vpc-0a1b2c3d4e5f67890 \
        --import-file adopt-import.json --write stacks/Pulumi.prod.yaml [--yes]
    security-groups adopt --organization --role-name SecurityAudit --regions all --tag team=web \
        --write 'stacks/Pulumi.{account}-{region}.yaml' --import-file 'adopt-import.{account}-{region}.json'

Whatever cannot be reproduced exactly (left out, or changed in place by the first `pulumi up`) is listed on
stderr and as a comment at the top of the YAML. `--write` merges the groups into a stack file instead, every
line of it kept, the notes as comments above the rules they concern: the diff is printed first, and the file
(with the import file) is written only with --yes, the old one kept beside it as `<file>.bak` (`.bak.1`, … when
that exists). No other existing file is replaced without --force, and the files are written all or nothing
(`output_files`). Across accounts and regions (--regions, --accounts, --organization, --ou, as for audit) each
account-region is merged into a stack file of its own, `{account}` and `{region}` filled in. Exit status: 0 when
the files are written (or --write has nothing to add); 1 when --write printed the diff and wrote nothing (no
--yes); 3 when some account-region could not be read or merged (the others were; 3 wins over 1); 2 on usage,
credential, access, endpoint, stack file or output errors (and when AWS does not answer within --timeout); 130
on SIGINT (Ctrl-C) and 143 on SIGTERM.
"""

from __future__ import annotations

from . import console, interrupts

if __name__ == "__main__":
    # A signal while the imports below load (a third of a second) ends the command like one at any later moment.
    console.start("adopt")

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import boto3
import botocore.exceptions

from . import adopt_units, gc_tuning, stack_merge
from .adopt_config import Adoption, adopt
from .adopt_output import config_snippet, import_document, notes_beside_rules
from .aws_inventory import add_selection_arguments, nothing_matched, read_selected, selection
from .aws_session import AwsError, add_aws_arguments, aws_options
from .aws_targets import UsageError, add_target_arguments, plan, targets
from .cli import USAGE_ERROR, fail, stopped
from .output_files import Output, OutputError, write_all

PREFIX = "adopt: "
NOTHING_WRITTEN = "; no file was written"
EXIT_DIFF_ONLY = 1
"""--write without --yes: the diff was printed and nothing was written."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run adopt; return the exit status (130 or 143, after one line, when SIGINT or SIGTERM ends it)."""
    with interrupts.raising(), gc_tuning.for_batch():
        try:
            return _main(argv)
        except (KeyboardInterrupt, interrupts.Terminated) as error:
            # Writing itself holds both signals back until every file is in place, so none was written here.
            return stopped(interrupts.signal_of(error), prefix=PREFIX, suffix=NOTHING_WRITTEN)


def _main(argv: Sequence[str] | None) -> int:
    parser = console.parser("adopt", __doc__)
    add_selection_arguments(parser)
    add_aws_arguments(parser)
    parser.add_argument("--import-file", required=True, type=Path, help="where to write the pulumi import file")
    parser.add_argument("--output", type=Path, help="write the YAML here instead of stdout")
    parser.add_argument(
        "--write",
        type=Path,
        metavar="STACK_FILE",
        help="merge the groups into this stack file (made if absent); prints the diff, writes only with --yes",
    )
    parser.add_argument("--yes", action="store_true", help="with --write: write the stack file and --import-file")
    parser.add_argument("--force", action="store_true", help="replace --import-file and --output if they exist")
    add_target_arguments(parser)
    args = parser.parse_args(argv)
    chosen = selection(args, parser)
    where = targets(args, parser)
    if not (chosen.group_ids or chosen.vpc_id or chosen.tags):
        parser.error("choose the groups: --group-id, --vpc-id or --tag (adopting a whole region is rarely meant)")
    if args.yes and not args.write:
        parser.error("--yes confirms --write; name the stack file to merge into with --write")
    if args.write and args.output:
        parser.error("--write merges into a stack file, --output writes a snippet: choose one")
    paths = [("--write", args.write), ("--import-file", args.import_file)]
    if problems := adopt_units.unknown_fields(paths, across=not where.single):
        for problem in problems:
            fail(problem)
        return USAGE_ERROR
    if not where.single:
        if not args.write:
            parser.error(
                "across accounts or regions, adopt merges each account-region into a stack file of its own: give "
                "--write with {account} and {region} in it, e.g. --write 'stacks/Pulumi.{account}-{region}.yaml'"
            )
        try:
            planned = plan(where, aws_options(args))
        except (AwsError, UsageError) as error:
            return fail(str(error))
        return adopt_units.run(args, chosen, planned)
    stack = None
    if args.write:
        try:
            stack = stack_merge.read(args.write, str(args.write))  # a file that cannot take groups: before AWS
        except stack_merge.MergeError as error:
            return _refused(error.problems)
    try:
        groups = read_selected(args, chosen)
    except AwsError as error:
        return fail(str(error))
    if not groups and (line := nothing_matched(chosen, groups, _region(args))):
        print(f"{PREFIX}{line}", file=sys.stderr)
    adoption = adopt(groups, stack.existing if stack else ())
    for note in adoption.notes:
        print(f"adopt: {note}", file=sys.stderr)
    if stack is not None:
        return _merge(args, stack, adoption)
    region = args.region or "the default region"
    snippet = config_snippet(adoption, f"adopted from {region} by security-groups adopt")
    outputs = [Output("--import-file", args.import_file, json.dumps(import_document(adoption), indent=2) + "\n")]
    if args.output:
        outputs.append(Output("--output", args.output, snippet))
    try:
        held = write_all(outputs, force=args.force)
    except OutputError as error:
        for problem in error.problems:
            fail(problem)
        return fail(error.outcome)
    if held is not None:
        written = " and ".join(str(output.path) for output in outputs)
        return stopped(held, prefix=PREFIX, suffix=f"; {written} had already been written")
    if not args.output:
        sys.stdout.write(snippet)
    rules = sum(len(group.rules) for group in adoption.groups)
    print(
        f"adopt: {len(adoption.groups)} group(s) and {rules} rule(s) written; import with "
        f"`pulumi import --file {args.import_file} --generate-code=false`",
        file=sys.stderr,
    )
    return 0


def _refused(problems: Sequence[str]) -> int:
    for problem in problems:
        fail(problem)
    return fail("nothing was written")


def _region(args: argparse.Namespace) -> str:
    """The region the groups were read from (the credential chain's when --region is not given)."""
    if args.region:
        return str(args.region)
    try:
        return str(boto3.session.Session(profile_name=args.profile).region_name)
    except botocore.exceptions.BotoCoreError:  # read_selected has used the same profile and region already
        return "?"


def _merge(args: argparse.Namespace, stack: stack_merge.StackFile, adoption: Adoption) -> int:
    """Merge into the stack file: the diff first; with --yes, the backup, then both files all or nothing."""
    region = _region(args)
    beside, apart = notes_beside_rules(adoption)
    header = [f"adopted from {region} by security-groups adopt: {len(adoption.groups)} group(s)", *apart]
    try:
        stack_merge.check_new(stack, adoption)
        merged = stack_merge.merge(stack, adoption, region, header=header, notes=beside)
    except stack_merge.MergeError as error:
        return _refused(error.problems)
    sys.stdout.write(merged.diff())
    sys.stdout.flush()
    if not merged.added:
        outcome = "is unchanged" if args.write.exists() else "was not created"
        print(f"adopt: no group to add; {args.write} {outcome}", file=sys.stderr)
        return 0
    if not args.yes:
        print(
            f"adopt: nothing was written; pass --yes to write {args.write} (the old file kept beside it as "
            f"{args.write.name}{stack_merge.BACKUP_SUFFIX}…) and {args.import_file}",
            file=sys.stderr,
        )
        return EXIT_DIFF_ONLY
    text = json.dumps(import_document(adoption), indent=2) + "\n"
    try:
        backup, held = stack_merge.write(merged, Output("--import-file", args.import_file, text), force=args.force)
    except stack_merge.MergeError as error:
        return _refused(error.problems)
    except OutputError as error:
        for problem in error.problems:
            fail(problem)
        return fail(error.outcome)
    kept = f" (the old file kept as {backup})" if backup else ""
    if held is not None:
        return stopped(held, prefix=PREFIX, suffix=f"; {args.write}{kept} and {args.import_file} had been written")
    rules = sum(len(group.rules) for group in adoption.groups)
    print(
        f"adopt: {len(adoption.groups)} group(s) and {rules} rule(s) merged into {args.write}{kept}; import with "
        f"`pulumi import --file {args.import_file} --generate-code=false`",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

r"""Adopt existing security groups: stack config that reproduces them, and a file for `pulumi import --file`.

    security-groups adopt --region us-east-1 --group-id sg-0123456789abcdef0 \
        --import-file adopt-import.json > adopted.yaml

Whatever cannot be reproduced exactly (left out, or changed in place by the first `pulumi up`) is listed on
stderr and as a comment at the top of the YAML. No existing file is replaced without --force, and the files
are written all or nothing (`output_files`). Exit status: 0 when the files are written; 2 on usage,
credential, access, endpoint or output errors (and when AWS does not answer within --timeout); 130 on SIGINT
(Ctrl-C) and 143 on SIGTERM.
"""

from __future__ import annotations

from . import console, interrupts

if __name__ == "__main__":
    # A signal while the imports below load (a third of a second) ends the command like one at any later moment.
    console.start("adopt")

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .adopt_config import adopt
from .adopt_output import config_snippet, import_document
from .aws_inventory import add_selection_arguments, read_selected, selection
from .aws_session import AwsError, add_aws_arguments
from .cli import fail, stopped
from .output_files import Output, OutputError, write_all

PREFIX = "adopt: "
NOTHING_WRITTEN = "; no file was written"


def main(argv: Sequence[str] | None = None) -> int:
    """Run adopt; return the exit status (130 or 143, after one line, when SIGINT or SIGTERM ends it)."""
    with interrupts.raising():
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
    parser.add_argument("--force", action="store_true", help="replace --import-file and --output if they exist")
    args = parser.parse_args(argv)
    chosen = selection(args, parser)
    if not (chosen.group_ids or chosen.vpc_id or chosen.tags):
        parser.error("choose the groups: --group-id, --vpc-id or --tag (adopting a whole region is rarely meant)")
    try:
        groups = read_selected(args, chosen)
    except AwsError as error:
        return fail(str(error))
    adoption = adopt(groups)
    for note in adoption.notes:
        print(f"adopt: {note}", file=sys.stderr)
    where = args.region or "the default region"
    snippet = config_snippet(adoption, f"adopted from {where} by security_group_tools.adopt")
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


if __name__ == "__main__":
    sys.exit(main())

r"""Adopt existing security groups: stack config that reproduces them, and a file for `pulumi import --file`.

    python -m security_group_tools.adopt --region us-east-1 --group-id sg-0123456789abcdef0 \
        --import-file adopt-import.json > adopted.yaml

Whatever cannot be reproduced exactly (left out, or changed in place by the first `pulumi up`) is listed on
stderr and as a comment at the top of the YAML. Exit status: 0 when the files are written; 2 on usage,
credential or access errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .adopt_config import adopt
from .adopt_output import config_snippet, import_document
from .aws_inventory import add_selection_arguments, read_selected, selection
from .aws_session import AwsError, add_aws_arguments
from .cli import fail


def main(argv: Sequence[str] | None = None) -> int:
    """Run adopt; return the exit status."""
    parser = argparse.ArgumentParser(prog="adopt", description=__doc__.split("\n\n")[0])
    add_selection_arguments(parser)
    add_aws_arguments(parser)
    parser.add_argument("--import-file", required=True, type=Path, help="where to write the pulumi import file")
    parser.add_argument("--output", type=Path, help="write the YAML here instead of stdout")
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
    try:
        args.import_file.write_text(json.dumps(import_document(adoption), indent=2) + "\n")
        if args.output:
            args.output.write_text(snippet)
    except OSError as error:
        return fail(f"cannot write {error.filename}: {error.strerror}")
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

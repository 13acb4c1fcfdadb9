"""What `preview` and `audit` share on their command lines: report formats, `--fail-on`, and the baseline.

    --format sarif|junit|markdown    (beside each command's own table, json, ...)
    --fail-on mandatory|advisory|none
    --baseline FILE | --create-baseline FILE [--force]

The baseline is read before anything runs, so a bad file costs nothing; `--create-baseline` writes after the
run, all or nothing (output_files), and the run is then reported as if `--baseline FILE` had been given: every
finding it wrote is accepted, so the run exits 0 unless the file could not be written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from . import baseline
from .findings_report import DEFAULT_FAIL_ON, FAIL_ON, Finding
from .output_files import Output, write_all

REPORT_FORMATS: Final = ("sarif", "junit", "markdown")
"""The formats both commands render from a findings_report.Report."""


def add_report_arguments(parser: argparse.ArgumentParser, own_formats: Sequence[str]) -> None:
    """Add --format (the command's own formats and the report formats), --fail-on and the baseline options."""
    parser.add_argument("--format", choices=[*own_formats, *REPORT_FORMATS], default=own_formats[0])
    parser.add_argument(
        "--fail-on",
        choices=list(FAIL_ON),
        default=DEFAULT_FAIL_ON,
        help="the lowest finding level that makes the command exit 1 (default mandatory; none: findings never do)",
    )
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="findings this file lists are reported as suppressed and never fail the run; entries that match "
        "nothing are reported as stale",
    )
    chosen.add_argument(
        "--create-baseline",
        type=Path,
        metavar="FILE",
        help="write every current finding to FILE as a baseline (replace each reason placeholder), then report "
        "as with --baseline FILE",
    )
    parser.add_argument("--force", action="store_true", help="let --create-baseline replace an existing file")


def check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """Refuse option combinations that mean nothing (a usage error, status 2)."""
    if args.force and args.create_baseline is None:
        parser.error("--force only goes with --create-baseline FILE")


def clashes(args: argparse.Namespace, inputs: Sequence[tuple[str, Path | None]]) -> list[str]:
    """--create-baseline naming a file the run reads (the stack file, the policy config): refused even with --force.

    Replacing one's own stack file with a baseline is never what was meant, and would lose what the user wrote.
    """
    target = args.create_baseline
    if target is None:
        return []
    problems = []
    for flag, path in inputs:
        if path is not None and path.exists() and target.exists() and os.path.samefile(path, target):
            problems.append(f"--create-baseline {target}: is the {flag} this run reads; choose another path")
    return problems


def read_baseline(args: argparse.Namespace) -> tuple[baseline.Entry, ...] | None:
    """The entries of --baseline, or None without it; raises baseline.BaselineError for a bad file."""
    return None if args.baseline is None else baseline.read(args.baseline)


class SignalledError(Exception):
    """A signal arrived while the baseline was being renamed into place; `signum` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def settle(
    args: argparse.Namespace, entries: tuple[baseline.Entry, ...] | None, findings: Sequence[Finding]
) -> baseline.Matched:
    """Write --create-baseline if asked, then split the findings by the baseline in use.

    Raises OutputError when the baseline cannot be written (nothing was), SignalledError when a signal arrived while
    it was renamed into place (the file is whole).
    """
    if args.create_baseline is not None:
        entries = baseline.accepting(findings)
        text = baseline.document(entries)
        held = write_all([Output("--create-baseline", args.create_baseline, text)], force=args.force)
        if held is not None:
            raise SignalledError(held)
    return baseline.match(entries or (), findings)


def baseline_path(args: argparse.Namespace) -> Path | None:
    """The baseline this run reports against, given or created."""
    path: Path | None = args.baseline or args.create_baseline
    return path


def notes(args: argparse.Namespace, matched: baseline.Matched) -> None:
    """On stderr: what --create-baseline wrote, every stale entry, and reasons still to be written."""
    path = baseline_path(args)
    if path is None:
        return
    lines = []
    if args.create_baseline is not None:
        lines.append(
            f"baseline {path}: wrote {len(matched.suppressed)} finding(s); replace each reason placeholder with "
            "why it is accepted, and commit the file"
        )
    else:
        lines.extend(baseline.stale_lines(path, matched.stale))
        if matched.placeholders:
            lines.append(baseline.placeholder_line(path, matched.placeholders))
    for line in lines:
        print(line, file=sys.stderr, flush=True)

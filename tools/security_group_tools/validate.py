"""Check the stacks that changed files belong to, before they are committed (the pre-commit hooks run this).

    security-groups validate [--preview] [FILE...]

Each FILE is a stack file (`stacks/Pulumi.<stack>.yaml`), a group file under `stacks/` (it belongs to every
stack whose `security-groups:groupFiles` names it), a stack's policy config (`stacks/policy-config.<stack>.json`)
or `Pulumi.yaml` (every stack); with no FILE, every stack. Each stack's config is read as `preview` reads it and
run through the real program under Pulumi's mocks, without the policy pack: a config error is reported as the
program reports it to `pulumi preview`. A policy config's levels are checked as `preview` checks them before the
pack starts. With --preview, each stack is then previewed offline with the real pack and its policy config, and
printed as `preview` prints its table.

Exit codes: 0 every stack valid (with --preview: and no mandatory finding); 1 with --preview, a mandatory
finding; 2 bad input (a config error, a stack or policy config that cannot be read, a FILE that is none of the
above); 3 the program or the pack failed in a way no input explains; 130 on SIGINT and 143 on SIGTERM.
"""

from __future__ import annotations

from . import console, interrupts

if __name__ == "__main__":
    console.start("validate")

import argparse
import re
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pulumi
from security_groups_component.group_files import read_group_files
from security_groups_component.problems import Problems

from . import policy_config, preview, preview_table
from .config_size import too_large
from .paths import PROJECT_DIR, STACKS_DIR, shown
from .preview_model import registered
from .program_runner import cli_config, stack_names, start_runtime

EXIT_OK: Final = 0
EXIT_MANDATORY: Final = 1
EXIT_BAD_INPUT: Final = 2
EXIT_FAILED: Final = 3
STACK_FILE: Final = re.compile(r"^Pulumi\.(?P<stack>[^/]+)\.yaml$")
POLICY_CONFIG: Final = re.compile(r"^policy-config\.(?P<stack>[^/]+)\.json$")
GROUP_FILE_SUFFIXES: Final = (".yaml", ".yml")
PROJECT_FILE: Final = "Pulumi.yaml"


@dataclass
class Plan:
    """What the given files ask to check: stacks, policy configs no stack uses, and what they could not place."""

    stacks: set[str] = field(default_factory=set)
    orphan_policy_configs: list[Path] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    """Group files no stack names: nothing runs them, so nothing is checked (a note, not an error)."""
    problems: list[str] = field(default_factory=list)


def plan(files: Sequence[Path]) -> Plan:
    """The stacks the files belong to (every stack when no file is given)."""
    known = stack_names()
    result = Plan()
    if not files:
        result.stacks.update(known)
        return result
    group_files: list[Path] = []
    stacks_dir = STACKS_DIR.resolve()
    for given in files:
        path = given if given.is_absolute() else Path.cwd() / given
        if not path.is_file():
            result.problems.append(f"{given}: no such file")
            continue
        resolved = path.resolve()
        if resolved == (PROJECT_DIR / PROJECT_FILE).resolve():
            result.stacks.update(known)
        elif resolved.parent == stacks_dir and (match := STACK_FILE.match(resolved.name)):
            result.stacks.add(match.group("stack"))
        elif resolved.parent == stacks_dir and (match := POLICY_CONFIG.match(resolved.name)):
            if match.group("stack") in known:
                result.stacks.add(match.group("stack"))
            else:
                result.orphan_policy_configs.append(resolved)
        elif resolved.is_relative_to(stacks_dir) and resolved.suffix in GROUP_FILE_SUFFIXES:
            group_files.append(resolved)
        else:
            result.problems.append(
                f"{shown(path)}: not a stack file, group file or policy config of this project "
                f"(those live in {shown(STACKS_DIR)}/), nor {PROJECT_FILE}"
            )
    if group_files:
        _place_group_files(group_files, known, result)
    return result


def _place_group_files(group_files: Iterable[Path], known: Sequence[str], result: Plan) -> None:
    """Add every stack whose groupFiles name one of these files; note the files no stack names."""
    wanted = {shown(path) for path in group_files}
    used: set[str] = set()
    for stack in known:
        try:
            config = preview.read_stack_config(stack, None)
        except preview.BadInputError:
            result.stacks.add(stack)  # it cannot say which files it uses; checking it reports why
            continue
        patterns = config.get("security-groups:groupFiles")
        # The program's own reading of the patterns (globs, symbolic links, files outside stacks/ refused). A file
        # it cannot read (bad YAML, a secret) is not among those read, so any problem checks the stack: the
        # program then reports it, and a broken group file is never passed over as unused.
        problems = Problems()
        named = {read.shown for read in read_group_files(patterns, STACKS_DIR, shown(STACKS_DIR), problems)}
        if named & wanted or len(problems):
            result.stacks.add(stack)
            used |= named & wanted if not len(problems) else wanted
    result.unused.extend(sorted(wanted - used))


@dataclass(frozen=True)
class Outcome:
    """One stack checked: an error (bad input or failure), else what it registered and, with --preview, found."""

    stack: str
    status: int
    text: str


def check_program(stack: str) -> Outcome:
    """The stack's config through the real program under mocks, as `preview` runs it, without the pack."""
    name = shown(STACKS_DIR / f"Pulumi.{stack}.yaml")
    try:
        stack_config = preview.read_stack_config(stack, None)
        policy_path = preview.default_policy_config(stack)
        if policy_path is not None:
            policy_config.read(policy_path, hint="make it readable, or remove it to use the pack's defaults")
    except preview.BadInputError as error:
        return Outcome(stack, EXIT_BAD_INPUT, str(error))
    except policy_config.PolicyConfigError as error:
        return Outcome(stack, EXIT_BAD_INPUT, str(error))
    config = cli_config(stack_config)
    oversized = too_large(config, f"stack {stack}")
    if oversized is not None:
        return Outcome(stack, EXIT_BAD_INPUT, oversized)
    with start_runtime(stack, preview=True) as runtime:
        run = runtime.run_program(config)
        count = len(registered(stack, runtime.mocks.resources)) if run.error is None else 0
    if isinstance(run.error, pulumi.RunError):
        return Outcome(stack, EXIT_BAD_INPUT, str(run.error))
    if run.error is not None:
        trace = "".join(traceback.format_exception(run.error))
        return Outcome(stack, EXIT_FAILED, f"{name}: the program failed unexpectedly:\n{trace}")
    return Outcome(stack, EXIT_OK, f"{name}: valid ({count} resources)")


def check_preview(stack: str) -> Outcome:
    """The stack previewed offline with its policy config, as `security-groups preview --stack <stack>`."""
    try:
        stack_config = preview.read_stack_config(stack, None)
        result = preview.run_preview(stack, stack_config, preview.default_policy_config(stack))
    except (preview.BadInputError, preview.ProgramConfigError) as error:
        return Outcome(stack, EXIT_BAD_INPUT, str(error))
    except preview.ProgramFailedError as error:
        trace = "".join(traceback.format_exception(error.error))
        return Outcome(stack, EXIT_FAILED, f"the program failed unexpectedly:\n{trace}")
    status = EXIT_MANDATORY if result.blocking else EXIT_OK
    return Outcome(stack, status, preview_table.render(result).rstrip("\n"))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = console.parser("validate", __doc__)
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="changed files (default: every stack)")
    parser.add_argument("--preview", action="store_true", help="also preview each stack offline with the policy pack")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Check every stack the files belong to; print each result; return the worst exit code."""
    with interrupts.exiting():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    found = plan(args.files)
    status = EXIT_BAD_INPUT if found.problems else EXIT_OK
    for problem in found.problems:
        print(problem, file=sys.stderr, flush=True)
    for path in found.orphan_policy_configs:
        try:
            policy_config.read(path, hint="make it readable")
        except policy_config.PolicyConfigError as error:
            print(error, file=sys.stderr, flush=True)
            status = EXIT_BAD_INPUT
    for name in found.unused:
        print(f"{name}: no stack's security-groups:groupFiles names it; nothing to check", file=sys.stderr)
    for stack in sorted(found.stacks):
        outcome = check_preview(stack) if args.preview else check_program(stack)
        stream = sys.stdout if outcome.status in (EXIT_OK, EXIT_MANDATORY) else sys.stderr
        print(outcome.text, file=stream, flush=True)
        status = max(status, outcome.status)
    return status


if __name__ == "__main__":
    raise SystemExit(main())

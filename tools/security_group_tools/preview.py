"""Preview a stack offline: every resource the program would create and every verdict of the policy pack.

    security-groups preview --stack dev [--policy-config FILE] [--stack-file FILE]
        [--format table|json|mermaid|sarif|junit|markdown] [--fail-on mandatory|advisory|none]
        [--baseline FILE | --create-baseline FILE [--force]] [--only-findings]

No AWS, no Pulumi CLI: the real __main__.py runs under Pulumi's mocks in preview mode, with the stack's config
passed as the CLI passes it, and each resource goes to the real policy pack over the Analyzer gRPC protocol, the
pack started as the CLI starts it. With no account to look in, each lookup of the stack (`security-groups:vpc`,
`existingGroups`) matches one made-up resource (`vpc-0ff11e…`, `sg-0ff11e…`); only `pulumi preview` shows what
a lookup matches in AWS. (`make preview-offline STACK=dev` runs it too, but make reports every failing status
as 2.)

Exit codes: 0 no open finding at a level --fail-on fails on; 1 such findings (with the default --fail-on
mandatory: a mandatory finding, so `pulumi preview` would fail; --fail-on advisory: any mandatory or advisory
finding; --fail-on none: never); findings a --baseline holds never count; 2 bad input (stack config, policy
config, unknown stack, a bad baseline file, a --create-baseline file in the way); 3 the program or the pack
failed in a way no input explains; 130 on SIGINT (Ctrl-C) and 143 on SIGTERM, at any moment, with one line on
stderr and the pack stopped first.
"""

from __future__ import annotations

from . import console, interrupts, phases

if __name__ == "__main__":
    # A signal while the imports below load (a third of a second) ends the command like one at any later moment.
    console.start("preview")

import argparse
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NoReturn

import pulumi
from security_groups_component import ConfigError as ProgramConfigProblems
from security_groups_component import stack_yaml

from . import (
    baseline,
    findings_junit,
    findings_report,
    findings_sarif,
    policy_config,
    preview_mermaid,
    preview_report,
    preview_table,
    report_options,
)
from .cli import stopped
from .config_size import too_large
from .output_files import OutputError
from .pack_runner import ConfigError, Engine, Pack
from .paths import PROJECT, STACKS_DIR, shown
from .preview_model import Preview, judge, registered
from .program_runner import cli_config, stack_names, start_runtime
from .source_locations import Locator, SourceFile, located_config_error, program_settings

FORMATS: Final = {"table": preview_table.render, "json": preview_report.render_json, "mermaid": preview_mermaid.render}
"""The preview's own formats, each a function of the preview alone (golden files in tests/fixtures/preview)."""
ONLY_FINDINGS: Final = {"mermaid": preview_mermaid.render_findings}
"""Formats that can draw only what has findings (`--only-findings`)."""
REPORTS: Final = {
    "sarif": lambda result: findings_sarif.render(result.report),
    "junit": lambda result: findings_junit.render(result.report),
    "markdown": preview_report.render_markdown_summary,
}
"""The findings-report formats (docs/findings-formats.md)."""
EXIT_OK: Final = 0
EXIT_MANDATORY: Final = 1
EXIT_BAD_INPUT: Final = 2
EXIT_FAILED: Final = 3
PROGRESS: Final = "starting the policy pack…"


class BadInputError(Exception):
    """Input the preview cannot use; the message names the file, the key and the fix."""


def read_stack_config(stack: str, stack_file: Path | None) -> dict[str, object]:
    """The `config:` section of the stack file (stacks/Pulumi.<stack>.yaml unless another file is given)."""
    return read_stack_file(stack, stack_file)[0]


def read_stack_file(stack: str, stack_file: Path | None) -> tuple[dict[str, object], SourceFile]:
    """The `config:` section of the stack file, and the file as read (where each value was written).

    Read as the Pulumi CLI reads it (stack_yaml: go-yaml v3's rules, bare keys namespaced), so the program sees
    what `pulumi preview` would give it; what the CLI would misread or refuse is bad input, named by file, line,
    column and config path. Secret (`secure:`) values are refused: only the stack's secrets provider can
    decrypt them.
    """
    if stack_file is None:
        known = stack_names()
        if stack not in known:
            raise BadInputError(
                f"unknown stack {stack!r}: {shown(STACKS_DIR)}/ has stack files for {', '.join(known)}; "
                "pass --stack <one of them> (or --stack-file FILE to preview another stack file)"
            )
        stack_file = STACKS_DIR / f"Pulumi.{stack}.yaml"
    name = shown(stack_file)
    try:
        document = stack_yaml.read_file(stack_file, name)
        config = stack_yaml.stack_config(document, PROJECT)
    except OSError as error:
        raise BadInputError(f"{name}: cannot read the stack file ({error.strerror})") from None
    except stack_yaml.YamlError as error:
        raise BadInputError(str(error)) from None
    secrets = []
    for path in stack_yaml.secure_paths(document.data):
        line, column = document.where(path) or (1, 1)
        if path[:1] == ("config",):  # the ciphertext itself is never shown
            secrets.append(
                f"{name}:{line}:{column}: {stack_yaml.dotted(path)}: a secret value (`secure:`), which the offline "
                "preview cannot decrypt; preview with `pulumi preview` (which has the stack's secrets provider), "
                "or pass --stack-file with a copy of the stack file that holds a placeholder instead"
            )
    if secrets:
        raise BadInputError("\n".join(secrets))
    return config, SourceFile(Path(name).as_posix(), document)


def default_policy_config(stack: str) -> Path | None:
    """The stack's own `stacks/policy-config.<stack>.json`, or None when it has none (the pack's defaults)."""
    path = STACKS_DIR / f"policy-config.{stack}.json"
    return path if path.exists() else None


def defaults_label(stack: str) -> str:
    """How the preview names the pack's defaults, for a stack without a policy config of its own."""
    return f"the pack's defaults (no {shown(STACKS_DIR / f'policy-config.{stack}.json')})"


def run_preview(
    stack: str, stack_config: Mapping[str, object], policy_path: Path | None, stack_file: SourceFile | None = None
) -> Preview:
    """Run the program in preview mode, then judge everything it registered with the policy pack.

    With no `policy_path`, every policy runs at its own default level and settings, as `pulumi preview
    --policy-pack policies` judges a stack without `--policy-pack-config`; the output says so. With the
    `stack_file` the config was read from, each finding and config error says where its cause was written (group
    files are located whether or not it is given).
    """
    return judge_stack(stack, stack_config, policy_path, stack_file).preview


@dataclass(frozen=True)
class Judged:
    """A preview, and the pack's policies at the levels it was judged at (for SARIF, JUnit and Markdown)."""

    preview: Preview
    policies: tuple[findings_report.Policy, ...]


def judge_stack(
    stack: str, stack_config: Mapping[str, object], policy_path: Path | None, stack_file: SourceFile | None = None
) -> Judged:
    """`run_preview`, keeping what GetAnalyzerInfo said of each policy and the level the config gave it."""
    document: dict[str, object] | None = None
    if policy_path is not None:
        try:
            # Levels are checked before anything starts; policy names and schemas need the pack.
            document = policy_config.read(policy_path, hint="pass --policy-config <file>")
        except policy_config.PolicyConfigError as error:
            raise BadInputError(str(error)) from None
    config = cli_config(stack_config)
    oversized = too_large(config, f"stack {stack}")
    if oversized is not None:
        raise BadInputError(oversized)
    with start_runtime(stack, preview=True) as runtime:
        run = runtime.run_program(config)
        if isinstance(run.error, ProgramConfigProblems) and stack_file is not None:
            raise ProgramConfigError(located_config_error(run.error, stack_file))
        if isinstance(run.error, pulumi.RunError):
            raise ProgramConfigError(str(run.error))
        if run.error is not None:
            raise ProgramFailedError(run.error)
        resources = registered(stack, runtime.mocks.resources)
        locator = Locator(stack_file, program_settings(run.program_globals))
    print(PROGRESS, file=sys.stderr, flush=True)
    engine = Engine.start()
    pack: Pack | None = None
    try:
        pack = Pack.start(engine.address, stack=stack, dry_run=True, config=config)
        info = pack.info()
        if policy_path is None or document is None:
            levels = pack.configure(None)  # the pack's own defaults cannot be refused
        else:
            try:
                policy_config.check_names(policy_path, document, [p.name for p in info.policies])
            except policy_config.PolicyConfigError as error:
                raise BadInputError(str(error)) from None
            try:
                levels = pack.configure(document)
            except ConfigError as error:
                problems = "\n".join(f"{shown(policy_path)}: {problem}" for problem in error.problems)
                raise BadInputError(problems) from None
        phases.reached("analysis")
        findings = locator.locate(judge(pack, resources), resources)
    finally:
        if pack is not None:
            pack.stop()
        engine.stop()
    label = defaults_label(stack) if policy_path is None else shown(policy_path)
    return Judged(Preview(stack, label, tuple(resources), tuple(findings)), findings_report.policies(info, levels))


class ProgramConfigError(Exception):
    """The program refused the stack config (its ConfigError, a pulumi.RunError)."""


class ProgramFailedError(Exception):
    """The program raised something other than a RunError: a bug, shown with its traceback."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = console.parser(
        "preview", __doc__, description="Preview a stack and its policy verdicts without AWS or the Pulumi CLI."
    )
    parser.add_argument("--stack", default="", help="stack name (stacks/Pulumi.<stack>.yaml)")
    parser.add_argument("--stack-file", type=Path, help="read the stack's config from this file instead")
    parser.add_argument(
        "--policy-config",
        type=Path,
        help="policy pack config (default: stacks/policy-config.<stack>.json, else the pack's defaults)",
    )
    report_options.add_report_arguments(parser, list(FORMATS))
    parser.add_argument(
        "--only-findings",
        action="store_true",
        help=f"draw only the edges and groups with findings (--format {'|'.join(sorted(ONLY_FINDINGS))})",
    )
    args = parser.parse_args(argv)
    report_options.check(args, parser)
    if args.only_findings and args.format not in ONLY_FINDINGS:
        parser.error(f"--only-findings needs --format {' or '.join(sorted(ONLY_FINDINGS))}, not {args.format}")
    return args


def fail(message: str, code: int) -> NoReturn:
    """Print to stderr and exit."""
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one preview; print it in the chosen format; return the exit code.

    SIGINT and SIGTERM end it at once from any phase (`interrupts.exit_at_once`): the pack is stopped, one line
    is printed, and the status is 130 or 143.
    """
    with interrupts.exiting():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    if not args.stack:
        fail(f"no stack given: pass --stack <stack>; stacks: {', '.join(stack_names())}", EXIT_BAD_INPUT)
    policy_path = args.policy_config or default_policy_config(args.stack)
    stack_file = args.stack_file or STACKS_DIR / f"Pulumi.{args.stack}.yaml"
    clashes = report_options.clashes(args, [("stack file", stack_file), ("policy config", policy_path)])
    if clashes:
        fail("\n".join(clashes), EXIT_BAD_INPUT)
    try:
        entries = report_options.read_baseline(args)
        stack_config, source = read_stack_file(args.stack, args.stack_file)
        judged = judge_stack(args.stack, stack_config, policy_path, source)
    except baseline.BaselineError as error:
        fail(str(error), EXIT_BAD_INPUT)
    except BadInputError as error:
        fail(str(error), EXIT_BAD_INPUT)
    except ProgramConfigError as error:
        note = ""
        if args.stack_file is not None:
            note = f"\n(the config came from {shown(args.stack_file)}; the program names the stack's own file)"
        fail(f"{error}{note}", EXIT_BAD_INPUT)
    except ProgramFailedError as error:
        trace = "".join(traceback.format_exception(error.error))
        fail(f"the program failed unexpectedly:\n{trace}", EXIT_FAILED)
    found = preview_report.findings(judged.preview)
    try:
        matched = report_options.settle(args, entries, found)
    except OutputError as error:
        fail(str(error), EXIT_BAD_INPUT)
    except report_options.SignalledError as written:
        return stopped(written.signum, prefix="", suffix=f"; {args.create_baseline} had already been written")
    result = preview_report.build(judged.preview, judged.policies, matched, fail_on=args.fail_on, stack_file=stack_file)
    sys.stdout.write(render(result, args.format, report_options.baseline_path(args), only_findings=args.only_findings))
    sys.stdout.flush()
    report_options.notes(args, matched)
    return EXIT_MANDATORY if result.report.status else EXIT_OK


def render(
    result: preview_report.PreviewReport, fmt: str, baseline_file: Path | None, *, only_findings: bool = False
) -> str:
    """The preview in one output format; the preview's own formats show only the open findings."""
    if fmt == "table":
        return preview_report.render_table(result, baseline_file)
    if fmt == "json":
        return preview_report.render_json(result.preview, result.report)
    if fmt in FORMATS:
        return (ONLY_FINDINGS[fmt] if only_findings else FORMATS[fmt])(result.preview)
    return REPORTS[fmt](result)


if __name__ == "__main__":
    raise SystemExit(main())

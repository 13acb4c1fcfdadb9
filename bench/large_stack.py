"""A stack of thousands of groups end to end: group files, the program under mocks, every verdict of the pack.

    .venv/bin/python -m bench.large_stack [--groups 5000] [--files 10]

The groups live in `--files` YAML files under a temporary copy of the project's `stacks/groups/`, named by
`security-groups:groupFiles` (one config key holds a few hundred groups at most: `security_group_tools.
config_size`). The real `__main__.py` reads them under Pulumi's mocks in preview mode, and every resource goes
to the real policy pack, started as the CLI starts it, over gRPC: Analyze per resource, then AnalyzeStack. One
group in a hundred opens SSH to anywhere, so the verdicts are known in advance. Prints the counts, wall time of
each phase, and peak memory of this process (the program) and of the pack process.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from security_group_tools.pack_runner import Engine, Pack
from security_group_tools.paths import PROJECT_DIR
from security_group_tools.preview_model import Finding, judge, registered
from security_group_tools.program_runner import cli_config, start_runtime
from security_group_tools.yaml_writer import dump

SSH_EVERY = 100
"""One group in this many also allows SSH from anywhere."""


def group(index: int) -> dict[str, Any]:
    """An ordinary group: HTTPS from the team's subnet, no outbound rule; now and then SSH from anywhere."""
    ingress: list[dict[str, Any]] = [
        {"rule": "https", "from": [f"10.{index // 256 % 256}.{index % 256}.0/24"], "description": "HTTPS from the team"}
    ]
    if index % SSH_EVERY == 0:
        ingress.append({"rule": "ssh", "from": ["anywhere-ipv4"], "description": "SSH from anywhere"})
    return {"description": f"Servers of team {index:05d}", "ingress": ingress, "egress": []}


@dataclass(frozen=True)
class Result:
    """What one run registered and found, and what it cost."""

    resources: int
    findings: tuple[Finding, ...]
    program_seconds: float
    pack_seconds: float
    program_peak_mb: float
    """Peak resident memory of this process, which ran the program."""
    pack_peak_mb: float
    """Peak resident memory of the pack process."""


def write_project(root: Path, groups: int, files: int) -> list[str]:
    """A copy of the program under `root` with `groups` groups spread over `files` group files; their names."""
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(PROJECT_DIR / name, root / name)
    (root / "stacks" / "groups").mkdir(parents=True)
    names = []
    per_file = -(-groups // files)
    for number in range(files):
        indexes = range(number * per_file, min(groups, (number + 1) * per_file))
        name = f"groups/part-{number:03d}.yaml"
        (root / "stacks" / name).write_text(dump({f"team-{i:05d}": group(i) for i in indexes}))
        names.append(name)
    return names


def run(groups: int, files: int, work: Path) -> Result:
    """Write the project under `work`, run the program in preview, then judge everything with the pack."""
    names = write_project(work, groups, files)
    config = cli_config({"aws:region": "eu-west-1", "security-groups:groupFiles": names})
    started = time.perf_counter()
    with start_runtime("large", preview=True) as runtime:
        outcome = runtime.run_program(config, program_dir=work)
        if outcome.error is not None:
            raise outcome.error
        resources = registered("large", runtime.mocks.resources)
    program_seconds = time.perf_counter() - started
    engine = Engine.start()
    started = time.perf_counter()
    pack = Pack.start(engine.address, stack="large", dry_run=True, config=config)
    try:
        pack.configure({})
        findings = judge(pack, resources)
    finally:
        pack.stop()
        engine.stop()
    pack_seconds = time.perf_counter() - started
    return Result(
        resources=len(resources),
        findings=tuple(findings),
        program_seconds=program_seconds,
        pack_seconds=pack_seconds,
        program_peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        pack_peak_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def main(argv: list[str] | None = None) -> int:
    """Run once and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.large_stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=5000)
    parser.add_argument("--files", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        result = run(args.groups, args.files, Path(work))
    policies = sorted({finding.policy for finding in result.findings})
    print(
        f"{args.groups} groups in {args.files} files: {result.resources} resources, {len(result.findings)} findings "
        f"({', '.join(policies)})"
    )
    print(
        f"program under mocks (read, validate, register): {result.program_seconds:.1f} s, "
        f"peak {result.program_peak_mb:.0f} MB"
    )
    print(
        f"pack (start, Configure, Analyze each, AnalyzeStack): {result.pack_seconds:.1f} s, "
        f"peak {result.pack_peak_mb:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

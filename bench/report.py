"""What the benchmark prints and writes: the figures table, PASS/FAIL per target, latest.json and the chart."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from bench.stats import Sample

RESULTS_START = "<!-- results:start (written by `make bench`) -->"
RESULTS_END = "<!-- results:end -->"


@dataclass(frozen=True)
class Figure:
    """One measured figure of ours beside the same figure of a baseline."""

    name: str
    size: str
    ours: Sample
    baseline_name: str
    baseline: Sample

    @property
    def ratio(self) -> float:
        """Ours over the baseline, medians."""
        return self.ours.median / self.baseline.median


@dataclass(frozen=True)
class Target:
    """A goal the issue sets, judged on the medians."""

    name: str
    value: float | None
    """The measured ratio; None when the figure could not be measured here (the reason says why)."""
    limit: float
    at_most: bool
    reason: str = ""

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or SKIP when unmeasured."""
        if self.value is None:
            return "SKIP"
        passed = self.value <= self.limit if self.at_most else self.value >= self.limit
        return "PASS" if passed else "FAIL"

    def line(self) -> str:
        """One printed line: verdict, target, measured value."""
        bound = f"{'≤' if self.at_most else '≥'} {self.limit:g}"
        measured = f"measured {self.value:.2f}" if self.value is not None else self.reason
        return f"{self.verdict}  {self.name} ({bound}): {measured}"


def show(sample: Sample) -> str:
    """A sample as median [min–max] in a readable unit."""
    scale, unit = {"s": (1.0, "s"), "B": (1e-6, "MB"), "calls/s": (1.0, "calls/s")}[sample.unit]
    digits = 0 if unit == "calls/s" else 3 if unit == "s" else 1
    return (
        f"{sample.median * scale:.{digits}f} {unit} [{sample.low * scale:.{digits}f}–{sample.high * scale:.{digits}f}]"
    )


def text_table(figures: Sequence[Figure]) -> str:
    """The figures as aligned text for the terminal."""
    rows = [("figure", "size", "ours: median [min–max]", "baseline: median [min–max]", "ratio")]
    rows += [
        (f.name, f.size, show(f.ours), f"{f.baseline_name}: {show(f.baseline)}", f"{f.ratio:.2f}×") for f in figures
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def markdown_table(figures: Sequence[Figure], targets: Sequence[Target]) -> str:
    """The figures and targets as Markdown, for BENCHMARKS.md."""
    lines = [
        "| Figure | Size | Ours: median [min–max] | Baseline: median [min–max] | Ratio |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {f.name} | {f.size} | {show(f.ours)} | {f.baseline_name}: {show(f.baseline)} | {f.ratio:.2f}× |"
        for f in figures
    ]
    if targets:  # a model's figures judge no target: no empty table for them
        lines += ["", "| Target | Verdict |", "|---|---|"]
        lines += [f"| {t.line().split('  ', 1)[1]} | **{t.verdict}** |" for t in targets]
    return "\n".join(lines)


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not installed"


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1) if found else ""
    return {
        "cores": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "node": _command_output(["node", "--version"]),
        "pulumi": metadata.version("pulumi"),
        "pulumi-policy": metadata.version("pulumi-policy"),
        "pulumi-aws": metadata.version("pulumi-aws"),
    }


def write_json(
    path: Path, mode: str, host: dict[str, object], figures: Sequence[Figure], targets: Sequence[Target]
) -> None:
    """latest.json: every sample and every target, machine-readable."""
    document = {
        "mode": mode,
        "machine": host,
        "figures": [
            {
                "name": f.name,
                "size": f.size,
                "ours": f.ours.as_json(),
                "baseline": {"name": f.baseline_name, **f.baseline.as_json()},
                "ratio": f.ratio,
            }
            for f in figures
        ],
        "targets": [
            {"name": t.name, "verdict": t.verdict, "value": t.value, "limit": t.limit, "at_most": t.at_most}
            for t in targets
        ],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


def update_benchmarks_md(
    path: Path, host: dict[str, object], figures: Sequence[Figure], targets: Sequence[Target]
) -> None:
    """Replace the results section of BENCHMARKS.md with this run's machine and tables."""
    text = path.read_text()
    start, end = text.index(RESULTS_START) + len(RESULTS_START), text.index(RESULTS_END)
    machine_line = (
        f"Measured on {host['cores']} cores ({host['cpu']}), {host['os']}; Python {host['python']}, "
        f"Node {host['node']}; pulumi {host['pulumi']}, pulumi-policy {host['pulumi-policy']}, "
        f"pulumi-aws {host['pulumi-aws']}."
    )
    path.write_text(f"{text[:start]}\n{machine_line}\n\n{markdown_table(figures, targets)}\n{text[end:]}")

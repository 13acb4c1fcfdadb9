"""The benchmark's quick mode still runs end to end and reports every figure and every target (not timings)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from security_group_tools.paths import PROJECT_DIR

from bench.pack_bench import awsguard_installed

QUICK_FIGURES = [
    ("program wall time", "1×5 rules (6 resources)"),
    ("program peak memory (tracemalloc)", "1×5 rules (6 resources)"),
    ("program wall time", "2×5 rules (12 resources)"),
    ("program peak memory (tracemalloc)", "2×5 rules (12 resources)"),
    ("config validation alone (load_settings)", "10 rules"),
    ("pack start-up to port-ready", "16 policies"),
    ("Analyze throughput", "20 resources"),
    ("Analyze throughput", "20 resources, vs no-op on our analyzer"),
    ("AnalyzeStack time", "20 resources"),
    ("AnalyzeStack time", "20 resources, vs no-op on our analyzer"),
    ("AnalyzeStack time", "200 resources"),
    ("AnalyzeStack time", "200 resources, vs no-op on our analyzer"),
]
AWSGUARD_FIGURES = [
    ("pack start-up to port-ready", "vs AWSGuard"),
    ("Analyze throughput", "20 resources, vs AWSGuard"),
    ("AnalyzeStack time", "20 resources, vs AWSGuard"),
    ("AnalyzeStack time", "200 resources, vs AWSGuard"),
]
TARGETS = [
    "program with component vs raw baseline at 2 groups",
    "pack start-up vs no-op pack",
    "pack start-up vs AWSGuard",
    "Analyze throughput vs no-op pack",
    "Analyze throughput vs AWSGuard",
    "AnalyzeStack time(200) / time(20)",
]
AWSGUARD_TARGETS = {"pack start-up vs AWSGuard", "Analyze throughput vs AWSGuard"}


def test_quick_benchmark_reports_every_figure_and_target(tmp_path: Path) -> None:
    """`python -m bench --quick` exits 0, prints one PASS/FAIL line per target and writes every figure."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    guard = awsguard_installed()
    expected_figures = QUICK_FIGURES + (AWSGUARD_FIGURES if guard else [])

    results = json.loads((tmp_path / "latest.json").read_text())
    assert results["mode"] == "quick"
    assert [(f["name"], f["size"]) for f in results["figures"]] == expected_figures
    for figure in results["figures"]:
        for side in (figure["ours"], figure["baseline"]):
            assert side["min"] <= side["median"] <= side["max"]
            assert len(side["runs"]) == 1

    lines = [line for line in done.stdout.splitlines() if re.match(r"^(PASS|FAIL|SKIP)  ", line)]
    assert [re.sub(r"^\w+  (.*) \([≤≥] [\d.]+\): .*$", r"\1", line) for line in lines] == TARGETS
    for line, target in zip(lines, TARGETS, strict=True):
        if target in AWSGUARD_TARGETS and not guard:
            assert line.startswith("SKIP  "), line
            assert line.endswith("not measured: AWSGuard not installed (make bench installs it)"), line
        else:
            assert re.match(r"^(PASS|FAIL)  .*: measured \d+\.\d\d$", line), line
    assert [t["name"] for t in results["targets"]] == TARGETS
    for name, _ in expected_figures:
        assert name in done.stdout
    assert f"results: {tmp_path / 'latest.json'}" in done.stdout


def test_the_chart_leaves_out_what_a_run_did_not_measure(tmp_path: Path) -> None:
    """`--pack-only` has no program points: the chart still draws the pack's panels (needs matplotlib)."""
    pytest.importorskip("matplotlib")
    from bench import chart
    from bench.stats import Sample

    sample = Sample((1.0, 2.0, 3.0), "s")
    stack = {"ours": [(10, sample), (100, sample)]}
    assert chart.draw(
        tmp_path / "chart.png", {"ours": [], "raw program": []}, stack, {"ours": sample}, {"ours": sample}
    )
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")

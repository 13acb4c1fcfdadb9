"""The benchmark's quick mode still runs end to end and reports every figure and every target (not timings)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bench_quick import quick_part
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


# --- Beside Prowler (bench/prowler_compare.py): Prowler itself takes minutes even at a tiny size, so the
# smoke run below leaves it out; what reads its output is tested on an OCSF document written here.

ARN = "arn:aws:ec2:us-east-1:123456789012:security-group/"


def _ocsf(status: str, check: str, group_id: str) -> dict[str, object]:
    """The fields of one Prowler OCSF finding that the comparison reads."""
    return {"status_code": status, "metadata": {"event_code": check}, "resources": [{"uid": ARN + group_id}]}


def test_prowler_findings_are_the_groups_its_ingress_checks_failed(tmp_path: Path) -> None:
    """FAILs of the ingress checks, by group; PASSes are not findings; other checks are counted apart."""
    from bench.auditors import prowler_reported

    ssh, ftp = (
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21",
    )
    document = [
        _ocsf("FAIL", ssh, "sg-1"),
        _ocsf("FAIL", ftp, "sg-1"),
        _ocsf("PASS", ssh, "sg-2"),
        _ocsf("FAIL", "ec2_securitygroup_default_restrict_traffic", "sg-3"),
    ]
    (tmp_path / "prowler.ocsf.json").write_text(json.dumps(document))
    found = prowler_reported(tmp_path)
    assert found.by_group == {"sg-1": frozenset({ssh, ftp})}
    assert found.other == 1


def test_our_findings_are_the_groups_our_exposure_policies_flagged() -> None:
    """Findings of the public-ingress policies, by group; every other policy's finding is counted apart."""
    from bench.auditors import ours_reported

    def finding(policy: str, group_id: str) -> dict[str, str]:
        return {"level": "mandatory", "policy": policy, "group_id": group_id, "group_name": "", "rule_id": ""}

    stdout = json.dumps(
        {
            "findings": [
                finding("aws-ec2-securitygroup-disallow-public-ssh", "sg-1"),
                finding("aws-ec2-securitygroup-disallow-public-combined-cidrs", "sg-1"),
                finding("aws-ec2-securitygroup-disallow-public-egress", "sg-2"),
                finding("aws-ec2-securitygroup-missing-rule-description", "sg-2"),
            ]
        }
    )
    found = ours_reported(stdout)
    assert found.by_group == {
        "sg-1": frozenset(
            {"aws-ec2-securitygroup-disallow-public-ssh", "aws-ec2-securitygroup-disallow-public-combined-cidrs"}
        )
    }
    assert found.other == 2


def test_the_comparison_says_what_each_auditor_reported_missed_and_added() -> None:
    """Per known open rule, how many of its groups each auditor reported and why; then extras and misses."""
    from bench.auditors import Reported
    from bench.findings_compare import compare, markdown
    from bench.sg_inventory import Inventory

    ssh, split = "SSH 22 from 0.0.0.0/0", "SSH 22 from 0.0.0.0/1 + 128.0.0.0/1 (a split /0)"
    inventory = Inventory("us-east-1", ("sg-1", "sg-2", "sg-3", "sg-4"), {"sg-1": ssh, "sg-2": split}, 20)
    reported = {
        "ours": Reported(
            {
                "sg-1": frozenset({"aws-ec2-securitygroup-disallow-public-ssh"}),
                "sg-2": frozenset({"aws-ec2-securitygroup-disallow-public-combined-cidrs"}),
            },
            7,
        ),
        "Prowler": Reported(
            {
                "sg-1": frozenset({"ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"}),
                "sg-4": frozenset({"ec2_securitygroup_allow_wide_open_public_ipv4"}),
            },
            0,
        ),
    }
    found = compare([inventory], reported)
    assert found.missed("ours") == []
    assert found.missed("Prowler") == [split]
    assert found.extra == {"ours": (), "Prowler": ("sg-4",)}
    assert markdown(found, ["ours", "Prowler"]).splitlines() == [
        "| Open rule (known) | Groups | ours | Prowler |",
        "|---|---|---|---|",
        f"| {ssh} | 1 | 1/1 (ssh) | 1/1 (ingress_from_internet_to_tcp_port_22) |",
        f"| {split} | 1 | 1/1 (combined-cidrs) | 0/1 |",
        "| **all known open rules** | 2 | **2/2** | **1/2** |",
        "",
        "- ours: 0 group(s) reported beyond the known open ones; missed: none; "
        "7 finding(s) of other policies or checks, not compared.",
        f"- Prowler: 1 group(s) reported beyond the known open ones; missed: {split}; "
        "0 finding(s) of other policies or checks, not compared.",
    ]


HOLD = "import sys; block = bytearray({size}); block[::4096] = b'x' * len(block[::4096]); print('ready', flush=True)"


def test_peak_memory_counts_every_process_of_the_tree(tmp_path: Path) -> None:
    """A parent holding 60 MB while its child holds 60 MB: the peak is their sum, not the larger one."""
    from bench import process_peak

    size = 60_000_000
    release = tmp_path / "release"
    child = HOLD.format(size=size) + "; sys.stdin.read()"
    parent = (
        "import os, subprocess, sys, time\n"
        + HOLD.format(size=size)
        + f"\nchild = subprocess.Popen([sys.executable, '-c', {child!r}],"
        + " stdin=subprocess.PIPE, stdout=subprocess.PIPE)"
        + "\nchild.stdout.readline()"
        # Both hold their blocks until the sampler has seen them together (or 60 s pass, and the test fails).
        + "\ndeadline = time.monotonic() + 60"
        + f"\nwhile not os.path.exists({str(release)!r}) and time.monotonic() < deadline:"
        + "\n    time.sleep(0.01)"
        + "\nchild.communicate()"
    )

    def seen(resident: int) -> None:
        if resident >= 2 * size:
            release.touch()

    run = process_peak.measure(
        [sys.executable, "-c", parent], env=dict(os.environ), cwd=tmp_path, out_dir=tmp_path, on_sample=seen
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "ready\n"
    assert release.exists()
    assert run.peak_bytes >= 2 * size
    alone = process_peak.measure(
        [sys.executable, "-c", HOLD.format(size=size)], env=dict(os.environ), cwd=tmp_path, out_dir=tmp_path / "alone"
    )
    assert size <= alone.peak_bytes < 2 * size


def test_quick_prowler_comparison_runs_our_side_against_moto(tmp_path: Path) -> None:
    """`python -m bench.prowler_compare --quick --no-prowler`: our audit over 41 moto groups reports the 3 known.

    Prowler is left out even when .venv-prowler exists (it takes minutes to start); its targets say so.
    """
    done = quick_part("one-region", tmp_path)
    size = "41 groups, 205 rules, 1 region"
    reason = "not measured: Prowler left out (--no-prowler) or not installed (make bench builds .venv-prowler)"
    assert [line for line in done.stdout.splitlines() if line.startswith(("PASS", "FAIL", "SKIP"))] == [
        f"SKIP  audit wall time vs Prowler, {size} (≤ 0.1): {reason}",
        f"SKIP  audit peak memory vs Prowler, {size} (≤ 0.25): {reason}",
    ]
    results = json.loads((tmp_path / "prowler-one-region.json").read_text())
    assert results["mode"] == "quick"
    assert results["figures"] == []
    table = results["comparisons"][f"Findings, {size}"].splitlines()
    assert table[:6] == [
        "| Open rule (known) | Groups | ours |",
        "|---|---|---|",
        "| SSH 22 from 0.0.0.0/0 | 1 | 1/1 (ssh) |",
        "| SSH 22 from 0.0.0.0/1 + 128.0.0.0/1 (a split /0) | 1 | 1/1 (combined-cidrs) |",
        "| SSH 22 from ::/0 | 1 | 1/1 (ssh) |",
        "| **all known open rules** | 3 | **3/3** |",
    ]
    assert table[7].startswith("- ours: 0 group(s) reported beyond the known open ones; missed: none; ")
    assert f"results: {tmp_path / 'prowler-one-region.json'}" in done.stdout


def test_prowler_comparison_refuses_an_out_path_in_the_way_in_one_line(tmp_path: Path) -> None:
    """--out under a file: exit 2 and one line naming the problem, no traceback, nothing measured."""
    in_the_way = tmp_path / "file"
    in_the_way.write_text("kept\n")
    done = subprocess.run(
        [sys.executable, "-m", "bench.prowler_compare", "--quick", "--no-prowler", "--out", str(in_the_way / "x")],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == f"prowler_compare: [Errno 20] Not a directory: '{in_the_way / 'x'}'\n"
    assert done.stdout == ""
    assert in_the_way.read_text() == "kept\n"


def test_a_part_rewrites_only_its_own_section_of_benchmarks_md(tmp_path: Path) -> None:
    """update_section replaces what lies between its part's markers, and nothing else of the page."""
    from bench.prowler_compare import Results, section_markers, update_section
    from bench.report import Figure, Target
    from bench.stats import Sample

    units_start, units_end = section_markers("units")
    one_start, one_end = section_markers("one-region")
    page = tmp_path / "BENCHMARKS.md"
    page.write_text(f"intro\n{units_start}\nold units\n{units_end}\nmiddle\n{one_start}\nkept\n{one_end}\nend\n")
    figure = Figure(
        "our audit wall time", "8 region(s) x 125 groups", Sample((2.0,), "s"), "--concurrency 1", Sample((4.0,), "s")
    )
    results = Results([figure], [Target("8 units vs the same units one by one", 0.5, 0.35, True)], {}, ["a note"])
    host = {"cores": 2, "cpu": "CPU", "os": "OS", "python": "3.11.7", "prowler": "Prowler 5.46.0"}
    update_section(page, "units", host, results)
    lines = page.read_text().splitlines()
    assert re.fullmatch(r"Run \d{4}-\d\d-\d\d \d\d:\d\d UTC\.", lines[4])
    assert lines[:4] + lines[5:] == [
        "intro",
        units_start,
        "Measured on 2 cores (CPU), OS; Python 3.11.7; Prowler 5.46.0.",
        "",
        "",
        "| Figure | Size | Ours: median [min–max] | Baseline: median [min–max] | Ratio |",
        "|---|---|---|---|---|",
        "| our audit wall time | 8 region(s) x 125 groups | 2.000 s [2.000–2.000] "
        "| --concurrency 1: 4.000 s [4.000–4.000] | 0.50× |",
        "",
        "| Target | Verdict |",
        "|---|---|",
        "| 8 units vs the same units one by one (≤ 0.35): measured 0.50 | **FAIL** |",
        "",
        "- a note",
        units_end,
        "middle",
        one_start,
        "kept",
        one_end,
        "end",
    ]


def test_a_run_is_never_charged_the_memory_of_the_process_that_measures_it(tmp_path: Path) -> None:
    """The bench itself at 300 MB (as after parsing Prowler's findings) and a 60 MB command: 60 MB is measured."""
    from bench import process_peak

    size = 60_000_000
    ballast = bytearray(300_000_000)
    ballast[::4096] = b"x" * len(ballast[::4096])  # resident, not just reserved
    run = process_peak.measure(
        [sys.executable, "-c", HOLD.format(size=size)], env=dict(os.environ), cwd=tmp_path, out_dir=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert size <= run.peak_bytes < 2 * size
    assert run.cpu_seconds > 0
    del ballast


def test_the_floor_says_no_concurrency_can_beat_the_cpu_time_spread_over_the_cores() -> None:
    """Each concurrent run's CPU (ours and moto's) over the cores bounds its wall time; the median bound over the
    serial runs' median wall time is the best ratio there is, judged against the target only where it applies."""
    from bench.prowler_compare import CONCURRENT, SERIAL, Measured, concurrency_floor
    from bench.stats import Sample

    measured = Measured(
        seconds={CONCURRENT: Sample((4.4, 4.6, 4.5), "s"), SERIAL: Sample((4.8, 4.7, 5.2), "s")},
        cpu={CONCURRENT: Sample((3.0, 3.1, 2.9), "s"), SERIAL: Sample((2.5, 3.0, 2.6), "s")},
        peak={},
        reported={},
        endpoint_cpu={CONCURRENT: (2.6, 2.7, 2.8), SERIAL: (2.4, 2.7, 2.5)},
    )
    # Bounds per concurrent run: (3.0 + 2.6) / 2 = 2.80, (3.1 + 2.7) / 2 = 2.90, (2.9 + 2.8) / 2 = 2.85.
    assert concurrency_floor(measured, 8, 2, target=True) == (
        "floor at 8 unit(s): the concurrent runs used 3.00 s of CPU and moto 2.70 s (medians); on 2 core(s) no run "
        "doing that work ends in under 2.85 s, 0.59x the serial runs' 4.80 s: the ≤ 0.35 target is out of reach on "
        "this machine"
    )
    assert concurrency_floor(measured, 8, 8, target=True).endswith(
        "on 8 core(s) no run doing that work ends in under 0.71 s, 0.15x the serial runs' 4.80 s: the ≤ 0.35 target "
        "is within reach on this machine"
    )
    assert concurrency_floor(measured, 1, 2, target=False).endswith("0.59x the serial runs' 4.80 s")


def test_a_processs_cpu_time_is_read_for_every_thread_of_it(tmp_path: Path) -> None:
    """The child spends 0.3 s of CPU on a thread of its own, then waits: /proc says at least that much."""
    from bench.process_peak import cpu_seconds

    spin = (
        "import sys, threading, time\n"
        "def spin():\n"
        "    while time.process_time() < 0.3:\n"
        "        pass\n"
        "worker = threading.Thread(target=spin)\n"
        "worker.start()\n"
        "worker.join()\n"
        "print(time.process_time(), flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", spin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert child.stdout is not None
        own = float(child.stdout.readline())
        read = cpu_seconds(child.pid)
    finally:
        child.communicate("")
    assert own >= 0.3
    assert read >= 0.3 - 0.02  # the kernel counts in clock ticks (10 ms), process_time more finely
    assert read <= own + 0.02


def test_quick_units_run_reports_each_count_with_its_floor(tmp_path: Path) -> None:
    """`--quick --no-prowler --part units`: the 1, 4 and 8 region figures, each with the CPU floor, and the target."""
    done = quick_part("units", tmp_path)
    results = json.loads((tmp_path / "prowler-units.json").read_text())
    assert [(figure["size"], figure["baseline"]["name"]) for figure in results["figures"]] == [
        (f"{count} region(s) x 3 groups", "--concurrency 1") for count in (1, 4, 8)
    ]
    floor = (
        r"floor at {count} unit\(s\): the concurrent runs used \d+\.\d\d s of CPU and moto \d+\.\d\d s \(medians\); "
    )
    floor += (
        r"on \d+ core\(s\) no run doing that work ends in under \d+\.\d\d s, \d+\.\d\dx the serial runs' \d+\.\d\d s"
    )
    notes = results["notes"]
    assert len(notes) == 4
    assert re.fullmatch(floor.format(count=1), notes[0])
    assert re.fullmatch(floor.format(count=4), notes[1])
    assert re.fullmatch(
        floor.format(count=8) + r": the ≤ 0\.35 target is (out of|within) reach on this machine", notes[2]
    )
    assert notes[3].startswith("load average (1 min) ")
    assert [target["name"] for target in results["targets"]] == ["8 units vs the same units one by one"]
    assert re.search(
        r"^  ours, --concurrency 1: \d+\.\d\d s \(\d+\.\d\d s CPU; endpoint \d+\.\d\d s CPU\), \d+ MB$",
        done.stdout,
        re.MULTILINE,
    )

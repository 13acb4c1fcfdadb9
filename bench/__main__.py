"""Run every benchmark, print the figures and a PASS/FAIL line per target, write latest.json and the chart.

.venv/bin/python -m bench            # the full run (`make bench`): updates bench/results and BENCHMARKS.md
.venv/bin/python -m bench --quick    # tiny sizes, one round: checks the benchmark still runs (the smoke test)
.venv/bin/python -m bench --pack-only --no-awsguard --out /tmp/b   # only the pack figures (start-up, Analyze, stack)
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from security_group_tools.pack_runner import Engine

from bench import chart, pack_bench, program_bench, report
from bench.report import Figure, Target
from bench.stats import Sample
from bench.workloads import resource_mix

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

PROGRAM_LIMIT = 1.15
STARTUP_LIMIT = 1.15
STARTUP_VS_AWSGUARD_LIMIT = 0.5
""""Well under AWSGuard's": at most half of it."""
THROUGHPUT_LIMIT = 0.85
THROUGHPUT_VS_AWSGUARD_LIMIT = 1.0
"""Above AWSGuard's (strictly: the ratio must exceed 1; the target line shows ≥ 1 for brevity)."""
GROWTH_LIMIT = 11.0


@dataclass(frozen=True)
class Plan:
    """Sizes and repeats for one mode."""

    groups: tuple[int, ...]
    rules: int
    repeats: int
    memory_repeats: int
    validation_groups: int
    starts: int
    analyze_resources: int
    stack_sizes: tuple[int, int]
    stack_repeats: tuple[int, int]
    """Rounds per stack size: a 0.3 s call swings by a third between rounds, so the small size gets more."""


FULL = Plan(
    groups=(1, 10, 100),
    rules=20,
    repeats=5,
    memory_repeats=3,
    validation_groups=50,
    starts=21,
    analyze_resources=1000,
    stack_sizes=(1000, 10_000),
    stack_repeats=(15, 5),
)
QUICK = Plan(
    groups=(1, 2),
    rules=5,
    repeats=1,
    memory_repeats=1,
    validation_groups=2,
    starts=1,
    analyze_resources=20,
    stack_sizes=(20, 200),
    stack_repeats=(1, 1),
)


def main(argv: list[str] | None = None) -> int:
    """Run, print, write; the exit status is 0 even when a target fails (the lines say which)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one round: a smoke run, not a result")
    parser.add_argument("--out", type=Path, default=None, help="where to write latest.json and chart.png")
    parser.add_argument("--no-awsguard", action="store_true", help="skip AWSGuard even if it is installed")
    parser.add_argument("--pack-only", action="store_true", help="only the policy pack's figures: no program runs")
    options = parser.parse_args(argv)
    plan = QUICK if options.quick else FULL
    out = options.out or RESULTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    with_awsguard = not options.no_awsguard and pack_bench.awsguard_installed()
    if not with_awsguard and not options.quick and not options.no_awsguard:
        print("AWSGuard is not installed: run `make bench` (it runs `npm ci` in bench/awsguard)", file=sys.stderr)
        return 2

    figures: list[Figure] = []
    targets: list[Target] = []
    host = report.machine()
    print(f"mode: {'quick' if options.quick else 'full'}; machine: {host}", flush=True)

    # --- The program ---
    program_points: dict[str, list[tuple[int, Sample]]] = {"ours (component + validation)": [], "raw baseline": []}
    if not options.pack_only:
        largest = None
        for groups in plan.groups:
            print(f"program: {groups} groups x {plan.rules} rules ...", flush=True)
            found = program_bench.measure_program(groups, plan.rules, plan.repeats, plan.memory_repeats)
            size = f"{groups}×{plan.rules} rules ({found.resources} resources)"
            figures.append(Figure("program wall time", size, found.ours, "raw program", found.raw))
            figures.append(
                Figure("program peak memory (tracemalloc)", size, found.ours_peak, "raw program", found.raw_peak)
            )
            program_points["ours (component + validation)"].append((found.resources, found.ours))
            program_points["raw baseline"].append((found.resources, found.raw))
            largest = figures[-2]
        assert largest is not None
        targets.append(
            Target(
                f"program with component vs raw baseline at {plan.groups[-1]} groups",
                largest.ratio,
                PROGRAM_LIMIT,
                True,
            )
        )
        print("config validation ...", flush=True)
        validation = program_bench.measure_validation(plan.validation_groups, plan.rules, plan.repeats)
        figures.append(
            Figure(
                "config validation alone (load_settings)",
                f"{validation.rules} rules",
                validation.validation,
                "raw program, same rules",
                validation.raw,
            )
        )

    # --- The policy pack ---
    engine = Engine.start()
    try:
        kinds = pack_bench.pack_kinds(with_awsguard=with_awsguard)
        print("pack start-up ...", flush=True)
        startup = pack_bench.measure_startup(kinds, engine, plan.starts)
        ours_name, noop, guard = pack_bench.OURS, pack_bench.NOOP, pack_bench.AWSGUARD
        floor = pack_bench.NOOP_ONE_CONVERSION
        kinds = pack_bench.pack_kinds(with_awsguard=with_awsguard, with_our_floor=True)
        figures.append(
            Figure("pack start-up to port-ready", "16 policies", startup[ours_name], "no-op pack", startup[noop])
        )
        with pack_bench.running(kinds, engine) as packs:
            print("Analyze ...", flush=True)
            items = resource_mix(plan.analyze_resources)
            analyze = pack_bench.measure_analyze(packs, items, plan.repeats)
            size = f"{plan.analyze_resources} resources"
            figures.append(Figure("Analyze throughput", size, analyze[ours_name], "no-op pack", analyze[noop]))
            figures.append(
                Figure(
                    "Analyze throughput",
                    f"{size}, vs no-op on our analyzer",
                    analyze[ours_name],
                    "no-op policies, one conversion",
                    analyze[floor],
                )
            )
            stack_points: dict[str, list[tuple[int, Sample]]] = {}
            stack_results = []
            for count, rounds in zip(plan.stack_sizes, plan.stack_repeats, strict=True):
                print(f"AnalyzeStack, {count} resources ...", flush=True)
                found_stack = pack_bench.measure_analyze_stack(packs, count, rounds)
                stack_results.append(found_stack)
                figures.append(
                    Figure(
                        "AnalyzeStack time",
                        f"{count} resources",
                        found_stack[ours_name],
                        "no-op pack",
                        found_stack[noop],
                    )
                )
                figures.append(
                    Figure(
                        "AnalyzeStack time",
                        f"{count} resources, vs no-op on our analyzer",
                        found_stack[ours_name],
                        "no-op policies, one conversion",
                        found_stack[floor],
                    )
                )
                for name, sample in found_stack.items():
                    stack_points.setdefault(name, []).append((count, sample))
        if with_awsguard:
            figures.append(
                Figure("pack start-up to port-ready", "vs AWSGuard", startup[ours_name], "AWSGuard", startup[guard])
            )
            figures.append(
                Figure("Analyze throughput", f"{size}, vs AWSGuard", analyze[ours_name], "AWSGuard", analyze[guard])
            )
            for count, found_stack in zip(plan.stack_sizes, stack_results, strict=True):
                figures.append(
                    Figure(
                        "AnalyzeStack time",
                        f"{count} resources, vs AWSGuard",
                        found_stack[ours_name],
                        "AWSGuard",
                        found_stack[guard],
                    )
                )
    finally:
        engine.stop()

    def ratio(name: str, sample_set: dict[str, Sample], baseline: str) -> float | None:
        return sample_set[name].median / sample_set[baseline].median if baseline in sample_set else None

    skipped = "not measured: AWSGuard not installed (make bench installs it)"
    small, large = (stack_results[0][ours_name], stack_results[1][ours_name])
    targets += [
        Target("pack start-up vs no-op pack", ratio(ours_name, startup, noop), STARTUP_LIMIT, True),
        Target("pack start-up vs AWSGuard", ratio(ours_name, startup, guard), STARTUP_VS_AWSGUARD_LIMIT, True, skipped),
        Target("Analyze throughput vs no-op pack", ratio(ours_name, analyze, noop), THROUGHPUT_LIMIT, False),
        Target(
            "Analyze throughput vs AWSGuard",
            ratio(ours_name, analyze, guard),
            THROUGHPUT_VS_AWSGUARD_LIMIT,
            False,
            skipped,
        ),
        Target(
            f"AnalyzeStack time({plan.stack_sizes[1]}) / time({plan.stack_sizes[0]})",
            large.median / small.median,
            GROWTH_LIMIT,
            True,
        ),
    ]

    print()
    print(report.text_table(figures))
    print()
    for target in targets:
        print(target.line())
    report.write_json(out / "latest.json", "quick" if options.quick else "full", host, figures, targets)
    drawn = chart.draw(
        out / "chart.png",
        program_points,
        stack_points,
        startup,
        analyze,
    )
    print(f"results: {out / 'latest.json'}")
    print(
        f"chart: {out / 'chart.png'}"
        if drawn
        else "chart: skipped (matplotlib is not installed; make bench installs it)"
    )
    if not options.quick and not options.pack_only and options.out is None:
        report.update_benchmarks_md(BENCH_DIR / "BENCHMARKS.md", host, figures, targets)
        print(f"tables: {BENCH_DIR / 'BENCHMARKS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

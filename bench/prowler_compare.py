"""Our audit beside Prowler on the same moto inventory: wall time, peak memory and findings, side by side.

.venv/bin/python -m bench.prowler_compare                 # `make bench`: rewrites bench/results/prowler-*.json
                                                          # and the Prowler sections of BENCHMARKS.md
.venv/bin/python -m bench.prowler_compare --part units    # only our 1/4/8-region concurrency figures
.venv/bin/python -m bench.prowler_compare --quick --no-prowler --out /tmp/p   # tiny, one round, ours only

One moto server (its own process, 127.0.0.1) holds the inventory (`bench/sg_inventory.py`); both auditors
reach it only through `AWS_ENDPOINT_URL`. Every run is a fresh process timed from spawn to exit, its peak
memory that of its whole process tree (`bench/process_peak.py`); ours and Prowler's runs alternate, round by
round. Then our audit across 1, 4 and 8 regions at its default concurrency, against the same regions read one
after another (`--concurrency 1`), each with the floor no concurrency can beat on this machine (the CPU time
the run used, ours and moto's, spread over the cores: `concurrency_floor`), and both auditors across the 8 regions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from security_group_tools.paths import PROJECT_DIR

from bench import auditors, report
from bench.auditors import Reported
from bench.findings_compare import Comparison, compare, markdown
from bench.moto_process import MotoServer, moto_server
from bench.process_peak import Run, measure
from bench.replay_endpoint import replay_endpoint
from bench.report import Figure, Target
from bench.sg_inventory import Inventory, populate
from bench.stats import Sample

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PARTS: Final = ("units", "units-latency", "one-region", "regions")
"""Each part writes bench/results/prowler-<part>.json and its own section of BENCHMARKS.md."""


def section_markers(part: str) -> tuple[str, str]:
    """The comments around a part's section of BENCHMARKS.md."""
    return (
        f"<!-- prowler-{part}:start (written by `python -m bench.prowler_compare`) -->",
        f"<!-- prowler-{part}:end -->",
    )


OURS, PROWLER = "ours", "Prowler"
REGION: Final = "us-east-1"
UNIT_REGIONS: Final = (
    "eu-west-1",
    "eu-central-1",
    "us-west-2",
    "ap-southeast-1",
    "ap-northeast-1",
    "sa-east-1",
    "ca-central-1",
    "ap-south-1",
)
"""The account-regions of the concurrency figures: one account, eight regions moto serves side by side."""
UNIT_COUNTS: Final = (1, 4, 8)
CONCURRENT: Final = "ours, default concurrency"
SERIAL: Final = "ours, --concurrency 1"

TIME_LIMIT: Final = 0.1
"""At least 10x faster than Prowler: our wall time at most a tenth of its."""
MEMORY_LIMIT: Final = 0.25
CONCURRENCY_LIMIT: Final = 0.35


@dataclass(frozen=True)
class Plan:
    """Sizes and repeats for one mode."""

    groups: int
    unit_groups: int
    """Groups in each of the 8 regions: together as many as the one-region inventory."""
    repeats: int
    unit_repeats: int
    waits: tuple[float, ...]
    """Seconds the replayed endpoint waits before each answer, one set of runs each (`units_latency`)."""


FULL = Plan(groups=1000, unit_groups=125, repeats=3, unit_repeats=3, waits=(0.0, 0.1, 0.2, 0.4))
QUICK = Plan(groups=41, unit_groups=3, repeats=1, unit_repeats=1, waits=(0.0, 0.05))
"""41 groups: the first three open kinds (SSH from 0.0.0.0/0, the split /0, SSH from ::/0)."""


@dataclass(frozen=True)
class Side:
    """One auditor's command for one set of regions, and how to read what it found."""

    command: Callable[[Path], list[str]]
    """Given a fresh output directory for the run."""
    read: Callable[[Run, Path], Reported]


def _ours(regions: Sequence[str], concurrency: int | None = None, *, listed: bool = False) -> Side:
    return Side(
        lambda _out: auditors.ours_command(regions, concurrency=concurrency, listed=listed),
        lambda run, _out: auditors.ours_reported(run.stdout),
    )


def _prowler(regions: Sequence[str]) -> Side:
    return Side(
        lambda out: auditors.prowler_command(regions, out),
        lambda _run, out: auditors.prowler_reported(out),
    )


OK_STATUSES: Final = {OURS: (0, 1), PROWLER: (0, 3)}
"""Exit statuses of a run that finished: 1 (ours) and 3 (Prowler) say findings were made."""


@dataclass(frozen=True)
class Measured:
    """Every side's runs, and what its first run reported (every later run must report the same)."""

    seconds: Mapping[str, Sample]
    cpu: Mapping[str, Sample]
    peak: Mapping[str, Sample]
    reported: Mapping[str, Reported]
    endpoint_cpu: Mapping[str, tuple[float, ...]]
    """CPU time moto's process used during each run, in run order (the endpoint's share of the work)."""


def run_alternated(
    sides: Mapping[str, Side], repeats: int, env: Mapping[str, str], work: Path, endpoint_cpu: Callable[[], float]
) -> Measured:
    """Run every side once per round, rotating which goes first; findings must not change between runs.

    `endpoint_cpu` says how much CPU time the endpoint has used so far, read before and after each run.
    """
    names = list(sides)
    runs: dict[str, list[Run]] = {name: [] for name in names}
    endpoint: dict[str, list[float]] = {name: [] for name in names}
    reported: dict[str, Reported] = {}
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            out = work / f"{name.replace(' ', '-')}-{round_}"
            before = endpoint_cpu()
            run = measure(sides[name].command(out), env=env, cwd=PROJECT_DIR, out_dir=out)
            endpoint[name].append(endpoint_cpu() - before)
            ok = OK_STATUSES[PROWLER if name.startswith(PROWLER) else OURS]
            if run.returncode not in ok:
                raise RuntimeError(f"{name} exited {run.returncode}: {run.stderr.strip()[-2000:]}")
            found = sides[name].read(run, out)
            if reported.setdefault(name, found) != found:
                raise RuntimeError(f"{name} reported different findings in round {round_ + 1}")
            runs[name].append(run)
            peak = run.peak_bytes / 1e6
            print(
                f"  {name}: {run.seconds:.2f} s ({run.cpu_seconds:.2f} s CPU; "
                f"endpoint {endpoint[name][-1]:.2f} s CPU), {peak:.0f} MB",
                flush=True,
            )
    return Measured(
        {name: Sample(tuple(run.seconds for run in found), "s") for name, found in runs.items()},
        {name: Sample(tuple(run.cpu_seconds for run in found), "s") for name, found in runs.items()},
        {name: Sample(tuple(float(run.peak_bytes) for run in found), "B") for name, found in runs.items()},
        reported,
        {name: tuple(found) for name, found in endpoint.items()},
    )


def cores() -> int:
    """The cores this process, and so every run it starts and moto, may run on."""
    return len(os.sched_getaffinity(0))


def concurrency_floor(measured: Measured, count: int, on_cores: int, *, target: bool) -> str:
    """What no concurrency can beat here: a run cannot end before its CPU time, spread over every core, is spent.

    Each concurrent run's own CPU time (ours and moto's, both on this machine's cores) over the cores is a lower
    bound on its wall time; the median of those bounds over the serial runs' median wall time is the lowest
    ratio any concurrency could reach with the work those runs did. With `target`, says whether that is within
    the issue's ratio.
    """
    bounds = [
        (ours + endpoint) / on_cores
        for ours, endpoint in zip(measured.cpu[CONCURRENT].values, measured.endpoint_cpu[CONCURRENT], strict=True)
    ]
    floor = Sample(tuple(bounds), "s").median
    serial_wall = measured.seconds[SERIAL].median
    ours_cpu = measured.cpu[CONCURRENT].median
    moto_cpu = Sample(measured.endpoint_cpu[CONCURRENT], "s").median
    best = floor / serial_wall
    line = (
        f"floor at {count} unit(s): the concurrent runs used {ours_cpu:.2f} s of CPU and moto {moto_cpu:.2f} s "
        f"(medians); on {on_cores} core(s) no run doing that work ends in under {floor:.2f} s, {best:.2f}x the "
        f"serial runs' {serial_wall:.2f} s"
    )
    if target:
        reach = "out of reach" if best > CONCURRENCY_LIMIT else "within reach"
        line += f": the ≤ {CONCURRENCY_LIMIT:g} target is {reach} on this machine"
    return line


def units_supported() -> bool:
    """Whether our audit takes --regions and --concurrency (account x region units)."""
    done = subprocess.run(
        [str(auditors.OURS_COMMAND), "audit", "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    return "--concurrency" in done.stdout and "--regions" in done.stdout


@dataclass
class Results:
    """What one run of the comparison produced."""

    figures: list[Figure]
    targets: list[Target]
    comparisons: dict[str, str]
    """title -> Markdown"""
    notes: list[str]


def main(argv: list[str] | None = None) -> int:
    """Run, print, write; the exit status is 0 even when a target fails (the lines say which)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and one round: a smoke run, not a result")
    parser.add_argument("--out", type=Path, default=None, help="where to write prowler-<part>.json")
    parser.add_argument("--no-prowler", action="store_true", help="skip Prowler even if .venv-prowler exists")
    parser.add_argument("--part", choices=(*PARTS, "all"), default="all", help="what to measure (default all)")
    options = parser.parse_args(argv)
    plan = QUICK if options.quick else FULL
    with_prowler = not options.no_prowler and auditors.prowler_installed()
    if not with_prowler and not options.quick and not options.no_prowler:
        print("Prowler is not installed: run `make bench` (it builds .venv-prowler)", file=sys.stderr)
        return 2
    out = options.out or RESULTS_DIR
    try:
        out.mkdir(parents=True, exist_ok=True)
        return _measure(options, plan, with_prowler, out)
    except (RuntimeError, OSError) as error:  # a run that failed, moto that did not start, --out in the way
        print(f"prowler_compare: {error}", file=sys.stderr)
        return 2


def _measure(options: argparse.Namespace, plan: Plan, with_prowler: bool, out: Path) -> int:
    host = report.machine() | {"prowler": _prowler_version() if with_prowler else "not installed"}
    print(f"mode: {'quick' if options.quick else 'full'}; machine: {host}", flush=True)
    parts = PARTS if options.part == "all" else (options.part,)
    with tempfile.TemporaryDirectory(prefix="prowler-compare-") as scratch_dir:
        scratch = Path(scratch_dir)
        empty = scratch / "aws-empty"
        empty.write_text("")
        with moto_server(scratch / "moto.log") as moto:
            env = auditors.aws_env(os.environ, moto.url, empty)
            for part in parts:
                measure_part = MEASURES[part]
                load_before = os.getloadavg()[0]
                results = measure_part(plan, with_prowler, env, moto, scratch / part)
                results.notes.append(
                    f"load average (1 min) {load_before:.1f} before and {os.getloadavg()[0]:.1f} after, "
                    f"on {os.cpu_count()} cores (other work on the machine slows every side alike)"
                )
                _print(results)
                path = out / f"prowler-{part}.json"
                _write_json(path, "quick" if options.quick else "full", host, results)
                print(f"results: {path}")
                if not options.quick and options.out is None:
                    update_section(BENCH_DIR / "BENCHMARKS.md", part, host, results)
                    print(f"tables: {BENCH_DIR / 'BENCHMARKS.md'}")
    return 0


def _print(results: Results) -> None:
    print()
    if results.figures:
        print(report.text_table(results.figures))
    for title, table in results.comparisons.items():
        print(f"\n{title}\n{table}")
    for note in results.notes:
        print(note)
    print()
    for target in results.targets:
        print(target.line(), flush=True)


SKIPPED: Final = "not measured: Prowler left out (--no-prowler) or not installed (make bench builds .venv-prowler)"


def one_region(plan: Plan, with_prowler: bool, env: Mapping[str, str], moto: MotoServer, work: Path) -> Results:
    """Both auditors over one region of `plan.groups` groups."""
    results = Results([], [], {}, [])
    print(f"inventory: {plan.groups} groups in {REGION} ...", flush=True)
    inventory = populate(moto.url, REGION, plan.groups)
    size = f"{inventory.groups} groups, {inventory.rules} rules, 1 region"
    sides = {OURS: _ours([REGION])} | ({PROWLER: _prowler([REGION])} if with_prowler else {})
    print(f"one region: {', '.join(sides)}, {plan.repeats} rounds ...", flush=True)
    found = run_alternated(sides, plan.repeats, env, work, moto.cpu_seconds)
    results.comparisons[f"Findings, {size}"] = _comparison([inventory], found.reported)
    _versus_prowler(results, found, size, with_prowler)
    return results


def _unit_inventories(plan: Plan, url: str, made: dict[str, Inventory]) -> list[Inventory]:
    """The 8 regions' inventories, populated once per moto server whichever part asks first."""
    if not made:
        print(f"inventory: {plan.unit_groups} groups in each of {len(UNIT_REGIONS)} regions ...", flush=True)
        made.update({region: populate(url, region, plan.unit_groups) for region in UNIT_REGIONS})
    return [made[region] for region in UNIT_REGIONS]


def _unsupported() -> Results | None:
    """A part's results saying why nothing was measured, when this audit cannot read account-regions."""
    if units_supported():
        return None
    return Results([], [], {}, ["not measured: this audit takes no --regions/--concurrency"])


def units(plan: Plan, with_prowler: bool, env: Mapping[str, str], moto: MotoServer, work: Path) -> Results:
    """Ours over 1, 4 and 8 regions at the default concurrency, and the same regions one by one."""
    del with_prowler  # ours only
    if (skipped := _unsupported()) is not None:
        return skipped
    results = Results([], [], {}, [])
    _unit_inventories(plan, moto.url, _MADE)
    for count in UNIT_COUNTS:
        regions = UNIT_REGIONS[:count]
        print(f"{count} region(s): default concurrency against --concurrency 1 ...", flush=True)
        pair = {CONCURRENT: _ours(regions, listed=True), SERIAL: _ours(regions, 1)}
        found = run_alternated(pair, plan.unit_repeats, env, work / f"units-{count}", moto.cpu_seconds)
        per = f"{count} region(s) x {plan.unit_groups} groups"
        concurrent, one_by_one = found.seconds[CONCURRENT], found.seconds[SERIAL]
        results.figures.append(Figure("our audit wall time", per, concurrent, "--concurrency 1", one_by_one))
        results.notes.append(concurrency_floor(found, count, cores(), target=count == UNIT_COUNTS[-1]))
    eight = results.figures[-1]
    results.targets.append(
        Target(f"{UNIT_COUNTS[-1]} units vs the same units one by one", eight.ratio, CONCURRENCY_LIMIT, True)
    )
    return results


def units_latency(plan: Plan, with_prowler: bool, env: Mapping[str, str], moto: MotoServer, work: Path) -> Results:
    """The 8 units at the default concurrency and one by one, through an endpoint that answers as moto did after
    a set wait and costs this machine next to nothing (`bench/replay_endpoint.py`): a model of AWS's network
    wait, not a measurement of AWS. No target is judged on it."""
    del with_prowler  # ours only
    if (skipped := _unsupported()) is not None:
        return skipped
    results = Results([], [], {}, [])
    _unit_inventories(plan, moto.url, _MADE)
    pair = {CONCURRENT: _ours(UNIT_REGIONS, listed=True), SERIAL: _ours(UNIT_REGIONS, 1)}
    size = f"{len(UNIT_REGIONS)} region(s) x {plan.unit_groups} groups"
    with replay_endpoint(moto.url) as endpoint:
        through = {**env, "AWS_ENDPOINT_URL": endpoint.url}

        def endpoint_cpu() -> float:
            return endpoint.cpu_seconds + moto.cpu_seconds()

        print("recording moto's answers: one run of each ...", flush=True)
        run_alternated(pair, 1, through, work / "record", endpoint_cpu)
        ratios: list[tuple[float, float]] = []
        for wait in plan.waits:
            endpoint.replay(wait)
            print(f"{size}, {wait * 1000:.0f} ms per call: default concurrency against --concurrency 1 ...", flush=True)
            found = run_alternated(pair, plan.unit_repeats, through, work / f"wait-{wait * 1000:.0f}", endpoint_cpu)
            figure = Figure(
                "our audit wall time",
                f"{size}, {wait * 1000:.0f} ms per call",
                found.seconds[CONCURRENT],
                "--concurrency 1",
                found.seconds[SERIAL],
            )
            results.figures.append(figure)
            results.notes.append(busy_note(found, wait))
            ratios.append((wait, figure.ratio))
        if endpoint.misses:
            raise RuntimeError(f"{endpoint.misses} request(s) were not among those recorded: the runs differ")
    results.notes.append(crossing_note(ratios))
    return results


def busy_note(measured: Measured, wait: float) -> str:
    """How busy our own process was in the concurrent runs: near one core, its interpreter lock is the floor."""
    wall, cpu = measured.seconds[CONCURRENT].median, measured.cpu[CONCURRENT].median
    endpoint = Sample(measured.endpoint_cpu[CONCURRENT], "s").median
    return (
        f"{wait * 1000:.0f} ms per call: the concurrent runs took {wall:.2f} s and used {cpu:.2f} s of our CPU "
        f"({cpu / wall:.0%} of one core) and {endpoint:.2f} s of the endpoint's (medians)"
    )


def crossing_note(ratios: Sequence[tuple[float, float]]) -> str:
    """At which wait, of those measured, 8 units first take at most the target's share of their serial time."""
    within = [wait for wait, ratio in ratios if ratio <= CONCURRENCY_LIMIT]
    listed = ", ".join(f"{ratio:.2f}x at {wait * 1000:.0f} ms" for wait, ratio in ratios)
    if within:
        return f"ratio by wait per call: {listed}; at most {CONCURRENCY_LIMIT:g} from {within[0] * 1000:.0f} ms on"
    return f"ratio by wait per call: {listed}; above {CONCURRENCY_LIMIT:g} at every wait measured"


def across_regions(plan: Plan, with_prowler: bool, env: Mapping[str, str], moto: MotoServer, work: Path) -> Results:
    """Both auditors over the same 8 regions."""
    if (skipped := _unsupported()) is not None:
        return skipped
    results = Results([], [], {}, [])
    inventories = _unit_inventories(plan, moto.url, _MADE)
    spread = f"{len(UNIT_REGIONS)} regions x {plan.unit_groups} groups"
    sides = {OURS: _ours(UNIT_REGIONS)} | ({PROWLER: _prowler(UNIT_REGIONS)} if with_prowler else {})
    print(f"{len(UNIT_REGIONS)} regions: {', '.join(sides)}, {plan.repeats} rounds ...", flush=True)
    across = run_alternated(sides, plan.repeats, env, work, moto.cpu_seconds)
    results.comparisons[f"Findings, {spread}"] = _comparison(inventories, across.reported)
    _versus_prowler(results, across, spread, with_prowler)
    return results


_MADE: dict[str, Inventory] = {}
"""The 8 regions' inventories in the running moto server (one server per run of this module)."""

MEASURES: Final = {
    "units": units,
    "units-latency": units_latency,
    "one-region": one_region,
    "regions": across_regions,
}


def _versus_prowler(results: Results, measured: Measured, size: str, with_prowler: bool) -> None:
    if not with_prowler:
        results.targets += [
            Target(f"audit wall time vs Prowler, {size}", None, TIME_LIMIT, True, SKIPPED),
            Target(f"audit peak memory vs Prowler, {size}", None, MEMORY_LIMIT, True, SKIPPED),
        ]
        return
    time_figure = Figure("audit wall time", size, measured.seconds[OURS], PROWLER, measured.seconds[PROWLER])
    memory_figure = Figure(
        "audit peak memory (process tree)", size, measured.peak[OURS], PROWLER, measured.peak[PROWLER]
    )
    cpu_figure = Figure("audit CPU time (process tree)", size, measured.cpu[OURS], PROWLER, measured.cpu[PROWLER])
    results.figures += [time_figure, cpu_figure, memory_figure]
    results.targets += [
        Target(f"audit wall time vs Prowler, {size}", time_figure.ratio, TIME_LIMIT, True),
        Target(f"audit peak memory vs Prowler, {size}", memory_figure.ratio, MEMORY_LIMIT, True),
    ]


def _comparison(inventories: Sequence[Inventory], reported: Mapping[str, Reported]) -> str:
    found: Comparison = compare(inventories, reported)
    return markdown(found, list(reported))


def _prowler_version() -> str:
    done = subprocess.run(
        [str(auditors.PROWLER_COMMAND), "--version"], capture_output=True, text=True, check=False, timeout=120
    )
    return done.stdout.strip() or "unknown"


def _write_json(path: Path, mode: str, host: Mapping[str, object], results: Results) -> None:
    report.write_json(path, mode, dict(host), results.figures, results.targets)
    document = json.loads(path.read_text())
    document["comparisons"] = results.comparisons
    document["notes"] = results.notes
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def update_section(path: Path, part: str, host: Mapping[str, object], results: Results) -> None:
    """Replace a part's section of BENCHMARKS.md with this run's machine, tables and verdicts."""
    text = path.read_text()
    opening, closing = section_markers(part)
    start, end = text.index(opening) + len(opening), text.index(closing)
    lines = [
        f"Measured on {host['cores']} cores ({host['cpu']}), {host['os']}; Python {host['python']}; {host['prowler']}.",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        report.markdown_table(results.figures, results.targets),
    ]
    for title, table in results.comparisons.items():
        lines += ["", f"{title}:", "", table]
    lines += ["", *(f"- {note}" for note in results.notes)] if results.notes else []
    path.write_text(f"{text[:start]}\n" + "\n".join(lines) + f"\n{text[end:]}")


if __name__ == "__main__":
    sys.exit(main())

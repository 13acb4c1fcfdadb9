"""The chart in BENCHMARKS.md: time against size for our code and the baselines (matplotlib, bench only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from bench.stats import Sample

Series = Mapping[str, Sequence[tuple[int, Sample]]]
"""Line name -> (size, sample) points."""


def draw(
    path: Path, program: Series, stack: Series, startup: Mapping[str, Sample], analyze: Mapping[str, Sample]
) -> bool:
    """Write the PNG; False when matplotlib is not installed (the quick mode in `make check` runs without it)."""
    try:
        import matplotlib as mpl  # noqa: PLC0415  # optional: only `make bench` installs it

        mpl.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return False
    figure, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for ax, series, title in (
        (axes[0], program, "Program under mocks: wall time"),
        (axes[1], stack, "AnalyzeStack: one call"),
    ):
        if not any(series.values()):  # e.g. `--pack-only` runs no program: no points to scale a log axis by
            ax.set_title(f"{title}: not measured in this run")
            ax.set_axis_off()
            continue
        for name, points in series.items():
            sizes = [size for size, _ in points]
            medians = [sample.median for _, sample in points]
            errors = [
                [sample.median - sample.low for _, sample in points],
                [sample.high - sample.median for _, sample in points],
            ]
            ax.errorbar(sizes, medians, yerr=errors, marker="o", capsize=3, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("resources")
        ax.set_ylabel("seconds (median, min–max)")
        ax.set_title(title)
        ax.grid(visible=True, which="both", alpha=0.3)
        ax.legend()
    for ax, samples, title, label in (
        (axes[2], startup, "Pack start-up to port-ready", "seconds"),
        (axes[3], analyze, "Analyze throughput", "calls per second"),
    ):
        names = list(samples)
        ax.bar(names, [samples[name].median for name in names], color=[f"C{index}" for index in range(len(names))])
        ax.tick_params(axis="x", labelrotation=15)
        ax.errorbar(
            names,
            [samples[name].median for name in names],
            yerr=[
                [samples[name].median - samples[name].low for name in names],
                [samples[name].high - samples[name].median for name in names],
            ],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
        ax.set_title(title)
        ax.set_ylabel(label)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True

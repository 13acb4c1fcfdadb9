"""Repeated measurements summarised as median, min and max, and ours-versus-baseline runs alternated."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """Several measurements of one figure, in one unit."""

    values: tuple[float, ...]
    unit: str

    @property
    def median(self) -> float:
        """The middle value: what the tables and targets use, robust to a noisy neighbour."""
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        """The smallest value."""
        return min(self.values)

    @property
    def high(self) -> float:
        """The largest value."""
        return max(self.values)

    def as_json(self) -> dict[str, object]:
        """The sample for latest.json."""
        return {"unit": self.unit, "median": self.median, "min": self.low, "max": self.high, "runs": list(self.values)}


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of `fn` takes."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def alternate(sides: Mapping[str, Callable[[], float]], repeats: int, unit: str) -> dict[str, Sample]:
    """Run every side once per round, rotating which goes first, `repeats` rounds; one Sample per side.

    Alternating spreads whatever else the machine is doing over every side instead of charging it to one.
    Each callable returns its own measurement, so it can time exactly the part that matters.
    """
    names = list(sides)
    values: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            values[name].append(sides[name]())
    return {name: Sample(tuple(found), unit) for name, found in values.items()}

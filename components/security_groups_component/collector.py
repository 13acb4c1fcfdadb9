"""The garbage collector's thresholds for a process that builds and keeps thousands of objects at once.

A Pulumi program registering a large stack (thousands of groups and rules, each with its Outputs, futures and
tasks) allocates objects by the hundred thousand, and nearly all of them live until the program ends. CPython's
default collector examines the young ones every 700 allocations and re-examines each survivor as it moves up a
generation: for 1,500 groups that was about half of the program's time under Pulumi's mocks (bench/BENCHMARKS.md,
"The collector"). At `THRESHOLDS` the same collector runs over 70 times less often; reference cycles are still
found, and full collections keep CPython's own rule (only once a quarter more objects have reached the oldest
generation), so memory stays where it was.

The project's program calls `tune()` first thing; another program built on this package may do the same. The
package never changes a process's collector by itself.
"""

from __future__ import annotations

import gc
from typing import Final

THRESHOLDS: Final = (50_000, 50, 10)
"""Allocations before a young collection; young collections before a middle one; middle before a full one."""


def tune() -> None:
    """Set the collector's thresholds to `THRESHOLDS` for the rest of this process."""
    gc.set_threshold(*THRESHOLDS)

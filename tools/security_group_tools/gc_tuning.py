"""The garbage collector tuned for a run that reads, keeps and judges a whole estate: audit and adopt.

Nearly every object such a run allocates (botocore's parsed answers, the groups, rules and findings built from
them) lives until the report is written, and almost none is part of a reference cycle. CPython's default
collector still examines the young ones every 700 allocations and moves survivors up a generation. Each survivor
is examined again there, and a full collection walks everything alive, the imported modules included. With several
account-regions in memory at once that work grows with the estate. Tuned, side by side in the bench, one region of
1,000 groups took 2.94 s of CPU instead of 3.37 s, and 8 units of 125 groups read at once 3.78 s instead of 4.05 s
(bench/BENCHMARKS.md, "The collector").

`for_batch` freezes what the imports made (never garbage: `gc.freeze` moves it out of every future collection)
and collects the young generation every 50,000 allocations instead of 700. Cycles are still found, by the
same collector, only less often. Full collections keep CPython's own rule (only when a quarter more objects
have reached the oldest generation since the last one), so a long organisation run's garbage, such as each
unit's boto3 session, is still reclaimed. Everything is put back when the block ends, for callers in the same
process (the tests).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Final

THRESHOLDS: Final = (50_000, 50, 10)
"""The program's own (`security_groups_component.collector.THRESHOLDS`), written out here because importing
that package would load the program's model, which an audit never needs (tests/test_gc_tuning.py checks that
the two agree)."""


@contextlib.contextmanager
def for_batch() -> Iterator[None]:
    """Within the block: what exists now is frozen, and collections run at `THRESHOLDS`; then as before."""
    before = gc.get_threshold()
    # gc.unfreeze() thaws everything: with objects already frozen by the caller, they stay as the caller left them.
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if freezing:
            gc.unfreeze()

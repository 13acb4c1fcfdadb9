"""Named points in a tool's run where a test can hold it, so that a signal lands in a known phase.

With `PAUSE_ENV` set to a phase's name, the run prints `paused at <phase>` on stderr when it reaches that
phase and then waits until a signal ends it. Tests wait for that line instead of guessing a delay. In a
real run the variable is absent and reaching a phase costs one dictionary look-up.

Phases: `imports` (a command started, before its heavy imports), `program` (preview: inside the program's
first resource registration under the mocks), `pack-start` (preview: the pack process spawned, its port not
yet read), `analysis` (preview: the pack configured, before the first Analyze), `judging` (audit: groups
read, before the pack judges them), `writing` (adopt: every output checked and written to its temporary
file, none renamed into place yet), `reading` (audit: a unit judged while others are still being read).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Final

PAUSE_ENV: Final = "SECURITY_GROUP_TOOLS_PAUSE_AT"

_announced = threading.Lock()
"""Held once the `paused at` line is printed: registrations run on several threads, the line is printed once."""


def reached(phase: str) -> None:
    """Mark that the run has reached `phase`; hold it there for ever when PAUSE_ENV names that phase."""
    if os.environ.get(PAUSE_ENV) != phase:
        return
    if _announced.acquire(blocking=False):
        print(f"paused at {phase}", file=sys.stderr, flush=True)
    while True:
        # In the main thread a signal's handler runs here (and may raise out of the sleep); other threads
        # simply stay held while the main thread handles it.
        time.sleep(3600)

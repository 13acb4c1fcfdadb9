"""What the command-line tools share: progress and errors on stderr, one line each."""

from __future__ import annotations

import sys
from typing import Final

from . import interrupts

USAGE_ERROR: Final = 2
"""Exit status for usage, credential and access errors (argparse uses 2 as well)."""


def progress(message: str) -> None:
    """Report progress on a long run."""
    print(message, file=sys.stderr, flush=True)


def fail(message: str) -> int:
    """Print one error line (never a traceback) and return the usage-error status."""
    print(f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


def stopped(signum: int, *, prefix: str, suffix: str = "") -> int:
    """Print the one line for ending on SIGINT or SIGTERM; return its status (130 or 143)."""
    print(interrupts.line(signum, prefix=prefix, suffix=suffix), file=sys.stderr, flush=True)
    return interrupts.status(signum)

"""How the tools end on SIGINT (Ctrl-C) and SIGTERM: one line, the documented status, no child left running.

One line on stderr and never a traceback.

Two ways, for two kinds of work:

- `exit_at_once` (the offline preview): the handler itself stops every child (`child_processes.stop_all`),
  prints the line and ends the process with `os._exit`. The preview's program runs under Pulumi's mocks in an
  asyncio loop, and a KeyboardInterrupt raised inside that loop leaves the SDK awaiting futures that nothing
  will ever resolve: the preview hung. Nothing the preview holds needs unwinding: it writes no file, and its
  children are stopped here.
- `raising` (adopt and audit): SIGINT raises KeyboardInterrupt, as by default, and SIGTERM raises
  `Terminated`, so `finally` blocks run (adopt removes its temporary files) and `main` turns either into its
  line and status (`signal_of`, `status`). Their work is plain blocking calls, which unwind cleanly.

`deferred` holds both signals back over a few statements that must not be cut in half (adopt's renames), and
tells the caller afterwards which one arrived.

Whichever of these is installed, `signal_relay` makes sure it acts promptly: Python runs a signal's handler
only in the main thread, and the kernel may hand the signal to any thread.

This module imports only the standard library, `child_processes` and `signal_relay`, so a command can install
a handler before its heavy imports (`install_for_startup`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Final

from . import child_processes, signal_relay

SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)
EXIT_INTERRUPTED: Final = 128 + signal.SIGINT
"""130: what a shell reports after Ctrl-C."""
EXIT_TERMINATED: Final = 128 + signal.SIGTERM
"""143: what a shell reports after `kill`."""
WORDS: Final = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}

Handler = Callable[[int, FrameType | None], object]


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt is for SIGINT: not an Exception, so no `except Exception` eats it."""


def status(signum: int) -> int:
    """The exit status for ending on `signum`: 128 + its number, as a shell reports it."""
    return 128 + signum


def line(signum: int, *, prefix: str = "", stopped: tuple[str, ...] = (), suffix: str = "") -> str:
    """`<prefix>interrupted[; the policy pack was stopped][suffix]`."""
    text = f"{prefix}{WORDS.get(signal.Signals(signum), signal.Signals(signum).name)}"
    if stopped:
        text += f"; {' and '.join(stopped)} {'was' if len(stopped) == 1 else 'were'} stopped"
    return text + suffix


_ending = threading.Lock()
"""Held by the one `ExitAtOnce.end` that is ending the process."""


@dataclass(frozen=True)
class ExitAtOnce:
    """The handler that stops every child, prints one line and ends the process with the signal's status.

    The main thread runs it as the signal's handler, or the relay runs `end` from its own thread (the main
    thread may be blocked where no handler can run: see `signal_relay`). Whichever comes first ends the
    process; the other, or a second Ctrl-C while children stop, finds it ending and returns.
    """

    prefix: str = ""
    suffix: str = ""

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        """As the signal's handler, in the main thread."""
        self.end(signum)

    def end(self, signum: int) -> None:
        """See the class."""
        if not _ending.acquire(blocking=False):
            return
        # From here on the one line is all the user sees: other threads (gRPC's, which logs the pack's server
        # going away) write to a stderr that now leads nowhere.
        stderr = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        stopped = child_processes.stop_all()
        # os.write, not print: the signal may have arrived inside a print to stderr, whose buffer is locked.
        os.write(stderr, (line(signum, prefix=self.prefix, stopped=stopped, suffix=self.suffix) + "\n").encode())
        os._exit(status(signum))


def exit_at_once(*, prefix: str = "", suffix: str = "") -> ExitAtOnce:
    """A handler that stops every child, prints one line and ends the process with the signal's status."""
    return ExitAtOnce(prefix, suffix)


def install_for_startup(*, prefix: str = "", suffix: str = "") -> None:
    """Before a command's heavy imports: a signal while they load ends it like one at any later moment."""
    handler = exit_at_once(prefix=prefix, suffix=suffix)
    for each in SIGNALS:
        signal.signal(each, handler)
    signal_relay.start(SIGNALS)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    signal_relay.handled()
    signal.default_int_handler(signum, frame)


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    signal_relay.handled()
    raise Terminated


@contextlib.contextmanager
def handled(handlers: dict[int, Handler | int]) -> Iterator[None]:
    """Install these handlers for the block; restore the previous ones after it."""
    signal_relay.start(SIGNALS)
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def exiting(*, prefix: str = "", suffix: str = "") -> contextlib.AbstractContextManager[None]:
    """For the block: SIGINT and SIGTERM stop every child and end the process at once (`exit_at_once`)."""
    handler = exit_at_once(prefix=prefix, suffix=suffix)
    return handled(dict.fromkeys(SIGNALS, handler))


def raising() -> contextlib.AbstractContextManager[None]:
    """For the block: SIGINT raises KeyboardInterrupt and SIGTERM raises Terminated."""
    return handled({signal.SIGINT: _raise_interrupt, signal.SIGTERM: _raise_terminated})


def signal_of(error: KeyboardInterrupt | Terminated) -> int:
    """The signal behind a KeyboardInterrupt or a Terminated."""
    return signal.SIGTERM if isinstance(error, Terminated) else signal.SIGINT


class Held:
    """What `deferred` held back."""

    def __init__(self) -> None:
        self.signum: int | None = None
        """The first SIGINT or SIGTERM that arrived inside the block, if one did."""

    def remember(self, signum: int, _frame: FrameType | None) -> None:
        """The handler while held: keep the first signal, act on none."""
        signal_relay.handled()
        if self.signum is None:
            self.signum = signum


@contextlib.contextmanager
def deferred() -> Iterator[Held]:
    """Hold SIGINT and SIGTERM back for the block; the caller acts on `Held.signum` once the block is done.

    The handlers are swapped rather than the signals masked: a mask holds only for the calling thread, and the
    kernel may hand the signal to any other thread of the process, whose C-level handler would still schedule
    the Python handler for the main thread.
    """
    held = Held()
    with handled(dict.fromkeys(SIGNALS, held.remember)):
        yield held

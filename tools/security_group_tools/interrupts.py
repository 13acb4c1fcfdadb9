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

This module imports only the standard library and `child_processes`, so a command can install a handler before
its heavy imports (`install_for_startup`).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Final

from . import child_processes

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


def exit_at_once(*, prefix: str = "", suffix: str = "") -> Handler:
    """A handler that stops every child, prints one line and ends the process with the signal's status."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        for each in SIGNALS:  # a second Ctrl-C while children stop must not start this over
            signal.signal(each, signal.SIG_IGN)
        # From here on the one line is all the user sees: other threads (gRPC's, which logs the pack's server
        # going away) write to a stderr that now leads nowhere.
        stderr = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        stopped = child_processes.stop_all()
        # os.write, not print: the signal may have arrived inside a print to stderr, whose buffer is locked.
        os.write(stderr, (line(signum, prefix=prefix, stopped=stopped, suffix=suffix) + "\n").encode())
        os._exit(status(signum))

    return handler


def install_for_startup(*, prefix: str = "", suffix: str = "") -> None:
    """Before a command's heavy imports: a signal while they load ends it like one at any later moment."""
    handler = exit_at_once(prefix=prefix, suffix=suffix)
    for each in SIGNALS:
        signal.signal(each, handler)


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated


@contextlib.contextmanager
def handled(handlers: dict[int, Handler | int]) -> Iterator[None]:
    """Install these handlers for the block; restore the previous ones after it."""
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
    return handled({signal.SIGINT: signal.default_int_handler, signal.SIGTERM: _raise_terminated})


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

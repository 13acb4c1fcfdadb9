"""A SIGINT or SIGTERM caught by any thread still gets handled promptly (see `interrupts`, which starts this).

Python's C-level handler only notes a signal; the main thread runs the Python handler the next time it runs
bytecode. Two things kept that from happening, and the offline preview and `validate` hung after Ctrl-C now and
then, under load (the main thread sleeping in asyncio's `epoll_wait`, which has no timeout there):

- the kernel gives a signal sent to the process to any thread that does not block it, here often one of
  Pulumi's executor threads; and
- a signal noted just before the main thread enters a blocking call wakes nothing: the call starts after the
  last check and waits on.

The noting also writes the signal's number to the wakeup fd, whichever thread caught it. A thread reads that fd
and then:

- if the handler is one that ends the process (`Ends`, the preview's), runs its `end` itself, from its own
  thread: that needs nothing of the main thread, wherever it is blocked;
- otherwise (handlers that raise in the main thread: adopt, audit) sends `NUDGE` to the main thread alone, again
  every `NUDGE_SECONDS` until a handler of ours has run (`handled`), at most `NUDGES` times: a blocking call
  the nudge lands in returns with EINTR, and Python runs the pending handler.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Collection
from types import FrameType
from typing import Final, Protocol, runtime_checkable

NUDGE: Final = signal.SIGURG
"""Sent to the main thread alone to wake it from a blocking call; ignored by default, so a stray one harms
nothing, and nothing this project runs uses it."""
NUDGE_SECONDS: Final = 0.02
NUDGES: Final = 100
"""Two seconds of nudging at most: past that the main thread is running bytecode (and runs the handler by
itself) or is blocked where no signal reaches it."""


@runtime_checkable
class Ends(Protocol):
    """A handler that ends the process, and may do so from any thread."""

    def end(self, signum: int) -> None:
        """Stop what must be stopped and end the process; return if the process is ending already."""


_lock = threading.Lock()
_started = False
_noted = 0
"""SIGINT/SIGTERM the relay has read for handlers of ours that run in the main thread (written by the relay
thread only)."""
_handled = 0
"""Runs of handlers of ours (written by the main thread only, where Python runs handlers)."""


def handled() -> None:
    """A handler of ours has run: the first thing each one does, so the relay stops nudging."""
    global _handled  # noqa: PLW0603  # a counter shared with the relay thread
    _handled += 1


def start(signals: Collection[int]) -> None:
    """Relay `signals` from now on; calling it again does nothing.

    Call it from the main thread: Python sets handlers and the wakeup fd only there.
    """
    global _started  # noqa: PLW0603  # one relay per process, started by whichever command runs first
    with _lock:
        if _started:
            return
        signal.signal(NUDGE, _nudged)  # a Python handler, so that the nudge interrupts a blocking call
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(write_end, False)  # Python requires it: the C-level handler must never block
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        main = threading.main_thread().ident
        assert main is not None  # this is the main thread, running
        relay = threading.Thread(target=_relay, args=(read_end, main, frozenset(signals)), daemon=True)
        relay.name = "signal-relay"
        relay.start()
        _started = True


def _nudged(_signum: int, _frame: FrameType | None) -> None:
    """NUDGE's handler: waking the main thread is all the nudge is for."""


def _relay(read_end: int, main: int, signals: frozenset[int]) -> None:
    global _noted  # noqa: PLW0603  # a counter shared with the main thread
    while noted := os.read(read_end, 64):
        for number in noted:
            if number not in signals:
                continue  # NUDGE itself, or a signal some library handles
            if _handled > _noted:
                # A handler of ours has run for it already, in the main thread, before this thread read it; the
                # handler now in place may be another (audit, done, has put the startup one back), and must not
                # act on it a second time.
                _noted += 1
                continue
            handler: object = signal.getsignal(number)  # object: a callable, an int or None, maybe an Ends
            if isinstance(handler, Ends):
                handler.end(number)
            else:
                _noted += 1
        for _ in range(NUDGES):
            if _handled >= _noted:
                break
            signal.pthread_kill(main, NUDGE)
            time.sleep(NUDGE_SECONDS)

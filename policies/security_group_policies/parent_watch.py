"""Stop the pack when the process that started it is gone, however that process ended (SIGKILL included).

The Pulumi CLI never sets `PARENT_PIPE_ENV` and stops its plugins itself, so under the CLI nothing here runs.
This project's tools start the pack exactly as the CLI does and, in addition, hand it the read end of a pipe
whose only write end they hold, naming the descriptor in `PARENT_PIPE_ENV`. The kernel closes that write end
when the tool exits by any means, and a read here then returns end-of-file: the pack stops its server and
exits instead of serving nobody for ever.
"""

from __future__ import annotations

import os
import stat
import sys
import threading
from collections.abc import Callable
from typing import Final

PARENT_PIPE_ENV: Final = "SECURITY_GROUPS_PARENT_PIPE_FD"
"""The descriptor number of the pipe's read end; a name the Pulumi CLI never sets."""

EXIT_GRACE_SECONDS: Final = 5.0
"""After stopping the server, how long a policy call still running may delay the exit."""

EXIT_STATUS: Final = 0
"""Nobody reads it (the parent is gone); zero, because stopping here is the intended outcome."""


def watch_parent(
    stop: Callable[[], None],
    *,
    grace: float = EXIT_GRACE_SECONDS,
    end_process: Callable[[int], object] = os._exit,
) -> bool:
    """Call `stop` once the parent's pipe reaches end-of-file; whether a pipe was handed over to watch.

    `grace` seconds after `stop`, `end_process` ends the process in case a policy call still keeps it alive.
    The variable is removed from the environment so that nothing this process starts inherits it.
    """
    raw = os.environ.pop(PARENT_PIPE_ENV, None)
    if raw is None:
        return False
    try:
        fd = int(raw)
        is_pipe = stat.S_ISFIFO(os.fstat(fd).st_mode)
    except (ValueError, OSError):
        is_pipe = False
    if not is_pipe:
        # Not what the tools hand over: a leftover or hand-set variable. Serving normally is the safe answer.
        print(f"{PARENT_PIPE_ENV}={raw!r} names no inherited pipe; not watching the parent", file=sys.stderr)
        return False
    os.set_inheritable(fd, False)
    threading.Thread(target=_stop_at_eof, args=(fd, stop, grace, end_process), name="parent-watch", daemon=True).start()
    return True


def _stop_at_eof(fd: int, stop: Callable[[], None], grace: float, end_process: Callable[[int], object]) -> None:
    try:
        while os.read(fd, 512):
            pass  # nobody writes; bytes would mean nothing, only end-of-file does
    except OSError:
        pass  # a read error means the pipe is unusable: treat it as the parent's end too
    finally:
        os.close(fd)
    stop()
    # A policy call still running holds a worker thread, and the interpreter waits for those at exit. The
    # parent is gone and will never read the answer, so after a short grace the process ends regardless.
    timer = threading.Timer(grace, end_process, args=(EXIT_STATUS,))
    timer.daemon = True
    timer.start()

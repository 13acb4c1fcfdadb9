"""Child processes of the tools: none outlives the tool that started it, however the tool ends.

Three layers, each covering what the others cannot:

- Every child is recorded from the moment it is spawned until it is reaped, so a tool ending on SIGINT or
  SIGTERM stops them all first (`stop_all`, called from its signal handler; see `interrupts`).
- A child that runs this pack's `analyzer.serve` watches a pipe (`ParentWatch.PIPE`): it inherits the read
  end, named by `PARENT_PIPE_ENV`, and only this process holds the write end. The kernel closes the write end
  however this process ends (SIGKILL included), the child reads end-of-file and stops. This works on every
  POSIX system and changes nothing in how the child is started: same command, same working directory, the
  CLI's environment plus one variable the CLI never sets.
- A child whose code cannot watch a pipe (the SDK's component provider host, the SDK's stock `PolicyPack`,
  a Node pack) gets a parent-death signal instead (`ParentWatch.SIGNAL`, Linux only): the kernel sends it
  SIGKILL when the thread that spawned it ends. That is only safe when the spawning thread lives as long as the
  process, so the signal is armed only for children spawned from the main thread; elsewhere (and on other
  systems) such a child relies on the first layer alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import enum
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from security_group_policies.parent_watch import PARENT_PIPE_ENV

STOP_GRACE_SECONDS: Final = 10.0
"""How long a child may take to stop after SIGINT before it is killed."""

POLL_SECONDS: Final = 0.01
"""How often `stop_all` looks whether the children have exited."""

PR_SET_PDEATHSIG: Final = 1
"""From <linux/prctl.h>."""


class ParentWatch(enum.Enum):
    """How a child learns that this process is gone."""

    PIPE = "pipe"
    """It runs `analyzer.serve`, which watches the pipe named by PARENT_PIPE_ENV."""
    SIGNAL = "signal"
    """Linux sends it SIGKILL when the spawning thread ends (prctl PR_SET_PDEATHSIG)."""


@dataclass
class _Child:
    process: subprocess.Popen[bytes]
    what: str
    """For messages: `the policy pack`."""
    watch_fd: int | None
    """The write end of its parent pipe, held only here."""


_CHILDREN: dict[int, _Child] = {}
"""Every child spawned here and not yet reaped, by pid."""


def spawn(
    what: str,
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    watch: ParentWatch,
) -> subprocess.Popen[bytes]:
    """Start a child with stdout and stderr piped, recorded until it is stopped, with its parent-death watch."""
    env = dict(env)
    read_fd: int | None = None
    write_fd: int | None = None
    preexec: Callable[[], None] | None = None
    if watch is ParentWatch.PIPE:
        read_fd, write_fd = os.pipe()  # both ends are close-on-exec: only pass_fds below crosses into the child
        env[PARENT_PIPE_ENV] = str(read_fd)
    else:
        preexec = die_with_parent()
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=() if read_fd is None else (read_fd,),
            preexec_fn=preexec,  # noqa: PLW1509  # only prctl and getppid, from the main thread (module docstring)
        )
    except BaseException:
        if write_fd is not None:
            os.close(write_fd)
        raise
    finally:
        if read_fd is not None:
            os.close(read_fd)  # the child has its copy; keeping ours would hide this process's end from it
    _CHILDREN[process.pid] = _Child(process, what, write_fd)
    return process


def stop(process: subprocess.Popen[bytes], grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop a child as the Pulumi CLI stops a plugin (SIGINT), kill it after `grace` seconds, and reap it."""
    _close_watch(_CHILDREN.get(process.pid))
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _CHILDREN.pop(process.pid, None)


def kill(process: subprocess.Popen[bytes]) -> None:
    """Kill a child at once and reap it (a child nobody else holds yet, on the way out of an error)."""
    _close_watch(_CHILDREN.get(process.pid))
    process.kill()
    process.wait()
    _CHILDREN.pop(process.pid, None)


def running() -> list[int]:
    """Pids of the children spawned here and not yet reaped."""
    return list(_CHILDREN)


def stop_all(grace: float = STOP_GRACE_SECONDS) -> tuple[str, ...]:
    """Stop every recorded child (SIGINT, SIGKILL after `grace`) and reap it; what was stopped, for messages.

    Meant for a signal handler that ends the process: it uses only os-level calls, so it works even when the
    signal arrived while the main thread was inside `Popen.wait` for one of these children.
    """
    children = list(_CHILDREN.values())
    _CHILDREN.clear()
    pending: set[int] = set()
    for child in children:
        _close_watch(child)
        try:
            os.kill(child.process.pid, signal.SIGINT)
            pending.add(child.process.pid)
        except ProcessLookupError:
            pass  # exited and reaped already
    deadline = time.monotonic() + grace
    while pending:
        pending = {pid for pid in pending if not _reaped(pid, os.WNOHANG)}
        if not pending or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    for pid in pending:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        _reaped(pid, 0)
    return tuple(dict.fromkeys(child.what for child in children))


def _reaped(pid: int, options: int) -> bool:
    try:
        done, _ = os.waitpid(pid, options)
    except ChildProcessError:
        return True  # reaped elsewhere (by its Popen)
    return done == pid


def _close_watch(child: _Child | None) -> None:
    if child is not None and child.watch_fd is not None:
        with contextlib.suppress(OSError):  # closed already
            os.close(child.watch_fd)
        child.watch_fd = None


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel kill the child when this process ends (`ParentWatch.SIGNAL`).

    None where that cannot be had safely: off Linux, or off the main thread (the signal follows the spawning
    thread, not the process). Tests give it to the commands they start, so a test run killed mid-way leaves
    none of them behind.
    """
    if sys.platform != "linux" or threading.current_thread() is not threading.main_thread():
        return None
    return _arm_parent_death_signal(os.getpid())


def _arm_parent_death_signal(parent: int) -> Callable[[], None]:
    """What the child runs between fork and exec: arm SIGKILL on the parent's death, unless it is dead already."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, so the child only makes the call

    def arm() -> None:
        if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:
            os._exit(1)  # the parent ended between fork and prctl: the signal will never come

    return arm

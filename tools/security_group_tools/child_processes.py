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

The signal is armed by a small launcher the child starts as (`dies_with_parent`), which then execs the real
command in the same process, never by a `preexec_fn`. A `preexec_fn` makes `subprocess` fork instead of vfork,
and a fork runs gRPC's fork handlers: in a process that serves or calls gRPC (the fake engine, the pack
client) they restart gRPC's threads in the child, which then abort on the descriptors `subprocess` closes
before exec. About 1 start in 100 died that way with SIGABRT before printing its port.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from security_group_policies.parent_watch import PARENT_PIPE_ENV

STOP_GRACE_SECONDS: Final = 10.0
"""How long a child may take to stop after SIGINT before it is killed."""

POLL_SECONDS: Final = 0.01
"""How often `stop_all` looks whether the children have exited."""

LAUNCHER: Final = """\
import ctypes, os, signal, sys
parent, program, *args = sys.argv[1:]
if ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
    sys.exit(f"cannot arm the parent-death signal: {os.strerror(ctypes.get_errno())}")
if os.getppid() != int(parent):
    os._exit(1)  # the parent ended before the signal was armed: it will never come
os.execv(program, [program, *args])
"""
"""What `dies_with_parent` starts: `python -I -S -c LAUNCHER <parent pid> <program path> <args...>`.

Isolated (-I) and without site (-S), so it imports only the standard library and starts in milliseconds;
`execv` keeps the pid, so the child recorded here is the command itself once it runs.
"""


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
    if watch is ParentWatch.PIPE:
        read_fd, write_fd = os.pipe()  # both ends are close-on-exec: only pass_fds below crosses into the child
        env[PARENT_PIPE_ENV] = str(read_fd)
        command = list(argv)
    else:
        command = dies_with_parent(argv, cwd=cwd, env=env)
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=() if read_fd is None else (read_fd,),
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


def dies_with_parent(
    argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> list[str]:
    """`argv` as a command whose process the kernel kills when this one ends (`ParentWatch.SIGNAL`).

    The command starts as `LAUNCHER`, which arms the signal and execs `argv` in the same process (see the
    module docstring for why not a `preexec_fn`). Off Linux, or off the main thread (the signal follows the
    spawning thread, not the process), `argv` is returned as it is. The program is looked up here, as `Popen`
    would look it up with `cwd` and `env`, so a missing one is the same FileNotFoundError. Tests start their
    commands through it, so a test run killed mid-way leaves none of them behind.
    """
    if sys.platform != "linux" or threading.current_thread() is not threading.main_thread():
        return list(argv)
    program, *args = argv
    return [sys.executable, "-I", "-S", "-c", LAUNCHER, str(os.getpid()), _program_path(program, cwd, env), *args]


def _program_path(program: str, cwd: Path | None, env: Mapping[str, str] | None) -> str:
    """The absolute path `Popen` would execute for `program`, or FileNotFoundError as `Popen` raises it."""
    if os.sep in program:
        path = os.path.join(cwd or os.getcwd(), program)  # an absolute program stays as it is
        found = path if os.access(path, os.X_OK) else None
    else:
        found = shutil.which(program, path=(os.environ if env is None else env).get("PATH", os.defpath))
    if found is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), program)
    return os.path.abspath(found)

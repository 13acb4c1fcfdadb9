"""Run a command in a fresh process: its wall time and the peak memory of its whole process tree.

Peak memory is the larger of two readings, since each can miss what the other sees:

- the kernel's high-water mark of the child, from `os.wait4` (`ru_maxrss`: the largest resident set the child,
  or any descendant it waited for, ever had, however briefly);
- the sum of the resident sets of the child and every live descendant, sampled from /proc every
  `SAMPLE_SECONDS`: a tree of processes alive at once counts together, which `ru_maxrss` never adds up.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from security_group_tools.child_processes import dies_with_parent

SAMPLE_SECONDS: Final = 0.02
PAGE_BYTES: Final = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Run:
    """One finished run."""

    seconds: float
    cpu_seconds: float
    """User and system time of the child and every descendant it waited for (`os.wait4`)."""
    peak_bytes: int
    returncode: int
    stdout: str
    stderr: str


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process /proc shows."""
    found: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # ended between the listing and the read
        # The command name, in parentheses, may hold spaces: the fields after its closing one are fixed.
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = int(fields[1])
    return found


def _resident(pid: int) -> int:
    """Resident bytes of one process, 0 once it has ended."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def tree_resident(root: int) -> int:
    """Resident bytes of `root` and every live descendant."""
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _resident(pid)
        todo += children.get(pid, [])
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, tree_resident(self.pid))
            self.done.wait(SAMPLE_SECONDS)


def measure(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, out_dir: Path) -> Run:
    """Run `argv` to its end; stdout and stderr go to files in `out_dir` (large outputs stay off pipes)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = out_dir / "stdout", out_dir / "stderr"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            dies_with_parent(argv, cwd=cwd, env=env), cwd=cwd, env=env, stdout=stdout, stderr=stderr
        )
        sampler = _Sampler(process.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            sampler.done.set()
            sampler.join()
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: Popen must not wait again
    return Run(
        seconds,
        usage.ru_utime + usage.ru_stime,
        max(usage.ru_maxrss * 1024, sampler.peak),  # ru_maxrss is in KiB on Linux
        process.returncode,
        stdout_path.read_text(errors="replace"),
        stderr_path.read_text(errors="replace"),
    )

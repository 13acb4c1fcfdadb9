"""Run a command in a fresh process: its wall time, CPU time and the peak memory of its whole process tree.

The command is started by a small wrapper process (`WRAPPER`, `python -I -S`, about 10 MB), never straight from
the bench: a child started with vfork or posix_spawn shares its parent's memory map until it execs, and the
kernel then carries that map's high-water mark into the child's `ru_maxrss`. Started from the bench, whose own
memory grows as it parses Prowler's findings, every later run would be charged the bench's peak.

Peak memory is the larger of two readings, since each can miss what the other sees:

- the kernel's high-water mark of the command, from the wrapper's `os.wait4` (`ru_maxrss`: the largest
  resident set the command, or any descendant it waited for, ever had, however briefly);
- the sum of the resident sets of the command and every live descendant, sampled from /proc every
  `SAMPLE_SECONDS`: a tree of processes alive at once counts together, which `ru_maxrss` never adds up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from security_group_tools.child_processes import LAUNCHER, dies_with_parent

SAMPLE_SECONDS: Final = 0.02
PAGE_BYTES: Final = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")

WRAPPER: Final = """\
import json, os, sys, time
result, launcher, program, *args = sys.argv[1:]
# The command starts as the launcher, so the kernel kills it if this wrapper ends first (as the wrapper itself
# was started); posix_spawn shares only this small process's memory map until the exec.
command = [sys.executable, "-I", "-S", "-c", launcher, str(os.getpid()), program, *args]
started = time.perf_counter()
pid = os.posix_spawn(sys.executable, command, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(result, "w") as out:
    json.dump({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
               "status": os.waitstatus_to_exitcode(status)}, out)
"""
"""`python -I -S -c WRAPPER <result file> <launcher> <program path> <args...>`: runs the command, writes JSON."""


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
        found[int(entry.name)] = int(_stat_fields(stat)[1])
    return found


def _stat_fields(stat: str) -> list[str]:
    """The fields of a /proc/<pid>/stat line after the command name, from the state (field 3) on.

    The command name, in parentheses, may hold spaces and parentheses: the fields after its last `)` are fixed.
    """
    return stat[stat.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """User and system time a live process has used so far, every thread of it (not its children)."""
    fields = _stat_fields(Path(f"/proc/{pid}/stat").read_text())
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime and stime: fields 14 and 15 of stat


def _resident(pid: int) -> int:
    """Resident bytes of one process, 0 once it has ended."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def tree_resident(root: int, *, with_root: bool = True) -> int:
    """Resident bytes of `root` (unless not `with_root`) and every live descendant."""
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, list(children.get(root, []))
    if with_root:
        total += _resident(root)
    while todo:
        pid = todo.pop()
        total += _resident(pid)
        todo += children.get(pid, [])
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int, on_sample: Callable[[int], None] | None) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()
        self.on_sample = on_sample

    def run(self) -> None:
        while not self.done.is_set():
            resident = tree_resident(self.pid, with_root=False)  # not the wrapper
            self.peak = max(self.peak, resident)
            if self.on_sample is not None:
                self.on_sample(resident)
            self.done.wait(SAMPLE_SECONDS)


def measure(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    out_dir: Path,
    on_sample: Callable[[int], None] | None = None,
) -> Run:
    """Run `argv` to its end; stdout and stderr go to files in `out_dir` (large outputs stay off pipes).

    `on_sample` is given each sampled tree size, in bytes, as it is read (tests use it to know what was seen).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path, result_path = out_dir / "stdout", out_dir / "stderr", out_dir / "measured.json"
    program, *args = dies_with_parent(argv, cwd=cwd, env=env)[-len(argv) :]  # the program's full path
    wrapper = [sys.executable, "-I", "-S", "-c", WRAPPER, str(result_path), LAUNCHER, program, *args]
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(dies_with_parent(wrapper), cwd=cwd, env=env, stdout=stdout, stderr=stderr)
        sampler = _Sampler(process.pid, on_sample)
        sampler.start()
        try:
            status = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            sampler.done.set()
            sampler.join()
    if status != 0:
        raise RuntimeError(f"the measuring wrapper exited {status}: {stderr_path.read_text(errors='replace')[-500:]}")
    measured = json.loads(result_path.read_text())
    return Run(
        measured["seconds"],
        measured["cpu"],
        max(measured["maxrss_kib"] * 1024, sampler.peak),  # ru_maxrss is in KiB on Linux
        measured["status"],
        stdout_path.read_text(errors="replace"),
        stderr_path.read_text(errors="replace"),
    )

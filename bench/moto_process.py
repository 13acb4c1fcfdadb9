"""moto's server in its own process on 127.0.0.1, on a port it picks, for the benchmarks that audit through AWS.

In its own process so that serving requests never shares the measuring process's interpreter lock, and so
that its memory is never counted as a tool's. The child prints its URL on one line and serves until its stdin
closes (which the kernel does when this process ends, however it ends) or it is sent SIGINT.

    .venv/bin/python -m bench.moto_process     # prints http://127.0.0.1:<port>, serves until stdin closes
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from security_group_tools.child_processes import dies_with_parent
from security_group_tools.paths import PROJECT_DIR

from bench.process_peak import cpu_seconds

START_SECONDS: Final = 60.0


@dataclass(frozen=True)
class MotoServer:
    """The running server: where it answers, and which process serves."""

    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far: what the endpoint's side of a run cost, on the same cores."""
        return cpu_seconds(self.pid)


@contextlib.contextmanager
def moto_server(log: Path) -> Iterator[MotoServer]:
    """Start the child, its stderr (tracebacks of every call moto has not implemented) into `log`; yield it."""
    command = dies_with_parent([sys.executable, "-m", "bench.moto_process"], cwd=PROJECT_DIR)
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"moto did not start (it printed {url!r}, exit status {process.poll()})")
        yield MotoServer(url, process.pid)  # the launcher execs the server in its own pid
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=START_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve() -> None:
    """In the child: serve until stdin closes."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 (the parent never loads moto)

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        print(f"http://{host}:{port}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    serve()

"""adopt and audit on Ctrl-C (SIGINT) and SIGTERM, in every phase: one line, 130 or 143, never a traceback.

Each tool runs as a user runs it (`python -m`, its own session), and the signal goes to its own pid once it is
known to be in the phase: held there by `phases.PAUSE_ENV`, or, while it reads AWS, by an endpoint that has
received its request and never answers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_endpoint import fake_endpoint
from moto_server import REGION, Moto, isolated_aws_env, walkthrough
from security_group_tools import child_processes, phases
from security_group_tools.paths import command_beside

ROOT = Path(__file__).resolve().parents[1]
LINES = {
    ("audit", signal.SIGINT): "audit: interrupted\n",
    ("audit", signal.SIGTERM): "audit: terminated\n",
    ("adopt", signal.SIGINT): "adopt: interrupted; no file was written\n",
    ("adopt", signal.SIGTERM): "adopt: terminated; no file was written\n",
}
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


@contextlib.contextmanager
def started(
    tool: str, url: str, out: Path, *, pause: str = "", vpc: str = "vpc-0123456789abcdef0"
) -> Iterator[subprocess.Popen[str]]:
    """The tool as a subprocess against `url` (adopt writing into `out`); killed on the way out if still alive."""
    args = ["--region", REGION, "--endpoint-url", url, "--vpc-id", vpc]
    if tool == "adopt":
        args += ["--import-file", str(out / "import.json"), "--output", str(out / "adopted.yaml")]
    env = dict(os.environ)
    if pause:
        env[phases.PAUSE_ENV] = pause
    process = subprocess.Popen(
        # dies with this test run, however it ends
        child_processes.dies_with_parent([command_beside(sys.executable), tool, *args]),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def wait_for_pause(process: subprocess.Popen[str], phase: str) -> str:
    """Read stderr until the tool says it is held at `phase`; what it printed before."""
    assert process.stderr is not None
    before = []
    while (line := process.stderr.readline()) not in ("", f"paused at {phase}\n"):
        before.append(line)
    assert line == f"paused at {phase}\n", f"never reached {phase}: {''.join(before)}"
    return "".join(before)


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout, stderr


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Test keys and no real AWS config for the subprocess; a directory of its own for adopt's files."""
    isolated_aws_env(monkeypatch, tmp_path)
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


SIGNALS = [pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM")]


@pytest.mark.parametrize("signum", SIGNALS)
@pytest.mark.parametrize("tool", ["adopt", "audit"])
def test_while_reading_aws(tool: str, signum: int, out: Path) -> None:
    """The endpoint holds the request; the signal reaches the tool while it waits for the answer."""
    with fake_endpoint("silent") as endpoint, started(tool, endpoint.url, out) as process:
        assert endpoint.received.wait(60)
        assert stop(process, signum) == (STATUS[signum], "", LINES[tool, signum])
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("tool", ["adopt", "audit"])
def test_while_loading(tool: str, out: Path) -> None:
    """Before the heavy imports are done."""
    with started(tool, "http://127.0.0.1:9", out, pause="imports") as process:
        assert wait_for_pause(process, "imports") == ""
        assert stop(process, signal.SIGINT) == (130, "", LINES[tool, signal.SIGINT])


@pytest.mark.parametrize("signum", SIGNALS)
def test_audit_while_judging(signum: int, moto: Moto, ec2: Any, out: Path) -> None:
    with started("audit", moto.url, out, pause="judging", vpc=walkthrough(ec2).vpc_id) as process:
        assert wait_for_pause(process, "judging") == ""
        assert stop(process, signum) == (STATUS[signum], "", LINES["audit", signum])


@pytest.mark.parametrize("signum", SIGNALS)
def test_adopt_while_writing_leaves_no_file(signum: int, moto: Moto, ec2: Any, out: Path) -> None:
    """Held with both temporary files written: a signal removes them, and neither output appears."""
    with started("adopt", moto.url, out, pause="writing", vpc=walkthrough(ec2).vpc_id) as process:
        notes = wait_for_pause(process, "writing")
        temporaries = sorted(path.name for path in out.iterdir())
        assert [name.split(".")[1] for name in temporaries] == ["adopted", "import"]
        assert all(name.startswith(".") and name.endswith(".tmp") for name in temporaries)
        assert stop(process, signum) == (STATUS[signum], "", LINES["adopt", signum])
    assert notes.startswith("adopt: sg-")  # the note about the console's default outbound rule
    assert list(out.iterdir()) == []

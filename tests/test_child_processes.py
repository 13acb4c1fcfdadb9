"""No child of the tools outlives them: the pack's pipe watch, the parent-death signal, and stop_all.

The preview's own signal tests (tests/test_preview_offline.py) kill the preview in each phase; here each layer is
tested on its own: the pack-side watch in-process, a parent killed with SIGKILL while its component plugin runs,
and `stop_all` stopping (and, after its grace, killing) what the handler finds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from security_group_policies import parent_watch
from security_group_tools import child_processes
from security_group_tools.child_processes import ParentWatch

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ)


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a zombie has ended; only its parent's reaping is left)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until_dead(pid: int, seconds: float = 20.0) -> bool:
    """Poll until the process is gone (or `seconds` pass); whether it is gone."""
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


# --- The pack's side: parent_watch ------------------------------------------------------------------------------


def test_the_watch_calls_stop_when_the_parent_end_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Then, should a policy call keep the process alive, it is ended after the grace (os._exit in the pack)."""
    read_fd, write_fd = os.pipe()
    stopped = threading.Event()
    ended: list[int] = []
    ended_event = threading.Event()

    def end(status: int) -> None:
        ended.append(status)
        ended_event.set()

    monkeypatch.setenv(parent_watch.PARENT_PIPE_ENV, str(read_fd))
    assert parent_watch.watch_parent(stopped.set, grace=0.01, end_process=end)
    assert parent_watch.PARENT_PIPE_ENV not in os.environ  # nothing the pack starts inherits it
    assert not stopped.wait(0.05)  # the parent is alive: nothing happens
    os.close(write_fd)
    assert stopped.wait(10)
    assert ended_event.wait(10)
    assert ended == [0]


@pytest.mark.parametrize("value", ["seven", "999999", "1"], ids=["not-a-number", "not-open", "not-a-pipe"])
def test_a_variable_naming_no_pipe_is_ignored_with_one_line(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Never a reason to stop serving: the pack serves as under the CLI, and says why it is not watching."""
    with (tmp_path / "file").open("w") as regular:
        value = str(regular.fileno()) if value == "1" else value
        monkeypatch.setenv(parent_watch.PARENT_PIPE_ENV, value)
        assert not parent_watch.watch_parent(lambda: pytest.fail("stopped"))
    assert capsys.readouterr().err == (
        f"{parent_watch.PARENT_PIPE_ENV}={value!r} names no inherited pipe; not watching the parent\n"
    )


def test_without_the_variable_nothing_is_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under the Pulumi CLI."""
    monkeypatch.delenv(parent_watch.PARENT_PIPE_ENV, raising=False)
    assert not parent_watch.watch_parent(lambda: pytest.fail("stopped"))


# --- The parent-death signal, for children that watch no pipe ---------------------------------------------------

HOLDS_A_PLUGIN = """
from security_group_tools.pack_runner import Engine
from security_group_tools.plugin_runner import ComponentPlugin
plugin = ComponentPlugin.start(Engine.start().address)
print(plugin.spawned.process.pid, flush=True)
import time
while True:
    time.sleep(60)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's (prctl PR_SET_PDEATHSIG)")
def test_the_component_plugin_dies_with_a_killed_parent() -> None:
    """The SDK's component host watches no pipe; the kernel kills it when the process that started it is killed."""
    parent = subprocess.Popen(
        child_processes.dies_with_parent([sys.executable, "-c", HOLDS_A_PLUGIN]),  # dies with this test run
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert parent.stdout is not None
    plugin = int(parent.stdout.readline())
    try:
        assert alive(plugin)
        parent.kill()
        parent.wait()
        assert wait_until_dead(plugin)
    finally:
        if alive(plugin):
            os.kill(plugin, signal.SIGKILL)


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's (prctl PR_SET_PDEATHSIG)")
@pytest.mark.usefixtures("own_registry")
def test_arming_the_signal_never_forks() -> None:
    """No fork handler runs: a fork would run gRPC's, which abort about 1 child in 100 in a process serving gRPC.

    Python runs `os.register_at_fork` hooks exactly when `subprocess` forks (a `preexec_fn`); vfork runs none.
    """
    forks: list[int] = []
    os.register_at_fork(before=lambda: forks.append(os.getpid()))
    process = spawn_ready(STOPS_ON_SIGINT, "a child")
    try:
        assert forks == []
        # The launcher exec'd the command in the same process: the recorded pid is the command itself.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")[:-1]
        assert cmdline == [sys.executable.encode(), b"-c", STOPS_ON_SIGINT.encode()]
    finally:
        child_processes.stop(process)


def test_a_missing_program_is_the_error_popen_gives() -> None:
    with pytest.raises(FileNotFoundError) as raised:
        child_processes.dies_with_parent(["no-such-program-here", "x"], env={"PATH": "/nonexistent"})
    assert raised.value.filename == "no-such-program-here"
    with pytest.raises(FileNotFoundError):
        child_processes.dies_with_parent(["./missing"], cwd=ROOT)


def test_off_the_main_thread_the_command_is_left_as_it_is() -> None:
    """The signal follows the spawning thread: armed from a short-lived thread it would kill the child early."""
    seen: list[list[str]] = []
    thread = threading.Thread(target=lambda: seen.append(child_processes.dies_with_parent(["python3", "-V"])))
    thread.start()
    thread.join()
    assert seen == [["python3", "-V"]]


# --- stop_all, as a signal handler calls it ---------------------------------------------------------------------

READY = "print('ready', flush=True); time.sleep(60)"
IGNORES_SIGINT = f"import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); {READY}"
STOPS_ON_SIGINT = f"import time; {READY}"


def spawn_ready(code: str, what: str) -> subprocess.Popen[bytes]:
    process = child_processes.spawn(what, [sys.executable, "-c", code], cwd=ROOT, env=ENV, watch=ParentWatch.SIGNAL)
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"
    return process


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry of this test's children only: stop_all must not stop a pack another module's fixture holds."""
    monkeypatch.setattr(child_processes, "_CHILDREN", {})


@pytest.mark.usefixtures("own_registry")
def test_stop_all_stops_every_child_and_kills_one_that_ignores_sigint() -> None:
    polite = spawn_ready(STOPS_ON_SIGINT, "the polite child")
    stubborn = spawn_ready(IGNORES_SIGINT, "the stubborn child")
    assert child_processes.running() == [polite.pid, stubborn.pid]
    assert child_processes.stop_all(grace=0.2) == ("the polite child", "the stubborn child")
    assert child_processes.running() == []
    assert not alive(polite.pid)
    assert not alive(stubborn.pid)
    # Reaped by stop_all: nothing is left for the Popen objects to wait for.
    with pytest.raises(ChildProcessError):
        os.waitpid(stubborn.pid, os.WNOHANG)


@pytest.mark.usefixtures("own_registry")
def test_stop_forgets_the_child_and_reaps_it() -> None:
    process = spawn_ready(STOPS_ON_SIGINT, "a child")
    assert child_processes.running() == [process.pid]
    child_processes.stop(process)
    assert process.returncode == -signal.SIGINT  # it stopped on the SIGINT, not the kill after the grace
    assert child_processes.running() == []

"""The installed `security-groups` command: its dispatch, `--help`, `--version` and usage errors, as users run it.

What each subcommand does is tested with it (tests/test_preview_offline.py, test_adopt.py, test_audit.py and
test_tool_signals.py start this same installed script); here is what the command adds around them.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from security_group_tools import __version__, console, paths
from security_group_tools.paths import PROJECT_DIR, command_beside
from stack_discovery import STACKS

SCRIPT = command_beside(sys.executable)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120, check=False)


def test_version() -> None:
    done = run("--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"security-groups {__version__}\n", "")


@pytest.mark.parametrize("command", ["preview", "adopt", "audit", "validate"])
def test_every_subcommand_has_version_and_help_with_its_exit_codes(command: str) -> None:
    version = run(command, "--version")
    assert (version.returncode, version.stdout, version.stderr) == (0, f"security-groups {__version__}\n", "")
    helped = run(command, "--help")
    assert (helped.returncode, helped.stderr) == (0, "")
    assert helped.stdout.startswith(f"usage: security-groups {command} ")
    assert "  --version " in helped.stdout
    # It ends with the exit codes, as the module documents them.
    documented = importlib.import_module(f"security_group_tools.{command}").__doc__
    assert documented is not None
    assert helped.stdout.endswith("\n\n" + documented.split("\n\n")[-1].rstrip("\n") + "\n")


def test_help_lists_the_commands() -> None:
    done = run("--help")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == console.usage()
    assert done.stdout.splitlines()[4:9] == [
        "commands:",
        "  preview   preview a stack and its policy verdicts without AWS or the Pulumi CLI",
        "  adopt     stack config and a `pulumi import` file that reproduce existing security groups",
        "  audit     judge live security groups with the policy pack's own policies",
        "  validate  check the stacks that changed files belong to (config errors; --preview: the offline preview)",
    ]


def test_no_command_is_a_usage_error() -> None:
    done = run()
    assert (done.returncode, done.stdout, done.stderr) == (2, "", console.usage())


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("previw", "unknown command 'previw' (did you mean 'preview'?)"),
        ("deploy", "unknown command 'deploy'"),
        ("--stack", "unknown option '--stack'"),
        ("PREVIEW", "unknown command 'PREVIEW' (did you mean 'preview'?)"),
    ],
)
def test_an_unknown_command_says_what_exists(given: str, message: str) -> None:
    done = run(given, "--stack", "dev")
    expected = f"security-groups: {message}; commands: preview, adopt, audit, validate; see `security-groups --help`\n"
    assert (done.returncode, done.stdout, done.stderr) == (2, "", expected)


def test_a_subcommands_usage_error_is_2_and_names_the_command() -> None:
    done = run("audit", "--no-such-flag")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1] == "security-groups audit: error: unrecognized arguments: --no-such-flag"


def test_preview_without_a_stack_names_the_flag() -> None:
    done = run("preview")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"no stack given: pass --stack <stack>; stacks: {', '.join(STACKS)}\n"


def test_python_dash_m_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "security_group_tools", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, f"security-groups {__version__}\n")


def test_the_project_is_found_from_the_working_directory_up(tmp_path: Path) -> None:
    """As the Pulumi CLI finds Pulumi.yaml; a directory in no project falls back to this checkout."""
    project = tmp_path / "project"
    (project / "policies").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: security-groups\n")
    (project / "policies" / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (project / "stacks" / "deep").mkdir(parents=True)
    assert paths.find_project(project / "stacks" / "deep") == project
    assert paths.find_project(project) == project
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Pulumi.yaml").write_text("name: someone-else\n")  # a program, but not this project
    assert paths.find_project(tmp_path / "other") == PROJECT_DIR


def test_the_command_runs_from_a_subdirectory() -> None:
    done = subprocess.run(
        [SCRIPT, "preview", "--stack", "nope"], cwd=PROJECT_DIR / "stacks", capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (
        2,
        f"unknown stack 'nope': stacks/ has stack files for {', '.join(STACKS)}; "
        "pass --stack <one of them> (or --stack-file FILE to preview another stack file)\n",
    )


GOAWAY_CYCLES = """
import os, sys, time
from concurrent import futures
from security_group_tools import console
console.start("preview")
import grpc
print(os.environ["GRPC_VERBOSITY"])
for _ in range(20):  # a server stopping under an open channel: gRPC's default logs "Got goaway" now and then
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    grpc.channel_ready_future(channel).result(timeout=30)
    server.stop(grace=None).wait()
    time.sleep(0.05)
    channel.close()
"""


@pytest.mark.parametrize(("given", "level"), [(None, "ERROR"), ("ERROR", "ERROR"), ("NONE", "NONE")])
def test_grpc_prints_nothing_of_its_own_unless_the_user_asks(given: str | None, level: str) -> None:
    """Before this, one preview in a few hundred printed gRPC's `Got goaway` INFO line among its own."""
    env = {key: value for key, value in os.environ.items() if key != console.GRPC_VERBOSITY}
    if given is not None:
        env[console.GRPC_VERBOSITY] = given
    done = subprocess.run(
        [sys.executable, "-c", GOAWAY_CYCLES], capture_output=True, text=True, check=False, env=env, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{level}\n", "")

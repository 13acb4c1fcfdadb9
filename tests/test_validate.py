"""`security-groups validate` and the pre-commit hooks that run it, as users run them.

Each test works on its own copy of the project (the program, stacks/ and the pack; the component and the tools
come from this virtualenv), found from the working directory as the command finds it, with a stack `qa` that
keeps its groups in group files. The hooks run under the real pre-commit (`pre-commit try-repo`, which needs no
network for `language: system`) in a git repository of that copy.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from security_group_tools import child_processes, console, phases, validate
from security_group_tools.paths import command_beside

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
SCRIPT = command_beside(sys.executable)
PRE_COMMIT = str(Path(sys.executable).parent / "pre-commit")
QA = """\
config:
  aws:region: us-east-1
  security-groups:groupFiles: [groups/*.yaml]
"""
WEB = """\
web:
  description: QA web servers
  ingress:
    - rule: https
      from: [anywhere-ipv4]
      description: HTTPS from the internet
"""
SSH = """\
bastion:
  description: QA bastion
  ingress:
    - rule: ssh
      from: [anywhere-ipv4]
      description: SSH from anywhere
"""
MANDATORY_SSH = '{"aws-ec2-securitygroup-disallow-public-ssh": "mandatory"}\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project with a stack `qa` whose groups live in stacks/groups/, and this .venv beside it."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", ".gitignore"):
        shutil.copyfile(ROOT / name, copy / name)
    ignored = shutil.ignore_patterns("venv", "__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "policies", copy / "policies", ignore=ignored)
    shutil.copytree(ROOT / "stacks", copy / "stacks", ignore=ignored)
    (copy / "stacks" / "Pulumi.qa.yaml").write_text(QA)
    (copy / "stacks" / "groups").mkdir()
    (copy / "stacks" / "groups" / "web.yaml").write_text(WEB)
    (copy / "stacks" / "unused.yaml").write_text(WEB)
    (copy / ".venv").symlink_to(Path(sys.executable).parents[1])
    return copy


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = child_processes.dies_with_parent([SCRIPT, "validate", *args])
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


def test_with_no_file_every_stack_is_checked(project: Path) -> None:
    done = run(project)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "stacks/Pulumi.dev.yaml: valid (15 resources)\n"
        "stacks/Pulumi.prod.yaml: valid (28 resources)\n"
        "stacks/Pulumi.qa.yaml: valid (5 resources)\n"
        "stacks/Pulumi.staging.yaml: valid (22 resources)\n"
    )


def test_each_file_checks_the_stacks_it_belongs_to(project: Path) -> None:
    """A group file: the stacks whose groupFiles name it; a policy config: its stack; each stack once."""
    done = run(project, "stacks/groups/web.yaml", "stacks/policy-config.prod.json", "stacks/Pulumi.qa.yaml")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "stacks/Pulumi.prod.yaml: valid (28 resources)\nstacks/Pulumi.qa.yaml: valid (5 resources)\n"


def test_pulumi_yaml_belongs_to_every_stack_and_an_unused_group_file_to_none(project: Path) -> None:
    assert run(project, "Pulumi.yaml").stdout.count(": valid (") == 4
    done = run(project, "stacks/unused.yaml")
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == "stacks/unused.yaml: no stack's security-groups:groupFiles names it; nothing to check\n"


def test_a_config_error_in_a_group_file_names_its_file_and_line(project: Path) -> None:
    (project / "stacks" / "groups" / "web.yaml").write_text(WEB.replace("rule: https", "rule: htps"))
    done = run(project, "stacks/groups/web.yaml")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "stacks/Pulumi.qa.yaml: config 'security-groups:': 1 problem. Nothing was created or changed; fix the "
        "config and run again.\n"
        "  - stacks/groups/web.yaml:4: web.ingress[0].rule: unknown preset 'htps'; did you mean 'https'?\n"
    )


def test_a_group_file_the_program_cannot_read_fails_the_stacks_that_name_it(project: Path) -> None:
    """Not passed over as unused: the stacks whose patterns may name it are checked, and the program says why."""
    (project / "stacks" / "groups" / "web.yaml").write_text(WEB + "  - [unclosed\n")
    done = run(project, "stacks/groups/web.yaml")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "stacks/Pulumi.qa.yaml: config 'security-groups:': 1 problem. Nothing was created or changed; fix the "
        "config and run again.\n  - stacks/groups/web.yaml:7:3: not valid YAML: expected <block end>, but found "
        "'-' (while parsing a block mapping at line 2); fix the YAML there (quote text that contains ': ' or ' #', "
        "and check the indentation)\n"
    )


def test_a_yaml_error_names_its_line_and_the_other_stacks_are_still_checked(project: Path) -> None:
    (project / "stacks" / "Pulumi.qa.yaml").write_text(QA + "  security-groups:tags: [unclosed\n")
    done = run(project, "stacks/Pulumi.qa.yaml", "stacks/Pulumi.dev.yaml")
    assert (done.returncode, done.stdout) == (2, "stacks/Pulumi.dev.yaml: valid (15 resources)\n")
    assert done.stderr == (
        "stacks/Pulumi.qa.yaml:5:1: not valid YAML: expected ',' or ']', but got '<stream end>' (while parsing a "
        "flow sequence at line 4); fix the YAML there (quote text that contains ': ' or ' #', and check the "
        "indentation)\n"
    )


def test_a_policy_config_with_a_bad_level_is_refused_before_any_pack_starts(project: Path) -> None:
    (project / "stacks" / "policy-config.qa.json").write_text('{"aws-ec2-securitygroup-disallow-public-ssh": "nope"}')
    done = run(project, "stacks/policy-config.qa.json")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "stacks/policy-config.qa.json: aws-ec2-securitygroup-disallow-public-ssh: 'nope' is not a valid "
        "enforcement level; use one of advisory, mandatory, remediate, disabled\n"
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            "README.md",
            "README.md: not a stack file, group file or policy config of this project (those live in "
            "stacks/), nor Pulumi.yaml",
        ),
        ("stacks/gone.yaml", "stacks/gone.yaml: no such file"),
        (
            "stacks/notes.txt",
            "stacks/notes.txt: not a stack file, group file or policy config of this project "
            "(those live in stacks/), nor Pulumi.yaml",
        ),
    ],
)
def test_a_file_that_is_none_of_those_is_bad_input(project: Path, given: str, message: str) -> None:
    (project / "README.md").write_text("# readme\n")
    (project / "stacks" / "notes.txt").write_text("notes\n")
    done = run(project, given, "stacks/Pulumi.qa.yaml")
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "stacks/Pulumi.qa.yaml: valid (5 resources)\n",
        f"{message}\n",
    )


def test_preview_prints_each_stacks_table_and_fails_on_a_mandatory_finding(project: Path) -> None:
    (project / "stacks" / "groups" / "ssh.yaml").write_text(SSH)
    (project / "stacks" / "policy-config.qa.json").write_text(MANDATORY_SSH)
    done = run(project, "--preview", "stacks/groups/ssh.yaml")
    assert (done.returncode, done.stderr) == (1, "starting the policy pack…\n")
    assert done.stdout.startswith("Offline preview of stack qa with policy config stacks/policy-config.qa.json\n")
    assert "  MANDATORY aws-ec2-securitygroup-disallow-public-ssh\n" in done.stdout
    assert done.stdout.endswith(
        "qa: 9 resources, 1 findings (1 mandatory, 0 advisory): FAIL: mandatory findings would stop `pulumi preview`\n"
    )


# --- the pre-commit hooks


def hooks() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load(HOOKS.read_text())
    return loaded


def test_each_hook_runs_an_existing_subcommand_of_the_projects_own_command() -> None:
    assert [(h["id"], h["entry"], h["language"], h["require_serial"]) for h in hooks()] == [
        ("security-groups-validate", ".venv/bin/security-groups validate", "system", True),
        ("security-groups-preview", ".venv/bin/security-groups validate --preview", "system", True),
    ]
    for hook in hooks():
        program, command, *options = hook["entry"].split()
        assert Path(program).name == Path(SCRIPT).name
        assert command in console.COMMANDS
        assert validate.parse_args([*options, "stacks/Pulumi.dev.yaml"]).preview == ("--preview" in options)


@pytest.mark.parametrize(
    ("path", "matched"),
    [
        ("stacks/Pulumi.dev.yaml", True),
        ("stacks/policy-config.prod.json", True),
        ("stacks/groups/prod/web.yaml", True),
        ("stacks/groups/web.yml", True),
        ("Pulumi.yaml", True),
        ("stacks/notes.json", False),
        ("stacks/policy-config.json", False),
        ("stacks/README.md", False),
        ("policies/PulumiPolicy.yaml", False),
        ("examples/stacks/Pulumi.dev.yaml", False),
        ("docs/Pulumi.yaml", False),
        ("stacks/Pulumi.dev.yaml.orig", False),
    ],
)
def test_hooks_match_exactly_the_stack_group_and_policy_config_files(path: str, matched: bool) -> None:
    """pre-commit matches `files` with Python's re.search against the path from the repository root."""
    assert [bool(re.search(h["files"], path)) for h in hooks()] == [matched, matched]


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def try_repo(project: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo <hook repository> <hook> --files …` in the project copy, as a developer runs it.

    The hook repository holds this checkout's .pre-commit-hooks.yaml as it is now, committed or not (all that
    `language: system` hooks take from their repository).
    """
    hook_repo = project.parent / "hooks"
    hook_repo.mkdir(exist_ok=True)
    shutil.copyfile(HOOKS, hook_repo / HOOKS.name)
    for repo in (hook_repo, project):
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", "snapshot")
    env = {**os.environ, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"), "NO_COLOR": "1"}
    argv = [PRE_COMMIT, "try-repo", str(hook_repo), hook, "--color", "never", "--files", *files]
    return subprocess.run(
        child_processes.dies_with_parent(argv),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_validate_hook_passes_a_valid_change_and_fails_a_broken_one_under_pre_commit(project: Path) -> None:
    passed = try_repo(project, "security-groups-validate", "stacks/groups/web.yaml", "stacks/notes.md")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^security-groups validate \(stack config errors\)\.+Passed$", passed.stdout, re.MULTILINE)
    (project / "stacks" / "groups" / "web.yaml").write_text(WEB.replace("rule: https", "rule: htps"))
    failed = try_repo(project, "security-groups-validate", "stacks/groups/web.yaml")
    assert failed.returncode == 1
    assert re.search(r"^security-groups validate \(stack config errors\)\.+Failed$", failed.stdout, re.MULTILINE)
    assert "- exit code: 2\n" in failed.stdout
    assert (
        "stacks/groups/web.yaml:4: web.ingress[0].rule: unknown preset 'htps'; did you mean 'https'?" in failed.stdout
    )


def test_the_preview_hook_fails_on_a_mandatory_finding_under_pre_commit(project: Path) -> None:
    (project / "stacks" / "groups" / "ssh.yaml").write_text(SSH)
    (project / "stacks" / "policy-config.qa.json").write_text(MANDATORY_SSH)
    failed = try_repo(project, "security-groups-preview", "stacks/groups/ssh.yaml")
    assert failed.returncode == 1
    assert re.search(r"^security-groups preview \(offline, with the policy pack\)\.+Failed$", failed.stdout, re.M)
    assert "- exit code: 1\n" in failed.stdout
    assert (
        "qa: 9 resources, 1 findings (1 mandatory, 0 advisory): FAIL: mandatory findings would stop `pulumi preview`"
        in failed.stdout
    )


@pytest.mark.parametrize(
    ("args", "phase", "signum", "line"),
    [
        ((), "program", signal.SIGINT, "interrupted\n"),
        (
            ("--preview",),
            "analysis",
            signal.SIGTERM,
            "starting the policy pack…\nterminated; the policy pack was stopped\n",
        ),
    ],
)
def test_a_signal_mid_run_is_one_line_and_its_status(
    project: Path, args: tuple[str, ...], phase: str, signum: signal.Signals, line: str
) -> None:
    """As for preview: Ctrl-C or SIGTERM while the program or the pack runs ends it with 130 or 143, the pack
    stopped first, nothing printed of the stack before it, and nothing of its session left alive."""
    argv = child_processes.dies_with_parent([SCRIPT, "validate", *args, "stacks/Pulumi.qa.yaml"])
    env = {**os.environ, phases.PAUSE_ENV: phase}
    process = subprocess.Popen(
        argv, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert process.stderr is not None
        before = []
        while (read := process.stderr.readline()) not in ("", f"paused at {phase}\n"):
            before.append(read)
        assert read == f"paused at {phase}\n", "".join(before)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
        with pytest.raises(ProcessLookupError):
            os.killpg(process.pid, 0)  # no process is left in its session's group: the pack too is gone
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    assert (process.returncode, stdout, "".join(before) + stderr) == (128 + signum, "", line)

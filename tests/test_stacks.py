"""Stacks are found, not listed: a new environment is one file, and one test says what it still needs.

The proof copies the project's tests and stack files into a temporary project, adds a stack there, and runs
pytest on the copy as a user would: the generic tests are collected for the new stack, and exactly one test
fails, with the message naming the files to review and the command that writes them. Nothing is written under
the real stacks/ directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from stack_discovery import (
    ROOT,
    SNAPSHOT_COMMAND,
    STACKS,
    policy_config,
    policy_config_names,
    snapshot_files,
    stack_names,
    unreviewed,
)

REVIEWED = [stack for stack in STACKS if unreviewed(stack) is None]
"""The stacks the copied project keeps: a stack being added here right now is left out of the proof."""
NEW = next(name for name in ("qa", *(f"qa{n}" for n in range(2, 99))) if name not in STACKS)
"""The stack the proof adds (`qa`, unless this checkout already has one)."""

GENERIC_TESTS = [
    f"tests/test_findings_formats.py::test_the_sarif_of_every_stack_validates_against_the_official_schema[{NEW}]",
    f"tests/test_preview_offline.py::test_output_matches_its_reviewed_golden_file[{NEW}-json]",
    f"tests/test_preview_offline.py::test_output_matches_its_reviewed_golden_file[{NEW}-mermaid]",
    f"tests/test_preview_offline.py::test_output_matches_its_reviewed_golden_file[{NEW}-table]",
    f"tests/test_program.py::test_exports_every_group_with_its_rule_ids[{NEW}]",
    f"tests/test_program.py::test_one_component_and_one_group_per_configured_group[{NEW}]",
    f"tests/test_program.py::test_preview_registers_the_same_resources_with_unknown_ids[{NEW}]",
    f"tests/test_program.py::test_stack_registers_exactly_its_reviewed_resources[{NEW}]",
    f"tests/test_stacks.py::test_every_stack_has_reviewed_snapshots[{NEW}]",
]
"""Every test the suite runs on each stack, as collected for the new stack."""


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_has_reviewed_snapshots(stack: str) -> None:
    """The one test a new stack fails until its snapshots are written and reviewed."""
    message = unreviewed(stack)
    assert message is None, message


def test_every_policy_config_belongs_to_a_stack() -> None:
    """`policy-config.prd.json` next to `Pulumi.prod.yaml` would leave prod on the pack's defaults unnoticed."""
    assert sorted(set(policy_config_names()) - set(STACKS)) == []


def copy_project(destination: Path) -> Path:
    """The tests and the stacks directory copied, the rest of the project linked: a project pytest can run."""
    shutil.copytree(ROOT / "tests", destination / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "stacks", destination / "stacks")
    for stack in set(STACKS) - set(REVIEWED):
        (destination / "stacks" / f"Pulumi.{stack}.yaml").unlink()
    for entry in ROOT.iterdir():  # docs, tools, bench, workflows: what the tests read besides tests/ and stacks/
        if entry.name not in ("tests", "stacks", ".git", ".venv") and not (destination / entry.name).exists():
            (destination / entry.name).symlink_to(entry)
    return destination


def add_stack(root: Path, name: str, like: str = "dev") -> None:
    """A new stack file copied from another stack, as `cp stacks/Pulumi.dev.yaml stacks/Pulumi.qa.yaml`."""
    shutil.copyfile(root / "stacks" / f"Pulumi.{like}.yaml", root / "stacks" / f"Pulumi.{name}.yaml")


def test_discovery_finds_a_copied_stack_and_its_policy_config(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    add_stack(root, NEW)
    assert stack_names(root) == sorted([*REVIEWED, NEW])
    assert policy_config(NEW, root) is None
    (root / "stacks" / f"policy-config.{NEW}.json").write_text('{"all": "advisory"}\n')
    assert policy_config(NEW, root) == root / "stacks" / f"policy-config.{NEW}.json"


def test_discovery_reads_file_names_only(tmp_path: Path) -> None:
    """Content plays no part, and near misses of the naming pattern are not stacks."""
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for name in ("Pulumi.a.yaml", "Pulumi.b.c.yaml", "Pulumi.yaml", "Pulumi..yaml", "Pulumi.d.yml", "x.e.yaml"):
        (stacks / name).write_bytes(b"\xff not even YAML")
    (stacks / "policy-config.a.json").write_text("")
    (stacks / "policy-config.z.json").write_text("")
    assert stack_names(tmp_path) == ["a", "b.c"]
    assert policy_config_names(tmp_path) == ["a", "z"]


def test_a_stack_without_snapshots_is_told_what_to_review_and_run(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    add_stack(root, NEW)
    assert [path.relative_to(root).as_posix() for path in snapshot_files(NEW, root)] == [
        f"tests/snapshots/{NEW}.json",
        f"tests/fixtures/preview/golden/{NEW}.json",
        f"tests/fixtures/preview/golden/{NEW}.mmd",
        f"tests/fixtures/preview/golden/{NEW}.txt",
    ]
    assert unreviewed(NEW, root) == (
        f"stack '{NEW}' (stacks/Pulumi.{NEW}.yaml) has no reviewed snapshot: tests/snapshots/{NEW}.json, "
        f"tests/fixtures/preview/golden/{NEW}.json, tests/fixtures/preview/golden/{NEW}.mmd, "
        f"tests/fixtures/preview/golden/{NEW}.txt missing. Write them with `UPDATE_SNAPSHOTS=1 .venv/bin/pytest "
        "tests/test_program.py tests/test_preview_offline.py`, then review every resource, input and finding in "
        "them before committing them"
    )
    (root / "tests" / "snapshots" / f"{NEW}.json").write_text("[]\n")
    assert unreviewed(NEW, root) == (
        f"stack '{NEW}' (stacks/Pulumi.{NEW}.yaml) has no reviewed snapshot: tests/fixtures/preview/golden/{NEW}.json, "
        f"tests/fixtures/preview/golden/{NEW}.mmd, tests/fixtures/preview/golden/{NEW}.txt missing. Write them with "
        f"`{SNAPSHOT_COMMAND}`, then review every resource, input and finding in them before committing them"
    )
    for stack in REVIEWED:
        assert unreviewed(stack, root) is None


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest run on the copied project, from its root, as `.venv/bin/pytest ...` there would run."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "UPDATE_SNAPSHOTS"))}
    return subprocess.run(
        # --color=no: its summary lines are compared as text, and FORCE_COLOR (some CI runners set it) colours them
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--color=no", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_copied_stack_runs_every_generic_test_and_fails_only_the_snapshot_test(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    add_stack(root, NEW)
    collected = pytest_in(root, "--collect-only", "tests")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    ids = collected.stdout.splitlines()
    assert sorted(line for line in ids if line.endswith(f"[{NEW}]") or f"[{NEW}-" in line) == GENERIC_TESTS
    run = pytest_in(root, "tests/test_stacks.py::test_every_stack_has_reviewed_snapshots", "-rN")
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.splitlines()[-1].startswith(f"1 failed, {len(REVIEWED)} passed in ")
    assert f"E       AssertionError: {unreviewed(NEW, root)}" in run.stdout.splitlines()

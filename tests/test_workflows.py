"""The GitHub workflows: valid, pinned, least-privileged, and pointing at targets, files and stacks that exist.

GitHub itself is not available here, so nothing proves the workflows run; these tests catch what breaks them
silently: a renamed make target or file, a stack added without CI, an action on a moving branch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import STACKS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+|[0-9a-f]{40})$")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
PATH = re.compile(
    r"(?:\$\{\{ github\.workspace \}\}/)?((?:stacks|policies|components|tests|\.ci)/[\w./${} -]*[\w}]|"
    r"requirements[\w-]*\.txt)"
)
MATRIX_STACK = "${{ matrix.stack }}"
DISCOVERED = "${{ fromJSON(needs.stacks.outputs.stacks) }}"
"""ci.yml's matrix: the stacks its `stacks` job finds, so a new stack file is previewed without editing CI."""
DEPLOYED = ["dev", "staging", "prod"]
"""deploy.yml's environments, in promotion order: each needs a Pulumi Cloud stack and a GitHub environment."""
CREATED_BY_THE_WORKFLOW = ("policies/venv",)
"""The policy pack's virtualenv: a step creates it (PulumiPolicy.yaml names it)."""


def load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    return document


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere in a YAML document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def steps(document: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, job in document["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {m.group(1) for m in re.finditer(r"^([\w.-]+)\s*:(?!=)", text, re.MULTILINE)}


def test_there_are_workflows_for_checks_and_deployments() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "deploy.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_yaml_with_triggers_and_jobs(path: Path) -> None:
    document = load(path)
    # PyYAML reads the bare key `on` as the boolean True (YAML 1.1); GitHub reads it as "on".
    assert set(document) >= {"name", True, "jobs", "permissions"}
    assert document["permissions"] == {"contents": "read"}, "least privilege: jobs ask for more where they need it"


def test_workflows_validate_against_githubs_workflow_schema() -> None:
    """check-jsonschema's vendored copy of the SchemaStore workflow schema: no network needed."""
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps: run make check\n")
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_major_version_or_a_commit(path: Path) -> None:
    uses = [step["uses"] for _, step in steps(load(path)) if "uses" in step]
    assert uses
    assert [u for u in uses if not PINNED.match(u)] == []


def make_goals(script: str) -> set[str]:
    """Targets named by every `make` command of a shell script (variables, options and redirections left out)."""
    goals = set()
    for command in re.split(r"[;&|\n]|\$\(", EXPRESSION.sub("X", script)):
        words = command.split()
        if words[:1] == ["make"]:
            goals.update(w for w in words[1:] if "=" not in w and ">" not in w and not w.startswith("-"))
    return goals


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_make_call_uses_an_existing_target(path: Path) -> None:
    called = {goal for _, step in steps(load(path)) for goal in make_goals(step.get("run", ""))}
    assert called
    assert called - make_targets() == set()


def matrix_stacks(document: dict[Any, Any]) -> list[str]:
    """Every stack a job of the workflow runs for: the discovered ones, or those its matrices list."""
    matrices = [job["strategy"]["matrix"]["stack"] for job in document["jobs"].values() if "strategy" in job]
    if DISCOVERED in matrices:
        return STACKS
    return sorted({stack for matrix in matrices for stack in matrix})


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_referenced_path_exists_for_every_stack(path: Path) -> None:
    document = load(path)
    referenced = {m.group(1) for text in strings(document) for m in PATH.finditer(text)}
    assert referenced
    expanded = {ref.replace(MATRIX_STACK, stack) for ref in referenced for stack in matrix_stacks(document)}
    expanded = {ref for ref in expanded if not ref.startswith(CREATED_BY_THE_WORKFLOW)}
    assert sorted(ref for ref in expanded if not (ROOT / ref).exists()) == []


def test_ci_previews_the_stacks_it_finds() -> None:
    """A new stack file joins CI's offline preview by itself (GitHub expands the matrix from the job's output)."""
    jobs = load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]
    assert jobs["preview-offline"]["strategy"]["matrix"]["stack"] == DISCOVERED
    assert jobs["preview-offline"]["needs"] == "stacks"
    assert jobs["stacks"]["outputs"] == {"stacks": "${{ steps.find.outputs.stacks }}"}


def find_stacks_as_ci_does(root: Path, output: Path) -> str:
    """Run the `stacks` job's step in a project directory, with GITHUB_OUTPUT as the runner sets it."""
    (step,) = [s for s in load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]["stacks"]["steps"] if "run" in s]
    assert step["id"] == "find"
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output)}
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=root, env=env, check=True)
    return output.read_text()


def test_cis_stack_step_finds_the_same_stacks_as_the_tests(tmp_path: Path) -> None:
    assert find_stacks_as_ci_does(ROOT, tmp_path / "output") == f"stacks={json.dumps(STACKS)}\n"


def test_cis_stack_step_finds_a_new_stack_file(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    shutil.copyfile(tmp_path / "stacks" / "Pulumi.dev.yaml", tmp_path / "stacks" / "Pulumi.qa.yaml")
    (tmp_path / "stacks" / "Pulumi..yaml").write_text("")
    (tmp_path / "stacks" / "Pulumi.yaml").write_text("")
    assert find_stacks_as_ci_does(tmp_path, tmp_path / "output") == (f"stacks={json.dumps(sorted({*STACKS, 'qa'}))}\n")


def test_deploy_runs_only_for_existing_stacks() -> None:
    """Deploying is per environment (its Pulumi Cloud stack, its GitHub environment): listed, and each one exists."""
    jobs = load(ROOT / ".github" / "workflows" / "deploy.yml")["jobs"]
    assert sorted(jobs["preview"]["strategy"]["matrix"]["stack"]) == sorted(DEPLOYED)
    assert set(DEPLOYED) <= set(STACKS)


def test_ci_previews_every_stack_offline_and_runs_make_check() -> None:
    runs = [step.get("run", "") for _, step in steps(load(ROOT / ".github" / "workflows" / "ci.yml"))]
    assert "make check" in runs
    assert f"make preview-offline STACK={MATRIX_STACK}" in runs


def test_deploy_previews_with_the_pack_and_applies_only_on_main_behind_environments() -> None:
    document = load(ROOT / ".github" / "workflows" / "deploy.yml")
    jobs = document["jobs"]
    pulumi = {name: step["with"] for name, step in steps(document) if step.get("uses", "").startswith("pulumi/")}
    assert {name: given["command"] for name, given in pulumi.items()} == {"preview": "preview", "up": "up"}
    for given in pulumi.values():
        assert given["policyPacks"] == "${{ github.workspace }}/policies"
        assert given["policyPackConfigs"] == f"${{{{ github.workspace }}}}/stacks/policy-config.{MATRIX_STACK}.json"
    assert (
        jobs["preview"]["if"]
        == jobs["up"]["if"].split(" && ")[-1]
        == ("needs.credentials.outputs.configured == 'true'")
    )
    assert "github.ref == 'refs/heads/main'" in jobs["up"]["if"]
    assert jobs["up"]["environment"] == MATRIX_STACK
    assert jobs["up"]["strategy"]["matrix"]["stack"] == DEPLOYED
    assert jobs["up"]["strategy"]["max-parallel"] == 1
    for name in ("preview", "up"):
        assert jobs[name]["permissions"]["id-token"] == "write"
        assert jobs[name]["concurrency"]["group"].startswith("pulumi-")
    assert "permissions" not in jobs["credentials"]  # the workflow's read-only default

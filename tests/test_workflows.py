"""The GitHub workflows: valid, pinned, least-privileged, and pointing at targets, files and stacks that exist.

GitHub itself is not available here, so nothing proves the workflows run; these tests catch what breaks them
silently: a renamed make target or file, a stack added without CI, an action on a moving branch. zizmor (pinned
in requirements-dev.txt, run offline) audits them for what makes a workflow unsafe: template injection,
persisted credentials, excessive permissions, unpinned actions.
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
PINNED = re.compile(r"^ *(- )?uses: [\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
"""A `uses:` line: an action at a full commit SHA, its release in the comment (a tag can move, a commit cannot)."""
ZIZMOR = str(Path(sys.executable).parent / "zizmor")
SECURITY_GROUPS = ".venv/bin/security-groups"
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
    assert document["permissions"] == {}, "least privilege: each job asks for what it needs"


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
def test_every_action_is_pinned_to_a_commit_with_its_release_in_a_comment(path: Path) -> None:
    lines = [line for line in path.read_text().splitlines() if re.match(r"^ *(- )?uses:", line)]
    assert len(lines) == len([step for _, step in steps(load(path)) if "uses" in step]) > 0
    assert [line for line in lines if not PINNED.match(line)] == []


def test_the_same_action_is_pinned_to_the_same_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for _, step in steps(load(path)):
            if "uses" in step:
                action, commit = step["uses"].split("@")
                pins.setdefault(action, set()).add(commit)
    assert sorted(pins) == [
        "actions/checkout",
        "actions/setup-python",
        "aws-actions/configure-aws-credentials",
        "github/codeql-action/upload-sarif",
        "pulumi/actions",
    ]
    assert {action: len(commits) for action, commits in pins.items()} == dict.fromkeys(pins, 1)


JOB_PERMISSIONS = {
    "ci.yml": {
        "check": {"contents": "read"},
        "stacks": {"contents": "read"},
        "preview-offline": {"contents": "read", "security-events": "write"},
    },
    "deploy.yml": {
        "preview": {"contents": "read", "id-token": "write", "pull-requests": "write"},
        "up": {"contents": "read", "id-token": "write"},
    },
}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_each_job_asks_for_exactly_the_permissions_it_needs(path: Path) -> None:
    """Nothing is granted at the top; code scanning's write only where SARIF is uploaded, OIDC only for AWS."""
    jobs = load(path)["jobs"]
    assert {name: job.get("permissions") for name, job in jobs.items()} == JOB_PERMISSIONS[path.name]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_checkout_keeps_the_token_and_no_script_splices_an_expression(path: Path) -> None:
    """Values a pull request controls (stack names come from file names) reach scripts only through `env`."""
    document = load(path)
    checkouts = [step for _, step in steps(document) if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert [step["with"] for step in checkouts] == [{"persist-credentials": False}] * len(checkouts)
    assert [step["run"] for _, step in steps(document) if "${{" in step.get("run", "")] == []


def zizmor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # Colour off: zizmor colours its text under CI=true (as CI runners set it), even into a pipe.
        [ZIZMOR, "--offline", "--no-config", "--no-progress", "--color=never", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("persona", ["regular", "pedantic", "auditor"])
def test_zizmor_finds_nothing_at_any_persona(persona: str) -> None:
    """The default persona (regular) must report nothing high; these workflows give it, and the stricter
    pedantic and auditor personas, nothing at all. Offline: the audits that ask GitHub (impostor commits,
    known-vulnerable actions) run only on GitHub, where zizmor is given a token."""
    done = zizmor("--persona", persona, "--format", "json", *map(str, WORKFLOWS))
    assert (done.returncode, json.loads(done.stdout)) == (0, [])
    plain = zizmor("--persona", persona, *map(str, WORKFLOWS))
    assert (plain.returncode, plain.stdout) == (0, "No findings to report. Good job!\n")


def test_zizmor_reports_a_template_injection(tmp_path: Path) -> None:
    """The audit above can fail: a pull request's title spliced into a script is a high-severity finding."""
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text(
        "name: unsafe\non: pull_request\npermissions: {}\njobs:\n  x:\n    name: x\n    runs-on: ubuntu-24.04\n"
        '    permissions: {}\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    done = zizmor("--format", "json", str(unsafe))
    findings = json.loads(done.stdout)
    assert done.returncode != 0
    assert {(f["ident"], f["determinations"]["severity"]) for f in findings} == {("template-injection", "High")}


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
    jobs = load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]
    assert [step.get("run") for step in jobs["check"]["steps"]] == [None, None, "make check"]
    preview = jobs["preview-offline"]
    assert preview["env"] == {"STACK": MATRIX_STACK}
    assert [
        (step.get("name"), step.get("if"), step.get("run") or step["uses"].split("@")[0]) for step in preview["steps"]
    ] == [
        (None, None, "actions/checkout"),
        (None, None, "actions/setup-python"),
        (None, None, "make venv"),
        (
            "Findings as SARIF",
            None,
            f'{SECURITY_GROUPS} preview --stack "$STACK" --format sarif > findings.sarif || [ "$?" -eq 1 ]',
        ),
        (
            "Upload to code scanning",
            "github.event_name == 'push' || github.event.pull_request.head.repo.full_name == github.repository",
            "github/codeql-action/upload-sarif",
        ),
        (
            "Job summary",
            "${{ !cancelled() }}",
            f'{SECURITY_GROUPS} preview --stack "$STACK" --format markdown >> "$GITHUB_STEP_SUMMARY" || [ "$?" -eq 1 ]',
        ),
        ("Fail on a mandatory finding", None, f'{SECURITY_GROUPS} preview --stack "$STACK"'),
    ]
    upload = preview["steps"][4]["with"]
    assert upload == {"sarif_file": "findings.sarif", "category": f"preview-offline-{MATRIX_STACK}"}


def security_groups_calls() -> list[list[str]]:
    """The arguments of every `security-groups` command the workflows run, with `$STACK` as a real stack."""
    calls = []
    for path in WORKFLOWS:
        for _, step in steps(load(path)):
            for command in re.split(r"\|\||>>?|\n", step.get("run", "")):
                words = command.split()
                if words[:1] == [SECURITY_GROUPS]:
                    calls.append([word.strip('"').replace("$STACK", "dev") for word in words[1:]])
    return calls


def test_every_security_groups_call_is_a_command_and_options_that_exist() -> None:
    from security_group_tools import console, preview

    calls = security_groups_calls()
    assert [call[0] for call in calls] == ["preview"] * 3
    assert {call[0] for call in calls} <= set(console.COMMANDS)
    formats = {call[call.index("--format") + 1] for call in calls if "--format" in call}
    assert formats == {"sarif", "markdown"}  # and the table step, which gives no --format
    for call in calls:
        args = preview.parse_args(call[1:])  # an option preview does not have is exit 2 here
        assert (args.stack, args.format) == ("dev", call[call.index("--format") + 1] if "--format" in call else "table")


def test_deploy_previews_with_the_pack_and_applies_only_on_main_behind_environments() -> None:
    document = load(ROOT / ".github" / "workflows" / "deploy.yml")
    jobs = document["jobs"]
    pulumi = {name: step["with"] for name, step in steps(document) if step.get("uses", "").startswith("pulumi/")}
    assert {name: given["command"] for name, given in pulumi.items()} == {"preview": "preview", "up": "up"}
    for given in pulumi.values():
        assert given["policyPacks"] == "${{ github.workspace }}/policies"
        assert given["policyPackConfigs"] == f"${{{{ github.workspace }}}}/stacks/policy-config.{MATRIX_STACK}.json"
    assert "if" not in jobs["preview"]
    assert jobs["up"]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert jobs["up"]["needs"] == "preview"
    assert jobs["up"]["strategy"]["matrix"]["stack"] == DEPLOYED
    assert jobs["up"]["strategy"]["max-parallel"] == 1
    for name in ("preview", "up"):
        assert jobs[name]["concurrency"]["group"].startswith("pulumi-")


def test_deploy_reads_credentials_only_in_environments_with_a_read_only_role_for_previews() -> None:
    """Previews assume the role of environment preview-<stack>, `up` the deploy role of environment <stack>: two
    roles, each trusting only its own environment's OIDC subject. No secret or role is read outside them."""
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    jobs = load(ROOT / ".github" / "workflows" / "deploy.yml")["jobs"]
    assert {name: job["environment"] for name, job in jobs.items()} == {
        "preview": f"preview-{MATRIX_STACK}",
        "up": MATRIX_STACK,
    }
    assert sorted(set(re.findall(r"secrets\.\w+", text))) == ["secrets.PULUMI_ACCESS_TOKEN"]
    assert sorted(set(re.findall(r"vars\.\w+", text))) == ["vars.AWS_REGION", "vars.AWS_ROLE_ARN", "vars.PULUMI_ORG"]
    for name, job in jobs.items():
        aws = [step["with"] for step in job["steps"] if step.get("uses", "").startswith("aws-actions/")]
        assert aws == [
            {"role-to-assume": "${{ vars.AWS_ROLE_ARN }}", "aws-region": "${{ vars.AWS_REGION || 'eu-west-1' }}"}
        ]
        first, *rest = job["steps"]
        assert first["id"] == "credentials", name
        # Every later step runs only where the environment holds a role and a token (not for a fork).
        assert {step.get("if") for step in rest} == {"steps.credentials.outputs.configured == 'true'"}, name


def test_the_first_up_of_a_stack_creates_it() -> None:
    document = load(ROOT / ".github" / "workflows" / "deploy.yml")
    pulumi = {name: step["with"] for name, step in steps(document) if step.get("uses", "").startswith("pulumi/")}
    assert {name: given.get("upsert") for name, given in pulumi.items()} == {"preview": None, "up": True}

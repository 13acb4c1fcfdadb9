"""Every code block of the README, docs/ and policies/README.md is run or checked (doc_blocks.py: the markers).

- `python`: run as a Pulumi program under mocks; it must register exactly the resources EXPECTED_PROGRAMS lists;
- `yaml`: read as the Pulumi CLI reads it; a stack file (a top-level `config:`) goes through the real program
  in a copy of the project, with every group file of the same doc (first line `# stacks/groups/...`) beside it;
- `json`: parsed;
- `sh`: every command is one that exists (commands.py);
- `text`, `console`, `mermaid`: outputs, produced again by OUTPUTS or by the test the marker names.
"""

from __future__ import annotations

import ast
import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Final

import pytest
from commands import check_shell
from conftest import COMPONENT, SG, Pulumi, cli_config
from doc_blocks import DOCS, PROJECT_DIR, Block, blocks, read
from security_groups_component import ConfigError, stack_yaml
from security_groups_component.stack_yaml import YamlError

ALL_BLOCKS: Final = [block for doc in DOCS for block in blocks(doc)]
OUTPUT_LANGS: Final = ("text", "console", "mermaid")
GENERATED_DIAGRAMS: Final = "docs/stacks.md"
"""Its diagrams are the output of `security-groups preview --format mermaid`, compared by test_preview_offline.py."""


def _ids(items: list[Block]) -> list[str]:
    return [f"{block.where}-{block.lang or 'plain'}" for block in items]


def _of(*langs: str) -> list[Block]:
    return [block for block in ALL_BLOCKS if block.lang in langs]


def _not_run(block: Block) -> None:
    """Skip a block marked not-run, with its reason (which must be given)."""
    if block.marker and block.marker.startswith("not-run:"):
        reason = block.marker.removeprefix("not-run:").strip()
        assert len(reason) > 20, f"{block.where}: say why the block cannot be run"
        pytest.skip(f"{block.where}: not run: {reason}")


def test_every_block_has_a_language() -> None:
    """A fence without a language could be run by nothing."""
    assert [block.where for block in ALL_BLOCKS if not block.lang] == []


def test_every_language_is_one_the_tests_know() -> None:
    """A block in another language would silently go unchecked."""
    known = {"python", "yaml", "json", "sh", *OUTPUT_LANGS}
    assert {block.where: block.lang for block in ALL_BLOCKS if block.lang not in known} == {}


# --- python: whole programs under Pulumi's mocks

EXPECTED_PROGRAMS: Final[dict[tuple[str, int], set[tuple[str, str]]]] = {
    # docs/component.md, "From Python": a VPC, two components, each with its group and one ingress rule (the
    # second from the first group) and the console's default egress rule.
    ("docs/component.md", 0): {
        ("aws:ec2/vpc:Vpc", "main"),
        (COMPONENT, "web"),
        (SG, "web"),
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "web-ingress-tcp-443-0.0.0.0/0"),
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "web-ingress-tcp-443-0:0:0:0:0:0:0:0/0"),
        ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "web-egress-all-0.0.0.0/0"),
        (COMPONENT, "app"),
        (SG, "app"),
        ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "app-ingress-tcp-8080-group-web"),
        ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "app-egress-all-0.0.0.0/0"),
    },
    # docs/config-rule.md, "Deploying it for an organisation": the member role and its one inline policy.
    ("docs/config-rule.md", 0): {
        ("aws:iam/role:Role", "config-rule-member"),
        ("aws:iam/rolePolicy:RolePolicy", "config-rule-member"),
    },
}
"""(doc, index among the doc's python blocks) -> every (type, name) the block registers."""


def _python_blocks() -> list[tuple[Block, int]]:
    counted: list[tuple[Block, int]] = []
    for doc in DOCS:
        counted.extend((block, index) for index, block in enumerate(b for b in blocks(doc) if b.lang == "python"))
    return counted


@pytest.mark.parametrize(("block", "index"), _python_blocks(), ids=_ids([b for b, _ in _python_blocks()]))
def test_python_block_runs_as_a_program(block: Block, index: int, pulumi_mocks: Pulumi) -> None:
    """The example is a complete program: it runs under mocks and registers exactly what it shows."""
    _not_run(block)
    code = compile(block.text, block.where, "exec")
    run = pulumi_mocks.run(lambda: exec(code, {"__name__": "__main__"}))
    assert run.error is None, f"{block.where}: {run.error!r}"
    registered = {(r.typ, r.name) for r in pulumi_mocks.mocks.resources}
    assert registered == EXPECTED_PROGRAMS[block.doc, index]


def test_every_python_expectation_belongs_to_a_block() -> None:
    """An expectation left behind after its block moved would check nothing."""
    assert set(EXPECTED_PROGRAMS) == {(block.doc, index) for block, index in _python_blocks()}


# --- yaml: read as the CLI reads stack files; stack files through the program


def _first_line(block: Block) -> str:
    return block.text.splitlines()[0] if block.text.strip() else ""


def _group_file_path(block: Block) -> str | None:
    """`stacks/groups/prod/web.yaml` for a block whose first line names it so."""
    line = _first_line(block)
    if line.startswith("# stacks/groups/"):
        return line.removeprefix("# ").split(":")[0].strip()
    return None


def _project_copy(tmp_path: Path, group_files: dict[str, str]) -> Path:
    """The program's files in a temporary directory, with the doc's group files written where they say."""
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    (tmp_path / "stacks").mkdir()
    for path, text in group_files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return tmp_path


@pytest.mark.parametrize("block", _of("yaml"), ids=_ids(_of("yaml")))
def test_yaml_block_is_what_the_cli_reads(block: Block, runtime_factory: Callable[..., Pulumi], tmp_path: Path) -> None:
    """A stack file runs through the real program without a config error and creates the groups it names."""
    _not_run(block)
    try:
        document = stack_yaml.parse(block.text, block.where)
    except YamlError as error:
        pytest.fail(f"the Pulumi CLI would refuse this YAML: {error}")
    if _group_file_path(block) is not None:
        assert isinstance(document.data, dict), f"{block.where}: a group file maps group keys to groups"
        readers = [b for b in blocks(block.doc) if b.lang == "yaml" and "groupFiles" in b.text]
        assert readers, f"{block.where}: no stack file of {block.doc} reads this group file"
        return
    if not isinstance(document.data, dict) or "config" not in document.data:
        assert (block.marker or "").startswith("fragment:"), (
            f"{block.where}: not a whole stack file; mark it <!-- example: fragment: why -->"
        )
        return
    group_files = {
        path: other.text
        for other in blocks(block.doc)
        if other.lang == "yaml" and (path := _group_file_path(other)) is not None
    }
    config = stack_yaml.stack_config(document, "security-groups")
    runtime = runtime_factory("dev")
    run = runtime.run_program(cli_config(config), program_dir=_project_copy(tmp_path, group_files))
    assert not isinstance(run.error, ConfigError), f"{block.where}: {run.error}"
    assert run.error is None, f"{block.where}: {run.error!r}"
    expected = set(_group_keys(config, group_files))
    assert runtime.mocks.names(COMPONENT) == expected
    assert runtime.mocks.names(SG) == expected


def _group_keys(config: dict[str, object], group_files: dict[str, str]) -> list[str]:
    """Every group key the stack file names, in `groups` and in the group files it reads."""
    groups = config.get("security-groups:groups", {})
    keys = list(groups) if isinstance(groups, dict) else []
    if config.get("security-groups:groupFiles"):
        for path, text in group_files.items():
            data = stack_yaml.parse(text, path).data
            keys.extend(data if isinstance(data, dict) else [])
    return keys


# --- json


def test_json_blocks_parse() -> None:
    """JSON is parsed (there is none today; a new block is checked without a change here)."""
    for block in _of("json"):
        assert isinstance(json.loads(block.text), dict | list), block.where


# --- sh


@pytest.mark.parametrize("block", _of("sh"), ids=_ids(_of("sh")))
def test_shell_block_uses_commands_that_exist(block: Block) -> None:
    """Each command names a make target, a `security-groups` flag or a Pulumi CLI flag that exists."""
    _not_run(block)
    assert check_shell(block.text) == [], block.where


# --- outputs


def test_config_error_example_is_what_the_program_prints(runtime_factory: Callable[..., Pulumi]) -> None:
    """The sample error in docs/config.md is a real run's output, word for word."""
    from test_config_errors import BASELINE, app_rule, db_from, web_rule

    config = copy.deepcopy(BASELINE)
    db_from("group:app", "10.20.0.1/16")(config)
    web_rule(rule="postgres")(config)
    app_rule(ports="8100-8000")(config)
    run = runtime_factory("prod").run_program(cli_config(config))
    assert isinstance(run.error, ConfigError)
    assert f"```text\n{run.error}\n```" in read("docs/config.md")


def _stack_yaml_timestamp() -> str:
    """The refusal of a date, at line 7, column 14 of the dev stack file."""
    text = "config:\n  security-groups:groups: {}\n  aws:region: us-east-1\n\n\n  security-groups:tags:\n"
    text += "    expires: 2024-12-31\n"
    with pytest.raises(YamlError) as refusal:
        stack_yaml.parse(text, "stacks/Pulumi.dev.yaml")
    return f"{refusal.value}\n"


def _re2_refusal() -> str:
    """The refusal of a backreference in the second excludeNames pattern of the SSH policy."""
    from security_group_policies.name_patterns import pattern_problems

    problems = pattern_problems(["web-.*", r"(a)\1"])
    return "".join(f"aws-ec2-securitygroup-disallow-public-ssh.{problem}\n" for problem in problems)


OUTPUTS: Final[dict[str, Callable[[], str]]] = {
    "stack-yaml-timestamp": _stack_yaml_timestamp,
    "re2-refusal": _re2_refusal,
}
"""Marker name (`<!-- example: output <name> -->`) -> the output produced again."""


def _checked_by(marker: str) -> tuple[Path, str]:
    target = marker.removeprefix("output checked by ").strip()
    path, _, test = target.partition("::")
    return PROJECT_DIR / path, test


@pytest.mark.parametrize("block", _of(*OUTPUT_LANGS), ids=_ids(_of(*OUTPUT_LANGS)))
def test_output_block_is_produced_again(block: Block) -> None:
    """An output sample is what the code prints today, or a named test compares it, or it says why not."""
    _not_run(block)
    if block.doc == GENERATED_DIAGRAMS and block.lang == "mermaid":
        return  # generated between mermaid:<stack> markers and compared by tests/test_preview_offline.py
    marker = block.marker or ""
    if marker.startswith("output checked by "):
        path, test = _checked_by(marker)
        tree = ast.parse(path.read_text())
        assert test in {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}, marker
        return
    assert marker.startswith("output "), f"{block.where}: mark the output: <!-- example: output <name> -->"
    name = marker.removeprefix("output ").strip()
    assert block.text == OUTPUTS[name]()


def test_every_output_check_is_used() -> None:
    """An output check whose block is gone would check nothing."""
    used = {(block.marker or "").removeprefix("output ") for block in _of(*OUTPUT_LANGS)}
    assert set(OUTPUTS) <= used

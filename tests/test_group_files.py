"""`security-groups:groupFiles`: groups in YAML files under stacks/, read by the program itself.

The program runs from a copy of the project in a temporary directory, so each test writes its own files under
its `stacks/`, exactly where the real program looks (relative to `__main__.py`). A group means the same in a
file as under `security-groups:groups`: the same resources, the same names, the same checks, and errors that
name the file and the line.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR, Pulumi, cli_config, stack_config
from security_group_tools.yaml_writer import dump
from security_groups_component import ConfigError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the program (`__main__.py`, `Pulumi.yaml`) with an empty `stacks/`."""
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    (tmp_path / "stacks" / "groups").mkdir(parents=True)
    return tmp_path


def write(project: Path, name: str, text: str) -> None:
    (project / "stacks" / name).write_text(text)


def run(runtime: Pulumi, project: Path, config: dict[str, Any]) -> Any:
    return runtime.run_program(cli_config(config), program_dir=project)


def test_groups_in_a_file_are_the_groups_of_the_stack_file(
    runtime_factory: Callable[..., Pulumi], project: Path
) -> None:
    """prod's groups moved into one file: exactly the same resources, inputs and names."""
    config = stack_config("prod")
    runtime = runtime_factory("prod")
    assert run(runtime, project, config).error is None
    inline = runtime.mocks.snapshot()

    groups = config.pop("security-groups:groups")
    write(project, "groups/prod.yaml", dump(groups))
    runtime = runtime_factory("prod")
    assert run(runtime, project, {**config, "security-groups:groupFiles": ["groups/prod.yaml"]}).error is None
    assert runtime.mocks.snapshot() == inline


def test_files_from_a_pattern_reference_each_other(runtime_factory: Callable[..., Pulumi], project: Path) -> None:
    """A glob names several files, read in name order; `group:` works across them, and with the stack file's."""
    config = stack_config("staging")
    groups = config.pop("security-groups:groups")
    keys = list(groups)
    write(project, "groups/a.yaml", dump({key: groups[key] for key in keys[:2]}))
    write(project, "groups/b.yaml", dump({key: groups[key] for key in keys[2:3]}))
    inline = {key: groups[key] for key in keys[3:]}
    runtime = runtime_factory("staging")
    result = run(
        runtime,
        project,
        {**config, "security-groups:groups": inline, "security-groups:groupFiles": ["groups/*.yaml"]},
    )
    assert result.error is None
    assert {r.name for r in runtime.mocks.of_type("security-groups:index:SecurityGroup")} == set(keys)
    assert set(result.outputs["groups"]) == set(keys)


def test_yaml_in_a_file_reads_as_the_cli_reads_a_stack_file(pulumi_mocks: Pulumi, project: Path) -> None:
    """`022` is 18 (go-yaml's octal) and `yes` is text, in a group file as in a stack file."""
    write(
        project,
        "groups/web.yaml",
        "web:\n  description: Web\n  tags: {flag: yes}\n  ingress:\n"
        "    - {protocol: tcp, ports: 022, from: [10.0.0.0/8], description: Odd port}\n",
    )
    assert run(pulumi_mocks, project, {"groupFiles": ["groups/web.yaml"]}).error is None
    (rule,) = pulumi_mocks.mocks.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert (rule.name, rule.inputs["fromPort"], rule.inputs["tags"]) == (
        "web-ingress-tcp-18-10.0.0.0/8",
        18,
        {"flag": "yes"},
    )


WEB = """\
web:
  description: Web
  ingress:
    - rule: https
      from: [anywhere]
      description: HTTPS
    - protocol: tcp
      ports: 70000
      from: [10.0.0.1/8]
      description: Admin
"""


def test_problems_name_the_file_and_the_line(pulumi_mocks: Pulumi, project: Path) -> None:
    """Every problem of a group file says which file and line, beside those of the stack file; nothing is
    registered."""
    write(project, "groups/web.yaml", WEB)
    config = {
        "groupFiles": ["groups/web.yaml"],
        "groups": {
            "app": {"description": "App", "ingress": [{"rule": "ssh", "from": ["group:wbe"], "description": "x"}]}
        },
    }
    result = run(pulumi_mocks, project, config)
    assert isinstance(result.error, ConfigError)
    assert result.error.lines == (
        "groups.app.ingress[0].from[0]: 'group:wbe' names no group of this stack; did you mean 'group:web'? "
        "(groups: web)",
        'stacks/groups/web.yaml:8: web.ingress[1].ports: port 70000 is out of range; ports are 0-65535 ("0-65535" '
        "means every port)",
        "stacks/groups/web.yaml:9: web.ingress[1].from[0]: '10.0.0.1/8' has host bits set, so it is not a network "
        "address; did you mean '10.0.0.0/8'?",
    )
    assert pulumi_mocks.mocks.resources == []


def test_a_key_written_twice_is_refused_where_both_are(pulumi_mocks: Pulumi, project: Path) -> None:
    write(project, "groups/a.yaml", "web:\n  description: Web A\n")
    write(project, "groups/b.yaml", "db:\n  description: DB\nweb:\n  description: Web B\n")
    config = {"groupFiles": ["groups/a.yaml", "groups/b.yaml"], "groups": {"db": {"description": "DB"}}}
    result = run(pulumi_mocks, project, config)
    assert isinstance(result.error, ConfigError)
    assert result.error.lines == (
        "stacks/groups/b.yaml:1: db: group 'db' is also written at groups.db; a key names one group of the stack",
        "stacks/groups/b.yaml:3: web: group 'web' is also written at stacks/groups/a.yaml:1: web; a key names one "
        "group of the stack",
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("../Pulumi.yaml", "groupFiles[0]: '../Pulumi.yaml' leads outside stacks/; group files live under it"),
        ("/etc/passwd", "groupFiles[0]: '/etc/passwd' is not a path under stacks/; give one relative to it"),
        ("~/groups.yaml", "groupFiles[0]: '~/groups.yaml' is not a path under stacks/; give one relative to it"),
        ("groups/nope.yaml", "groupFiles[0]: 'groups/nope.yaml': no such file under stacks/"),
        ("groups/*.yml", "groupFiles[0]: 'groups/*.yml' matches no file under stacks/"),
        ("link.yaml", "groupFiles[0]: 'link.yaml' leads outside stacks/; group files live under it"),
        (
            "loop.yaml",
            "groupFiles[0]: 'loop.yaml' is a symbolic link that leads nowhere (a loop); name the file itself",
        ),
        ("*.yaml", "groupFiles[0]: '*.yaml' leads outside stacks/; group files live under it"),
    ],
)
def test_only_files_under_stacks_are_read(pulumi_mocks: Pulumi, project: Path, entry: str, expected: str) -> None:
    """A stack file cannot point the program at anything outside stacks/, by path, pattern or symbolic link."""
    os.symlink(project / "Pulumi.yaml", project / "stacks" / "link.yaml")
    os.symlink("loop.yaml", project / "stacks" / "loop.yaml")
    result = run(pulumi_mocks, project, {"groupFiles": [entry]})
    assert isinstance(result.error, ConfigError)
    assert result.error.lines == (expected,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "web:\n  description: Web\n  tags: {expires: 2024-01-01}\n",
            "stacks/groups/web.yaml:3:19: web.tags.expires: `2024-01-01` is a timestamp to the Pulumi CLI, which "
            "passes it on rewritten in Go's date format (like `2024-01-01 00:00:00 +0000 UTC`), not as written; "
            'quote it ("2024-01-01") to keep the text',
        ),
        ("", "stacks/groups/web.yaml: the file holds no groups; list them (key: group), or remove it from groupFiles"),
        ("- web\n", "stacks/groups/web.yaml: expected a mapping of group keys to groups, got a list"),
        (
            "web:\n  description: {secure: AAABAMx}\n",
            "stacks/groups/web.yaml: holds a secret (`secure:`) value; group files are not config, keep secrets in "
            "the stack file",
        ),
    ],
)
def test_files_that_cannot_be_used(pulumi_mocks: Pulumi, project: Path, text: str, expected: str) -> None:
    write(project, "groups/web.yaml", text)
    result = run(pulumi_mocks, project, {"groupFiles": ["groups/web.yaml"]})
    assert isinstance(result.error, ConfigError)
    assert result.error.lines == (expected,)
    assert pulumi_mocks.mocks.resources == []


def test_group_files_must_be_a_list(pulumi_mocks: Pulumi, project: Path) -> None:
    result = run(pulumi_mocks, project, {"groupFiles": "groups/web.yaml", "groups": {"web": {"description": "Web"}}})
    assert isinstance(result.error, ConfigError)
    assert result.error.lines == ("groupFiles: expected a list of file paths, got the text 'groups/web.yaml'",)

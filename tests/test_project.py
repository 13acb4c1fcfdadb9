"""The project's files agree with each other and with the code: Pulumi.yaml, README, CI, requirements."""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable

import pytest
import yaml
from conftest import PROJECT_DIR, Pulumi, cli_config
from security_groups_component import PRESETS, ConfigError
from security_groups_component.settings import PROJECT_KEYS
from test_config_errors import BASELINE, app_rule, db_from, web_rule

README = (PROJECT_DIR / "README.md").read_text()


def section(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.DOTALL)
    assert match, f"README has no {name} section"
    return match.group(1)


def render_presets() -> str:
    """The README's preset table, generated from the preset data."""

    def ports(from_port: int | None, to_port: int | None) -> str:
        if from_port is None:
            return "all"
        if from_port == -1:
            return "all types and codes"
        return str(from_port) if from_port == to_port else f"{from_port}-{to_port}"

    lines = ["| `rule:` | Console Type | Protocol | Ports |", "|---|---|---|---|"]
    for p in PRESETS.values():
        protocol = "all" if p.protocol == "-1" else p.protocol
        lines.append(f"| `{p.key}` | {p.label} | {protocol} | {ports(p.from_port, p.to_port)} |")
    return "\n".join(lines) + "\n"


def test_readme_preset_table_matches_the_presets() -> None:
    assert section(README, "presets") == render_presets()


CONSOLE_TYPES = {
    # The console's Type list with the ports AWS documents (shared/reference/components.md, section 2.5).
    "SSH": ("tcp", 22, 22),
    "SMTP": ("tcp", 25, 25),
    "DNS (UDP)": ("udp", 53, 53),
    "DNS (TCP)": ("tcp", 53, 53),
    "HTTP": ("tcp", 80, 80),
    "POP3": ("tcp", 110, 110),
    "IMAP": ("tcp", 143, 143),
    "LDAP": ("tcp", 389, 389),
    "HTTPS": ("tcp", 443, 443),
    "SMB": ("tcp", 445, 445),
    "SMTPS": ("tcp", 465, 465),
    "IMAPS": ("tcp", 993, 993),
    "POP3S": ("tcp", 995, 995),
    "MSSQL": ("tcp", 1433, 1433),
    "NFS": ("tcp", 2049, 2049),
    "MYSQL/Aurora": ("tcp", 3306, 3306),
    "RDP": ("tcp", 3389, 3389),
    "Redshift": ("tcp", 5439, 5439),
    "PostgreSQL": ("tcp", 5432, 5432),
    "Oracle-RDS": ("tcp", 1521, 1521),
    "WinRM-HTTP": ("tcp", 5985, 5985),
    "WinRM-HTTPS": ("tcp", 5986, 5986),
    "Elastic Graphics": ("tcp", 2007, 2007),
    "CQLSH": ("tcp", 9042, 9042),
    "All TCP": ("tcp", 0, 65535),
    "All UDP": ("udp", 0, 65535),
    "All ICMP - IPv4": ("icmp", -1, -1),
    "All ICMP - IPv6": ("icmpv6", -1, -1),
    "All traffic": ("-1", None, None),
}


def test_presets_are_the_console_type_list() -> None:
    """Every console Type, with the documented protocol and ports, and nothing else."""
    assert {p.label: (p.protocol, p.from_port, p.to_port) for p in PRESETS.values()} == CONSOLE_TYPES
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) for key in PRESETS)


def test_readme_error_example_is_what_the_program_prints(runtime_factory: Callable[..., Pulumi]) -> None:
    """The sample error in the README is a real run's output, word for word."""
    config = copy.deepcopy(BASELINE)
    db_from("group:app", "10.20.0.1/16")(config)
    web_rule(rule="postgres")(config)
    app_rule(ports="8100-8000")(config)
    run = runtime_factory("prod").run_program(cli_config(config))
    assert isinstance(run.error, ConfigError)
    assert f"```text\n{run.error}\n```" in README


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["make check"]
    assert "```sh\nmake check\n```" in README


def test_pulumi_yaml_declares_the_runtime_and_every_config_key() -> None:
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    assert project["name"] == "security-groups"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert project["stackConfigDir"] == "stacks"
    assert tuple(project["config"]) == PROJECT_KEYS
    for key, declaration in project["config"].items():
        assert declaration["type"] in ("string", "integer", "boolean", "array", "object"), key
        assert len(declaration["description"]) > 20, key
    # Only `groups` is required: a declared key without a default is one the CLI insists on.
    assert [k for k, d in project["config"].items() if "default" not in d] == ["groups"]


def test_main_names_the_stack_config_dir_of_pulumi_yaml() -> None:
    """Config errors name `<stackConfigDir>/Pulumi.<stack>.yaml`; the program must agree with Pulumi.yaml."""
    tree = ast.parse((PROJECT_DIR / "__main__.py").read_text())
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert constants["STACK_CONFIG_DIR"] == yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["stackConfigDir"]


@pytest.mark.parametrize("path", ["requirements.txt", "requirements-dev.txt", "policies/requirements.txt"])
def test_requirements_are_pinned(path: str) -> None:
    """Every requirement is an exact pin, a nested file or the local component package."""
    for raw in (PROJECT_DIR / path).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert line.startswith(("-r ", "-e ./components")) or re.fullmatch(
            r"[A-Za-z0-9_.\-\[\]]+==[0-9][\w.]*", line
        ), line


def test_changelog_has_an_unreleased_section() -> None:
    changelog = (PROJECT_DIR / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog

"""The project's files agree with each other and with the code: Pulumi.yaml, requirements, the changelog.

The docs' own checks (the preset table, the sample error, the test command) are in tests/docs/.
"""

from __future__ import annotations

import ast
import re

import pytest
import yaml
from conftest import PROJECT_DIR
from security_groups_component import PRESETS
from security_groups_component.settings import PROJECT_KEYS

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
    """Every requirement is an exact pin, a nested file or one of this checkout's three distributions."""
    for raw in (PROJECT_DIR / path).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert (
            line.startswith("-r ")
            or line in ("-e ./components", "-e ./policies", "-e ./tools")
            or re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][\w.]*", line)
        ), line


def test_changelog_has_an_unreleased_section() -> None:
    changelog = (PROJECT_DIR / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog

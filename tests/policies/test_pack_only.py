"""policies/ is the pack and nothing else: what `pulumi policy publish` uploads is pack code, and it runs alone.

The CLI archives the whole pack directory minus what .gitignore excludes. Here: every such file is one the pack
needs (its code, reachable by imports from `__main__.py`, or its metadata); no pack module imports the tools, the
component, AWS SDKs or test libraries; and a virtualenv made from `policies/requirements.txt` alone starts the pack
as the CLI does and answers Analyze.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomllib
from ruamel.yaml import YAML
from security_group_tools.pack_runner import Engine, Pack, diagnostics

from .pack_fixtures import SG, group, inline

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
PACKAGE = "security_group_policies"
METADATA = {"PulumiPolicy.yaml", "requirements.txt", "pyproject.toml", "README.md", ".gitignore"}
"""Files the pack directory holds besides code: the CLI's and pip's metadata, and the pack's manual."""
FORBIDDEN = (
    "boto3", "botocore", "moto", "yaml", "ruamel", "jsonschema", "security_groups_component", "security_group_tools",
)  # fmt: skip
"""Top-level imports no pack module may make: AWS SDKs, YAML and schema libraries, the component, the tools."""


def archived() -> list[str]:
    """The files `pulumi policy publish` would upload: tracked or untracked, minus what .gitignore excludes."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "."],
        cwd=PACK_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return sorted(path for path in listed if (PACK_DIR / path).exists())  # a file deleted but not yet committed


def imported(path: Path) -> Iterator[tuple[str, int]]:
    """Every module `path` imports, absolute (a relative import resolved within the package), with its level."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                assert node.module is not None
                yield node.module, 0
                for alias in node.names:
                    yield f"{node.module}.{alias.name}", 0
            else:
                package = path.relative_to(PACK_DIR).parent.parts  # the package the file is in
                base = ".".join(package[: len(package) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
                yield target, node.level
                for alias in node.names:
                    yield f"{target}.{alias.name}", node.level


def module_file(name: str) -> Path | None:
    """The pack's file for a module name, if it is one of the pack's."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    for candidate in (PACK_DIR.joinpath(*parts).with_suffix(".py"), PACK_DIR.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


ENTRY_POINTS = ("__main__.py", "security_group_policies/sdk.py")
"""Where the pack's code is entered: the CLI runs `__main__.py`; someone else's stock `PolicyPack` imports
`sdk.py` (`as_sdk_policies`), the published pack's other face."""


def reachable() -> set[Path]:
    """The pack's Python files the entry points import, directly or through others (packages' __init__ too)."""
    seen: set[Path] = set()
    todo = [PACK_DIR / entry for entry in ENTRY_POINTS]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name, _ in imported(path):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ first
                found = module_file(".".join(parts[:depth]))
                if found is not None:
                    todo.append(found)
    return seen


def test_every_archived_file_is_pack_code_or_its_metadata() -> None:
    files = archived()
    assert "PulumiPolicy.yaml" in files
    assert "__main__.py" in files
    code = reachable()
    strays = [
        path
        for path in files
        if path not in METADATA and not (path.endswith(".py") and PACK_DIR / path in code) and path != "py.typed"
    ]
    assert strays == [], "files `pulumi policy publish` would upload that the pack never uses"


def test_no_pack_module_imports_the_tools_the_component_or_aws_sdks() -> None:
    offenders = sorted(
        (str(path.relative_to(PACK_DIR)), name)
        for path in PACK_DIR.rglob("*.py")
        if "venv" not in path.relative_to(PACK_DIR).parts
        for name, level in imported(path)
        if level == 0 and name.split(".")[0] in FORBIDDEN
    )
    assert offenders == []


def test_the_distribution_and_the_pack_have_one_version() -> None:
    """policies/pyproject.toml (for pip) and PulumiPolicy.yaml (for the CLI) say the same version."""
    project = tomllib.loads((PACK_DIR / "pyproject.toml").read_text())["project"]
    assert project["version"] == YAML(typ="safe").load(PACK_DIR / "PulumiPolicy.yaml")["version"]


@pytest.fixture(scope="module")
def pack_only_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with policies/requirements.txt installed and nothing else: the pack's own venv under the CLI."""
    venv = tmp_path_factory.mktemp("pack-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "PULUMI_", "VIRTUAL_ENV"))}
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-compile", "-r", str(PACK_DIR / "requirements.txt")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot install policies/requirements.txt from the package index: {done.stderr[-500:]}")
    return python


def test_a_venv_of_the_packs_requirements_alone_runs_the_pack(pack_only_python: Path) -> None:
    """Started as the CLI starts it (`venv/bin/python -u -m pulumi.policy <engine> .` in policies/)."""
    listed = subprocess.run(
        [str(pack_only_python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=True
    ).stdout
    installed = {line.split("==")[0].lower() for line in listed.splitlines()}
    # (The pulumi SDK itself depends on PyYAML; the pack never imports it.)
    assert installed.isdisjoint({"boto3", "botocore", "moto", "jsonschema", "pulumi-aws", "ruamel.yaml"})
    assert installed.isdisjoint({"security-groups-policies", "security-groups-tools", "security-groups-component"})
    engine = Engine.start()
    try:
        pack = Pack.start(engine.address, python=str(pack_only_python))
        try:
            pack.configure(None)
            props = group(ingress=[inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"], description="SSH")])
            found = {(d.policy, d.level, d.finding) for d in diagnostics(pack.analyze(SG, "web", props))}
        finally:
            pack.stop()
    finally:
        engine.stop()
    assert found == {
        (
            "aws-ec2-securitygroup-disallow-public-ssh",
            "advisory",  # its default level: the pack's defaults, as `pack.configure(None)` sends them
            "ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)",
        )
    }

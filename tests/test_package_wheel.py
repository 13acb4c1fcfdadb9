"""The pip face of the component: the wheel, installed the way another team installs it, runs the Python example.

The wheel is built with `pip wheel ./components` (build backend from the index) and installed with its
dependencies from the index into a fresh virtualenv, pinned by components/requirements.txt. Nothing from this
checkout is importable there except the test harness (tools/security_group_tools, on PYTHONPATH), so the
example imports the component from the wheel. Installing takes about 15 seconds with pip's cache warm (a cold
cache adds the pulumi-aws download); `--no-compile` skips byte-compiling pulumi-aws's thousands of modules,
which would take three times as long again and proves nothing about the component.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import COMPONENT, EGRESS, INGRESS, PROJECT_DIR, SG, Pulumi
from security_groups_component import __version__

EXAMPLE_DIR = PROJECT_DIR / "examples" / "python"
WHEEL_NAME = f"security_groups_component-{__version__}-py3-none-any.whl"

EXAMPLE_RESOURCES = [
    {"type": SG, "name": "app", "inputs": {"description": "Application servers"}},
    {"type": SG, "name": "web", "inputs": {"description": "Public web tier"}},
    {
        "type": EGRESS,
        "name": "web-egress-all-0.0.0.0/0",
        "inputs": {
            "cidrIpv4": "0.0.0.0/0",
            "description": "Allow all outbound traffic (the EC2 console default)",
            "ipProtocol": "-1",
            "securityGroupId": "sg-web",
        },
    },
    {
        "type": INGRESS,
        "name": "app-ingress-tcp-8080-group-web",
        "inputs": {
            "description": "From the web tier",
            "fromPort": 8080,
            "ipProtocol": "tcp",
            "referencedSecurityGroupId": "sg-web",
            "securityGroupId": "sg-app",
            "toPort": 8080,
        },
    },
    {
        "type": INGRESS,
        "name": "web-ingress-tcp-443-0.0.0.0/0",
        "inputs": {
            "cidrIpv4": "0.0.0.0/0",
            "description": "HTTPS from the internet",
            "fromPort": 443,
            "ipProtocol": "tcp",
            "securityGroupId": "sg-web",
            "toPort": 443,
        },
    },
    {
        "type": INGRESS,
        "name": "web-ingress-tcp-443-0:0:0:0:0:0:0:0/0",
        "inputs": {
            "cidrIpv6": "::/0",
            "description": "HTTPS from the internet",
            "fromPort": 443,
            "ipProtocol": "tcp",
            "securityGroupId": "sg-web",
            "toPort": 443,
        },
    },
    {"type": COMPONENT, "name": "app", "inputs": {}},
    {"type": COMPONENT, "name": "web", "inputs": {}},
]
"""Everything examples/python registers, sorted by type and name, inputs as the engine would receive them."""

EXAMPLE_OUTPUTS = {
    "webSecurityGroupId": "sg-web",
    "appRuleIds": {"ingress-tcp-8080-group-web": "sgr-app-ingress-tcp-8080-group-web"},
}


def test_python_example_registers_exactly_these_resources(pulumi_mocks: Pulumi) -> None:
    """The example, run here against the editable install: the resources and exports it promises."""
    run = pulumi_mocks.run_program({}, program_dir=EXAMPLE_DIR)
    assert run.error is None, run.error
    assert pulumi_mocks.mocks.listing() == EXAMPLE_RESOURCES
    assert run.outputs == EXAMPLE_OUTPUTS


@dataclass
class FreshInstall:
    """A wheel built from components/ and a virtualenv with it installed from that wheel."""

    wheel: Path
    python: Path


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output if it fails."""
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshInstall]:
    """Build the wheel, make a virtualenv without this project's packages, install the wheel and its dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", str(PROJECT_DIR / "components"), "--no-deps", "-w", str(root), "-q"])
    (wheel,) = root.glob("*.whl")
    venv = root / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    constraints = PROJECT_DIR / "components" / "requirements.txt"
    run([str(python), "-m", "pip", "install", "-q", "--no-compile", str(wheel), "-c", str(constraints)])
    yield FreshInstall(wheel, python)
    shutil.rmtree(root)  # a virtualenv with pulumi-aws is large; pytest would keep the last three


def fresh_env() -> dict[str, str]:
    """Only the test harness on the path: the component must come from the wheel."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PULUMI_", "PYTHON"))}
    env["PYTHONPATH"] = str(PROJECT_DIR / "tools")
    return env


def test_wheel_is_named_by_the_version_and_carries_only_the_package(fresh_install: FreshInstall) -> None:
    """The version written once in the package names the wheel; py.typed ships so callers get the types."""
    assert fresh_install.wheel.name == WHEEL_NAME
    names = zipfile.ZipFile(fresh_install.wheel).namelist()
    assert {name.split("/")[0] for name in names} == {
        "security_groups_component",
        f"security_groups_component-{__version__}.dist-info",
    }
    assert "security_groups_component/py.typed" in names
    assert "security_groups_component/enums.py" in names


def test_fresh_virtualenv_has_the_component_and_its_dependencies(fresh_install: FreshInstall) -> None:
    """pip resolved the declared dependencies from the index, within the plugin's pins."""
    script = (
        "import importlib.metadata as m, json; "
        "print(json.dumps({d: m.version(d) for d in ('security-groups-component', 'pulumi', 'pulumi-aws')}))"
    )
    versions = json.loads(run([str(fresh_install.python), "-c", script], env=fresh_env()).stdout)
    assert versions == {"security-groups-component": __version__, "pulumi": "3.272.0", "pulumi-aws": "7.51.1"}


def test_python_example_runs_from_the_wheel(fresh_install: FreshInstall) -> None:
    """In the fresh virtualenv the example imports the installed component and registers exactly the same."""
    done = run(
        [str(fresh_install.python), "-m", "security_group_tools.example_runner", str(EXAMPLE_DIR)],
        env=fresh_env(),
        cwd=EXAMPLE_DIR,
    )
    result = json.loads(done.stdout)
    venv = fresh_install.python.parent.parent
    assert Path(result["component"]).is_relative_to(venv / "lib"), result["component"]
    assert result["resources"] == EXAMPLE_RESOURCES
    assert result["outputs"] == EXAMPLE_OUTPUTS


def test_installed_package_infers_the_committed_schema(fresh_install: FreshInstall) -> None:
    """The schema comes from installed source files too (descriptions are read from them): no drift."""
    done = run(
        [str(fresh_install.python), "-m", "security_group_tools.component_schema", "--check"],
        env=fresh_env(),
        cwd=PROJECT_DIR / "policies",
    )
    assert done.stdout == "components/schema.json is up to date\n"


def pins(path: Path) -> dict[str, str]:
    """The `name==version` lines of a requirements file."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return dict(line.split("==", 1) for line in lines if "==" in line and not line.startswith("#"))


def test_plugin_and_example_requirements_use_the_project_pins() -> None:
    """The plugin's venv, the Python example and this project run the same pulumi and pulumi-aws."""
    project = pins(PROJECT_DIR / "requirements.txt")
    plugin = pins(PROJECT_DIR / "components" / "requirements.txt")
    # The project also pins what the tools need; the component needs these three only.
    assert plugin == {name: project[name] for name in ("pulumi", "pulumi-aws", "ruamel.yaml")}
    assert pins(EXAMPLE_DIR / "requirements.txt") == plugin
    assert (EXAMPLE_DIR / "requirements.txt").read_text().splitlines()[-1] == "../../components"

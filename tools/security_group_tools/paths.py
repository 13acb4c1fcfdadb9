"""Where the project, its stacks and its policy pack live, and the project's name.

The tools work on a checkout of this project: its program (`__main__.py`), `stacks/`, `policies/` and
`components/`. That is the nearest directory, from the working directory up, that holds both `Pulumi.yaml` and
`policies/PulumiPolicy.yaml` (as the Pulumi CLI looks for `Pulumi.yaml` from the working directory up), and
otherwise the checkout this package was installed from in editable mode (`pip install -e ./tools`), so the
command works from anywhere on the machine that cloned it.
"""

from __future__ import annotations

from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]
"""tools/security_group_tools/paths.py -> the project, when installed in editable mode."""


def is_project(directory: Path) -> bool:
    """Whether `directory` is a checkout of this project: the program and the pack."""
    return (directory / "Pulumi.yaml").is_file() and (directory / "policies" / "PulumiPolicy.yaml").is_file()


def find_project(start: Path) -> Path:
    """The project `start` is in, or else the checkout of this package (see the module docstring)."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if is_project(directory):
            return directory
    return _CHECKOUT


PROJECT_DIR = find_project(Path.cwd())
PACK_DIR = PROJECT_DIR / "policies"
STACKS_DIR = PROJECT_DIR / "stacks"
PROJECT = "security-groups"
"""The `name:` in Pulumi.yaml, which the CLI passes to the program and the pack."""
COMPONENTS_DIR = PROJECT_DIR / "components"
"""The component package: a pip distribution and a Pulumi component package (PulumiPlugin.yaml)."""


def shown(path: Path) -> str:
    """A path as the user should read it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)


def command_beside(python: str) -> str:
    """The `security-groups` command that pip installed beside `python` (the same virtualenv's bin/)."""
    return str(Path(python).parent / "security-groups")

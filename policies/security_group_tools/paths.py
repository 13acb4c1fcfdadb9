"""Where the project, its stacks and its policy pack live, and the project's name."""

from __future__ import annotations

from pathlib import Path

PACK_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACK_DIR.parent
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

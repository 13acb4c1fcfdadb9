"""The project's stacks as the tests find them: every `stacks/Pulumi.<stack>.yaml`, nothing listed by hand.

Adding an environment is one file. Every test parametrized over `STACKS` runs on it at once; a stack with no
policy config of its own (`stacks/policy-config.<stack>.json`) is judged under the pack's defaults, as
`pulumi preview --policy-pack policies` judges it without `--policy-pack-config`. What cannot be generic is the
reviewed record of what the stack creates: until its snapshots are written and reviewed, exactly one test
(`test_stacks.py::test_every_stack_has_reviewed_snapshots`) fails, naming the files and the command that writes
them, and the comparisons against those files skip. The functions take the project root so that a test can point
them at a copy of the project.

Nothing here reads a stack file's content: discovery is by file name only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]

STACK_FILE_PREFIX: Final = "Pulumi."
STACK_FILE_SUFFIX: Final = ".yaml"
POLICY_CONFIG_PREFIX: Final = "policy-config."
POLICY_CONFIG_SUFFIX: Final = ".json"

GOLDEN_EXTENSIONS: Final = {"table": "txt", "json": "json", "mermaid": "mmd"}
"""The offline preview's output formats and the extension of each one's golden file."""

SNAPSHOT_COMMAND: Final = "UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_program.py tests/test_preview_offline.py"
"""Writes (or rewrites) every stack's snapshots; review the diff before committing it."""


def stacks_dir(root: Path = ROOT) -> Path:
    """Where the project's stack files and policy configs live."""
    return root / "stacks"


def _names(directory: Path, prefix: str, suffix: str) -> list[str]:
    """The `<name>` of every `<prefix><name><suffix>` file in the directory, sorted."""
    found = (path.name.removeprefix(prefix).removesuffix(suffix) for path in directory.glob(f"{prefix}*{suffix}"))
    return sorted(name for name in found if name)


def stack_names(root: Path = ROOT) -> list[str]:
    """Every stack with a `stacks/Pulumi.<stack>.yaml` file, sorted."""
    return _names(stacks_dir(root), STACK_FILE_PREFIX, STACK_FILE_SUFFIX)


def policy_config_names(root: Path = ROOT) -> list[str]:
    """Every `<env>` with a `stacks/policy-config.<env>.json` file, sorted."""
    return _names(stacks_dir(root), POLICY_CONFIG_PREFIX, POLICY_CONFIG_SUFFIX)


def policy_config(stack: str, root: Path = ROOT) -> Path | None:
    """The stack's own policy config, or None when it has none (the pack's defaults apply)."""
    path = stacks_dir(root) / f"{POLICY_CONFIG_PREFIX}{stack}{POLICY_CONFIG_SUFFIX}"
    return path if path.is_file() else None


def program_snapshot(stack: str, root: Path = ROOT) -> Path:
    """Every resource and input the program registers for the stack (test_program.py)."""
    return root / "tests" / "snapshots" / f"{stack}.json"


def golden_file(stack: str, fmt: str, root: Path = ROOT) -> Path:
    """The offline preview's output for the stack in one format (test_preview_offline.py)."""
    return root / "tests" / "fixtures" / "preview" / "golden" / f"{stack}.{GOLDEN_EXTENSIONS[fmt]}"


def snapshot_files(stack: str, root: Path = ROOT) -> list[Path]:
    """Every reviewed file that records what the stack creates and what the pack says about it."""
    return [program_snapshot(stack, root), *(golden_file(stack, fmt, root) for fmt in sorted(GOLDEN_EXTENSIONS))]


def unreviewed(stack: str, root: Path = ROOT) -> str | None:
    """What to do for a stack whose snapshots are missing (None when they all exist)."""
    missing = [path for path in snapshot_files(stack, root) if not path.is_file()]
    if not missing:
        return None
    files = ", ".join(str(path.relative_to(root)) for path in missing)
    stack_file = (stacks_dir(root) / f"{STACK_FILE_PREFIX}{stack}{STACK_FILE_SUFFIX}").relative_to(root)
    return (
        f"stack {stack!r} ({stack_file}) has no reviewed "
        f"snapshot: {files} missing. Write them with `{SNAPSHOT_COMMAND}`, then review every resource, input and "
        "finding in them before committing them"
    )


def skip_reason(stack: str) -> str:
    """Why a comparison against a stack's snapshot is skipped: the one failing test says what to do."""
    return f"stack {stack!r} has no reviewed snapshot yet; test_stacks.py::test_every_stack_has_reviewed_snapshots"


STACKS: Final = stack_names()

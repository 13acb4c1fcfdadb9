"""Groups kept in YAML files under the stack config directory (`security-groups:groupFiles`), read by the program.

The Pulumi CLI hands the whole stack config to the program in one environment variable, `PULUMI_CONFIG`, and
Linux caps one variable at 128 KiB (MAX_ARG_STRLEN), so `security-groups:groups` stops at a few hundred groups
(pulumi/pulumi#20402). Group files carry any number: each is a mapping of group key to group, exactly as under
`security-groups:groups`, read the way the CLI reads a stack file (`stack_yaml`) and then passed through the
CLI's own value encoding, so a group means the same in a file as in the stack file. Paths are relative to the
stack config directory and may be glob patterns; a path that leads outside it is refused, so a stack file
cannot make the program read anything else on the machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from .problems import PathPart, Problems, quote, show

if TYPE_CHECKING:
    from .stack_yaml import Document

GLOB_CHARACTERS: Final = frozenset("*?[")

MAX_MATCHES: Final = 10_000
"""More files than this from one pattern is refused: a pattern that walks a symbolic-link loop never ends."""


@dataclass(frozen=True)
class GroupFile:
    """One group file, read: its groups as the program sees them, and where each value was written."""

    shown: str
    """The file as messages name it, relative to the project: `stacks/groups/web.yaml`."""
    groups: Mapping[str, object]
    document: Document

    def line(self, parts: tuple[PathPart, ...]) -> int | None:
        """The line where the value at `parts` (or the nearest value holding it) was written."""
        for end in range(len(parts), -1, -1):
            position = self.document.where(tuple(parts[:end]))
            if position is not None:
                return position[0]
        return None

    def place(self, parts: tuple[PathPart, ...], rendered: str) -> str:
        """A problem's place in this file: `stacks/groups/web.yaml:12: web.ingress[0].ports`."""
        line = self.line(parts)
        return f"{self.shown}:{line}: {rendered}" if line is not None else f"{self.shown}: {rendered}"


def read_group_files(
    value: object, base: Path, shown_base: str, problems: Problems, at: tuple[PathPart, ...] = ("groupFiles",)
) -> list[GroupFile]:
    """Every file `value` (a list of paths and glob patterns under `base`) names, in the order given."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add(at, f"expected a list of file paths under {shown_base}/, got {show(value)}")
        return []
    files: list[GroupFile] = []
    seen: set[Path] = set()
    for index, pattern in enumerate(value):
        for path in _expand(pattern, base, shown_base, (*at, index), problems):
            if path in seen:
                continue  # two patterns naming one file: read once
            seen.add(path)
            read = _read(path, f"{shown_base}/{path.relative_to(base.resolve()).as_posix()}", (*at, index), problems)
            if read is not None:
                files.append(read)
    return files


def _expand(pattern: str, base: Path, shown_base: str, at: tuple[PathPart, ...], problems: Problems) -> list[Path]:
    root = base.resolve()
    if not pattern.strip() or Path(pattern).is_absolute() or pattern.startswith("~"):
        problems.add(at, f"{quote(pattern)} is not a path under {shown_base}/; give one relative to it")
        return []
    if GLOB_CHARACTERS & set(pattern):
        try:
            found = []
            for path in base.glob(pattern):
                if path.is_file():
                    found.append(path)
                if len(found) > MAX_MATCHES:
                    problems.add(at, f"{quote(pattern)} matches more than {MAX_MATCHES:,} files; name fewer")
                    return []
            found.sort()
        except (ValueError, NotImplementedError, OSError, RuntimeError) as error:
            # RuntimeError: pathlib's word for a symbolic-link loop (Python 3.11).
            problems.add(at, f"{quote(pattern)} is not a usable pattern ({type(error).__name__})")
            return []
        if not found:
            problems.add(at, f"{quote(pattern)} matches no file under {shown_base}/")
    else:
        found = [base / pattern]
    paths: list[Path] = []
    for path in found:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            problems.add(at, f"{quote(pattern)} is a symbolic link that leads nowhere (a loop); name the file itself")
            continue
        if not resolved.is_relative_to(root):
            # `..` or a symbolic link out of the directory: the stack file must not point the program elsewhere.
            problems.add(at, f"{quote(pattern)} leads outside {shown_base}/; group files live under it")
        elif not resolved.is_file():
            problems.add(at, f"{quote(pattern)}: no such file under {shown_base}/")
        else:
            paths.append(resolved)
    return paths


def _read(path: Path, shown: str, at: tuple[PathPart, ...], problems: Problems) -> GroupFile | None:
    # Imported here: the YAML parser costs every program ~50 ms to import, and most stacks have no group files.
    from . import stack_yaml  # noqa: PLC0415

    try:
        document = stack_yaml.read_file(path, shown)
    except stack_yaml.YamlError as error:
        problems.add((), str(error))
        return None
    except OSError as error:
        problems.add(at, f"cannot read {shown} ({error.strerror})")
        return None
    data = document.data
    if data is None:
        problems.add((), f"{shown}: the file holds no groups; list them (key: group), or remove it from groupFiles")
        return None
    if not isinstance(data, dict):
        problems.add((), f"{shown}: expected a mapping of group keys to groups, got {show(data)}")
        return None
    try:
        # Exactly what the same groups would be under security-groups:groups, after the CLI's encoding.
        groups = json.loads(stack_yaml.cli_value(data))
    except stack_yaml.SecureValueError:
        problems.add(
            (), f"{shown}: holds a secret (`secure:`) value; group files are not config, keep secrets in the stack file"
        )
        return None
    return GroupFile(shown, groups, document)

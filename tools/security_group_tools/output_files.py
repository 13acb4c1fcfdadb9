"""Write a command's output files all or nothing, and never over something the user did not mean to replace.

- An existing file is replaced only with `--force`; a directory, a device or anything but a regular file never.
- Two outputs never go to one file, however the paths are spelt (symlinks and `..` are resolved first, and two
  existing paths that are hard links of one file count as one).
- Every output is checked (its directory exists, is a directory and is writable) before any is written, and
  every problem is reported at once.
- Each file is written to a temporary file in its own directory, flushed to disk, then renamed over the target
  (`os.replace`, atomic on POSIX): a reader sees the old file or the new one, never half of one. The renames
  run last, one after another, with SIGINT and SIGTERM held back (`interrupts.deferred`), so a Ctrl-C cannot
  leave one output new and the other missing. On any failure before them, the temporary files are removed
  and nothing else was touched; should a rename itself fail, the outputs already renamed that did not exist
  before are removed again. A symlinked output keeps its link: the file it points to is replaced.

A process killed by SIGKILL while writing can leave a temporary file `.<name>.<random>.tmp` beside the target;
nothing can prevent that, and the target itself is still whole.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from . import interrupts, phases

NEW_FILE_MODE: Final = 0o666
"""What `open()` would create, before the umask."""


@dataclass(frozen=True)
class Output:
    """One file a command writes."""

    flag: str
    """The option that named it, for messages: `--import-file`."""
    path: Path
    """As the user gave it, for messages."""
    text: str
    replaces: bool = False
    """Replace an existing file even without --force: a file the command read and means to rewrite (adopt's merge
    into a stack file, confirmed with --yes)."""


class OutputError(Exception):
    """Outputs that cannot be written: every problem, each naming the option and the path, and the outcome."""

    def __init__(self, problems: Sequence[str], outcome: str = "nothing was written") -> None:
        super().__init__("\n".join([*problems, outcome]))
        self.problems = tuple(problems)
        self.outcome = outcome
        """`nothing was written`, or which file a failed rename had already replaced."""


@dataclass(frozen=True)
class _Target:
    output: Output
    real: Path
    """The path with symlinks and `..` resolved: the file that will be replaced or created."""
    existed: bool


def write_all(outputs: Sequence[Output], *, force: bool) -> int | None:
    """Check every output, then write them all; the signal held back during the renames, if one arrived.

    Raises OutputError when any output cannot be written; then nothing was written (see the module docstring
    for the one exception, a rename that fails after an earlier one replaced a file under --force).
    """
    targets = _check(outputs, force=force)
    temporaries: list[Path] = []
    renamed: list[_Target] = []
    current = targets[0] if targets else None
    try:
        for current in targets:
            temporaries.append(_write_temporary(current))
        phases.reached("writing")
        with interrupts.deferred() as held:
            for current, temporary in zip(targets, temporaries, strict=True):
                os.replace(temporary, current.real)
                renamed.append(current)
            for directory in dict.fromkeys(target.real.parent for target in targets):
                _sync_directory(directory)
    except BaseException as error:
        for temporary in temporaries:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        for target in renamed:
            if not target.existed:
                with contextlib.suppress(FileNotFoundError):
                    target.real.unlink()
        if isinstance(error, OSError) and current is not None:
            replaced = [target for target in renamed if target.existed]
            problem = f"{current.output.flag} {current.output.path}: cannot write ({error.strerror or error})"
            if replaced:
                raise OutputError(
                    [problem], f"{' and '.join(str(t.output.path) for t in replaced)} had already been replaced"
                ) from None
            raise OutputError([problem]) from None
        raise
    return held.signum


def _check(outputs: Sequence[Output], *, force: bool) -> list[_Target]:
    problems: list[str] = []
    targets: list[_Target] = []
    for output in outputs:
        where = f"{output.flag} {output.path}"
        try:
            real = output.path.resolve()
        except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop
            problems.append(f"{where}: cannot resolve the path ({getattr(error, 'strerror', None) or error})")
            continue
        same = next((other for other in targets if _same_file(other.real, real)), None)
        if same is not None:
            problems.append(
                f"{where}: the same file as {same.output.flag} {same.output.path} ({real}); give each its own path"
            )
            continue
        parent = real.parent
        existed = False
        if not parent.exists():
            problems.append(f"{where}: the directory {parent} does not exist; create it first")
        elif not parent.is_dir():
            problems.append(f"{where}: {parent} is not a directory")
        elif not os.access(parent, os.W_OK | os.X_OK):
            problems.append(f"{where}: cannot write in {parent} (permission denied)")
        elif real.is_dir():
            problems.append(f"{where}: is a directory; name a file inside it")
        elif real.exists() or real.is_symlink():
            existed = True
            if not stat.S_ISREG(real.stat().st_mode):
                problems.append(f"{where}: exists and is not a regular file; choose another path")
            elif not (force or output.replaces):
                problems.append(f"{where}: already exists; pass --force to replace it, or choose another path")
        targets.append(_Target(output, real, existed))
    if problems:
        raise OutputError(problems)
    return targets


def _same_file(one: Path, other: Path) -> bool:
    if one == other:
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False  # one of them does not exist yet: different paths, so different files


def _write_temporary(target: _Target) -> Path:
    """The text in a new temporary file beside the target, on disk, with the mode the target will have."""
    fd, name = tempfile.mkstemp(prefix=f".{target.real.name}.", suffix=".tmp", dir=target.real.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(target.output.text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(target))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _mode_for(target: _Target) -> int:
    """A replaced file keeps its permissions; a new one gets what `open()` would give it (mkstemp's are 0600)."""
    if target.existed:
        return stat.S_IMODE(target.real.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return NEW_FILE_MODE & ~umask


def _sync_directory(directory: Path) -> None:
    """Flush the directory entry of a rename to disk (where the system allows opening a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a directory; the rename itself has happened
    finally:
        os.close(fd)

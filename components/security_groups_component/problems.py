"""Collecting config problems and reporting them all at once, as one error without a traceback."""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Final

import pulumi

PathPart = str | int

SECRET: Final = "a secret value"
"""What a message says instead of a value read from a secret config key."""

_REDACTED: ContextVar[bool] = ContextVar("redacted", default=False)


@contextlib.contextmanager
def redacted(secret: bool = True) -> Iterator[None]:
    """While reading a secret config key, every value a message would show is shown as `a secret value`.

    Pulumi marks a whole key secret when any value inside it is (`pulumi config set --secret --path`), and the
    program cannot tell which one, so nothing read from that key is ever quoted, nor hinted at.
    """
    token = _REDACTED.set(secret)
    try:
        yield
    finally:
        _REDACTED.reset(token)


def is_redacted() -> bool:
    """True while reading a secret config key: messages must not show what it holds, nor hint at it."""
    return _REDACTED.get()


def quote(value: object) -> str:
    """A value the user wrote, quoted for a message (`'web'`, `22`), unless it came from a secret key."""
    if _REDACTED.get():
        return SECRET
    return repr(value) if isinstance(value, str) else show(value)


def render_path(parts: Sequence[PathPart]) -> str:
    """Render `("groups", "db", "ingress", 0, "from", 1)` as `groups.db.ingress[0].from[1]`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.replace("-", "").replace("_", "").isalnum():
            out += f".{part}" if out else part
        else:
            # Keys that would read ambiguously in dotted form (dots, spaces, colons) are quoted.
            out += f'["{part}"]'
    return out


def show(value: object) -> str:
    """Show a config value in an error the way the user wrote it in YAML (never a secret one)."""
    if _REDACTED.get() and (value is None or isinstance(value, str | int | float)):
        return SECRET
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `word` (ignoring case as a fallback), if any is close enough."""
    options = list(candidates)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close and word.lower() != word:
        close = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str], *, prefix: str = "") -> str:
    """Return `; did you mean 'x'?` for the closest candidate (shown with `prefix`), or an empty string.

    Nothing for a secret value: a close candidate would say what the secret nearly is.
    """
    if _REDACTED.get():
        return ""
    match = closest(word, candidates)
    return f"; did you mean {prefix + match!r}?" if match else ""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, and what to do about it."""

    path: str
    message: str
    parts: tuple[PathPart, ...] = field(default=(), compare=False)
    """The path as parts, when it was given so (`("groups", "db", "ingress", 0)`), for callers that re-place it."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class Problems:
    """Collects every problem found while reading input, in the order found."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(self, path: Sequence[PathPart] | str, message: str) -> None:
        """Record a problem at `path` (path parts, or a path already rendered)."""
        if isinstance(path, str):
            self._items.append(Problem(path, message))
        else:
            self._items.append(Problem(render_path(path), message, tuple(path)))

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self._items)

    @property
    def items(self) -> tuple[Problem, ...]:
        """The problems, in the order they were found."""
        return tuple(self._items)


class ConfigError(pulumi.RunError):
    """Invalid input: raised before any resource is registered, so nothing is created or changed.

    A `pulumi.RunError` makes the Pulumi CLI print the message alone, without a Python traceback.
    """

    def __init__(self, where: str, problems: Sequence[Problem], fix: str) -> None:
        self.where = where
        self.problems = tuple(problems)
        count = f"{len(self.problems)} problem" + ("" if len(self.problems) == 1 else "s")
        lines = [f"{where}: {count}. {fix}"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    @property
    def lines(self) -> tuple[str, ...]:
        """Each problem as `path: message`, for tests and tools."""
        return tuple(str(p) for p in self.problems)

r"""`excludeNames` patterns, matched by RE2: time linear in the name, whatever the pattern.

Python's `re` backtracks: `(a+)+b` against a name of 28 letters takes seconds, on every resource, in every
preview, and a policy config is enough to plant it. RE2 never backtracks, so it refuses what would need to:
backreferences, lookaround, and patterns over its memory budget. Such a pattern is refused at Configure, naming
the policy, the entry and why (`exclude_names_problems`); policies served without this pack's analyzer (a stock
`PolicyPack`) ignore it instead, with the note every finding then carries (`config.NamePatterns.broken`).

Differences from `re` worth knowing: `\d`, `\w`, `\s` and `\b` are ASCII only; `\Z` is written `\z`;
possessive quantifiers and atomic groups do not exist. Names are matched in full, as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol

import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

MEMORY_BUDGET: Final = 8 << 20
"""RE2's default budget for one compiled pattern (bytes); a pattern needing more is refused."""

HINTS: Final[tuple[tuple[str, str], ...]] = (
    ("invalid escape sequence: \\1", "RE2 has no backreferences"),
    ("invalid escape sequence: \\2", "RE2 has no backreferences"),
    ("invalid escape sequence: \\3", "RE2 has no backreferences"),
    ("invalid escape sequence: \\4", "RE2 has no backreferences"),
    ("invalid escape sequence: \\5", "RE2 has no backreferences"),
    ("invalid escape sequence: \\6", "RE2 has no backreferences"),
    ("invalid escape sequence: \\7", "RE2 has no backreferences"),
    ("invalid escape sequence: \\8", "RE2 has no backreferences"),
    ("invalid escape sequence: \\9", "RE2 has no backreferences"),
    ("invalid perl operator: (?=", "RE2 has no lookahead"),
    ("invalid perl operator: (?!", "RE2 has no lookahead"),
    ("invalid perl operator: (?<=", "RE2 has no lookbehind"),
    ("invalid perl operator: (?<!", "RE2 has no lookbehind"),
    ("pattern too large", f"it needs more than RE2's memory budget of {MEMORY_BUDGET >> 20} MiB for one pattern"),
)
"""RE2's error, by how it starts, and what it means to someone who wrote a Python regular expression."""

EXCLUDE_NAMES: Final = "excludeNames"


class Matcher(Protocol):
    """A compiled pattern."""

    def fullmatch(self, text: str) -> object | None:
        """A match object when the pattern matches all of `text`, else None."""
        ...


class PatternError(ValueError):
    """RE2 cannot compile the pattern; the message says why."""


def _options() -> Any:
    options = re2.Options()
    options.max_mem = MEMORY_BUDGET
    options.log_errors = False  # RE2 would otherwise print every refused pattern on the pack's stderr
    return options


_OPTIONS: Final = _options()


def compile_pattern(pattern: str) -> Matcher:
    """The pattern compiled by RE2; PatternError saying why when it cannot be."""
    try:
        return re2.compile(pattern, _OPTIONS)  # type: ignore[no-any-return]
    except re2.error as error:
        raise PatternError(_why(error)) from None


def _why(error: Exception) -> str:
    raw = error.args[0] if error.args else ""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    hint = next((meaning for start, meaning in HINTS if text.startswith(start)), "")
    return f"{text} ({hint})" if hint else text


def pattern_problems(value: object) -> list[str]:
    """`excludeNames[i]: why` for each text entry RE2 cannot compile (other shapes are the schema's to refuse)."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    problems: list[str] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            try:
                compile_pattern(item)
            except PatternError as error:
                problems.append(f"{EXCLUDE_NAMES}[{index}]: not a pattern RE2 accepts: {error}")
    return problems


def exclude_names_problems(policies: Sequence[Any], configs: Mapping[str, Any]) -> list[str]:
    """`<policy>.excludeNames[i]: why` for every pattern a Configure request gives that RE2 cannot compile.

    `configs` is the request's policy name -> PolicyConfig; only policies that declare `excludeNames` are read.
    """
    problems: list[str] = []
    for policy in policies:
        schema = getattr(policy, "config_schema", None)
        if schema is None or EXCLUDE_NAMES not in (schema.properties or {}) or policy.name not in configs:
            continue
        fields = configs[policy.name].properties.fields
        if EXCLUDE_NAMES not in fields or fields[EXCLUDE_NAMES].WhichOneof("kind") != "list_value":
            continue
        values = fields[EXCLUDE_NAMES].list_value.values
        texts = [item.string_value if item.WhichOneof("kind") == "string_value" else None for item in values]
        problems.extend(f"{policy.name}.{problem}" for problem in pattern_problems(texts))
    return problems

"""Write YAML that every reader reads back as written: the Pulumi CLI (go-yaml v3), YAML 1.2 and YAML 1.1 readers.

The layout is that of the files in stacks/: block mappings indented by two spaces, list items indented under
their key (`- rule: ssh`), lists of scalars on one line (`from: [anywhere, 10.0.0.0/8]`), comments on top, no
line wrapping. A text is written plain only when it is plainly text to all three readers: go-yaml v3's scalar
rules (`security_groups_component.stack_yaml.scalars`: `022`, `08`, `0o17`, `1e1`, `2024-01-01` are not text to
the CLI), YAML 1.2 core (ruamel.yaml's resolver: `1e1`, `0o17`, `.5`) and YAML 1.1 (PyYAML's resolver, which
both ship with this project's dependencies: `yes`, `on`, `1_000`, `1:20`, `=`); and only when its characters
need no care in plain YAML (letters, digits, spaces inside, and `-_./@+=(),;:` where no reader takes them for
syntax). Anything else is quoted: single quotes where the text is printable on one line, else double quotes
with escapes. `<<` cannot be a key: the CLI reads it back as a merge key. Comments go on top, or just above the
entry they concern (`notes`, by the entry's path), at its indentation.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Final

import yaml
from ruamel.yaml.nodes import ScalarNode as RuamelScalarNode
from ruamel.yaml.resolver import VersionedResolver
from security_groups_component.stack_yaml import scalars

Path = tuple[str | int, ...]
"""Where an entry is: mapping keys and list indexes from the top, e.g. `("groups", "web", "ingress", 0)`."""

YAML11_STR: Final = "tag:yaml.org,2002:str"
INDENT: Final = 2

_YAML11: Final = yaml.resolver.Resolver()
_YAML12: Final = VersionedResolver(version=(1, 2))
_OLD_BOOLEANS: Final = frozenset({"y", "Y", "n", "N"})
"""YAML 1.1's spec lists these as booleans too (PyYAML does not): quoted for other 1.1 readers."""

_PLAIN_PUNCTUATION: Final = frozenset("-_./@+=(),;:")
_FLOW_UNSAFE: Final = frozenset(",:")
"""Characters that are plain in a block but syntax inside `[...]` to some reader."""
_FIRST: Final = frozenset("._/(")
"""Punctuation a plain text may start with (no reader gives them a meaning there)."""

_ESCAPES: Final = {
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
    "\x85": "\\N",
    "\u2028": "\\L",
    "\u2029": "\\P",
}
"""Escapes every reader knows (YAML 1.1 and 1.2, go-yaml's scanner)."""
_BREAKS: Final = re.compile("[\r\n\x85\u2028\u2029]")
"""Line breaks to YAML 1.1 readers (PyYAML), beyond \\n and \\r."""


def dump(
    data: Mapping[str, object], *, comments: Sequence[str] = (), notes: Mapping[Path, Sequence[str]] | None = None
) -> str:
    """A YAML document of `data` (a mapping of text keys), with each comment line first as `# …`.

    `notes` are comments written just above the entry at each path (a key of a mapping, an item of a list
    written in block style), indented like it; a path the document does not write is a ValueError, so no note
    is ever dropped. Values are dict (text keys), list, str, int, float (finite), bool and None; anything else
    is a TypeError, and a value no reader can read back (an integer beyond 64 bits, NaN, a lone surrogate) a
    ValueError.
    """
    lines = _comments(comments, 0)
    placed = _Notes(notes or {})
    lines += _mapping(data, 0, (), placed) if data else ["{}"]  # an empty document would read back as null
    if placed.left:
        raise ValueError(f"notes for entries the document does not write in block style: {sorted(placed.left)}")
    return "\n".join(lines) + "\n"


class _Notes:
    """The notes by path, and the paths not yet written (each must be, once)."""

    def __init__(self, notes: Mapping[Path, Sequence[str]]) -> None:
        self.notes = notes
        self.left = set(notes)

    def at(self, path: Path, indent: int) -> list[str]:
        self.left.discard(path)
        return _comments(self.notes.get(path, ()), indent)


def _comments(texts: Sequence[str], indent: int) -> list[str]:
    return [" " * indent + f"# {_comment(line)}" for text in texts for line in text.split("\n")]


def reads_back_as_text(text: str, *, flow: bool = False) -> bool:
    """Whether `text` written plain reads back as the same text in every reader (inside `[...]` when `flow`)."""
    if not text or text != text.strip(" ") or text in _OLD_BOOLEANS:
        return False
    first = text[0]
    if not (_word_char(first) or first in _FIRST):
        return False
    for char in text:
        if not (_word_char(char) or char == " " or char in _PLAIN_PUNCTUATION) or (flow and char in _FLOW_UNSAFE):
            return False
    if ": " in text or text.endswith(":"):
        return False
    return (
        scalars.resolve("", text)[0] == scalars.STR
        and _YAML11.resolve(yaml.ScalarNode, text, (True, False)) == YAML11_STR  # type: ignore[no-untyped-call]
        and _YAML12.resolve(RuamelScalarNode, text, (True, False)) == YAML11_STR
    )


def scalar(value: object, *, flow: bool = False) -> str:
    """One scalar as YAML text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not scalars.INT64_MIN <= value <= scalars.UINT64_MAX:
            raise ValueError(f"{value} does not fit 64 bits, so go-yaml (the Pulumi CLI) would read a float")
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return value if reads_back_as_text(value, flow=flow) else quoted(value)
    raise TypeError(f"not a YAML scalar: {type(value).__name__}")


def quoted(text: str) -> str:
    """Single quotes for printable one-line text, double quotes with escapes for the rest."""
    if any("\ud800" <= char <= "\udfff" for char in text):
        raise ValueError("a lone UTF-16 surrogate cannot be written in UTF-8 YAML")
    if all(_printable(char) and char not in "\t\ufeff" for char in text) and not _BREAKS.search(text):
        return "'" + text.replace("'", "''") + "'"
    return '"' + "".join(_escape(char) for char in text) + '"'


def _mapping(mapping: Mapping[str, object], indent: int, path: Path, notes: _Notes) -> list[str]:
    lines: list[str] = []
    for key, value in mapping.items():
        lines += notes.at((*path, key), indent)
        lines += _entry(" " * indent + _key(key) + ":", value, indent, (*path, key), notes)
    return lines


def _sequence(items: Sequence[object], indent: int, path: Path, notes: _Notes) -> list[str]:
    lines: list[str] = []
    for index, item in enumerate(items):
        lines += notes.at((*path, index), indent)
        nested = _nested(item, indent + INDENT, (*path, index), notes)
        if nested is None:
            lines.append(" " * indent + "- " + _inline(item))
        else:
            # The item's first line follows `- `; a note on its first key goes above the dash instead.
            start = next(i for i, line in enumerate(nested) if not line.lstrip(" ").startswith("#"))
            lines += [*nested[:start], " " * indent + "- " + nested[start].lstrip(" "), *nested[start + 1 :]]
    return lines


def _entry(prefix: str, value: object, indent: int, path: Path, notes: _Notes) -> list[str]:
    nested = _nested(value, indent + INDENT, path, notes)
    return [f"{prefix} {_inline(value)}"] if nested is None else [prefix, *nested]


def _nested(value: object, indent: int, path: Path, notes: _Notes) -> list[str] | None:
    """The block lines of a collection that is not written on one line; None for one that is."""
    if isinstance(value, Mapping) and value:
        return _mapping(value, indent, path, notes)
    if isinstance(value, list) and value and not all(_is_scalar(item) for item in value):
        return _sequence(value, indent, path, notes)
    return None


def _inline(value: object) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[" + ", ".join(scalar(item, flow=True) for item in value) + "]"
    return scalar(value)


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"keys must be text, not {type(key).__name__}")
    if key == "<<":
        raise ValueError("the key '<<' is read back as a YAML merge key by the Pulumi CLI")
    return scalar(key)


def _is_scalar(value: object) -> bool:
    return not isinstance(value, Mapping | list)


def _float(number: float) -> str:
    """A float every reader reads back: YAML 1.1 needs a `.` and a signed exponent (`1.0e+16`, not `1e+16`)."""
    if not math.isfinite(number):
        raise ValueError("NaN and infinities have no form the Pulumi CLI can pass to a program")
    text = repr(number)
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _word_char(char: str) -> bool:
    """ASCII letters and digits, and letters, digits and marks of any script."""
    if char.isascii():
        return char.isalnum()
    return unicodedata.category(char)[0] in "LNM"


def _printable(char: str) -> bool:
    """YAML's c-printable, less the C1 controls and non-characters some readers refuse even where allowed."""
    code = ord(char)
    return (
        char in "\t"
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if _printable(char) and char != "\ufeff":
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _comment(text: str) -> str:
    """A comment line: line breaks and controls (which would end the comment for some reader) escaped."""
    return "".join(_escape(char) if not _printable(char) or _BREAKS.match(char) else char for char in text)

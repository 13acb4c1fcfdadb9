"""What go-yaml v3 (v3.0.1, the YAML library of the Pulumi CLI) makes of one scalar: a port of its `resolve()`.

Source: go-yaml/yaml tag v3.0.1, `resolve.go` (`resolve`, `resolveTable`, `resolveMap`, `yamlStyleFloat`,
`parseTimestamp`, `allowedTimestampFormats`) and Go's `strconv.ParseInt`/`ParseUint`/`ParseFloat` and
`time.Parse`, which it calls. Only plain (unquoted) scalars and explicitly tagged ones are resolved; a quoted or
block scalar is always text. In order:

- exact words (`resolveMap`): `true/True/TRUE`, `false/False/FALSE`, `null/Null/NULL/~` and the empty scalar,
  `.nan/.NaN/.NAN`, `[+]/-.inf` in three spellings. `yes`, `no`, `on`, `off`, `y`, `n` are text (YAML 1.2).
- a scalar starting with `.`: Go's ParseFloat (`.5` is 0.5);
- a scalar starting with a digit or a sign: a timestamp if it has one of four layouts (`2006-1-2`,
  `2006-1-2T15:4:5.999999999Z07:00` and its lower-case `t` twin, `2006-1-2 15:4:5.999999999`), else, with every
  `_` removed, Go's `ParseInt(s, 0, 64)`: base prefixes `0x`, `0o`, `0b` (any case), and **a bare leading 0 means
  octal, as in Go**, so `022` is 18, not 22 (go-yaml's comment: "Octals from the 1.1 spec, spelled as 0777, are
  still decoded by default in v3"); `08` is no octal, so it falls through to the float rule and is 8.0. Then
  `ParseUint` (up to 2^64-1), then a float if the text matches `yamlStyleFloat` (`1e3` is 1000.0) and fits a
  double (`1e400` stays text).
- everything else is text.

(DESIGN.md and issue #13 say "`022` is 22 for the CLI"; go-yaml's source says 18, and this module follows the
source.) go-yaml's later `0b`/`0o` fallbacks are not ported: `ParseInt(s, 0, 64)` has already accepted every
text they accept.
"""

from __future__ import annotations

import math
import re
from typing import Final

NULL: Final = "!!null"
BOOL: Final = "!!bool"
STR: Final = "!!str"
INT: Final = "!!int"
FLOAT: Final = "!!float"
TIMESTAMP: Final = "!!timestamp"
BINARY: Final = "!!binary"
MERGE: Final = "!!merge"
MAP: Final = "!!map"
SEQ: Final = "!!seq"

LONG_TAG_PREFIX: Final = "tag:yaml.org,2002:"

RESOLVABLE: Final = frozenset({"", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP})
"""Tags `resolve()` checks a scalar against (`resolvableTag`); any other tag leaves the text as it is."""

WORDS: Final[dict[str, tuple[str, object]]] = {
    **dict.fromkeys(("true", "True", "TRUE"), (BOOL, True)),
    **dict.fromkeys(("false", "False", "FALSE"), (BOOL, False)),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), (NULL, None)),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), (FLOAT, math.nan)),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), (FLOAT, math.inf)),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), (FLOAT, -math.inf)),
    "<<": (MERGE, "<<"),
}
"""`resolveMap`: plain scalars read by exact spelling."""

HINTS: Final[dict[str, str]] = {
    **dict.fromkeys("+-", "S"),
    **dict.fromkeys("0123456789", "D"),
    **dict.fromkeys("yYnNtTfFoO~", "M"),
    ".": ".",
}
"""`resolveTable`: what the first character says a plain scalar might be. Other first characters mean text."""

YAML_STYLE_FLOAT: Final = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
"""`yamlStyleFloat`, matched against the whole text (Go's `^…$` has no multi-line mode)."""

DOT_FLOAT: Final = re.compile(r"\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?")
"""What Go's ParseFloat accepts of a text that starts with `.`: Go's float literal syntax, in which one `_` may
separate two digits (`.5_0` is 0.5; `._5` is not a number)."""

_DATE: Final = r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2}+)-(?P<day>[0-9]{1,2}+)"
_TIME: Final = r"(?P<hour>[0-9]{1,2}+):(?P<minute>[0-9]{1,2}+):(?P<second>[0-9]{1,2}+)(?:[.,][0-9]+)?"
_ZONE: Final = r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
TIMESTAMP_LAYOUTS: Final = (
    re.compile(f"{_DATE}T{_TIME}{_ZONE}"),  # "2006-1-2T15:4:5.999999999Z07:00"
    re.compile(f"{_DATE}t{_TIME}{_ZONE}"),  # "2006-1-2t15:4:5.999999999Z07:00"
    re.compile(f"{_DATE} +{_TIME}"),  # "2006-1-2 15:4:5.999999999" (a layout space matches one or more)
    re.compile(_DATE),  # "2006-1-2"
)
"""go-yaml's `allowedTimestampFormats` as Go's time.Parse reads them: one- or two-digit fields (two digits taken
whenever present, never backtracked: hence the possessive quantifiers), a fraction of any length after `.` or `,`."""

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
UINT64_MAX: Final = 2**64 - 1


class TagMismatchError(ValueError):
    """A tagged scalar whose text is not a value of its tag (`!!int abc`): go-yaml's "cannot decode … as a …"."""

    def __init__(self, resolved: str, tag: str) -> None:
        super().__init__(f"cannot decode {resolved} as a {tag}")
        self.resolved = resolved
        self.tag = tag


def short_tag(tag: str) -> str:
    """`shortTag`: `tag:yaml.org,2002:int` is `!!int`; any other tag stays as written."""
    return "!!" + tag.removeprefix(LONG_TAG_PREFIX) if tag.startswith(LONG_TAG_PREFIX) else tag


def resolve(tag: str, text: str) -> tuple[str, object]:
    """The tag and value go-yaml gives a scalar: `tag` is "" for a plain untagged scalar, else its short tag.

    Raises TagMismatchError where go-yaml fails (`!!int abc`); a `!!float` tag turns an integer into a float.
    """
    if tag not in RESOLVABLE:
        return tag, text
    resolved, value = _resolve_untagged(tag, text)
    if tag in ("", resolved, STR):
        return resolved, value
    # go-yaml converts Go's int and int64 to a float here, but not uint64 (above 2^63-1), which it refuses.
    if tag == FLOAT and resolved == INT and isinstance(value, int) and value <= INT64_MAX:
        return FLOAT, float(value)
    raise TagMismatchError(resolved, tag)


def _resolve_untagged(tag: str, text: str) -> tuple[str, object]:
    hint = HINTS.get(text[:1], "") if text else "N"
    if not hint or tag == STR:
        return STR, text
    if text in WORDS:
        return WORDS[text]
    if hint == ".":
        if DOT_FLOAT.fullmatch(text):
            number = float(text.replace("_", ""))
            if math.isfinite(number):  # Go's ParseFloat fails on overflow; the text stays text
                return FLOAT, number
    elif hint in "DS":
        if tag in ("", TIMESTAMP) and is_timestamp(text):
            return TIMESTAMP, text
        plain = text.replace("_", "")
        integer = parse_int(plain)
        if integer is None:
            integer = parse_uint(plain)
        if integer is not None:
            return INT, integer
        if YAML_STYLE_FLOAT.fullmatch(plain):
            number = float(plain)
            if math.isfinite(number):
                return FLOAT, number
    return STR, text


def parse_uint(text: str) -> int | None:
    """Go's `strconv.ParseUint(text, 0, 64)` for a text without underscores; None where Go returns an error."""
    if not text:
        return None
    base, digits = 10, text
    if text[0] == "0":
        prefix = text[1:2].lower()
        if len(text) >= 3 and prefix in ("b", "o", "x"):
            base, digits = {"b": 2, "o": 8, "x": 16}[prefix], text[2:]
        else:
            base, digits = 8, text[1:]  # Go: a leading 0 alone means octal ("0" itself is 0)
    value = 0
    for char in digits:
        digit = _digit(char)
        if digit is None or digit >= base:
            return None
        value = value * base + digit
        if value > UINT64_MAX:
            return None
    return value


def parse_int(text: str) -> int | None:
    """Go's `strconv.ParseInt(text, 0, 64)` for a text without underscores; None where Go returns an error."""
    negative = text[:1] == "-"
    magnitude = parse_uint(text[1:] if text[:1] in ("+", "-") else text)
    if magnitude is None:
        return None
    value = -magnitude if negative else magnitude
    return value if INT64_MIN <= value <= INT64_MAX else None


def _digit(char: str) -> int | None:
    """An ASCII digit or letter as Go's ParseUint values it (letters 10-35, either case); None for anything else."""
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    lower = char.lower()
    if "a" <= lower <= "z" and char.isascii():
        return ord(lower) - ord("a") + 10
    return None


def is_timestamp(text: str) -> bool:
    """Whether go-yaml's parseTimestamp accepts the text (with Go's range checks on every field)."""
    for layout in TIMESTAMP_LAYOUTS:
        match = layout.fullmatch(text)
        if match and _in_range(match):
            return True
    return False


def _in_range(match: re.Match[str]) -> bool:
    fields = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    year, month, day = fields["year"], fields["month"], fields["day"]
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(month, year):
        return False
    # Zone offsets are not range-checked: recent Go refuses hours above 24 and minutes above 60, older Go (1.19)
    # takes any two digits. Either way such a text is refused here (as a timestamp), never passed on changed.
    return fields.get("hour", 0) <= 23 and fields.get("minute", 0) <= 59 and fields.get("second", 0) <= 59


def _days_in(month: int, year: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31

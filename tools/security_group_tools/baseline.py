"""A baseline: findings an estate has accepted for now, so a run fails only on new ones.

    {"version": 1, "findings": [{"fingerprint": "…", "policy": "…", "resource": "…", "reason": "…"}, …]}

`--create-baseline FILE` writes every current finding with a reason placeholder (output_files: atomic, never
over an existing file without --force); the user replaces each placeholder with why the finding is accepted.
`--baseline FILE` matches findings by fingerprint (finding_identity): a match is reported as suppressed, an
entry that matches nothing as stale, so the file shrinks as the estate is fixed. Only the fingerprint matches;
policy and resource are there for the reader.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from .finding_identity import LENGTH
from .findings_report import Finding, Stale, Suppressed

FORMAT_VERSION: Final = 1
PLACEHOLDER: Final = "REPLACE ME: why this finding is accepted, who accepted it, and until when"
MAX_BYTES: Final = 16 * 1024 * 1024
"""A larger file is refused before it is parsed: no estate's baseline comes near it."""
KEYS: Final = ("fingerprint", "policy", "resource", "reason")
FIX: Final = "recreate it with --create-baseline FILE --force, or correct it by hand"


class BaselineError(Exception):
    """A baseline file that cannot be used; the message names the file, the problem and the fix."""


@dataclass(frozen=True)
class Entry:
    """One accepted finding."""

    fingerprint: str
    policy: str
    resource: str
    reason: str


@dataclass(frozen=True)
class Matched:
    """A run's findings split by a baseline."""

    open: tuple[Finding, ...]
    suppressed: tuple[Suppressed, ...]
    stale: tuple[Stale, ...]
    placeholders: int
    """Suppressing entries whose reason is still the placeholder."""


def accepting(findings: Sequence[Finding]) -> tuple[Entry, ...]:
    """One entry per fingerprint of these findings, each with the reason placeholder."""
    entries = {f.fingerprint: Entry(f.fingerprint, f.policy, f.subject, PLACEHOLDER) for f in findings}
    return tuple(entries.values())


def document(entries: Sequence[Entry]) -> str:
    """The baseline file's text."""
    items = [{key: getattr(entry, key) for key in KEYS} for entry in entries]
    return json.dumps({"version": FORMAT_VERSION, "findings": items}, indent=2, ensure_ascii=False) + "\n"


def read(path: Path) -> tuple[Entry, ...]:
    """The entries of a baseline file; BaselineError for anything that is not one."""
    where = f"--baseline {path}"
    try:
        if not path.is_file():
            raise BaselineError(f"{where}: not a file; pass the file --create-baseline wrote")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BaselineError(f"{where}: {size} bytes, more than the {MAX_BYTES} a baseline may have; {FIX}")
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise BaselineError(f"{where}: cannot read it ({error.strerror or error})") from None
    if len(raw) > MAX_BYTES:  # grew after the size check
        raise BaselineError(f"{where}: more than the {MAX_BYTES} bytes a baseline may have; {FIX}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BaselineError(f"{where}: not UTF-8 text; {FIX}") from None
    return parse(where, text)


def parse(where: str, text: str) -> tuple[Entry, ...]:
    """The entries of a baseline's text; `where` begins every message (`--baseline FILE`)."""
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        at = f"line {error.lineno}, column {error.colno}"
        raise BaselineError(f"{where}: not JSON ({at}: {error.msg}); {FIX}") from None
    except ValueError as error:
        raise BaselineError(f"{where}: {error}; {FIX}") from None
    except RecursionError:
        raise BaselineError(f"{where}: nested too deeply to be a baseline; {FIX}") from None
    return _entries(where, data)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key[:80]!r} appears twice in one object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _entries(where: str, data: Any) -> tuple[Entry, ...]:
    shape = 'an object {"version": 1, "findings": [...]}'
    if not isinstance(data, dict) or set(data) != {"version", "findings"}:
        raise BaselineError(f"{where}: not a baseline: expected {shape}; {FIX}")
    if data["version"] != FORMAT_VERSION or isinstance(data["version"], bool):
        shown = json.dumps(data["version"], ensure_ascii=False)  # as the file has it: `true`, not Python's `True`
        raise BaselineError(f"{where}: version {shown[:40]} is not {FORMAT_VERSION}; {FIX}")
    if not isinstance(data["findings"], list):
        raise BaselineError(f"{where}: findings must be a list; {FIX}")
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data["findings"]):
        at = f"{where}: findings[{index}]"
        if not isinstance(item, dict) or set(item) != set(KEYS):
            raise BaselineError(f"{at}: expected an object with exactly the keys {', '.join(KEYS)}; {FIX}")
        if not all(isinstance(item[key], str) for key in KEYS):
            raise BaselineError(f"{at}: every value must be a string; {FIX}")
        mark = item["fingerprint"]
        if len(mark) != LENGTH or any(c not in "0123456789abcdef" for c in mark):
            raise BaselineError(f"{at}: fingerprint {mark[:80]!r} is not {LENGTH} lowercase hex digits; {FIX}")
        if mark in seen:
            raise BaselineError(
                f"{at}: fingerprint {mark} is already findings[{seen[mark]}]; delete one of the two entries"
            )
        if not item["reason"].strip():
            raise BaselineError(f"{at}: the reason is empty; write why the finding is accepted")
        seen[mark] = index
        entries.append(Entry(mark, item["policy"], item["resource"], item["reason"]))
    return tuple(entries)


def match(entries: Sequence[Entry], findings: Sequence[Finding]) -> Matched:
    """Split findings into open and suppressed; the entries no finding matched are stale."""
    by_mark = {entry.fingerprint: entry for entry in entries}
    used: set[str] = set()
    open_: list[Finding] = []
    suppressed: list[Suppressed] = []
    for finding in findings:
        entry = by_mark.get(finding.fingerprint)
        if entry is None:
            open_.append(finding)
        else:
            used.add(entry.fingerprint)
            suppressed.append(Suppressed(finding, entry.reason))
    stale = tuple(Stale(e.fingerprint, e.policy, e.resource, e.reason) for e in entries if e.fingerprint not in used)
    placeholders = sum(1 for s in suppressed if s.reason == PLACEHOLDER)
    return Matched(tuple(open_), tuple(suppressed), stale, placeholders)


def stale_lines(path: Path, stale: Sequence[Stale]) -> list[str]:
    """One stderr line per stale entry: what it was, and that it can go."""
    return [
        f"baseline {path}: entry {s.fingerprint} ({s.policy} on {s.resource or 'the stack'}) matches no finding "
        "any more (fixed or changed); delete it from the file"
        for s in stale
    ]


def placeholder_line(path: Path, count: int) -> str:
    """The stderr note for entries still carrying the placeholder reason."""
    return (
        f"baseline {path}: {count} suppressed finding(s) still have the placeholder reason; write why each is accepted"
    )

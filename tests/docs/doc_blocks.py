"""The project's Markdown docs as data: their fenced code blocks (with the marker before each), links and anchors.

A marker is an HTML comment on the line just before a block's opening fence, invisible when rendered:

- `<!-- example: not-run: <why> -->`: the block cannot be run here; the test skips it, saying why;
- `<!-- example: fragment: <why> -->`: YAML or JSON that is part of a file, not a whole one: parsed only;
- `<!-- example: output <name> -->`: output that `test_doc_examples.OUTPUTS[name]` produces again and compares;
- `<!-- example: output checked by <test file>::<test> -->`: output that that test compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

PROJECT_DIR: Final = Path(__file__).resolve().parents[2]

DOCS: Final = (
    "README.md",
    *sorted(str(path.relative_to(PROJECT_DIR)) for path in (PROJECT_DIR / "docs").rglob("*.md")),
    "policies/README.md",
)
"""Every doc whose examples are run and whose links are checked (examples/ READMEs have their own programs)."""

FENCE: Final = re.compile(r"^(?P<indent> *)```(?P<lang>[a-z]*)\s*$")
MARKER: Final = re.compile(r"^<!-- example: (?P<marker>.+?) -->$")
LINK: Final = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
HEADING: Final = re.compile(r"^(#{1,6}) +(?P<title>.+?) *#*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block."""

    doc: str
    """The doc's path in the project, e.g. `docs/config.md`."""
    line: int
    """The line of the opening fence (1-based)."""
    lang: str
    """The fence's info string: `python`, `yaml`, `sh`, `text`, ..."""
    text: str
    """The block's content, without the fences (and without the fence's indentation)."""
    marker: str | None
    """The `<!-- example: ... -->` marker on the line before the fence, if any."""

    @property
    def where(self) -> str:
        """`docs/config.md:97`, for messages and test ids."""
        return f"{self.doc}:{self.line}"


def read(doc: str) -> str:
    """A doc's text."""
    return (PROJECT_DIR / doc).read_text(encoding="utf-8")


def blocks(doc: str) -> list[Block]:
    """Every fenced code block of a doc, in order."""
    lines = read(doc).splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent = opening.group("indent")
        end = index + 1
        while end < len(lines) and lines[end] != f"{indent}```":
            end += 1
        assert end < len(lines), f"{doc}:{index + 1}: a code block that is never closed"
        body = "\n".join(line.removeprefix(indent) for line in lines[index + 1 : end]) + "\n"
        previous = MARKER.match(lines[index - 1]) if index else None
        marker = previous.group("marker") if previous else None
        found.append(Block(doc, index + 1, opening.group("lang"), body, marker))
        index = end + 1
    return found


def outside_code(doc: str) -> list[tuple[int, str]]:
    """The doc's lines that are prose (not inside a fenced block), with their numbers."""
    prose: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(read(doc).splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            prose.append((number, line))
    return prose


def links(doc: str) -> list[tuple[int, str]]:
    """Every Markdown link target in the doc's prose, with its line."""
    found: list[tuple[int, str]] = []
    for number, line in outside_code(doc):
        # Inline code is not a link: `[...]` in `ingress: [{...}](...)` would otherwise look like one.
        without_code = re.sub(r"`[^`]*`", "", line)
        found.extend((number, match.group("target")) for match in LINK.finditer(without_code))
    return found


def anchors(doc: str) -> set[str]:
    """The anchors GitHub gives the doc's headings (lower case, punctuation dropped, spaces to hyphens)."""
    seen: dict[str, int] = {}
    result: set[str] = set()
    for _, line in outside_code(doc):
        heading = HEADING.match(line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group("title").replace("`", "").lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result

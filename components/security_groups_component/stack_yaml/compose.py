"""Text to a graph of YAML nodes, as go-yaml's parser builds it, from ruamel.yaml's pure-Python parser events.

ruamel's own composer and constructors are not used: they resolve scalars by YAML 1.2 rules (go-yaml's differ:
`022`, timestamps), and they recurse. This loop keeps an explicit stack, so no depth of nesting can exhaust
Python's, and it stops at the first collection nested deeper than MAX_DEPTH. Anchors are registered when their
node starts (go-yaml `parser.anchor` in decode.go), so an alias inside its own anchor refers to it, and the
decoder refuses the cycle; a later anchor of the same name replaces the earlier one for the aliases after it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Final

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.reader import ReaderError

from .errors import Path, Position, YamlError
from .scalars import short_tag

MAX_DEPTH: Final = 64
"""Collections nested deeper than this are refused. Stack config needs a handful of levels; go-yaml itself stops
at 10,000, and a limit far below Python's recursion limit keeps every later consumer of the data safe."""

SYNTAX_FIX: Final = "fix the YAML there (quote text that contains ': ' or ' #', and check the indentation)"

ANCHOR_NAME: Final = re.compile(r"[0-9A-Za-z_-]+")
"""What go-yaml's scanner accepts as an anchor or alias name (`is_alpha`); YAML 1.2 allows more."""

GO_YAML_ESCAPES: Final = frozenset("0abt\tnvfre \"'\\N_LPxuU\n\r")
"""The characters go-yaml's scanner accepts after `\\` in double quotes (scannerc.go `yaml_parser_scan_flow_scalar`;
a line break there continues the line). ruamel also accepts `\\/`, which go-yaml refuses."""


@dataclass(eq=False, slots=True)
class Scalar:
    """A scalar as written: its text, its explicit tag (None when untagged or `!`), and whether it was quoted."""

    text: str
    tag: str | None
    quoted: bool
    position: Position


@dataclass(eq=False, slots=True)
class Mapping:
    """A mapping: its (key, value) node pairs in file order."""

    tag: str | None
    position: Position
    pairs: list[tuple[Node, Node]] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Sequence:
    """A sequence: its item nodes in order."""

    tag: str | None
    position: Position
    items: list[Node] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class Alias:
    """`*name`: refers to the node anchored `&name` most recently before it."""

    name: str
    target: Node
    position: Position


Node = Scalar | Mapping | Sequence | Alias


@dataclass(eq=False, slots=True)
class _Open:
    """A collection still being read, and the key it waits to pair (mappings only)."""

    node: Mapping | Sequence
    path: Path
    flow: bool
    """Written in `[...]` or `{...}`."""
    key: Node | None = None


def compose(text: str, name: str) -> Node | None:
    """The first (and only) document's root node; None for a file with no document (empty, or comments only)."""
    parser = YAML(typ="safe", pure=True)
    anchors: dict[str, Node] = {}
    stack: list[_Open] = []
    root: Node | None = None
    documents = 0
    events = parser.parse(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ruamel warns about some directives; errors are what matter here
            for event in events:
                if isinstance(event, DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        raise YamlError(
                            name,
                            _position(event),
                            (),
                            "a second YAML document starts here; the Pulumi CLI reads only the first and ignores "
                            "the rest",
                            "keep one document: remove this `---` and merge what follows into the first",
                        )
                node = _node(event, anchors, name, stack)
                if node is None:
                    if isinstance(event, MappingEndEvent | SequenceEndEvent):
                        stack.pop()
                    continue
                path = _child_path(stack)
                if isinstance(event, ScalarEvent):
                    _check_scalar_syntax(event, text, bool(stack) and stack[-1].flow, name, path)
                if stack:
                    _attach(stack[-1], node)
                else:
                    root = node
                if isinstance(node, Mapping | Sequence):
                    if len(stack) >= MAX_DEPTH:
                        raise depth_error(name, node.position, path)
                    assert isinstance(event, CollectionStartEvent)
                    stack.append(_Open(node, path, bool(event.flow_style)))
    except YamlError:
        raise
    except MarkedYAMLError as error:
        raise _syntax_error(error, name) from None
    except ReaderError as error:
        raise YamlError(
            name,
            offset_position(text, error.position),
            (),
            f"character U+{error.character:04X} is not allowed in YAML (control characters are refused by the "
            "Pulumi CLI too)",
            "remove it, or write it as an escape inside double quotes",
        ) from None
    except (YAMLError, ValueError) as error:  # ruamel raises ValueError for an escape above U+10FFFF
        raise YamlError(name, (1, 1), (), f"not valid YAML: {error}", SYNTAX_FIX) from None
    finally:
        events.close()
    return root


def _check_scalar_syntax(event: ScalarEvent, text: str, in_flow: bool, name: str, path: Path) -> None:
    """Refuse the scalars ruamel (YAML 1.2) reads but go-yaml (libyaml's 1.1 scanner) reads otherwise or refuses."""
    if event.style is None and in_flow and (event.value[:1] in (":", "?") or "?" in event.value):
        raise YamlError(
            name,
            _position(event),
            path,
            "inside [...] or {...}, the Pulumi CLI's YAML parser reads `?` and a leading `:` as syntax, not text",
            "quote the value",
        )
    if event.style == '"':
        raw = text[event.start_mark.index : event.end_mark.index]
        index = raw.find("\\")
        while index != -1:
            if raw[index + 1 : index + 2] not in GO_YAML_ESCAPES:
                raise YamlError(
                    name,
                    offset_position(text, event.start_mark.index + index),
                    path,
                    f"the escape \\{raw[index + 1 : index + 2]} is not one the Pulumi CLI's YAML parser knows",
                    "write the character itself",
                )
            index = raw.find("\\", index + 2)


def depth_error(name: str, position: Position, path: Path) -> YamlError:
    """Collections nested deeper than MAX_DEPTH (in the text, or through aliases)."""
    return YamlError(
        name,
        position,
        path,
        f"collections nested more than {MAX_DEPTH} levels deep",
        "flatten the structure (stack config needs only a few levels)",
    )


def offset_position(text: str, offset: int) -> Position:
    """The (line, column) of a character offset in the text."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _node(event: Event, anchors: dict[str, Node], name: str, stack: list[_Open]) -> Node | None:
    """The node an event starts (None for events that start none); anchors are registered as go-yaml does."""
    node: Node
    anchor = getattr(event, "anchor", None)
    if anchor is not None and not ANCHOR_NAME.fullmatch(anchor):
        raise YamlError(
            name,
            _position(event),
            _child_path(stack),
            f"the anchor or alias name {anchor!r} has characters the Pulumi CLI's YAML parser refuses",
            "use only letters, digits, '_' and '-' in anchor names",
        )
    if isinstance(event, ScalarEvent):
        node = Scalar(event.value, _explicit_tag(event.tag), event.style is not None, _position(event))
    elif isinstance(event, AliasEvent):
        target = anchors.get(event.anchor)
        if target is None:
            raise YamlError(
                name,
                _position(event),
                _child_path(stack),
                f"the alias *{event.anchor} has no anchor &{event.anchor} before it",
                f"define &{event.anchor} earlier in the file, or write the value out",
            )
        return Alias(event.anchor, target, _position(event))
    elif isinstance(event, MappingStartEvent | SequenceStartEvent):
        assert isinstance(event, CollectionStartEvent)
        kind = Mapping if isinstance(event, MappingStartEvent) else Sequence
        node = kind(_explicit_tag(event.tag), _position(event))
    else:
        return None
    if event.anchor is not None:
        anchors[event.anchor] = node
    return node


def _attach(parent: _Open, node: Node) -> None:
    if isinstance(parent.node, Sequence):
        parent.node.items.append(node)
    elif parent.key is None:
        parent.key = node
    else:
        parent.node.pairs.append((parent.key, node))
        parent.key = None


def _child_path(stack: list[_Open]) -> Path:
    """The path of the node about to be attached to the innermost open collection (keys as written)."""
    if not stack:
        return ()
    parent = stack[-1]
    if isinstance(parent.node, Sequence):
        return (*parent.path, len(parent.node.items))
    if parent.key is None:
        return parent.path  # a key itself: shown as its mapping's path
    key = parent.key.text if isinstance(parent.key, Scalar) else "?"
    return (*parent.path, key)


def _explicit_tag(tag: str | None) -> str | None:
    """The short form of an explicit tag; None for none and for `!`, which go-yaml treats as no tag at all."""
    return None if tag in (None, "!") else short_tag(tag)


def _position(event: Event) -> Position:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _syntax_error(error: MarkedYAMLError, name: str) -> YamlError:
    mark = error.problem_mark or error.context_mark
    position = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = error.problem or "unknown problem"
    if error.context and error.context_mark is not None and error.context_mark is not mark:
        problem = f"{problem} ({error.context} at line {error.context_mark.line + 1})"
    return YamlError(name, position, (), f"not valid YAML: {problem}", SYNTAX_FIX)

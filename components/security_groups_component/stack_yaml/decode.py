r"""Nodes to plain Python data, as go-yaml v3 decodes a document into `any`, refusing what the CLI misreads.

A port of go-yaml/yaml v3.0.1 `decode.go` (`decoder.unmarshal`, `alias`, `scalar`, `mapping`, `merge`):

- **Aliases** expand to a fresh copy of their anchor's value. An alias met again while it is being expanded is
  go-yaml's "anchor 'x' value contains itself". Every decode step is counted exactly as go-yaml counts it
  (`decodeCount`, and `aliasCount` for steps under an alias), and the document is refused as soon as go-yaml's
  `allowedAliasRatio` rule would refuse it ("document contains excessive aliasing"): a 600-byte alias bomb that
  would expand to 10^9 values is stopped after a few thousand steps, and what is accepted is the same as for the
  CLI.
- **Merge keys** (`<<: *base`, `<<: [*a, *b]`): the mapping's own keys win, then the merged mappings in order,
  the earlier winning, depth first; a merge value that is not a mapping (or a list of them) is refused as by
  go-yaml ("map merge requires map or sequence of maps as the value").
- **Keys** must be text. go-yaml accepts `1:`, `true:`, `null:` and passes them on as `%v` text (`<nil>` for
  null), and fails on a list or mapping as key; they are refused here with "quote the key". A key written twice
  is refused (go-yaml too), naming both lines; so is a quoted `"<<"` key, which the CLI writes back unquoted
  when it re-encodes the stack file and then reads as a merge key.
- **Scalars** resolve as `scalars.resolve` says. Refused, since the CLI would pass on something other than
  what was written, or fail: timestamps (the CLI passes `2024-01-01 00:00:00 +0000 UTC`), NaN and infinities
  (the CLI fails: `json: unsupported value`), `!!binary` and every tag but `!`, `!!str`, `!!int`, `!!float`,
  `!!bool`, `!!null` (on scalars) and `!!map`, `!!seq` (on their own kinds), tagged values that are not of their
  tag, and text holding a UTF-16 surrogate (`"\ud800"`, which go-yaml's scanner refuses).

The decoder is a generator per node driven by an explicit stack (`_run`), so neither nesting nor aliasing can
exhaust Python's recursion; nesting through aliases is held to MAX_DEPTH too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Final

from .compose import MAX_DEPTH, Alias, Mapping, Node, Scalar, Sequence, depth_error
from .errors import Path, Position, YamlError
from .scalars import BINARY, MAP, MERGE, RESOLVABLE, SEQ, STR, TIMESTAMP, TagMismatchError, resolve

ALIAS_RATIO_RANGE_LOW: Final = 400_000
ALIAS_RATIO_RANGE_HIGH: Final = 4_000_000
"""decode.go `alias_ratio_range_low`/`_high`: between them the allowed share of alias-driven steps falls from
99% to 10%."""

SCALAR_TAGS: Final = RESOLVABLE - {"", TIMESTAMP}
"""Tags a scalar may carry: the ones go-yaml checks the text against, less `!!timestamp` (a date is refused)."""


def allowed_alias_ratio(decode_count: int) -> float:
    """decode.go `allowedAliasRatio`."""
    if decode_count <= ALIAS_RATIO_RANGE_LOW:
        return 0.99
    if decode_count >= ALIAS_RATIO_RANGE_HIGH:
        return 0.10
    span = float(ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW)
    return 0.99 - 0.89 * (float(decode_count - ALIAS_RATIO_RANGE_LOW) / span)


@dataclass(frozen=True)
class _Call:
    """Ask the driver to run a child decoder and send back its result."""

    generator: Generator[_Call, object, object]


_Step = Generator[_Call, object, object]


def decode(root: Node | None, name: str) -> tuple[object, dict[Path, Position]]:
    """The document's data, and where each of its entries was written (mapping keys, sequence items, the root)."""
    decoder = _Decoder(name)
    if root is None:
        return None, {}
    decoder.count(root)  # go-yaml counts the document node, then its content
    decoder.count(root)
    decoder.positions[()] = root.position
    return _run(decoder.node(root, (), 0)), decoder.positions


def _run(generator: _Step) -> object:
    """Drive nested decoders with a list for a stack instead of Python's call stack."""
    stack = [generator]
    sent: object = None
    while True:
        try:
            call = stack[-1].send(sent)
        except StopIteration as done:
            stack.pop()
            if not stack:
                return done.value
            sent = done.value
            continue
        stack.append(call.generator)
        sent = None


class _Decoder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[Path, Position] = {}
        self.decode_count = 0
        self.alias_count = 0
        self.expanding: list[Alias] = []
        """Aliases being expanded, outermost first (go-yaml's `aliases` set and `aliasDepth`)."""

    def error(self, position: Position, path: Path, message: str, fix: str) -> YamlError:
        return YamlError(self.name, position, path, message, fix)

    def count(self, node: Node) -> None:
        """decode.go `unmarshal`'s first lines: count the step and apply the excessive-aliasing rule."""
        self.decode_count += 1
        if self.expanding:
            self.alias_count += 1
        if (
            self.alias_count > 100
            and self.decode_count > 1000
            and float(self.alias_count) / float(self.decode_count) > allowed_alias_ratio(self.decode_count)
        ):
            alias = self.expanding[0] if self.expanding else node
            raise self.error(
                alias.position,
                (),
                f"aliases expand to too many values ({self.alias_count:,} of the first {self.decode_count:,} "
                "come from aliases): this is how a YAML alias bomb works, and the Pulumi CLI refuses it too "
                "('document contains excessive aliasing')",
                "write the values out instead of nesting aliases",
            )

    # Each decoder below is a generator: `yield _Call(child)` runs a child and evaluates to its result.

    def node(self, node: Node, path: Path, depth: int) -> _Step:
        """A node's value, `depth` collections down. The step of `node` itself is counted by the caller."""
        if isinstance(node, Alias):
            return (yield _Call(self.alias(node, path, depth, into=None, merged=None)))
        if isinstance(node, Scalar):
            return self.scalar(node, path)
        if depth >= MAX_DEPTH:
            raise depth_error(self.name, node.position, path)
        if isinstance(node, Sequence):
            self.check_collection_tag(node, SEQ, path)
            items: list[object] = []
            for index, item in enumerate(node.items):
                self.positions[(*path, index)] = item.position
                self.count(item)
                items.append((yield _Call(self.node(item, (*path, index), depth + 1))))
            return items
        self.check_collection_tag(node, MAP, path)
        out: dict[str, object] = {}
        yield _Call(self.mapping(node, path, depth, out=out, merged=None))
        return out

    def alias(
        self, alias: Alias, path: Path, depth: int, *, into: dict[str, object] | None, merged: set[str] | None
    ) -> _Step:
        """decode.go `alias`: expand the anchor's node (into a mapping being merged, when `into` is given)."""
        if alias in self.expanding:
            raise self.error(
                alias.position,
                path,
                f"the alias *{alias.name} is inside the value anchored &{alias.name}, so it would never end",
                "an anchor cannot contain an alias to itself: write the value out",
            )
        self.expanding.append(alias)
        self.count(alias.target)
        if into is None:
            value = yield _Call(self.node(alias.target, path, depth))
        else:
            assert isinstance(alias.target, Mapping)
            value = yield _Call(self.mapping(alias.target, path, depth, out=into, merged=merged))
        self.expanding.pop()
        return value

    def mapping(
        self, node: Mapping, path: Path, depth: int, *, out: dict[str, object], merged: set[str] | None
    ) -> _Step:
        """decode.go `mapping`: own keys first, then `<<`.

        With `merged` (the keys already set by the mapping this one is merged into, and by earlier merges), keys
        in it are skipped and the others are added to it.
        """
        keys = self.keys(node, path)
        merge: Node | None = None
        for (key_node, value_node), key in zip(node.pairs, keys, strict=True):
            if key is None:
                merge = value_node
                continue
            self.count_key(key_node)
            if merged is not None:
                if key in merged:
                    continue
                merged.add(key)
            self.positions[(*path, key)] = key_node.position
            self.count(value_node)
            out[key] = yield _Call(self.node(value_node, (*path, key), depth + 1))
        if merge is not None:
            yield _Call(self.merge(node, merge, path, depth, out=out, merged=merged))
        return out

    def merge(
        self, parent: Mapping, merge: Node, path: Path, depth: int, *, out: dict[str, object], merged: set[str] | None
    ) -> _Step:
        """decode.go `merge`: the mappings under `<<` add the keys the mapping does not have itself."""
        if merged is None:
            merged = set()
            for key_node, _ in parent.pairs:  # go-yaml decodes every key again here, `<<` included
                self.count_key(key_node)
                merged.add(_key_text(key_node))
        sources = merge.items if isinstance(merge, Sequence) else [merge]
        for source in sources:
            target = source.target if isinstance(source, Alias) else source
            if not isinstance(target, Mapping):
                raise self.error(
                    source.position,
                    path,
                    "the merge key `<<` needs a mapping, an alias to one, or a list of those",
                    "merge only mappings (`<<: *base` or `<<: [*a, *b]`), or write the keys out",
                )
            self.check_collection_tag(target, MAP, path)
            self.count(source)
            if isinstance(source, Alias):
                yield _Call(self.alias(source, path, depth, into=out, merged=merged))
            else:
                yield _Call(self.mapping(target, path, depth, out=out, merged=merged))
        return None

    def keys(self, node: Mapping, path: Path) -> list[str | None]:
        """Each key's text (None for the merge key), refusing what go-yaml or the CLI's round trip would misread."""
        seen: dict[str, Node] = {}
        keys: list[str | None] = []
        for key_node, _ in node.pairs:
            key = self.key(key_node, path)
            identity = "<<" if key is None else key
            if identity in seen:
                first = seen[identity].position[0]
                raise self.error(
                    key_node.position,
                    (*path, identity),
                    f"the key {json.dumps(identity, ensure_ascii=False)} is written twice (lines {first} and "
                    f"{key_node.position[0]})",
                    "keep one: YAML does not allow a key twice in a mapping, and the Pulumi CLI refuses the file",
                )
            seen[identity] = key_node
            keys.append(key)
        return keys

    def key(self, key_node: Node, path: Path) -> str | None:
        """A key's text, or None for the merge key `<<`."""
        target = key_node.target if isinstance(key_node, Alias) else key_node
        if isinstance(key_node, Scalar) and key_node.text == "<<" and not key_node.quoted and key_node.tag is None:
            return None
        if isinstance(target, Scalar):
            value = self.scalar(target, path)
            if isinstance(value, str):
                if value == "<<":
                    raise self.error(
                        key_node.position,
                        (*path, "<<"),
                        'the key "<<" is written back unquoted when the Pulumi CLI re-encodes the stack file, and '
                        "then read as a YAML merge key",
                        "rename the key",
                    )
                return value
            kind = "null" if value is None else "true/false" if isinstance(value, bool) else "a number"
            written = f"the key `{_excerpt(target.text)}`" if target.text else "the empty key"
            raise self.error(
                key_node.position,
                (*path, target.text),
                f"{written} is read as {kind}, not text (the Pulumi CLI passes it on changed, or refuses it)",
                f'quote the key ("{_excerpt(target.text)}")',
            )
        kind = "list" if isinstance(target, Sequence) else "mapping"
        raise self.error(key_node.position, path, f"a {kind} is used as a key; keys must be text", "use a text key")

    def count_key(self, key_node: Node) -> None:
        """The steps go-yaml counts decoding a key (an alias and its target, or the scalar)."""
        self.count(key_node)
        if isinstance(key_node, Alias):
            self.expanding.append(key_node)
            self.count(key_node.target)
            self.expanding.pop()

    def scalar(self, node: Scalar, path: Path) -> object:
        """decode.go `scalar` into `any`, refusing what does not reach the program as written."""
        if node.tag is not None and node.tag not in SCALAR_TAGS:
            raise self.tag_error(node, path)
        if node.tag == STR or (node.tag is None and node.quoted):
            value: object = node.text
        else:
            try:
                tag, value = resolve(node.tag or "", node.text)
            except TagMismatchError as error:
                raise self.error(
                    node.position,
                    path,
                    f"`{_excerpt(node.text)}` is tagged {error.tag} but is not one (go-yaml reads it as "
                    f"{error.resolved}); the Pulumi CLI refuses it",
                    "remove the tag, or write a value of that type",
                ) from None
            if tag == TIMESTAMP:
                raise self.error(
                    node.position,
                    path,
                    f"`{_excerpt(node.text)}` is a timestamp to the Pulumi CLI, which passes it on rewritten in "
                    "Go's date format (like `2024-01-01 00:00:00 +0000 UTC`), not as written",
                    f'quote it ("{_excerpt(node.text)}") to keep the text',
                )
            if isinstance(value, float) and not math.isfinite(value):
                what = "not a number" if math.isnan(value) else "an infinity"
                raise self.error(
                    node.position,
                    path,
                    f"`{_excerpt(node.text)}` is {what}, which the Pulumi CLI cannot pass to the program "
                    "(`json: unsupported value`)",
                    "write a finite number, or quote it to keep the text",
                )
        if isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value):
            raise self.error(
                node.position,
                path,
                "the text holds a UTF-16 surrogate (an escape such as \\ud83d), which the Pulumi CLI refuses",
                "write the character itself, or escape it whole (\\U0001F600)",
            )
        return value

    def tag_error(self, node: Scalar | Mapping | Sequence, path: Path) -> YamlError:
        tag = node.tag or ""
        if tag == BINARY:
            message = "the tag !!binary makes the Pulumi CLI decode base64 into bytes instead of keeping the text"
        elif tag == TIMESTAMP:
            message = "the tag !!timestamp makes the Pulumi CLI pass a date in Go's format, not the text written"
        elif tag == MERGE:
            message = "the tag !!merge is only meaningful on a plain `<<` key"
        elif tag in (MAP, SEQ, *SCALAR_TAGS):
            kind = {Scalar: "a scalar", Mapping: "a mapping", Sequence: "a list"}[type(node)]
            message = f"the tag {tag} does not fit {kind}"
        else:
            message = f"the tag {_excerpt(tag)} is not one the Pulumi CLI reads as written (it drops it)"
        return self.error(node.position, path, message, "remove the tag (quote the value to keep it as text)")

    def check_collection_tag(self, node: Mapping | Sequence, expected: str, path: Path) -> None:
        if node.tag is not None and node.tag != expected:
            raise self.tag_error(node, path)


def _key_text(key_node: Node) -> str:
    """A key already checked by `_Decoder.keys`: its text (`<<` for the merge key)."""
    target = key_node.target if isinstance(key_node, Alias) else key_node
    assert isinstance(target, Scalar)
    return target.text


def _excerpt(text: str) -> str:
    """Text to quote in a one-line message: at most 40 characters, escapes for line breaks and controls."""
    shown = json.dumps(text[:40], ensure_ascii=False)[1:-1]
    return shown + ("…" if len(text) > 40 else "")

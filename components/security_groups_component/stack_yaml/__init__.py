"""Read YAML exactly as the Pulumi CLI reads a stack file, or refuse it with one clear line; and what the CLI passes on.

    document = read_file(Path("stacks/Pulumi.dev.yaml"), "stacks/Pulumi.dev.yaml")
    config = stack_config(document, "security-groups")      # {"security-groups:groups": {...}, "aws:region": ...}
    text = cli_value(config["security-groups:groups"])       # what the program finds in PULUMI_CONFIG
    document.where(("config", "security-groups:groups", "web"))  # (line, column) of `web:`

The CLI (pulumi/pulumi `sdk/go/common/workspace/loaders.go`, `encoding/marshal.go`) strips a UTF-8 byte order
mark and reads the file with go-yaml v3.0.1 (`gopkg.in/yaml.v3`). That is YAML 1.2 in syntax, but go-yaml's own
scalar rules: `yes`, `no`, `on`, `off` are text, and **`022` is the octal 18** (Go's base-0 integer parsing, which
go-yaml keeps "for compatibility"; DESIGN.md and issue #13 expected 22, but go-yaml's source says 18), `08` is
the float 8, `0o17` is 15, `0x1F` is 31, `1_000` is 1000, `1e3` is the float 1000.0. See `scalars` for every
rule, `decode` for aliases and merge keys, `pulumi_config` for what the CLI does with the values afterwards.

Syntax is parsed by ruamel.yaml's pure-Python parser (events only; scalars are resolved here, as go-yaml does).
Refused, each as a YamlError naming the file, line, column and path, what is wrong and the fix: what the CLI
would read differently from what was written (a date, a `!!binary`, a key that is not text, NaN or infinity),
what it cannot read (duplicate keys, an alias to itself, an alias bomb, YAML syntax errors, bytes that are not
UTF-8), and what no stack file needs: more than one document, nesting deeper than MAX_DEPTH, more than
MAX_BYTES. Where the two parsers' syntax rules differ in some rare corner, the text is read as ruamel reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path as FilePath
from types import MappingProxyType
from typing import Final

from .compose import MAX_DEPTH, compose, offset_position
from .decode import decode
from .errors import Key, Path, Position, YamlError, dotted
from .pulumi_config import SecureValueError, cli_value, config_key, go_json, is_secure, secure_paths
from .pulumi_config import stack_config as _stack_config

MAX_BYTES: Final = 16 * 1024 * 1024
"""Files larger than this are refused before parsing. The CLI passes a stack's whole config in one environment
variable capped at 128 KiB; group files the program reads itself hold thousands of groups in a few MiB."""

UTF8_BOM: Final = b"\xef\xbb\xbf"
_YAML11_BREAKS: Final = re.compile("[\x85\u2028\u2029]")

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "Document",
    "Key",
    "Path",
    "Position",
    "SecureValueError",
    "YamlError",
    "cli_value",
    "config_key",
    "dotted",
    "go_json",
    "is_secure",
    "parse",
    "read_file",
    "secure_paths",
    "stack_config",
]


@dataclass(frozen=True)
class Document:
    """A file's data as the CLI reads it, and where each value was written."""

    name: str
    """The file as errors name it, e.g. `stacks/Pulumi.dev.yaml`."""
    data: object
    """Plain data: dict (keys in file order, merged keys after a mapping's own), list, str, int, float, bool, None."""
    positions: MappingProxyType[Path, Position]
    """Where each entry was written: a mapping entry at its key, a list item at the item, () at the root."""

    def where(self, path: Path) -> Position | None:
        """(line, column) where the entry at `path` was written, or None for a path the document does not have."""
        return self.positions.get(path)


def parse(content: bytes | str, name: str) -> Document:
    """Read one document from bytes (as a file holds them) or text; raise YamlError for anything refused."""
    if isinstance(content, bytes):
        text = _decode_utf8(content, name)
    else:
        text = content.removeprefix("\ufeff")
        if len(text) > MAX_BYTES:
            raise _too_large(name)
    _refuse_yaml11_breaks(text, name)
    data, positions = decode(compose(text, name), name)
    return Document(name, data, MappingProxyType(positions))


def read_file(path: FilePath, name: str) -> Document:
    """Read a file, shown in errors as `name`; OSError when it cannot be read at all."""
    with path.open("rb") as stream:
        content = stream.read(MAX_BYTES + 1 + len(UTF8_BOM))
    return parse(content, name)


def stack_config(document: Document, project: str) -> dict[str, object]:
    """The stack file's `config:` section with every key as the CLI files it (`groups` -> `<project>:groups`).

    Absent or empty, it is `{}` (as for the CLI). YamlError for a document or `config:` that is not a mapping,
    a key the CLI cannot parse, or two spellings of one key.
    """
    return _stack_config(document.data, project, document.name, dict(document.positions))


def _decode_utf8(content: bytes, name: str) -> str:
    bom = len(UTF8_BOM) if content.startswith(UTF8_BOM) else 0  # stripped as the CLI does
    content = content[bom:]
    if len(content) > MAX_BYTES:
        raise _too_large(name)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        before = content[: error.start].decode("utf-8")
        raise YamlError(
            name,
            offset_position(before, len(before)),
            (),
            f"byte 0x{content[error.start]:02x} at offset {bom + error.start} is not UTF-8 ({error.reason}); the "
            "Pulumi CLI reads stack files as UTF-8",
            "save the file as UTF-8",
        ) from None


def _refuse_yaml11_breaks(text: str, name: str) -> None:
    """NEL, LS and PS are line breaks to go-yaml's scanner (YAML 1.1), plain characters to ruamel (YAML 1.2)."""
    match = _YAML11_BREAKS.search(text)
    if match:
        raise YamlError(
            name,
            offset_position(text, match.start()),
            (),
            f"U+{ord(match.group()):04X} is a line break to the Pulumi CLI's YAML parser, which then reads the "
            "rest of the line differently",
            "remove it, or write it as an escape in double quotes (\\N, \\L, \\P)",
        )


def _too_large(name: str) -> YamlError:
    return YamlError(
        name,
        (1, 1),
        (),
        f"the file is larger than the {MAX_BYTES:,} bytes this reader accepts",
        "split the groups into several files",
    )

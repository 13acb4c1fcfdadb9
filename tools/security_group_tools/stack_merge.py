"""Merge adopted groups into a stack file, keeping every line already in it byte for byte.

ruamel.yaml's round-trip dumper rewrites a whole file to one indentation, normalises the spacing after a colon
and moves a comment that ends a mapping below whatever is appended to it; so the merge does not dump the
document. It reads the file with ruamel.yaml's round-trip parser (events with their positions) to find where
`security-groups:groups` (or bare `groups`) ends, and inserts the new groups there as text, written by
`yaml_writer` at the indentation of the groups already there, with each note as a comment above the rule or
group it concerns. Nothing of the old file is changed except, where the mapping holds nothing yet (`groups:`,
`groups: {}`, `groups: ~`), the empty value itself. A BOM and CRLF line breaks are kept.

What is refused, naming the file and the fix, before anything is written: a file the Pulumi CLI cannot read
(`stack_yaml`), a file that is not a stack file (a top-level key a stack file does not have, such as a
Pulumi.yaml's `name`), a groups or config mapping written in flow style with entries in it, or reached through
an alias or anchored and aliased elsewhere (adding to it would change the other place too), a secret
(`secure:`) groups value, line breaks that mix CRLF and LF, and a group that is already in the stack file or
its group files (`groupFiles`) under its AWS name and VPC. A group whose derived key is taken by another group
gets the next free key (`web-2`).

The merged text is then read back as the CLI reads it and must give exactly the old config plus the new
groups, and the whole stack (its group files included) must be accepted by the program's own config reader
and component, run under Pulumi's mocks, with adopt's TODO placeholders read as a real description: those
are refused on purpose (the component and the pack refuse them until someone writes the reason).
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import pulumi
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
)
from security_groups_component import build_security_groups, load_settings, stack_yaml
from security_groups_component.group_files import read_group_files
from security_groups_component.problems import Problems

from . import yaml_writer
from .adopt_config import PLACEHOLDER, Adoption, checked_description
from .config_size import too_large
from .output_files import Output, write_all
from .paths import PROJECT
from .program_runner import cli_config, start_runtime

STACK_FILE_KEYS: Final = frozenset({"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"})
"""The top-level keys of a stack file (pulumi/pulumi `sdk/go/common/workspace/project.go`, `ProjectStack`)."""

GROUPS: Final = f"{PROJECT}:groups"
GROUP_FILES: Final = f"{PROJECT}:groupFiles"
REGION: Final = "aws:region"
_NULLS: Final = frozenset({"", "~", "null", "Null", "NULL"})
_BREAK: Final = re.compile(r"\r\n|\r|\n")


class MergeError(Exception):
    """The stack file cannot take the groups: every problem, each naming the file and the fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Existing:
    """A group already in the stack: where it is written, and the AWS name and VPC it names (when it does)."""

    key: str
    where: str
    name: str | None
    vpc_id: str | None


@dataclass(frozen=True)
class StackFile:
    """A stack file as read before the merge (an absent one reads as empty)."""

    path: Path
    shown: str
    raw: bytes | None
    """The bytes read; None when the file does not exist yet."""
    text: str
    """Decoded, without the BOM."""
    bom: bool
    newline: str
    config: Mapping[str, object]
    """The `config:` section as the CLI reads it, bare keys namespaced."""
    has_config: bool = False
    """Whether the file has a `config:` key at all (a new one gets `aws:region` with the groups)."""
    existing: Mapping[str, Existing] = field(default_factory=dict)
    """Every group key of the stack, in the stack file and in its group files."""

    @property
    def region(self) -> str | None:
        """The stack's `aws:region`, when it sets one."""
        region = self.config.get(REGION)
        return region if isinstance(region, str) else None


@dataclass(frozen=True)
class Merged:
    """The stack file after the merge."""

    before: StackFile
    text: str
    """As written: the BOM and line breaks of the old file."""
    config: Mapping[str, object]
    added: tuple[str, ...]
    """The keys of the groups added."""

    def diff(self) -> str:
        """A unified diff from the old file to the new, as `diff -u` prints it (each line ended by a newline)."""
        old = _lines(self.before.text)
        new = _lines(self.text.removeprefix("\ufeff"))
        start = self.before.shown if self.before.raw is not None else "/dev/null"
        return "".join(f"{line}\n" for line in difflib.unified_diff(old, new, start, self.before.shown, lineterm=""))


def read(path: Path, shown: str) -> StackFile:
    """The stack file at `path`, checked to be one the merge can add groups to; raise MergeError if not."""
    raw: bytes | None = None
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or a device would be read forever, or replaced
            raise MergeError([f"{shown}: not a regular file; name a stack file"])
        with path.open("rb") as stream:  # stack_yaml refuses what is larger, unread
            raw = stream.read(stack_yaml.MAX_BYTES + 1 + len(stack_yaml.UTF8_BOM))
    except FileNotFoundError:
        raw = None
    except OSError as error:
        raise MergeError([f"{shown}: cannot read the stack file ({error.strerror or error})"]) from None
    if raw is None:
        return StackFile(path, shown, None, "", False, "\n", {})
    try:
        document = stack_yaml.parse(raw, shown)
        config = stack_yaml.stack_config(document, PROJECT) if document.data is not None else {}
    except stack_yaml.YamlError as error:
        raise MergeError([f"{error}; fix the stack file first"]) from None
    text = raw.decode("utf-8").removeprefix("\ufeff")
    if isinstance(document.data, dict):
        unknown = [str(key) for key in document.data if key not in STACK_FILE_KEYS]
        if unknown:
            raise MergeError(
                [
                    f"{shown}: not a stack file: {', '.join(repr(key) for key in unknown)} is not a key of a stack "
                    f"file (those are {', '.join(sorted(STACK_FILE_KEYS))}); name a stacks/Pulumi.<stack>.yaml file"
                ]
            )
    return StackFile(
        path,
        shown,
        raw,
        text,
        raw.startswith(stack_yaml.UTF8_BOM),
        _newline(text, shown),
        config,
        isinstance(document.data, dict) and "config" in document.data,
        _existing(document, config, path.parent, shown),
    )


def check_new(stack: StackFile, adoption: Adoption) -> None:
    """Refuse groups that the stack already holds (same AWS name and VPC): adopting one twice makes two of it."""
    problems = []
    for group in adoption.groups:
        for existing in stack.existing.values():
            same_vpc = existing.vpc_id is None or existing.vpc_id == group.live.vpc_id
            if existing.name is not None and existing.name.casefold() == group.live.name.casefold() and same_vpc:
                problems.append(
                    f"{group.live.group_id} ({group.live.name}) is already in the stack as {existing.where}; it is "
                    f"managed there: leave it out of the selection, or remove {existing.key!r} from the stack to "
                    "adopt it afresh"
                )
    if problems:
        raise MergeError(problems)


def merge(
    stack: StackFile,
    adoption: Adoption,
    region: str,
    *,
    header: Sequence[str],
    notes: Mapping[yaml_writer.Path, Sequence[str]],
) -> Merged:
    """The stack file with the adopted groups added after its own, checked as the CLI and the program read it.

    `header` are comments above the first new group, `notes` comments above each rule or group (by path in
    the groups mapping). Raise MergeError when the file cannot take them or the result would be refused.
    """
    if stack.region is not None and stack.region != region:
        raise MergeError(
            [
                f"{stack.shown}: the stack deploys to {REGION} {stack.region}, the groups are in {region}; adopt "
                "them into the stack of their region"
            ]
        )
    groups = adoption.config()
    text = _insert(stack, groups, region, header, notes) if groups else stack.text
    merged_config = dict(stack.config)
    if groups:
        old = stack.config.get(GROUPS)
        merged_config[GROUPS] = {**(old if isinstance(old, dict) else {}), **groups}
        if not stack.has_config:
            merged_config[REGION] = region
    written = ("\ufeff" if stack.bom else "") + text.replace("\n", stack.newline)
    _check_reads_back(stack, written, merged_config)
    if groups:
        _check_program(stack, merged_config)
    return Merged(stack, written, merged_config, tuple(groups))


# --- reading --------------------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return _BREAK.split(text.removesuffix("\n").removesuffix("\r")) if text else []


def _newline(text: str, shown: str) -> str:
    breaks = set(_BREAK.findall(text))
    if len(breaks) > 1:
        raise MergeError(
            [f"{shown}: mixes {' and '.join(sorted(repr(b) for b in breaks))} line breaks; make them one kind first"]
        )
    return breaks.pop() if breaks else "\n"


def _existing(
    document: stack_yaml.Document, config: Mapping[str, object], base: Path, shown: str
) -> dict[str, Existing]:
    """Every group of the stack by key: in the stack file, then in the files `groupFiles` names."""
    found: dict[str, Existing] = {}
    raw_key = next((key for key in _config_keys(document) if stack_yaml.config_key(key, PROJECT) == GROUPS), GROUPS)
    groups = config.get(GROUPS)
    if isinstance(groups, dict):
        for key, group in groups.items():
            line = (document.where(("config", raw_key, key)) or (0, 0))[0]
            found[key] = _existing_group(key, f"{key!r} ({shown}:{line})", group)
    problems = Problems()
    for group_file in read_group_files(
        config.get(GROUP_FILES), base, str(Path(shown).parent), problems, (GROUP_FILES,)
    ):
        for key, group in group_file.groups.items():
            where = f"{key!r} ({group_file.shown}:{group_file.line((key,))})"
            found.setdefault(key, _existing_group(key, where, group))
    if problems:
        raise MergeError([f"{shown}: {problem}" for problem in problems])
    return found


def _config_keys(document: stack_yaml.Document) -> list[str]:
    config = document.data.get("config") if isinstance(document.data, dict) else None
    return [str(key) for key in config] if isinstance(config, dict) else []


def _existing_group(key: str, where: str, group: object) -> Existing:
    fields = group if isinstance(group, dict) else {}
    name, vpc = fields.get("name"), fields.get("vpcId")
    return Existing(key, where, name if isinstance(name, str) else None, vpc if isinstance(vpc, str) else None)


@dataclass
class _Node:
    """A node of the document as ruamel's parser gives it, with positions (character offsets)."""

    kind: str
    """`scalar`, `alias`, `mapping` or `sequence`."""
    start: int
    end: int
    """Where its last character of content ends (for a block collection: its last descendant's)."""
    column: int
    flow: bool = False
    anchor: str | None = None
    value: str | None = None
    plain: bool = False
    entries: list[tuple[str, int, _Node]] = field(default_factory=list)
    """A mapping's entries: key text, key column, value."""


def _events(stack: StackFile) -> list[Event]:
    """The file's events as the round-trip reader gives them, which say where each node starts and ends.

    The file has already been read as the CLI reads it (`read`); the round-trip reader still trips on some
    layouts that reader takes (its scanner asserts on comments around a block scalar's indicator), and
    then adopt cannot say where the groups would go.
    """
    try:
        return list(YAML(typ="rt").parse(stack.text))
    except (YAMLError, AssertionError):
        raise MergeError(
            [f"{stack.shown}: adopt cannot find where to add groups in this file's layout; merge the groups by hand"]
        ) from None


def _tree(events: Sequence[Event]) -> _Node | None:
    remaining = iter(events)
    for event in remaining:
        if isinstance(event, CollectionStartEvent | ScalarEvent | AliasEvent):
            return _node(event, remaining)
    return None


def _aliases(events: Sequence[Event]) -> set[str]:
    return {str(event.anchor) for event in events if isinstance(event, AliasEvent)}


def _node(first: Event, events: Iterator[Event]) -> _Node:
    start, column = first.start_mark.index, first.start_mark.column
    anchor = getattr(first, "anchor", None)
    if isinstance(first, ScalarEvent):
        plain = first.style is None and first.tag is None
        return _Node("scalar", start, first.end_mark.index, column, anchor=anchor, value=first.value, plain=plain)
    if isinstance(first, AliasEvent):
        return _Node("alias", start, first.end_mark.index, column, anchor=anchor)
    flow = bool(getattr(first, "flow_style", False))
    node = _Node("mapping" if isinstance(first, MappingStartEvent) else "sequence", start, start, column, flow, anchor)
    for event in events:
        if isinstance(event, MappingEndEvent | SequenceEndEvent):
            if flow:
                node.end = event.end_mark.index
            return node
        child = _node(event, events)
        if node.kind == "mapping":
            value = _node(next(events), events)
            if value.kind == "scalar" and value.start == value.end:
                value.start = value.end = child.end  # ruamel marks an empty value at the next token, lines later
            node.entries.append((child.value or "", child.column, value))
            node.end = max(node.end, value.end)
        else:
            node.end = max(node.end, child.end)
    return node


# --- inserting ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Addition:
    """What is inserted: a block (the groups, under the keys that must be added too) and its comments."""

    block: Mapping[str, object]
    prefix: yaml_writer.Path
    """Where the groups are inside the block: `()`, `("groups",)` or `("config", "security-groups:groups")`."""
    header: Sequence[str]
    notes: Mapping[yaml_writer.Path, Sequence[str]]
    """By path inside the groups."""

    def lines(self) -> list[str]:
        groups = _at(self.block, self.prefix)
        placed = {(*self.prefix, *path): lines for path, lines in self.notes.items()}
        first = (*self.prefix, next(iter(groups)))
        placed[first] = [*self.header, *placed.get(first, [])]
        return yaml_writer.dump(self.block, notes=placed).splitlines()


def _insert(
    stack: StackFile,
    groups: Mapping[str, object],
    region: str,
    header: Sequence[str],
    notes: Mapping[yaml_writer.Path, Sequence[str]],
) -> str:
    text = stack.text.replace("\r\n", "\n").replace("\r", "\n")  # one kind of break (checked), restored on writing
    stack = replace(stack, text=text, newline="\n")
    events = _events(stack) if stack.raw is not None else []  # read once: the tree and the aliases both need it
    root = _tree(events)
    aliased = _aliases(events)

    def adding(block: Mapping[str, object], prefix: yaml_writer.Path) -> _Addition:
        return _Addition(block, prefix, header, notes)

    new_config = adding({"config": {REGION: region, GROUPS: groups}}, ("config", GROUPS))
    if root is None or (root.kind == "scalar" and root.value in _NULLS):
        return _append(text, len(text), 0, new_config)
    config = _value(root, "config")
    if config is None:
        return _append(text, root.end, 0, new_config)
    _check_container(stack, config, "config", aliased)
    raw_key = next((key for key, _, _ in config.entries if stack_yaml.config_key(key, PROJECT) == GROUPS), None)
    if raw_key is None:
        key = "groups" if _prefers_bare(config) else GROUPS
        if config.kind == "scalar" or not config.entries:
            return _fill(text, config, adding({key: groups}, (key,)))
        return _append(text, config.end, config.entries[0][1], adding({key: groups}, (key,)))
    existing = _value(config, raw_key)
    assert existing is not None
    if existing.kind == "mapping" and len(existing.entries) == 1 and existing.entries[0][0] == "secure":
        raise MergeError([f"{stack.shown}: config {raw_key} is a secret (`secure:`); adopt cannot add groups to it"])
    _check_container(stack, existing, f"config {raw_key}", aliased)
    if existing.kind == "scalar" or not existing.entries:
        return _fill(text, existing, adding(groups, ()))
    return _append(text, existing.end, existing.entries[0][1], adding(groups, ()))


def _value(node: _Node, key: str) -> _Node | None:
    return next((value for entry, _, value in node.entries if entry == key), None)


def _prefers_bare(config: _Node) -> bool:
    """Follow the file: bare project keys (`vpcId:`) when it writes them so, else `security-groups:groups`."""
    keys = [key for key, _, _ in config.entries]
    return any(":" not in key for key in keys) and not any(key.startswith(f"{PROJECT}:") for key in keys)


def _check_container(stack: StackFile, node: _Node, what: str, aliased: set[str]) -> None:
    fix = "write it out in block style where it is, or merge the groups by hand"
    if node.kind == "alias":
        raise MergeError([f"{stack.shown}: {what} is an alias (*{node.anchor}); {fix}"])
    if node.anchor is not None and node.anchor in aliased:
        raise MergeError(
            [
                f"{stack.shown}: {what} is anchored (&{node.anchor}) and used elsewhere, which adding to it would "
                f"change too; {fix}"
            ]
        )
    if node.kind == "scalar" and not (node.plain and node.value in _NULLS):
        raise MergeError([f"{stack.shown}: {what} is not a mapping; {fix}"])
    if node.kind == "sequence" or (node.flow and node.entries):
        shape = "a list" if node.kind == "sequence" else "in flow style ({...})"
        raise MergeError([f"{stack.shown}: {what} is {shape}, so groups cannot be added beside it; {fix}"])


def _fill(text: str, empty: _Node, addition: _Addition) -> str:
    """Replace an empty value (nothing, `~`, `null`, `{}`) with the block, indented under its key."""
    line_start = text.rfind("\n", 0, empty.start) + 1
    before = text[line_start : empty.start]
    key_column = len(before) - len(before.lstrip(" "))
    start, rest = empty.start, text[empty.end :]
    if not rest.split("\n", 1)[0].strip(" "):
        start = len(text[:start].rstrip(" "))  # `groups: {}` becomes `groups:`, with no space left at the end
    text = text[:start] + rest
    return _append(text, start, key_column + yaml_writer.INDENT, addition)


def _append(text: str, end: int, column: int, addition: _Addition) -> str:
    """Insert the block at `column` after the line where `end` falls (and the comments deeper than `column`)."""
    at = _after(text, end, column)
    inserted = "".join(" " * column + line + "\n" if line else "\n" for line in addition.lines())
    before = text[:at]
    if before and not before.endswith("\n"):
        before += "\n"
    return before + inserted + text[at:]


def _at(block: Mapping[str, object], prefix: yaml_writer.Path) -> Mapping[str, object]:
    node: object = block
    for part in prefix:
        assert isinstance(node, Mapping)
        node = node[part]
    assert isinstance(node, Mapping)
    return node


def _after(text: str, end: int, column: int) -> int:
    """The offset just past the line holding `end`, then past blank lines and comments indented beyond `column`."""
    if end > 0 and text[end - 1] == "\n":
        at = end  # a block scalar's end is the start of the next line
    else:
        newline = text.find("\n", end)
        at = len(text) if newline < 0 else newline + 1
    probe = at
    while probe < len(text):
        newline = text.find("\n", probe)
        line_end = len(text) if newline < 0 else newline + 1
        line = text[probe:line_end]
        stripped = line.lstrip(" ")
        if not stripped.strip():
            probe = line_end
            continue
        if stripped.startswith("#") and len(line) - len(stripped) > column:
            at = probe = line_end
            continue
        break
    return at


# --- checking -------------------------------------------------------------------------------------------------


def _check_reads_back(stack: StackFile, written: str, intended: Mapping[str, object]) -> None:
    try:
        document = stack_yaml.parse(written, stack.shown)
        config = stack_yaml.stack_config(document, PROJECT) if document.data is not None else {}
    except stack_yaml.YamlError as error:
        raise MergeError([f"{stack.shown}: the merge would make a file the Pulumi CLI refuses ({error})"]) from None
    if config != intended:
        raise MergeError([f"{stack.shown}: the merged file would not read back as the config intended; merge by hand"])


def _check_program(stack: StackFile, config: Mapping[str, object]) -> None:
    """Run the program's config reader and component over the merged stack, as `pulumi preview` would."""
    refused = _refusal(stack, config)
    if refused is None:
        return
    if stack.config.get(GROUPS) is not None or stack.config.get(GROUP_FILES) is not None:
        before = _refusal(stack, stack.config)
        if before is not None:
            raise MergeError([f"{stack.shown}: the program refuses the stack file as it is; fix it first:", before])
    raise MergeError([f"{stack.shown}: the program would refuse the merged stack file:", refused])


def _refusal(stack: StackFile, config: Mapping[str, object]) -> str | None:
    """The program's error for this stack config (under mocks, placeholders read as written), or None."""
    checked = {
        key: _as_checked(value) if key == GROUPS else value
        for key, value in config.items()
        if not stack_yaml.is_secure(value)  # only the stack's secrets provider can decrypt it
    }
    try:
        passed = cli_config(checked)
    except ValueError as error:
        return str(error)
    oversized = too_large(passed, stack.shown)
    if oversized is not None:
        return oversized
    name = stack.path.name
    stack_name = name.removeprefix("Pulumi.").removesuffix(".yaml") if name.startswith("Pulumi.") else "adopted"
    shown_dir = str(Path(stack.shown).parent)
    with start_runtime(stack_name) as runtime:
        pulumi.runtime.set_all_config(passed, [])
        # The program reads group files from the stack files' directory, as the CLI's stackConfigDir.
        run = runtime.run(lambda: build_security_groups(load_settings(shown_dir, ".")))
    return None if run.error is None else str(run.error)


def _as_checked(value: object) -> object:
    """Adopt's own placeholders read as a real description: they are refused on purpose, and only they."""
    if isinstance(value, str):
        return checked_description(value) if value.startswith(PLACEHOLDER.split("{", 1)[0]) else value
    if isinstance(value, dict):
        return {key: _as_checked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_checked(item) for item in value]
    return value


# --- writing --------------------------------------------------------------------------------------------------

BACKUP_SUFFIX: Final = ".bak"


def unchanged(stack: StackFile) -> bool:
    """Whether the file still holds what was read (someone may have edited it while AWS was read)."""
    try:
        return stack.path.read_bytes() == stack.raw
    except FileNotFoundError:
        return stack.raw is None
    except OSError:
        return False


def keep_backup(stack: StackFile) -> Path | None:
    """Keep the old file beside it under the first free name (`X.bak`, `X.bak.1`, …); None for a new file.

    A hard link to the old file where the filesystem allows one (the rename that writes the new file leaves it
    holding the old bytes, mode and owner), else an exclusive copy with the old mode. Either way an existing
    backup is never replaced: creation fails if the name is taken, and the next name is tried.
    """
    if stack.raw is None:
        return None
    mode = stat.S_IMODE(stack.path.stat().st_mode)
    for number in itertools.count():
        backup = stack.path.with_name(stack.path.name + BACKUP_SUFFIX + (f".{number}" if number else ""))
        try:
            try:
                os.link(stack.path, backup)
            except FileExistsError:
                raise
            except OSError:
                _copy_exclusive(stack.raw, backup, mode)
        except FileExistsError:
            continue
        if backup.read_bytes() != stack.raw:  # the file changed between the check and the link
            backup.unlink()
            raise MergeError([f"{stack.shown}: changed while adopt ran; nothing was written, run adopt again"])
        return backup
    raise AssertionError("unreachable")  # count() never ends


def _copy_exclusive(data: bytes, backup: Path, mode: int) -> None:
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        backup.unlink(missing_ok=True)
        raise
    os.chmod(backup, mode)


def write(merged: Merged, import_file: Output, *, force: bool) -> tuple[Path | None, int | None]:
    """Keep a backup of the old stack file, then write it and the import file all or nothing.

    Returns the backup (None for a new file) and the signal held back during the renames, if one arrived.
    Raises MergeError when the file changed since it was read, OutputError when an output cannot be written;
    then nothing was written and no backup is left.
    """
    stack = merged.before
    if not unchanged(stack):
        raise MergeError([f"{stack.shown}: changed while adopt ran; run adopt again"])
    backup = keep_backup(stack)
    try:
        held = write_all([import_file, Output("--write", stack.path, merged.text, replaces=True)], force=force)
    except BaseException:
        if backup is not None:
            backup.unlink(missing_ok=True)  # nothing was written, so no backup of it either
        raise
    return backup, held

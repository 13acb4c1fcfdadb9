"""stack_yaml reads YAML as the Pulumi CLI does (go-yaml v3.0.1) and refuses, in one line, what the CLI misreads.

Every expected value and PULUMI_CONFIG text below was checked against go-yaml v3.0.1 built from its source, run
through the CLI's config pipeline (loaders.go, object.go) with a Go 1.25-era encoding/json (which writes \\b and
\\f as such since Go 1.22).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from security_groups_component import stack_yaml
from security_groups_component.stack_yaml import Document, YamlError, cli_value, parse, stack_config

ROOT = Path(__file__).resolve().parents[1]


def value_of(text: str) -> object:
    """What the CLI reads for `v: <text>`."""
    data = parse(f"v: {text}\n", "f.yaml").data
    assert isinstance(data, dict)
    return data["v"]


def refusal(content: str | bytes) -> str:
    """The one-line error for a document that must be refused."""
    with pytest.raises(YamlError) as raised:
        parse(content, "stacks/Pulumi.dev.yaml")
    message = str(raised.value)
    assert "\n" not in message
    return message


# --- scalars: go-yaml v3's resolve(), not YAML 1.1's (PyYAML) nor plain YAML 1.2's

RESOLVED = [
    ("022", 18),  # Go's base-0 ParseInt: a leading 0 is octal (PyYAML: 18 too; YAML 1.2 core: 22)
    ("08", 8.0),  # no octal, so the float rule takes it
    ("09.5", 9.5),
    ("0o17", 15),
    ("0O17", 15),
    ("0x1F", 31),
    ("0b101", 5),
    ("-0b101", -5),
    ("+0b101", 5),
    ("-022", -18),
    ("0", 0),
    ("00", 0),
    ("-0", 0),
    ("1_000", 1000),
    ("1__0", 10),
    ("0_1", 1),
    ("0x_1F", 31),
    ("1e3", 1000.0),
    ("1E3", 1000.0),
    ("1.e3", 1000.0),
    ("6.02e23", 6.02e23),
    ("1e400", "1e400"),  # overflows a double: Go's ParseFloat fails, the text stays text
    ("1e-400", 0.0),
    (".5", 0.5),
    (".5_0", 0.5),  # Go's float literal syntax allows `_` between digits
    ("._5", "._5"),
    ("+.5", 0.5),
    ("-.5", -0.5),
    (".", "."),
    ("+12", 12),
    ("-12", -12),
    ("+", "+"),
    ("9223372036854775807", 9223372036854775807),
    ("9223372036854775808", 9223372036854775808),  # ParseUint
    ("18446744073709551615", 18446744073709551615),
    ("18446744073709551616", 1.8446744073709552e19),  # beyond uint64: a float
    ("-9223372036854775809", -9.223372036854776e18),
    ("0x10000000000000000", "0x10000000000000000"),  # beyond uint64 and no float: text
    ("0x", "0x"),
    ("1_", 1),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("Yes", "Yes"),
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("tRue", "tRue"),
    ("false", False),
    ("FALSE", False),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("nULL", "nULL"),
    ("~", None),
    ("", None),
    ("2024-13-01", "2024-13-01"),  # not a date (month 13): text
    ("2023-02-29", "2023-02-29"),
    ("2024-01-01T10:00:00", "2024-01-01T10:00:00"),  # no zone: not one of go-yaml's layouts
    ("1:20", "1:20"),  # YAML 1.1's base 60 is gone
    ("<<", "<<"),
    ("=", "="),
    ("inf", "inf"),
    ("Infinity", "Infinity"),
    ("-.nan", "-.nan"),
    ("10.0.0.0/8", "10.0.0.0/8"),
    ("8080-8090", "8080-8090"),
    ("80_80", 8080),
    ("'022'", "022"),
    ('"yes"', "yes"),
    ('"1e3"', "1e3"),
    ("! 022", 18),  # go-yaml treats the non-specific tag `!` as no tag at all
    ('! "022"', "022"),
    ("!!str 022", "022"),
    ("!!str", ""),
    ('!!int "022"', 18),  # with an explicit tag, quoting does not matter
    ("!!float 1", 1.0),
    ("!!float 0x1F", 31.0),
    ("!!float 1e3", 1000.0),
    ("!!bool true", True),
    ("!!null ~", None),
    ("!!null", None),
    ("!<tag:yaml.org,2002:str> 5", "5"),
    ("|\n  two\n  lines", "two\nlines\n"),
    (">-\n  folded\n  text", "folded text"),
]


@pytest.mark.parametrize(("text", "expected"), RESOLVED, ids=[text or "(empty)" for text, _ in RESOLVED])
def test_scalars_resolve_as_go_yaml_resolves_them(text: str, expected: object) -> None:
    value = value_of(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("text", ["2024-01-01", "2024-1-1", "2024-02-29", "0000-01-01"])
def test_dates_are_refused_with_quote_it(text: str) -> None:
    assert refusal(f"config:\n  security-groups:tags:\n    expires: {text}\n") == (
        f"stacks/Pulumi.dev.yaml:3:14: config.security-groups:tags.expires: `{text}` is a timestamp to the Pulumi "
        "CLI, which passes it on rewritten in Go's date format (like `2024-01-01 00:00:00 +0000 UTC`), not as "
        f'written; quote it ("{text}") to keep the text'
    )


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-01T10:00:00Z",
        "2024-01-01t10:00:00Z",
        "2024-01-01T10:00:00.123456789123+01:00",
        "2024-01-01T10:00:00,5-05:30",
        "2024-1-1T1:2:3Z",
        "2024-01-01 10:00:00",
        "2024-01-01   10:00:00.5",
        "2024-01-01T10:00:00+25:00",  # Go 1.19 takes any offset; refused as a date either way
    ],
)
def test_every_timestamp_layout_of_go_yaml_is_refused(text: str) -> None:
    assert "is a timestamp to the Pulumi CLI" in refusal(f"v: {text}\n")


@pytest.mark.parametrize(
    "text",
    ["2024-01-01T24:00:00Z", "2024-01-01T23:60:00Z", "2024-01-01T10:00:60Z", "2024-04-31", "2024-00-10", "20240-01-01"],
)
def test_out_of_range_dates_are_text_as_for_go(text: str) -> None:
    assert value_of(text) == text


REFUSED_SCALARS = [
    (
        "!!binary aGk=",
        "v: the tag !!binary makes the Pulumi CLI decode base64 into bytes instead of keeping the text; remove the "
        "tag (quote the value to keep it as text)",
    ),
    (
        "!!timestamp 2024-01-01",
        "v: the tag !!timestamp makes the Pulumi CLI pass a date in Go's format, not the text written; remove the "
        "tag (quote the value to keep it as text)",
    ),
    (
        "!foo x",
        "v: the tag !foo is not one the Pulumi CLI reads as written (it drops it); remove the tag (quote the value "
        "to keep it as text)",
    ),
    (
        "!!python/str x",
        "v: the tag !!python/str is not one the Pulumi CLI reads as written (it drops it); remove the tag (quote the "
        "value to keep it as text)",
    ),
    ("!!map x", "v: the tag !!map does not fit a scalar; remove the tag (quote the value to keep it as text)"),
    ("!!str {a: 1}", "v: the tag !!str does not fit a mapping; remove the tag (quote the value to keep it as text)"),
    ("!!map [a]", "v: the tag !!map does not fit a list; remove the tag (quote the value to keep it as text)"),
    (
        "!!int abc",
        "v: `abc` is tagged !!int but is not one (go-yaml reads it as !!str); the Pulumi CLI refuses it; remove "
        "the tag, or write a value of that type",
    ),
    (
        "!!int 1.5",
        "v: `1.5` is tagged !!int but is not one (go-yaml reads it as !!float); the Pulumi CLI refuses it; remove "
        "the tag, or write a value of that type",
    ),
    (
        "!!bool yes",
        "v: `yes` is tagged !!bool but is not one (go-yaml reads it as !!str); the Pulumi CLI refuses it; remove "
        "the tag, or write a value of that type",
    ),
    (
        "!!float 18446744073709551615",
        "v: `18446744073709551615` is tagged !!float but is not one (go-yaml reads it as !!int); the Pulumi CLI "
        "refuses it; remove the tag, or write a value of that type",
    ),
    (
        ".nan",
        "v: `.nan` is not a number, which the Pulumi CLI cannot pass to the program (`json: unsupported value`); "
        "write a finite number, or quote it to keep the text",
    ),
    (
        "-.inf",
        "v: `-.inf` is an infinity, which the Pulumi CLI cannot pass to the program (`json: unsupported value`); "
        "write a finite number, or quote it to keep the text",
    ),
    (
        "!!float .Inf",
        "v: `.Inf` is an infinity, which the Pulumi CLI cannot pass to the program (`json: unsupported value`); "
        "write a finite number, or quote it to keep the text",
    ),
    (
        '"\\ud83d\\ude00"',
        "v: the text holds a UTF-16 surrogate (an escape such as \\ud83d), which the Pulumi CLI refuses; write the "
        "character itself, or escape it whole (\\U0001F600)",
    ),
]


@pytest.mark.parametrize(("text", "message"), REFUSED_SCALARS, ids=[text for text, _ in REFUSED_SCALARS])
def test_scalars_the_cli_misreads_are_refused(text: str, message: str) -> None:
    assert refusal(f"v: {text}\n") == f"stacks/Pulumi.dev.yaml:1:4: {message}"


def test_nan_deep_inside_a_value_names_its_path() -> None:
    assert refusal("config:\n  security-groups:groups:\n    web:\n      ingress:\n        - ports: .NaN\n") == (
        "stacks/Pulumi.dev.yaml:5:18: config.security-groups:groups.web.ingress[0].ports: `.NaN` is not a number, "
        "which the Pulumi CLI cannot pass to the program (`json: unsupported value`); write a finite number, or "
        "quote it to keep the text"
    )


# --- keys


@pytest.mark.parametrize(
    ("key", "kind", "path"),
    [
        ("1", "a number", "tags.1"),
        ("1.5", "a number", 'tags["1.5"]'),
        ("0x1F", "a number", "tags.0x1F"),
        ("true", "true/false", "tags.true"),
        ("null", "null", "tags.null"),
    ],
)
def test_keys_that_are_not_text_are_refused(key: str, kind: str, path: str) -> None:
    assert refusal(f"tags:\n  {key}: x\n") == (
        f"stacks/Pulumi.dev.yaml:2:3: {path}: the key `{key}` is read as {kind}, not text (the Pulumi CLI "
        f'passes it on changed, or refuses it); quote the key ("{key}")'
    )


def test_an_empty_key_is_null_and_refused() -> None:
    assert refusal("tags:\n  : x\n") == (
        'stacks/Pulumi.dev.yaml:2:3: tags[""]: the empty key is read as null, not text (the Pulumi CLI passes it on '
        'changed, or refuses it); quote the key ("")'
    )


@pytest.mark.parametrize(("text", "kind"), [("? [a, b]\n: x\n", "list"), ("? {a: b}\n: x\n", "mapping")])
def test_collections_as_keys_are_refused(text: str, kind: str) -> None:
    assert refusal(text) == f"stacks/Pulumi.dev.yaml:1:3: a {kind} is used as a key; keys must be text; use a text key"


def test_quoted_keys_are_text() -> None:
    assert parse('"1": a\n\'true\': b\n"null": c\n', "f").data == {"1": "a", "true": "b", "null": "c"}


def test_duplicate_keys_name_both_lines() -> None:
    assert refusal("config:\n  aws:region: us-east-1\n  aws:region: eu-west-1\n") == (
        'stacks/Pulumi.dev.yaml:3:3: config.aws:region: the key "aws:region" is written twice (lines 2 and 3); '
        "keep one: YAML does not allow a key twice in a mapping, and the Pulumi CLI refuses the file"
    )


@pytest.mark.parametrize("second", ['"a"', "'a'", "!!str a", "! a", "*k "])
def test_duplicates_are_found_however_the_key_is_spelt(second: str) -> None:
    assert "is written twice (lines 1 and 2)" in refusal(f"&k a: 1\n{second}: 2\n")


def test_a_quoted_merge_key_is_refused() -> None:
    assert refusal('tags:\n  "<<": {a: b}\n') == (
        'stacks/Pulumi.dev.yaml:2:3: tags.<<: the key "<<" is written back unquoted when the Pulumi CLI '
        "re-encodes the stack file, and then read as a YAML merge key; rename the key"
    )


# --- anchors, aliases and merge keys


def test_aliases_expand_to_fresh_copies() -> None:
    data = parse("a: &x [1, {b: 2}]\nc: *x\n", "f").data
    assert data == {"a": [1, {"b": 2}], "c": [1, {"b": 2}]}
    assert isinstance(data, dict)
    assert data["a"] is not data["c"]


def test_merge_keys_own_keys_win_then_earlier_merges_depth_first() -> None:
    text = (
        "base: &base {a: base, b: base, c: base}\n"
        "more: &more {<<: *base, b: more, d: more}\n"
        "other: &other {a: other, e: other}\n"
        "group:\n"
        "  <<: [*more, *other]\n"
        "  a: own\n"
    )
    data = parse(text, "f").data
    assert isinstance(data, dict)
    assert data["group"] == {"a": "own", "b": "more", "d": "more", "c": "base", "e": "other"}
    assert list(data["group"]) == ["a", "b", "d", "c", "e"]


def test_merged_keys_are_placed_where_they_were_written() -> None:
    document = parse("base: &base\n  description: Web\ngroup:\n  <<: *base\n  name: web\n", "f")
    assert document.where(("group", "description")) == (2, 3)
    assert document.where(("group", "name")) == (5, 3)


@pytest.mark.parametrize("value", ["1", "~", "[1, 2]", "[*s]", "*s", "[[{a: 1}]]"])
def test_merging_anything_but_mappings_is_refused(value: str) -> None:
    message = refusal(f"s: &s [1]\nm:\n  <<: {value}\n")
    assert message.endswith(
        "m: the merge key `<<` needs a mapping, an alias to one, or a list of those; merge only mappings "
        "(`<<: *base` or `<<: [*a, *b]`), or write the keys out"
    )


def test_two_merge_keys_in_one_mapping_are_a_duplicate() -> None:
    assert "is written twice (lines 3 and 4)" in refusal("a: &a {x: 1}\nm:\n  <<: *a\n  <<: *a\n")


@pytest.mark.parametrize(
    ("text", "position", "path"),
    [("a: &a [*a]\n", "1:8", "a[0][0]"), ("a: &a {b: *a}\n", "1:11", "a.b.b"), ("a: &a {<<: *a}\n", "1:12", "a")],
)
def test_an_alias_inside_its_own_anchor_is_refused(text: str, position: str, path: str) -> None:
    assert refusal(text) == (
        f"stacks/Pulumi.dev.yaml:{position}: {path}: the alias *a is inside the value anchored &a, so it would never "
        "end; an anchor cannot contain an alias to itself: write the value out"
    )


def test_an_alias_without_its_anchor_is_refused() -> None:
    assert refusal("a: [1, *nowhere]\n") == (
        "stacks/Pulumi.dev.yaml:1:8: a[1]: the alias *nowhere has no anchor &nowhere before it; define &nowhere "
        "earlier in the file, or write the value out"
    )


def test_anchor_names_are_those_go_yaml_accepts() -> None:
    assert refusal("a: &a.b 1\n") == (
        "stacks/Pulumi.dev.yaml:1:4: a: the anchor or alias name 'a.b' has characters the Pulumi CLI's YAML parser "
        "refuses; use only letters, digits, '_' and '-' in anchor names"
    )


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 10)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_an_alias_bomb_is_refused_after_a_bounded_number_of_steps() -> None:
    """10^9 values from 372 bytes: refused when go-yaml's alias ratio rule says so, after 4,301 decode steps."""
    assert len(BILLION_LAUGHS) == 372
    assert refusal(BILLION_LAUGHS) == (
        "stacks/Pulumi.dev.yaml:4:14: aliases expand to too many values (4,258 of the first 4,301 come from "
        "aliases): this is how a YAML alias bomb works, and the Pulumi CLI refuses it too ('document contains "
        "excessive aliasing'); write the values out instead of nesting aliases"
    )


@pytest.mark.parametrize(("aliases", "refused"), [(199, False), (200, True)])
def test_the_alias_limit_is_go_yamls_to_the_step(aliases: int, refused: bool) -> None:
    """200 values aliased 199 times pass go-yaml's allowedAliasRatio; 200 times do not (as measured with go-yaml)."""
    text = f"base: &b [{', '.join(['0'] * 200)}]\nlist: [{', '.join(['*b'] * aliases)}]\n"
    if refused:
        assert "document contains excessive aliasing" in refusal(text)
    else:
        data = parse(text, "f").data
        assert isinstance(data, dict)
        assert len(data["list"]) == aliases


# --- nesting, encoding, documents, syntax


def test_64_levels_are_read() -> None:
    data = parse("v: " + "[" * 63 + "1" + "]" * 63 + "\n", "f").data
    for _ in range(64):
        assert isinstance(data, dict | list)
        data = data["v"] if isinstance(data, dict) else data[0]
    assert data == 1


@pytest.mark.parametrize("depth", [65, 500, 100_000])
def test_deeper_nesting_is_refused_without_recursion_error(depth: int) -> None:
    message = refusal("[" * depth + "]" * depth)
    assert message == (
        f"stacks/Pulumi.dev.yaml:1:65: {'[0]' * 64}: collections nested more than 64 levels deep; flatten the "
        "structure (stack config needs only a few levels)"
    )


def test_deep_block_nesting_is_refused() -> None:
    assert "collections nested more than 64 levels deep" in refusal("- " * 500 + "x\n")


def test_nesting_through_aliases_is_refused_too() -> None:
    text = "a: &a " + "[" * 40 + "1" + "]" * 40 + "\nb: &b " + "[" * 30 + "*a" + "]" * 30 + "\n"
    assert refusal(text) == (
        f"stacks/Pulumi.dev.yaml:1:40: b{'[0]' * 63}: collections nested more than 64 levels deep; flatten the "
        "structure (stack config needs only a few levels)"
    )


def test_bytes_that_are_not_utf8_are_named_by_offset_and_line() -> None:
    assert refusal(b"config:\n  tag: caf\xe9\n") == (
        "stacks/Pulumi.dev.yaml:2:11: byte 0xe9 at offset 18 is not UTF-8 (invalid continuation byte); the Pulumi "
        "CLI reads stack files as UTF-8; save the file as UTF-8"
    )


def test_a_utf8_bom_is_stripped_as_the_cli_does() -> None:
    document = parse(b"\xef\xbb\xbfconfig:\n  aws:region: us-east-1\n", "f")
    assert document.data == {"config": {"aws:region": "us-east-1"}}
    assert document.where(("config", "aws:region")) == (2, 3)
    assert "at offset 3 is not UTF-8" in refusal(b"\xef\xbb\xbf\xff")


def test_a_second_document_is_refused() -> None:
    assert refusal("config: {}\n---\nconfig: {}\n") == (
        "stacks/Pulumi.dev.yaml:2:1: a second YAML document starts here; the Pulumi CLI reads only the first and "
        "ignores the rest; keep one document: remove this `---` and merge what follows into the first"
    )


def test_syntax_errors_give_ruamels_message_with_line_and_column() -> None:
    assert refusal("config:\n  a: b: c\n") == (
        "stacks/Pulumi.dev.yaml:2:7: not valid YAML: mapping values are not allowed here; fix the YAML there "
        "(quote text that contains ': ' or ' #', and check the indentation)"
    )


def test_control_characters_are_refused() -> None:
    assert refusal("a: b\x07\n") == (
        "stacks/Pulumi.dev.yaml:1:5: character U+0007 is not allowed in YAML (control characters are refused by "
        "the Pulumi CLI too); remove it, or write it as an escape inside double quotes"
    )


@pytest.mark.parametrize(("char", "column"), [("\x85", 7), ("\u2028", 7), ("\u2029", 7)])
def test_yaml_11_line_breaks_are_refused(char: str, column: int) -> None:
    assert refusal(f"a: web{char}tier\n") == (
        f"stacks/Pulumi.dev.yaml:1:{column}: U+{ord(char):04X} is a line break to the Pulumi CLI's YAML parser, "
        "which then reads the rest of the line differently; remove it, or write it as an escape in double quotes "
        "(\\N, \\L, \\P)"
    )


@pytest.mark.parametrize(("flow", "column"), [("[::/0]", 5), ("[:a]", 5), ("[a?b]", 5), ("{a?b: 1}", 5)])
def test_flow_scalars_libyaml_reads_as_syntax_are_refused(flow: str, column: int) -> None:
    assert refusal(f"a: {flow}\n") == (
        f"stacks/Pulumi.dev.yaml:1:{column}: a{'[0]' if flow.startswith('[') else ''}: inside [...] or {{...}}, "
        "the Pulumi CLI's YAML parser reads `?` and a leading `:` as syntax, not text; quote the value"
    )


def test_flow_colons_inside_text_are_fine() -> None:
    assert value_of("[a:b, 'group:web', '::1']") == ["a:b", "group:web", "::1"]
    assert value_of("::1") == "::1"  # a leading `:` is text in a block


def test_escapes_go_yaml_does_not_know_are_refused() -> None:
    assert refusal('a: "x\\/y"\n') == (
        "stacks/Pulumi.dev.yaml:1:6: a: the escape \\/ is not one the Pulumi CLI's YAML parser knows; write the "
        "character itself"
    )
    assert value_of('"\\\\/ \\x41\\u0042\\U00000043\\_\\N\\L\\P\\e\\0"') == "\\/ ABC\xa0\x85\u2028\u2029\x1b\0"


def test_files_over_the_limit_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (stack_yaml.MAX_BYTES + 1))
    with pytest.raises(YamlError) as raised:
        stack_yaml.read_file(path, "stacks/big.yaml")
    assert str(raised.value) == (
        "stacks/big.yaml:1:1: the file is larger than the 16,777,216 bytes this reader accepts; split the groups "
        "into several files"
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_any_text_is_read_or_refused_in_one_line(text: str) -> None:
    error: YamlError | None = None
    try:
        parse(text, "f")
    except YamlError as raised:
        error = raised
    assert error is None or "\n" not in str(error)


# --- positions


def test_where_each_entry_was_written() -> None:
    document = stack_yaml.read_file(ROOT / "stacks" / "Pulumi.dev.yaml", "stacks/Pulumi.dev.yaml")
    groups = ("config", "security-groups:groups")
    assert document.where(()) == (2, 1)
    assert document.where(("config",)) == (2, 1)
    assert document.where(groups) == (10, 3)
    assert document.where((*groups, "web")) == (20, 5)
    assert document.where((*groups, "web", "ingress", 1)) == (26, 11)  # a mapping item: its first key
    assert document.where((*groups, "web", "ingress", 1, "from", 0)) == (27, 18)
    assert document.where((*groups, "nope")) is None


def test_documents_are_frozen() -> None:
    document = parse("a: 1\n", "f")
    assert isinstance(document, Document)
    with pytest.raises(TypeError):
        document.positions[("b",)] = (1, 1)  # type: ignore[index]


# --- what the CLI makes of `config:`


def test_stack_config_namespaces_bare_keys_as_the_cli_does() -> None:
    document = parse(
        "config:\n  groups: {}\n  aws:region: us-east-1\n  other:config:key: x\n  tags: ~\n", "stacks/Pulumi.dev.yaml"
    )
    assert stack_config(document, "security-groups") == {
        "security-groups:groups": {},
        "aws:region": "us-east-1",
        "other:key": "x",
        "security-groups:tags": None,
    }


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "config:\n", "encryptionsalt: x\n"])
def test_a_stack_file_without_config_has_none(text: str) -> None:
    assert stack_config(parse(text, "f"), "security-groups") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "- config\n",
            "1:1: a stack file is a mapping with a `config:` section, not a list; write `config:` at the top, with "
            "one `key: value` per line under it, like stacks/Pulumi.dev.yaml",
        ),
        (
            "config: [a]\n",
            "1:1: config: `config:` is a list, not a mapping of keys to values; write one `key: value` per line "
            "under `config:`",
        ),
        (
            "config:\n  a:b:c: 1\n",
            "2:3: config.a:b:c: not a config key the Pulumi CLI can parse (more than one `:`); write "
            "`<namespace>:<name>`, e.g. `security-groups:groups`",
        ),
        (
            "config:\n  groups: {}\n  security-groups:groups: {}\n",
            "3:3: config.security-groups:groups: `groups` and `security-groups:groups` are both the key "
            "security-groups:groups, and the Pulumi CLI keeps one of them at random; keep one of them",
        ),
    ],
)
def test_stack_config_refuses_what_the_cli_cannot_load(text: str, message: str) -> None:
    with pytest.raises(YamlError) as raised:
        stack_config(parse(text, "stacks/Pulumi.dev.yaml"), "security-groups")
    assert str(raised.value) == f"stacks/Pulumi.dev.yaml:{message}"


CLI_VALUES = [
    ("text", "text"),
    ("'022'", "022"),
    ("022", "18"),
    ("08", "8"),
    ("~", ""),  # a top-level null: the CLI passes "" (and warns)
    ("", ""),
    ("true", "true"),
    ("1.0", "1"),  # the CLI's YAML round trip writes 1.0 as `1`, which reads back as an integer
    ("1e3", "1000"),
    ("1e6", "1000000"),
    ("1.5", "1.5"),
    ("-0.0", "0"),
    ("1e-6", "0.000001"),
    ("1e-7", "1e-7"),
    ("2.5e-5", "0.000025"),
    ("1e20", "100000000000000000000"),
    ("1e21", "1e+21"),
    ("123456789.0", "123456789"),
    ("9.999999999999999e20", "999999999999999900000"),
    ("18446744073709551615", "18446744073709551615"),
    ("99999999999999999999", "100000000000000000000"),
    ("[1e100, 5e-324, 1.7976931348623157e308]", "[1e+100,5e-324,1.7976931348623157e+308]"),
    ("[.5, -.5, +1, 0x10, 0o7]", "[0.5,-0.5,1,16,7]"),
    ("{b: 1, a: [1.0, 'x<y&z>']}", '{"a":[1,"x\\u003cy\\u0026z\\u003e"],"b":1}'),
    ("{z: 1, Z: 2, é: 3, a: 4}", '{"Z":2,"a":4,"z":1,"é":3}'),
    ("[~, null, {a: ~}]", '[null,null,{"a":null}]'),
    ('["a\\u2028b", "\\t\\"\\\\", "\\x01\\x08\\x0c\\x7f"]', '["a\\u2028b","\\t\\"\\\\","\\u0001\\b\\f\x7f"]'),
    ("'<top>&'", "<top>&"),
    ("{secure: 1}", '{"secure":1}'),
    ("{secure: a, x: 1}", '{"secure":"a","x":1}'),
]


@pytest.mark.parametrize(("text", "expected"), CLI_VALUES, ids=[text or "(empty)" for text, _ in CLI_VALUES])
def test_cli_value_is_the_text_the_cli_puts_in_pulumi_config(text: str, expected: str) -> None:
    assert cli_value(value_of(text)) == expected


@pytest.mark.parametrize("text", ["{secure: AAAAciphertext}", "[{secure: AAAAciphertext}]", "{a: {secure: AAAAc}}"])
def test_secure_values_are_recognised_and_never_encoded(text: str) -> None:
    value = value_of(text)
    assert list(stack_yaml.secure_paths(value)) != []
    with pytest.raises(stack_yaml.SecureValueError) as raised:
        cli_value(value)
    assert "AAAA" not in str(raised.value)


def test_secure_paths_lists_every_secret_in_document_order() -> None:
    data = parse("config:\n  a: {secure: x}\n  b: [1, {secure: y}]\n  c: {secure: z, other: 1}\n", "f").data
    assert list(stack_yaml.secure_paths(data)) == [("config", "a"), ("config", "b", 1)]
    assert stack_yaml.is_secure({"secure": "x"})
    assert not stack_yaml.is_secure({"secure": 1})


def test_go_float_formatting_matches_strconv_g() -> None:
    from security_groups_component.stack_yaml.pulumi_config import go_format_g

    cases = {
        1e6: "1e+06",
        100000.0: "100000",
        1e-4: "0.0001",
        1e-5: "1e-05",
        1.5: "1.5",
        -0.0: "-0",
        1e21: "1e+21",
        123456789.0: "1.23456789e+08",
        -2.5e-7: "-2.5e-07",
    }
    assert {number: go_format_g(number) for number in cases} == cases


def test_pulumi_yaml_defaults_reach_the_program_as_the_cli_fills_them_in() -> None:
    from security_group_tools.program_runner import cli_config, project_defaults

    defaults = {"security-groups:vpcId": "", "security-groups:tags": "{}", "security-groups:ruleQuota": "60"}
    defaults |= {"security-groups:vpc": "{}", "security-groups:existingGroups": "{}"}
    defaults["security-groups:closeDefaultGroups"] = "false"
    defaults["security-groups:groupFiles"] = "[]"
    assert project_defaults() == defaults
    assert cli_config({"groups": {"b": 1.0, "a": "<x>"}, "aws:config:region": "us-east-1"}) == {
        **defaults,
        "security-groups:groups": '{"a":"\\u003cx\\u003e","b":1}',
        "aws:region": "us-east-1",
    }

"""yaml_writer: its output reads back as written in the Pulumi CLI (stack_yaml), YAML 1.2 (ruamel) and 1.1 (PyYAML)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from security_group_tools import yaml_writer
from security_groups_component import stack_yaml

READERS = ("pulumi-cli", "yaml-1.2", "yaml-1.1")


def readers(text: str) -> dict[str, Any]:
    """The document as each reader reads it."""
    return {
        "pulumi-cli": stack_yaml.parse(text, "snippet.yaml").data,
        "yaml-1.2": YAML(typ="safe", pure=True).load(text),
        "yaml-1.1": yaml.safe_load(text),
    }


def assert_reads_back(data: dict[str, Any]) -> str:
    text = yaml_writer.dump(data)
    assert readers(text) == dict.fromkeys(READERS, data), text
    return text


QUOTED = [
    "1e1",
    "0o17",
    "022",
    "08",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "N",
    "~",
    "null",
    "Null",
    "true",
    "False",
    "2024-01-01",
    "2024-01-01T10:00:00",
    "0x1F",
    "1_000",
    ".5",
    "+1",
    "-1",
    "-.inf",
    ".nan",
    "<<",
    "=",
    "",
    " leading",
    "trailing ",
    "a: b",
    "ends:",
    "#comment",
    "a #b",
    "a#b",
    "1:20",
    "8080",
    "-",
    "- item",
    "? key",
    "[a]",
    "{a}",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "@x",
    "`x",
    "%x",
    "'",
    '"',
    "it's",
    "::/0",
    "a\tb",
]


@pytest.mark.parametrize("text", QUOTED, ids=[repr(text) for text in QUOTED])
def test_text_any_reader_would_misread_is_quoted(text: str) -> None:
    written = assert_reads_back({"k": text})
    assert written != f"k: {text}\n"
    assert written[3] in "'\""


PLAIN = [
    "anywhere",
    "10.0.0.0/8",
    "sg-0123456789abcdef0",
    "group:web",
    "fe80::1",
    "HTTPS from the internet",
    "SSH from anywhere (console walkthrough)",
    "pulumi/security-groups",
    "8000-8100",
    "café",
    "a=b",
    "x_y.z",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_stays_plain(text: str) -> None:
    assert assert_reads_back({"k": text}) == f"k: {text}\n"


def test_quoting_style() -> None:
    assert yaml_writer.dump({"k": "it's"}) == "k: 'it''s'\n"
    assert yaml_writer.dump({"k": "two\nlines\tand \x00 \x85 \u2028 \ufeff \x7f é"}) == (
        'k: "two\\nlines\\tand \\0 \\N \\L \\ufeff \\x7f é"\n'
    )


def test_in_flow_lists_colons_and_commas_are_quoted() -> None:
    assert assert_reads_back({"from": ["group:web", "a,b", "anywhere", "10.0.0.0/8"]}) == (
        "from: ['group:web', 'a,b', anywhere, 10.0.0.0/8]\n"
    )


def test_layout_is_that_of_the_stack_files() -> None:
    data = {
        "config": {
            "security-groups:groups": {
                "web": {
                    "description": "Public web tier",
                    "tags": {"team": "web", "cost": "0o17"},
                    "ingress": [
                        {"rule": "https", "from": ["anywhere"], "description": "HTTPS from the internet"},
                        {"protocol": "icmp", "icmpType": 8, "icmpCode": -1, "from": [], "ports": "8080"},
                    ],
                    "egress": [],
                    "other": {},
                    "nested": [[1, 2.5], [{"a": None, "b": True}]],
                }
            }
        }
    }
    text = yaml_writer.dump(data, comments=["adopted from us-east-1", "two\nlines"])
    assert text == (
        "# adopted from us-east-1\n"
        "# two\n"
        "# lines\n"
        "config:\n"
        "  security-groups:groups:\n"
        "    web:\n"
        "      description: Public web tier\n"
        "      tags:\n"
        "        team: web\n"
        "        cost: '0o17'\n"
        "      ingress:\n"
        "        - rule: https\n"
        "          from: [anywhere]\n"
        "          description: HTTPS from the internet\n"
        "        - protocol: icmp\n"
        "          icmpType: 8\n"
        "          icmpCode: -1\n"
        "          from: []\n"
        "          ports: '8080'\n"
        "      egress: []\n"
        "      other: {}\n"
        "      nested:\n"
        "        - [1, 2.5]\n"
        "        - - a: null\n"
        "            b: true\n"
    )
    assert readers(text)["pulumi-cli"] == data


def test_comments_cannot_break_out_of_their_line() -> None:
    text = yaml_writer.dump({"k": 1}, comments=["note\u2028injected: true\rmore\x85end"])
    assert text == "# note\\Linjected: true\\rmore\\Nend\nk: 1\n"
    assert readers(text) == {reader: {"k": 1} for reader in READERS}


@pytest.mark.parametrize(
    ("number", "written"), [(1e16, "1.0e+16"), (1.5e-07, "1.5e-07"), (0.1, "0.1"), (-0.0, "-0.0"), (3.0, "3.0")]
)
def test_floats_have_a_form_yaml_11_reads_as_a_float(number: float, written: str) -> None:
    assert assert_reads_back({"k": number}) == f"k: {written}\n"


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ({"<<": 1}, ValueError, "the key '<<' is read back as a YAML merge key by the Pulumi CLI"),
        ({"k": math.nan}, ValueError, "NaN and infinities have no form the Pulumi CLI can pass to a program"),
        ({"k": 2**64}, ValueError, "18446744073709551616 does not fit 64 bits, so go-yaml (the Pulumi CLI) would"),
        ({"k": "\ud800"}, ValueError, "a lone UTF-16 surrogate cannot be written in UTF-8 YAML"),
        ({1: "x"}, TypeError, "keys must be text, not int"),
        ({"k": object()}, TypeError, "not a YAML scalar: object"),
    ],
)
def test_what_no_reader_can_read_back_is_an_error(data: dict[Any, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        yaml_writer.dump(data)
    assert str(raised.value).startswith(message)


KEYS = st.text(max_size=20).filter(lambda key: key != "<<")
SCALARS = (
    st.text(max_size=30)
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.none()
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_reads_back_as_written_in_every_reader(text: str) -> None:
    assert_reads_back({"value": text, "list": [text, text], "map": {text: text} if text != "<<" else {}})


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=5))
def test_any_config_reads_back_as_written_in_every_reader(data: dict[str, Any]) -> None:
    assert_reads_back(data)


def test_notes_go_above_the_entry_they_concern_at_its_indentation() -> None:
    """A note on a key, on a list item in block style, several lines; every reader still reads the same data."""
    data = {"groups": {"web": {"description": "Web", "ingress": [{"rule": "ssh", "from": ["10.0.0.0/8"]}]}}}
    notes = {("groups", "web"): ["NOTE on the group", "two\nlines"], ("groups", "web", "ingress", 0): ["NOTE rule"]}
    text = yaml_writer.dump(data, notes=notes)
    assert text == (
        "groups:\n"
        "  # NOTE on the group\n"
        "  # two\n"
        "  # lines\n"
        "  web:\n"
        "    description: Web\n"
        "    ingress:\n"
        "      # NOTE rule\n"
        "      - rule: ssh\n"
        "        from: [10.0.0.0/8]\n"
    )
    assert readers(text) == dict.fromkeys(READERS, data)


def test_a_note_for_an_entry_not_written_in_block_style_is_refused_never_dropped() -> None:
    with pytest.raises(ValueError, match=r"notes for entries the document does not write in block style: "):
        yaml_writer.dump({"from": ["a", "b"]}, notes={("from", 0): ["inside a flow list"]})

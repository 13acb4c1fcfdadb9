"""`engine_props.proxied_props` builds exactly what pulumi-policy's three conversions build.

Compared on generated trees: the same proxy types with the same paths, the same keys in the same order, the
same Python types and values at the leaves (22.0 stays a float), the same special objects, and the same
exception where the SDK refuses a value.
"""

from __future__ import annotations

import math
from typing import Any

import pulumi
import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given
from hypothesis import strategies as st
from pulumi_policy.deserialize import (
    SPECIAL_ARCHIVE_SIG,
    SPECIAL_ASSET_SIG,
    SPECIAL_SECRET_SIG,
    SPECIAL_SIG_KEY,
    deserialize_properties,
)
from pulumi_policy.proxy import (
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_STRING_VALUE,
    _DictProxy,
    _ListProxy,
    unknown_checking_proxy,
)
from security_group_policies.engine_props import proxied_props
from security_group_tools.pack_runner import Secret, struct

from .test_pack_properties import bounded


def sdk(message: struct_pb2.Struct) -> Any:
    """What pulumi-policy's servicer hands a policy for these properties."""
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(message)))


def shape(value: Any) -> Any:
    """Everything observable about a converted tree, comparable with `==` (proxies and assets have no `__eq__`)."""
    if isinstance(value, _DictProxy):
        target = value["__target"]
        return ("dict", value._DictProxy__props_acc, [(key, shape(item)) for key, item in target.items()])  # type: ignore[attr-defined]
    if isinstance(value, _ListProxy):
        return ("list", value._ListProxy__props_acc, [shape(item) for item in value["__target"]])  # type: ignore[attr-defined]
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        fields = {key: shape(item) if key == "assets" else item for key, item in vars(value).items()}
        if "assets" in fields:
            fields["assets"] = [(key, shape(item)) for key, item in value.assets.items()]  # type: ignore[attr-defined]
        return (type(value).__name__, sorted(fields.items(), key=lambda pair: pair[0]))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def outcome(convert: Any, message: struct_pb2.Struct) -> Any:
    try:
        return shape(convert(message))
    except Exception as error:  # noqa: BLE001  # the exact failure is what is compared
        return ("raised", type(error).__name__, str(error))


def ours(message: struct_pb2.Struct) -> Any:
    return proxied_props(message)


def test_a_realistic_group_converts_alike() -> None:
    props = {
        "description": "Web tier",
        "ingress": [{"fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0", UNKNOWN_STRING_VALUE]}],
        "revokeRulesOnDelete": False,
        "tags": Secret({"team": "web"}),
        "id": None,
    }
    message = struct(props)
    converted = proxied_props(message)
    assert outcome(ours, message) == outcome(sdk, message)
    assert converted["__target"]["ingress"]["__target"][0]["__target"]["fromPort"] == 443.0
    assert converted["__target"]["ingress"]["__target"][0]._DictProxy__props_acc == ["ingress", "0"]


asset = st.sampled_from(
    [
        {SPECIAL_SIG_KEY: SPECIAL_ASSET_SIG, "text": "hello"},
        {SPECIAL_SIG_KEY: SPECIAL_ASSET_SIG, "path": "./a.txt"},
        {SPECIAL_SIG_KEY: SPECIAL_ASSET_SIG, "uri": "https://example.com/a"},
        {SPECIAL_SIG_KEY: SPECIAL_ARCHIVE_SIG, "path": "./a.zip"},
        {SPECIAL_SIG_KEY: SPECIAL_ARCHIVE_SIG, "assets": {"a": {SPECIAL_SIG_KEY: SPECIAL_ASSET_SIG, "text": "x"}}},
        {SPECIAL_SIG_KEY: SPECIAL_ASSET_SIG},  # no payload: the SDK refuses it
        {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG},  # a secret without its value: refused too
        {SPECIAL_SIG_KEY: "not-a-signature", "value": 1},
    ]
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**40), 2**40),
    st.text(max_size=8),
    st.sampled_from([UNKNOWN_STRING_VALUE, UNKNOWN_NUMBER_VALUE, "", "22"]),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=6), children, max_size=4),
        children.map(Secret),
        asset,
    ),
    max_leaves=20,
)


@bounded(300)
@given(props=st.dictionaries(st.text(max_size=6), trees, max_size=5))
def test_any_tree_converts_alike(props: dict[str, Any]) -> None:
    message = struct(props)
    assert outcome(ours, message) == outcome(sdk, message)


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
def test_a_number_json_cannot_hold_fails_as_in_the_sdk(number: float) -> None:
    message = struct_pb2.Struct()
    message.fields["deep"].list_value.values.add().number_value = number
    expected = outcome(sdk, message)
    assert expected[:2] == ("raised", "ValueError")
    assert outcome(ours, message) == expected


def test_a_value_of_no_kind_is_none_as_in_the_sdk() -> None:
    message = struct_pb2.Struct()
    message.fields["empty"].SetInParent()
    message.fields["nested"].struct_value.fields["empty"].SetInParent()
    assert (
        outcome(ours, message)
        == outcome(sdk, message)
        == (
            "dict",
            [],
            [("empty", ("NoneType", None)), ("nested", ("dict", ["nested"], [("empty", ("NoneType", None))]))],
        )
    )

"""`engine_props.proxied_props` builds exactly what pulumi-policy's three conversions build, except on purpose.

Compared on generated trees: the same proxy types with the same paths, the same keys in the same order, the
same Python types and values at the leaves (22.0 stays a float), the same special objects. The differences
are exact too: values inside secret envelopes come out marked (equal to the SDK's, and marked exactly where
an envelope was), infinities and NaN stay floats where the SDK raises, and where the SDK raises on a special
value (or would exhaust the stack) ours raises `UnreadablePropsError` with the kind of problem.
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
from security_group_policies.engine_props import (
    BAD_SIGNATURE,
    MAX_NESTING,
    SECRET_WITHOUT_VALUE,
    TOO_DEEP,
    SecretBearingProps,
    proxied_props,
)
from security_group_policies.wire import SecretFloat, SecretText, is_secret
from security_group_tools.pack_runner import Secret, struct

from .pack_fixtures import nested_value
from .test_pack_properties import bounded


def sdk(message: struct_pb2.Struct) -> Any:
    """What pulumi-policy's servicer hands a policy for these properties."""
    return unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(message)))


PLAIN_TYPES = {SecretText: "str", SecretFloat: "float"}


def shape(value: Any) -> Any:
    """Everything observable about a converted tree, comparable with `==` (proxies and assets have no `__eq__`).

    Secret marks are left out (a marked value has its plain type's name): `secret_paths` compares them.
    """
    if isinstance(value, _DictProxy):
        target = value["__target"]
        return ("dict", value._DictProxy__props_acc, [(str(key), shape(item)) for key, item in target.items()])  # type: ignore[attr-defined]
    if isinstance(value, _ListProxy):
        return ("list", value._ListProxy__props_acc, [shape(item) for item in value["__target"]])  # type: ignore[attr-defined]
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        fields = {key: shape(item) if key == "assets" else item for key, item in vars(value).items()}
        if "assets" in fields:
            fields["assets"] = [(key, shape(item)) for key, item in value.assets.items()]  # type: ignore[attr-defined]
        return (type(value).__name__, sorted(fields.items(), key=lambda pair: pair[0]))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (PLAIN_TYPES.get(type(value), type(value).__name__), value)


def secret_paths(value: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Where a converted tree holds marked values (a dict key marked too is shown with a `key:` step)."""
    found: set[tuple[str, ...]] = set()
    if isinstance(value, _DictProxy):
        for key, item in value["__target"].items():
            if is_secret(key):
                found.add((*path, f"key:{key}"))
            found |= secret_paths(item, (*path, str(key)))
    elif isinstance(value, _ListProxy):
        for index, item in enumerate(value["__target"]):
            found |= secret_paths(item, (*path, str(index)))
    elif is_secret(value):
        found.add(path)
    return found


def enveloped_paths(value: Any, path: tuple[str, ...] = (), inside: bool = False) -> set[tuple[str, ...]]:
    """Where the input tree has text, numbers (and keys) inside a `Secret`: where the marks must be."""
    if isinstance(value, Secret):
        return enveloped_paths(value.value, path, True)
    found: set[tuple[str, ...]] = set()
    if isinstance(value, dict) and SPECIAL_SIG_KEY not in value:
        for key, item in value.items():
            if inside:
                found.add((*path, f"key:{key}"))
            found |= enveloped_paths(item, (*path, key), inside)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= enveloped_paths(item, (*path, str(index)), inside)
    elif inside and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        found.add(path)  # unknown sentinels too: marked, and still unknown to the proxy and to `thaw`
    return found


def outcome(convert: Any, message: struct_pb2.Struct) -> Any:
    try:
        return shape(convert(message))
    except Exception as error:  # noqa: BLE001  # the exact failure is what is compared
        return ("raised", type(error).__name__, str(error))


def expected(message: struct_pb2.Struct) -> Any:
    """The SDK's outcome, with its refusals of special values as ours says them."""
    sdk_outcome = outcome(sdk, message)
    if sdk_outcome[0] == "raised":
        reason = SECRET_WITHOUT_VALUE if "Invalid secret" in sdk_outcome[2] else BAD_SIGNATURE
        return ("raised", "UnreadablePropsError", reason)
    return sdk_outcome


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
    assert secret_paths(converted) == {("tags", "key:team"), ("tags", "team")}
    assert isinstance(converted, SecretBearingProps)
    assert not isinstance(proxied_props(struct({"tags": {"team": "web"}})), SecretBearingProps)
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
    result = outcome(ours, message)
    assert result == expected(message)
    if result[0] != "raised":
        assert secret_paths(proxied_props(message)) == enveloped_paths(props)


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan])
def test_a_number_json_cannot_hold_stays_a_float_where_the_sdk_raises(number: float) -> None:
    message = struct_pb2.Struct()
    message.fields["deep"].list_value.values.add().number_value = number
    assert outcome(sdk, message)[:2] == ("raised", "ValueError")
    assert outcome(ours, message) == ("dict", [], [("deep", ("list", ["deep"], [shape(number)]))])
    secret = struct_pb2.Struct()
    secret.update({"port": {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": 1.0}})
    secret.fields["port"].struct_value.fields["value"].number_value = number
    value = proxied_props(secret)["__target"]["port"]
    assert isinstance(value, SecretFloat)
    assert shape(value) == shape(number)


def nested(depth: int, leaf: Any, kind: str) -> struct_pb2.Struct:
    """A Struct whose `deep` property holds `depth` maps (or lists) inside one another, built without recursion."""
    value = nested_value(depth, kind, leaf)
    message = struct_pb2.Struct()
    message.fields["deep"].CopyFrom(value)
    return message


@pytest.mark.parametrize("kind", ["map", "list"])
def test_nesting_past_the_limit_is_unreadable_not_a_crash(kind: str) -> None:
    """Within the limit the tree converts as the SDK's does; past it (here 5,000 deep, far past Python's own
    recursion limit) the walk stops with the reason instead of exhausting the stack."""
    within = nested(MAX_NESTING - 1, 1.0, kind)
    assert outcome(ours, within) == outcome(sdk, within)
    for depth in (MAX_NESTING, 5_000):
        assert outcome(ours, nested(depth, 1.0, kind)) == ("raised", "UnreadablePropsError", TOO_DEEP)


def test_a_secret_inside_a_secret_is_marked_once_and_unwrapped_in_place() -> None:
    props = {"cidr": Secret(Secret("203.0.113.0/24")), "list": Secret(["a", {"b": 1}])}
    converted = proxied_props(struct(props))
    assert outcome(ours, struct(props)) == outcome(sdk, struct(props))
    assert secret_paths(converted) == {("cidr",), ("list", "0"), ("list", "1", "key:b"), ("list", "1", "b")}
    assert converted["__target"]["list"]._ListProxy__props_acc == ["list"]  # the envelope's own path


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

"""A resource's protobuf properties as pulumi-policy hands them to a policy, built in one walk.

The SDK gets there in three: `json_format.MessageToDict`, then `deserialize_properties` (secrets unwrapped,
assets and archives made objects), then `unknown_checking_proxy` (every dict and list wrapped in a proxy that
knows its path). Each walk copies the whole tree, and the generic protobuf-to-JSON code looks up descriptors
for every value. `proxied_props` builds the same proxies, with the same paths, over the same values, in the
same key order, straight from the Struct. The rare special objects (a map carrying the engine's signature
key) and the numbers JSON cannot hold (infinities and NaN, which `MessageToDict` refuses) are handed to the
SDK's own code, so they come out, or fail, exactly as they do there. Tests compare both on generated trees.
"""

from __future__ import annotations

import math
from typing import Any

from google.protobuf import json_format
from pulumi_policy.deserialize import SPECIAL_SIG_KEY, _deserialize_property
from pulumi_policy.proxy import _DictProxy, _ListProxy, _proxy_helper


def proxied_props(struct: Any) -> Any:
    """`unknown_checking_proxy(deserialize_properties(MessageToDict(struct)))`, in one walk."""
    return _DictProxy(_fields(struct, []), [])


def _fields(struct: Any, path: list[str]) -> dict[str, Any]:
    fields = struct.fields
    return {key: _value(fields[key], path, key) for key in fields}


def _value(value: Any, parent: list[str], key: str) -> Any:
    """One value; its path (`parent` plus `key`) is only built for the containers that keep it."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        number = value.number_value
        if math.isinf(number) or math.isnan(number):
            return json_format.MessageToDict(value)  # raises the SDK's own ValueError for this value
        return number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        struct = value.struct_value
        path = [*parent, key]
        if SPECIAL_SIG_KEY in struct.fields:  # a secret, asset or archive: the SDK's own decoding
            return _proxy_helper(_deserialize_property(json_format.MessageToDict(struct)), path)
        return _DictProxy(_fields(struct, path), path)
    if kind == "list_value":
        path = [*parent, key]
        items = value.list_value.values
        return _ListProxy([_value(item, path, str(index)) for index, item in enumerate(items)], path)
    return None  # null_value, or no kind at all

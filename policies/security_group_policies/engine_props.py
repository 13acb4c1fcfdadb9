"""A resource's protobuf properties as pulumi-policy hands them to a policy, built in one walk.

The SDK gets there in three: `json_format.MessageToDict`, then `deserialize_properties` (secrets unwrapped,
assets and archives made objects), then `unknown_checking_proxy` (every dict and list wrapped in a proxy that
knows its path). Each walk copies the whole tree, and the generic protobuf-to-JSON code looks up descriptors
for every value. `proxied_props` builds the same proxies, with the same paths, over the same values, in the
same key order, straight from the Struct. Tests compare both on generated trees. Where it differs, it is on
purpose, and only where the SDK would fail the whole request or forget what the engine said:

- the values of a secret envelope are marked (`wire.SecretText`, ...; equal to the plain values in every
  comparison), so no message repeats them;
- infinities and NaN stay floats (`MessageToDict` refuses them, failing the call): the rule model reads such a
  port as it reads any unreadable number, open-ended, so it can only look wider than it is;
- what cannot be represented at all (nesting deeper than `MAX_NESTING`, a signature map that is no valid
  secret, asset or archive) raises `UnreadablePropsError`, whose reason names the kind of problem, never a value;
  the analyzer answers it with an advisory note instead of an error status.

Assets and archives are handed to the SDK's own decoding, so they come out exactly as they do there.
"""

from __future__ import annotations

from typing import Any, Final

from google.protobuf import json_format
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, _deserialize_property
from pulumi_policy.proxy import _DictProxy, _ListProxy, _proxy_helper

from .wire import SecretFloat, SecretText

MAX_NESTING: Final = 100
"""Maps and lists inside one another. The engine's requests cannot nest even half as deep (protobuf refuses to
decode them first, see `decoding`); a caller in this process can, and would otherwise exhaust Python's stack."""

TOO_DEEP: Final = f"they nest maps or lists more than {MAX_NESTING} levels deep"
SECRET_WITHOUT_VALUE: Final = "a secret envelope carries no value"
BAD_SIGNATURE: Final = "a map carries the engine's signature key but is no valid secret, asset or archive"


class UnreadablePropsError(Exception):
    """Properties this pack cannot represent. `reason` says what kind of problem it is, never a value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SecretBearingProps(_DictProxy):
    """Top-level props in which at least one value arrived in a secret envelope (the SDK's proxy otherwise)."""

    holds_secrets: Final = True
    """Read by `wire.raw_key`: props with marked values are never keyed by their text."""


def proxied_props(struct: Any) -> Any:
    """`unknown_checking_proxy(deserialize_properties(MessageToDict(struct)))`, in one walk; see the module."""
    secrets: list[bool] = []  # one entry per secret envelope found
    fields = _fields(struct, [], 1, secrets)
    return SecretBearingProps(fields, []) if secrets else _DictProxy(fields, [])


# Plain values and values inside a secret are walked by separate functions: the plain walk, which is nearly all
# of every request, carries no flag of its own.


def _fields(struct: Any, path: list[str], depth: int, secrets: list[bool]) -> dict[str, Any]:
    fields = struct.fields
    return {key: _value(fields[key], path, key, depth, secrets) for key in fields}


def _value(value: Any, parent: list[str], key: str, depth: int, secrets: list[bool]) -> Any:
    """One value; its path (`parent` plus `key`) is only built for the containers that keep it.

    `depth` counts the containers around it.
    """
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        struct = value.struct_value
        if SPECIAL_SIG_KEY in struct.fields:
            return _special(struct, parent, key, depth, secrets)
        if depth >= MAX_NESTING:
            raise UnreadablePropsError(TOO_DEEP)
        path = [*parent, key]
        return _DictProxy(_fields(struct, path, depth + 1, secrets), path)
    if kind == "list_value":
        if depth >= MAX_NESTING:
            raise UnreadablePropsError(TOO_DEEP)
        path = [*parent, key]
        items = value.list_value.values
        return _ListProxy([_value(item, path, str(i), depth + 1, secrets) for i, item in enumerate(items)], path)
    return None  # null_value, or no kind at all


def _secret_fields(struct: Any, path: list[str], depth: int, secrets: list[bool]) -> dict[str, Any]:
    fields = struct.fields  # inside a secret the keys are part of it too
    return {SecretText(key): _secret_value(fields[key], path, key, depth, secrets) for key in fields}


def _secret_value(value: Any, parent: list[str], key: str, depth: int, secrets: list[bool]) -> Any:
    """`_value` for a value inside a secret envelope: text and numbers come out marked."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return SecretText(value.string_value)
    if kind == "number_value":
        return SecretFloat(value.number_value)
    if kind in ("struct_value", "list_value") and depth >= MAX_NESTING:
        raise UnreadablePropsError(TOO_DEEP)
    if kind == "struct_value":
        struct = value.struct_value
        if SPECIAL_SIG_KEY in struct.fields:
            return _special(struct, parent, key, depth, secrets)
        path = [*parent, key]
        return _DictProxy(_secret_fields(struct, path, depth + 1, secrets), path)
    if kind == "list_value":
        path = [*parent, key]
        items = value.list_value.values
        return _ListProxy([_secret_value(item, path, str(i), depth + 1, secrets) for i, item in enumerate(items)], path)
    return _value(value, parent, key, depth, secrets)  # a boolean or null: nothing to mark


def _special(struct: Any, parent: list[str], key: str, depth: int, secrets: list[bool]) -> Any:
    """A map with the engine's signature key: a secret (its value, marked), or an asset or archive (the SDK's)."""
    fields = struct.fields
    signature = fields[SPECIAL_SIG_KEY]
    if signature.WhichOneof("kind") == "string_value" and signature.string_value == SPECIAL_SECRET_SIG:
        if "value" not in fields:
            raise UnreadablePropsError(SECRET_WITHOUT_VALUE)
        secrets.append(True)
        # The SDK unwraps a secret in place: its value has the envelope's path, not one below it.
        return _secret_value(fields["value"], parent, key, depth, secrets)
    try:
        decoded = _deserialize_property(json_format.MessageToDict(struct))
    except Exception as error:  # the SDK's assertions (and MessageToDict's ValueError) on bad payloads
        raise UnreadablePropsError(BAD_SIGNATURE) from error
    return _proxy_helper(decoded, [*parent, key])

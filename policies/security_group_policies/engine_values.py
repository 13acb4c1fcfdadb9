"""A resource's protobuf properties straight to plain values, in one walk: the only conversion a request gets.

The SDK gets to its policies' props in three walks (`json_format.MessageToDict`, `deserialize_properties`,
`unknown_checking_proxy`), and a policy of this pack would then copy them once more to plain data
(`wire.thaw`). Here the Struct becomes that plain data directly (`wire.Plain`): the engine's unknown sentinels
become `UNKNOWN`, values inside a secret envelope come out marked (`wire.SecretText`, ...; equal to the plain
values in every comparison), so no message repeats them, and keys starting with `__` (the engine's own
bookkeeping) are left out of the top level, as `wire.thaw_props` leaves them out. Where it departs from the SDK,
it is on purpose, and only where the SDK would fail the whole request:

- infinities and NaN stay floats (`MessageToDict` refuses them, failing the call): the rule model reads such a
  port as it reads any unreadable number, open-ended, so it can only look wider than it is;
- what cannot be represented at all (nesting deeper than `MAX_NESTING`, a signature map that is no valid
  secret, asset or archive) raises `UnreadablePropsError`, whose reason names the kind of problem, never a value;
  the analyzer answers it with an advisory note instead of an error status.

An asset or archive is checked with the SDK's own decoding (so a malformed one is refused as the SDK refuses it)
and then becomes None, as `wire.thaw` reads any engine object: none belongs in a security group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from google.protobuf import json_format
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY, _deserialize_property

from .tables import UNKNOWN_SENTINELS
from .wire import UNKNOWN, Plain, SecretFloat, SecretText

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


def engine_values(struct: Any) -> dict[str, Plain]:
    """A resource's props (a protobuf `Struct`) as plain values; see the module."""
    fields = struct.fields
    return {key: _value(fields[key], 1) for key in fields if not key.startswith("__")}


# Plain values and values inside a secret are walked by separate functions: the plain walk, which is nearly all
# of every request, carries no flag of its own.


def _value(value: Any, depth: int) -> Plain:
    """One value; `depth` counts the containers around it."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text: str = value.string_value
        return UNKNOWN if text in UNKNOWN_SENTINELS else text
    if kind == "number_value":
        return value.number_value  # type: ignore[no-any-return]  # protobuf's double
    if kind == "bool_value":
        return value.bool_value  # type: ignore[no-any-return]  # protobuf's bool
    if kind == "struct_value":
        struct = value.struct_value
        if SPECIAL_SIG_KEY in struct.fields:
            return _special(struct, depth)
        if depth >= MAX_NESTING:
            raise UnreadablePropsError(TOO_DEEP)
        fields = struct.fields
        return {key: _value(fields[key], depth + 1) for key in fields}
    if kind == "list_value":
        if depth >= MAX_NESTING:
            raise UnreadablePropsError(TOO_DEEP)
        return [_value(item, depth + 1) for item in value.list_value.values]
    return None  # null_value, or no kind at all


def _secret_value(value: Any, depth: int) -> Plain:
    """`_value` for a value inside a secret envelope: text, numbers and map keys come out marked."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text: str = value.string_value
        return UNKNOWN if text in UNKNOWN_SENTINELS else SecretText(text)
    if kind == "number_value":
        return SecretFloat(value.number_value)
    if kind in ("struct_value", "list_value") and depth >= MAX_NESTING:
        raise UnreadablePropsError(TOO_DEEP)
    if kind == "struct_value":
        struct = value.struct_value
        if SPECIAL_SIG_KEY in struct.fields:
            return _special(struct, depth)
        fields = struct.fields  # inside a secret the keys are part of it too
        return {SecretText(key): _secret_value(fields[key], depth + 1) for key in fields}
    if kind == "list_value":
        return [_secret_value(item, depth + 1) for item in value.list_value.values]
    return _value(value, depth)  # a boolean or null: nothing to mark


def _special(struct: Any, depth: int) -> Plain:
    """A map with the engine's signature key: a secret (its value, marked), or an asset or archive (None)."""
    fields = struct.fields
    signature = fields[SPECIAL_SIG_KEY]
    if signature.WhichOneof("kind") == "string_value" and signature.string_value == SPECIAL_SECRET_SIG:
        if "value" not in fields:
            raise UnreadablePropsError(SECRET_WITHOUT_VALUE)
        return _secret_value(fields["value"], depth)
    try:
        _deserialize_property(json_format.MessageToDict(struct))
    except Exception as error:  # the SDK's assertions (and MessageToDict's ValueError) on bad payloads
        raise UnreadablePropsError(BAD_SIGNATURE) from error
    return None


class _NotPlainError(Exception):
    """A value `python_values` leaves to the Struct's way."""


def python_values(props: Mapping[str, Any]) -> dict[str, Plain] | None:
    """What `engine_values` gives for the Struct of these props, built without the Struct.

    For a caller in this process that holds the props as Python values: numbers become floats, the engine's
    unknown sentinels `UNKNOWN`, and top-level keys starting with `__` are left out, as for the Struct.

    None for props holding anything else than text, numbers, booleans, None, maps with text keys and lists (a
    secret, an asset, a map with the engine's signature key, nesting deeper than `MAX_NESTING`, a number no
    double holds): the caller sends those through the Struct and `engine_values`, which decide what they mean.
    """
    try:
        return {key: _python(value, 1) for key, value in _items(props) if not key.startswith("__")}
    except _NotPlainError:
        return None


def _items(value: Mapping[Any, Any]) -> list[tuple[str, Any]]:
    if SPECIAL_SIG_KEY in value or any(type(key) is not str for key in value):
        raise _NotPlainError
    return list(value.items())


def _python(value: Any, depth: int) -> Plain:
    kind = type(value)
    if kind is str:
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if kind is bool or value is None:
        return value  # type: ignore[no-any-return]  # a bool or None
    if kind is int or kind is float:
        try:
            return float(value)
        except OverflowError:
            raise _NotPlainError from None
    if depth >= MAX_NESTING:
        raise _NotPlainError
    if kind is dict:
        return {key: _python(item, depth + 1) for key, item in _items(value)}
    if kind is list or kind is tuple:
        return [_python(item, depth + 1) for item in value]
    raise _NotPlainError

"""Turn engine property values into plain Python, with "not known until apply" as a value of its own.

pulumi-policy hands policies a proxy that raises `UnknownValueError` the moment an unknown value is read,
which would end a policy at the first unknown CIDR and hide every finding on the other rules. Reading the
whole tree once, here, turns each unknown into the `UNKNOWN` marker instead, so the normaliser can judge
everything that is known and say precisely what is not.

A value that arrived inside one of the engine's secret envelopes stays marked: its text and numbers become
`SecretText`/`SecretInt`/`SecretFloat`, which compare, hash and compute exactly as the plain values (so no
verdict can depend on the marking) but let every message say "a secret value" instead of quoting it. Booleans
cannot be marked (Python has one True); no message quotes a boolean.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Final, NamedTuple, TypeAlias

from pulumi_policy import Secret
from pulumi_policy.proxy import UnknownValueError

from .tables import UNKNOWN_SENTINELS


class SecretText(str):
    """Text that arrived inside a secret envelope.

    Operations on it return plain `str`: mark what is kept of it again with `keep_secret`.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        # Distinct from the plain text's repr, so caches keyed by repr never mix a secret with its plain twin.
        return f"SecretText({str.__repr__(self)})"


class SecretInt(int):
    """An integer that arrived inside a secret envelope."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"SecretInt({int.__repr__(self)})"


class SecretFloat(float):
    """A number that arrived inside a secret envelope (the engine sends every number as a double)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"SecretFloat({float.__repr__(self)})"


def is_secret(value: object) -> bool:
    """True for a value that arrived inside a secret envelope."""
    return isinstance(value, (SecretText, SecretInt, SecretFloat))


def keep_secret(raw: object, text: str) -> str:
    """`text` (derived from `raw`, e.g. stripped), marked secret when `raw` was."""
    return SecretText(text) if is_secret(raw) else text


def conceal(value: object) -> object:
    """A plain leaf marked secret (booleans, None and other objects as they are)."""
    if isinstance(value, bool) or is_secret(value):
        return value
    if isinstance(value, str):
        return SecretText(value)
    if isinstance(value, int):
        return SecretInt(value)
    if isinstance(value, float):
        return SecretFloat(value)
    return value


class Unknown(Enum):
    """The single marker for a value that is not known until apply."""

    UNKNOWN = "unknown"


UNKNOWN: Final = Unknown.UNKNOWN

Plain: TypeAlias = bool | int | float | str | Unknown | list["Plain"] | dict[str, "Plain"] | None
"""A property value after `thaw`: JSON-like, plus the unknown marker."""

MAX_DEPTH: Final = 24
"""Security-group properties nest three levels deep; anything far deeper is junk and is cut off."""

_NUMBER: Final = re.compile(r"[+-]?\d+(?:\.0*)?")


def thaw(value: object, depth: int = 0, secret: bool = False) -> Plain:
    """Copy a property value (possibly behind pulumi-policy's proxies) into plain data.

    This is the slow path, for policies served by a stock `PolicyPack` (`sdk.py`): each proxied item is read
    through the proxy, whose unknown check raises. The pack's own analyzer converts requests with
    `engine_values` instead. Values inside a `pulumi_policy.Secret` (or with `secret` set) come out marked
    (`SecretText`, ...), as do the keys of maps inside one.
    """
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, Secret):
        return thaw(value.value, depth + 1, True)
    if isinstance(value, str):
        if value in UNKNOWN_SENTINELS:
            return UNKNOWN
        return SecretText(value) if secret and not isinstance(value, SecretText) else value
    if value is None or isinstance(value, (bool, int, float)):
        return conceal(value) if secret else value  # type: ignore[return-value]  # conceal keeps the type
    if isinstance(value, dict):  # plain containers cannot raise UnknownValueError: no per-item guard needed
        return {
            (SecretText(key) if secret else key): thaw(item, depth + 1, secret)
            for key, item in value.items()
            if isinstance(key, str)
        }
    if isinstance(value, list):
        return [thaw(item, depth + 1, secret) for item in value]
    if isinstance(value, Mapping):
        result: dict[str, Plain] = {}
        for key in list(value):
            if isinstance(key, str):
                result[SecretText(key) if secret else key] = _thaw_item(value, key, depth, secret)
        return result
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [_thaw_item(value, index, depth, secret) for index in range(len(value))]
    # Assets, archives and other engine objects never belong in a security group.
    return None


def _thaw_item(container: Mapping[str, object] | Sequence[object], key: str | int, depth: int, secret: bool) -> Plain:
    try:
        item = container[key]  # type: ignore[index]  # a str key for a Mapping, an int index for a Sequence
    except UnknownValueError:
        return UNKNOWN
    return thaw(item, depth + 1, secret)


def thaw_props(props: Mapping[str, object]) -> dict[str, Plain]:
    """Thaw a resource's property bag; keys starting with `__` are the engine's own bookkeeping."""
    thawed = thaw(props)
    if not isinstance(thawed, dict):
        return {}
    return {key: value for key, value in thawed.items() if not key.startswith("__")}


# --- Typed readers -------------------------------------------------------------------------------------------


class TextState(Enum):
    """How a free-text property (description, name) arrived."""

    PRESENT = "present"
    MISSING = "missing"
    NOT_TEXT = "not-text"
    UNKNOWN = "unknown"


class Text(NamedTuple):
    """A free-text property. Its value may be a decrypted secret: never put it in a message."""

    state: TextState
    value: str = ""
    secret: bool = False
    """It arrived inside a secret envelope: a message may not even describe its characters."""

    @property
    def known(self) -> bool:
        """True unless the value is only known at apply time."""
        return self.state is not TextState.UNKNOWN


def read_text(value: Plain) -> Text:
    """Read a free-text property."""
    if value is UNKNOWN:
        return Text(TextState.UNKNOWN)
    if value is None:
        return Text(TextState.MISSING)
    if isinstance(value, str):
        return Text(TextState.PRESENT, value, is_secret(value))
    return Text(TextState.NOT_TEXT, secret=is_secret(value))


def read_int(value: Plain) -> int | Unknown | None:
    """Read an integer that may arrive as 22, 22.0 or "22"; None when absent or unreadable."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return int(float(value.strip()))
    return None


def read_strings(value: Plain) -> list[str | Unknown]:
    """Read a property that should be a list of strings; a lone string counts as a list of one."""
    if value is UNKNOWN:
        return [UNKNOWN]
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str) or item is UNKNOWN]
    return []


def read_flag(value: Plain) -> bool | Unknown:
    """Read a boolean that may arrive as true or "true"."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def read_tags(value: Plain) -> dict[str, str | Unknown] | Unknown:
    """Read tags, either a map (pulumi-aws) or a list of `{key, value}` (aws-native)."""
    if value is UNKNOWN:
        return UNKNOWN
    tags: dict[str, str | Unknown] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) or item is UNKNOWN:
                tags[key] = item
    elif isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict):
                name, text = entry.get("key"), entry.get("value")
                if isinstance(name, str) and (isinstance(text, str) or text is UNKNOWN):
                    tags[name] = text
    return tags

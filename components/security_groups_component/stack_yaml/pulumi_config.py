r"""What the Pulumi CLI makes of a stack file's `config:`: namespaced keys, and the text of each value.

The program finds that text in one JSON object of strings, the `PULUMI_CONFIG` environment variable.

Sources (pulumi/pulumi): `sdk/go/common/workspace/loaders.go` (`LoadProjectStackBytes`: unmarshal into `any`,
`stackConfigNamespacedWithProject`, marshal back to YAML, unmarshal into `ProjectStack`),
`sdk/go/common/resource/config/key.go` (`ParseKey`), `sdk/go/common/resource/config/object.go`
(`unmarshalObject`, `MarshalString`, `isSecureValue`), `pkg/workspace/config.go` (`createConfigValue`, for
Pulumi.yaml defaults), `sdk/python/cmd/pulumi-language-python/main.go` (`PULUMI_CONFIG`).

- A bare key gets the project's namespace (`groups` is `security-groups:groups`); `ns:config:name` is the old
  spelling of `ns:name`; any other key with more than one `:` fails to load.
- Text passes as it is; null at the top is "" (the CLI warns); true/false, numbers, lists and mappings become
  Go's `json.Marshal` text: compact, map keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`…
- Numbers go through the CLI's YAML round trip first: go-yaml writes a float with `strconv.FormatFloat(f, 'g',
  -1, 64)` and reads it back, so an integral float below 1e21 reaches the program as an integer (`1e3` -> `1000`,
  `-0.0` -> `0`) and Go's JSON writes the rest (`1e-7` -> `1e-7`, `1e21` -> `1e+21`).
- `{secure: <ciphertext>}` is a secret, at the top or inside a value; the CLI decrypts it before the program
  runs, which only the stack's secrets provider can do.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Final

from .errors import Path, YamlError
from .scalars import FLOAT, INT, resolve

_HTML_ESCAPES: Final = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
"""What Go's encoding/json escapes beyond what Python's json module does (`escapeHTML`, on by default)."""


class SecureValueError(ValueError):
    """A secret value (`{secure: …}`) where its plain text is needed; the message never holds the ciphertext."""


def is_secure(value: object) -> bool:
    """Whether a value is the CLI's secret form: a mapping of exactly one key, `secure`, holding text."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


def secure_paths(value: object, path: Path = ()) -> Iterator[Path]:
    """The path of every secret value in `value` (itself included), in document order."""
    pending: list[tuple[Path, object]] = [(path, value)]
    while pending:
        where, item = pending.pop()
        if is_secure(item):
            yield where
        elif isinstance(item, dict):
            pending.extend(reversed([((*where, key), child) for key, child in item.items()]))
        elif isinstance(item, list):
            pending.extend(reversed([((*where, index), child) for index, child in enumerate(item)]))


def config_key(key: str, project: str) -> str | None:
    """The key the CLI files a `config:` entry under; None for a key it cannot parse."""
    parts = key.split(":")
    if len(parts) == 1:
        return f"{project}:{key}"
    if len(parts) == 2:
        return key
    if len(parts) == 3 and parts[1] == "config":
        return f"{parts[0]}:{parts[2]}"
    return None


def stack_config(data: object, project: str, name: str, where: dict[Path, tuple[int, int]]) -> dict[str, object]:
    """A stack document's `config:` with every key as the CLI files it (see the module docstring)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise YamlError(
            name,
            where.get((), (1, 1)),
            (),
            f"a stack file is a mapping with a `config:` section, not {_kind(data)}",
            "write `config:` at the top, with one `key: value` per line under it, like stacks/Pulumi.dev.yaml",
        )
    config = data.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise YamlError(
            name,
            where.get(("config",), (1, 1)),
            ("config",),
            f"`config:` is {_kind(config)}, not a mapping of keys to values",
            "write one `key: value` per line under `config:`",
        )
    result: dict[str, object] = {}
    written: dict[str, str] = {}
    for key, value in config.items():
        full = config_key(key, project)
        position = where.get(("config", key), (1, 1))
        if full is None:
            raise YamlError(
                name,
                position,
                ("config", key),
                "not a config key the Pulumi CLI can parse (more than one `:`)",
                f"write `<namespace>:<name>`, e.g. `{project}:groups`",
            )
        if full in result:
            raise YamlError(
                name,
                position,
                ("config", key),
                f"`{written[full]}` and `{key}` are both the key {full}, and the Pulumi CLI keeps one of them at "
                "random",
                "keep one of them",
            )
        result[full] = value
        written[full] = key
    return result


def cli_value(value: object) -> str:
    """The text the CLI puts in PULUMI_CONFIG for one config value (see the module docstring).

    Raises SecureValueError for a secret value, or one holding a secret: only the stack's secrets provider can
    tell its plain text.
    """
    if any(True for _ in secure_paths(value)):
        raise SecureValueError("a secret value (`secure:`) can only be read with the stack's secrets provider")
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return go_json(value)


def go_json(value: object) -> str:
    """Go's `json.Marshal` text of a value after the CLI's YAML round trip (nesting is bounded by the reader)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_json_number(_yaml_round_trip(value))
    if isinstance(value, str):
        return _go_json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(go_json(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items())  # Go sorts map keys bytewise, which for UTF-8 is code point order
        return "{" + ",".join(f"{_go_json_string(key)}:{go_json(item)}" for key, item in items) + "}"
    raise TypeError(f"not a config value: {type(value).__name__}")


def _go_json_string(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    for char, escape in _HTML_ESCAPES.items():
        encoded = encoded.replace(char, escape)
    return encoded


def _yaml_round_trip(number: float) -> int | float:
    """The number go-yaml reads back from the text it writes for a float."""
    if not math.isfinite(number):
        raise ValueError("NaN and infinities have no JSON form: the Pulumi CLI fails on them")
    tag, value = resolve("", go_format_g(number))
    assert tag in (INT, FLOAT)
    assert isinstance(value, int | float)
    return value


def _go_json_number(number: int | float) -> str:
    """encoding/json's float encoder: shortest digits, exponent form below 1e-6 and from 1e21 (`e-07` -> `e-7`)."""
    if isinstance(number, int):
        return str(number)
    magnitude = abs(number)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = _format_e(number)
        mantissa, exponent = text.split("e")
        if exponent.startswith("-0"):
            exponent = "-" + exponent[2:]
        return f"{mantissa}e{exponent}"
    return _format_f(number)


def go_format_g(number: float) -> str:
    """Go's `strconv.FormatFloat(number, 'g', -1, 64)`: %e when the exponent is below -4 or at least 6."""
    if number == 0:
        return "-0" if math.copysign(1.0, number) < 0 else "0"
    _, _, point = _shortest(number)
    exponent = point - 1
    return _format_e(number) if exponent < -4 or exponent >= 6 else _format_f(number)


def _shortest(number: float) -> tuple[bool, str, int]:
    """Sign, shortest round-trip digits (no trailing zeros) and decimal point position: 1250.0 is ("125", 4)."""
    sign, digit_tuple, exponent = Decimal(repr(number)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    point = len(digit_tuple) + exponent
    return bool(sign), digits, point


def _format_e(number: float) -> str:
    """Go's %e with the shortest digits: `1.5e+06`, `1e-07` (at least two exponent digits)."""
    negative, digits, point = _shortest(number)
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exponent = point - 1
    return f"{'-' if negative else ''}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _format_f(number: float) -> str:
    """Go's %f with the shortest digits: `1000000`, `0.0001`, `-1.5`."""
    if number == 0:
        return "-0" if math.copysign(1.0, number) < 0 else "0"
    negative, digits, point = _shortest(number)
    if point <= 0:
        whole, fraction = "0", "0" * -point + digits
    elif point >= len(digits):
        whole, fraction = digits + "0" * (point - len(digits)), ""
    else:
        whole, fraction = digits[:point], digits[point:]
    return f"{'-' if negative else ''}{whole}{'.' + fraction if fraction else ''}"


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "null"
    return "true/false" if isinstance(value, bool) else "a number"

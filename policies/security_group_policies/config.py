"""Policy configuration: one `Option` per key, carrying its JSON schema (with the default) and its reader.

The engine fills schema defaults in before `Configure`, but a policy called directly (a unit test, or a
config entry that leaves keys out) sees fewer keys, so every reader falls back to the same default the schema
declares. Values arrive as the engine sends them: every number is a float (22.0).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from .name_patterns import Matcher, PatternError, compile_pattern
from .ports import PortSet
from .rules import Network
from .tables import DEFAULT_RULE_QUOTA, MAX_RULE_QUOTA, PORT_MAX, PORT_MIN

T = TypeVar("T")

PORT_RANGE_PATTERN = "^[0-9]{1,5}(-[0-9]{1,5})?$"


@dataclass(frozen=True)
class Option(Generic[T]):
    """One configuration key of a policy."""

    key: str
    schema: Mapping[str, Any]
    """JSON schema of the value, including `default` and `description`."""
    parse: Callable[[object], T | None]
    """Turns a configured value into settings; None when the value is unusable."""

    @property
    def default(self) -> T:
        """The schema default, parsed."""
        value = self.parse(self.schema["default"])
        if value is None:
            raise ValueError(f"the default of {self.key} does not parse")  # a programming error, caught by tests
        return value

    def read(self, config: Mapping[str, object]) -> T:
        """The configured value, or the default when the key is absent or unusable."""
        if self.key in config:
            value = self.parse(config[self.key])
            if value is not None:
                return value
        return self.default


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _parse_ports(value: object) -> PortSet | None:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    ports = [_as_int(item) for item in value]
    if any(port is None or not PORT_MIN <= port <= PORT_MAX for port in ports):
        return None
    return PortSet.ports(port for port in ports if port is not None)


def _parse_port_specs(value: object) -> PortSet | None:
    """Ports as numbers or "low-high" strings; an entry out of range makes the whole value unusable."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    spans: list[tuple[int, int]] = []
    for item in value:
        number = _as_int(item)
        if number is not None:
            low = high = number
        elif isinstance(item, str) and re.fullmatch(PORT_RANGE_PATTERN, item):
            low_text, _, high_text = item.partition("-")
            low, high = int(low_text), int(high_text or low_text)
        else:
            return None
        if not PORT_MIN <= low <= high <= PORT_MAX:
            return None
        spans.append((low, high))
    return PortSet.of(spans)


def _parse_cidrs(value: object) -> tuple[Network, ...] | None:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    networks: list[Network] = []
    for item in value:
        if not isinstance(item, str):
            return None
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            return None
    return tuple(networks)


class NamePatterns(NamedTuple):
    """Resource-name patterns (RE2, `name_patterns`); one RE2 cannot compile is kept as an index, to be reported.

    This pack's analyzer refuses such a config at Configure; `broken` is for policies served without it.
    """

    patterns: tuple[Matcher, ...] = ()
    broken: tuple[int, ...] = ()

    def match(self, name: str) -> bool:
        """True when a pattern matches the whole name."""
        return any(pattern.fullmatch(name) for pattern in self.patterns)


def _parse_patterns(value: object) -> NamePatterns | None:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    patterns: list[Matcher] = []
    broken: list[int] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            return None
        try:
            patterns.append(compile_pattern(item))
        except PatternError:
            broken.append(index)
    return NamePatterns(tuple(patterns), tuple(broken))


def _parse_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _parse_protocols(allowed: Sequence[str]) -> Callable[[object], tuple[str, ...] | None]:
    def parse(value: object) -> tuple[str, ...] | None:
        if not isinstance(value, Sequence) or isinstance(value, str):
            return None
        if not all(isinstance(item, str) and item in allowed for item in value):
            return None
        return tuple(dict.fromkeys(str(item) for item in value))

    return parse


def _parse_int_between(low: int, high: int) -> Callable[[object], int | None]:
    def parse(value: object) -> int | None:
        number = _as_int(value)
        return number if number is not None and low <= number <= high else None

    return parse


# --- Option factories -----------------------------------------------------------------------------------------


def ports_option(key: str, default: Sequence[int], description: str) -> Option[PortSet]:
    """A list of single ports."""
    return Option(
        key,
        {
            "type": "array",
            "items": {"type": "integer", "minimum": PORT_MIN, "maximum": PORT_MAX},
            "uniqueItems": True,
            "default": list(default),
            "description": description,
        },
        _parse_ports,
    )


def port_specs_option(key: str, default: Sequence[int | str], description: str) -> Option[PortSet]:
    """A list of ports or `low-high` ranges."""
    return Option(
        key,
        {
            "type": "array",
            "items": {
                "anyOf": [
                    {"type": "integer", "minimum": PORT_MIN, "maximum": PORT_MAX},
                    {"type": "string", "pattern": PORT_RANGE_PATTERN},
                ]
            },
            "default": list(default),
            "description": description,
        },
        _parse_port_specs,
    )


def protocols_option(
    key: str, default: Sequence[str], allowed: Sequence[str], description: str
) -> Option[tuple[str, ...]]:
    """A non-empty subset of `allowed` protocol names."""
    return Option(
        key,
        {
            "type": "array",
            "items": {"type": "string", "enum": list(allowed)},
            "minItems": 1,
            "uniqueItems": True,
            "default": list(default),
            "description": description,
        },
        _parse_protocols(allowed),
    )


def int_option(key: str, default: int, low: int, high: int, description: str) -> Option[int]:
    """An integer between `low` and `high`."""
    return Option(
        key,
        {"type": "integer", "minimum": low, "maximum": high, "default": default, "description": description},
        _parse_int_between(low, high),
    )


EXCLUDE_NAMES = Option(
    "excludeNames",
    {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": [],
        "description": (
            "RE2 patterns; a resource whose logical (Pulumi) name matches one in full is not checked. A pattern "
            "RE2 cannot compile (a backreference, lookaround) is refused. Prefer a policy-waiver tag, which expires."
        ),
    },
    _parse_patterns,
)

ALLOW_WAIVERS = Option(
    "allowWaivers",
    {
        "type": "boolean",
        "default": True,
        "description": "Honour unexpired policy-waiver tags for this policy (false: findings stay findings).",
    },
    _parse_bool,
)

MAX_WAIVER_DAYS = int_option(
    "maxWaiverDays",
    90,  # a quarter: long enough to plan a fix, short enough that an exception is looked at again
    0,
    3650,
    "The longest a waiver may run: a policy-waiver tag that expires more than this many days after today (UTC) "
    "is ignored, and the finding says why.",
)

ALLOWED_CIDRS = Option(
    "allowedCidrs",
    {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": [],
        "description": (
            "CIDRs that never count as anywhere for this policy: a peer inside one of them is accepted. For a "
            "deliberate public range, such as a partner's, when publicPrefixLength* flags public ranges."
        ),
    },
    _parse_cidrs,
)

PUBLIC_PREFIX_V4 = int_option(
    "publicPrefixLengthIpv4",
    0,
    0,
    32,
    "Public (not private-use) IPv4 CIDRs with this prefix length or shorter count as anywhere; 0 means only "
    "the whole address space does (for example 8 also flags 1.0.0.0/8).",
)

PUBLIC_PREFIX_V6 = int_option(
    "publicPrefixLengthIpv6",
    0,
    0,
    128,
    "As publicPrefixLengthIpv4, for IPv6 (for example 16 also flags 2000::/16).",
)

RULE_QUOTA = int_option(
    "ruleQuota",
    DEFAULT_RULE_QUOTA,
    1,
    MAX_RULE_QUOTA,
    "Inbound or outbound rules per security group, per IP family: the account's VPC quota (60 unless raised).",
)

"""Read a group, written as stack config or as component arguments, into the validated model.

Both spellings go through the same checks, so a Python or TypeScript caller of the component gets the
same errors as a stack file. Every problem is collected; the caller raises them together.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Final

import pulumi

from . import aws_facts
from .model import RULE_KEY_DIRECTIONS, Direction, Group, Peer, PeerKind, Rule, Traffic
from .presets import PRESETS
from .problems import PathPart, Problems, did_you_mean, is_redacted, quote, render_path, show


@dataclass(frozen=True)
class Style:
    """How one surface syntax spells the fields of a group."""

    vpc_id: str
    preset: str
    protocol_number: str | None
    """Component arguments name other protocols by number in a key of their own (an enum cannot hold them)."""
    icmp_type: str
    icmp_code: str
    ingress_peers: str
    egress_peers: str
    null_is_absent: bool
    """Python callers pass None for "not given"; in YAML a key with no value is more likely a mistake."""
    numbers_from_wire: bool
    """Callers in other languages send every number as a double (8 arrives as 8.0), and the SDK's hosted
    component hands nested ones over unconverted; whole doubles then count as integers."""
    caller_keys: frozenset[str]
    """Keys allowed beside a group's own fields, read by the caller (component arguments)."""

    def peers(self, direction: Direction) -> str:
        """The key holding a rule's peers in this direction."""
        return self.ingress_peers if direction == "ingress" else self.egress_peers

    def group_keys(self) -> tuple[str, ...]:
        """Every key a group may have, in the order the docs list them."""
        return ("description", "name", self.vpc_id, "tags", "ingress", "egress", *sorted(self.caller_keys))

    def rule_keys(self, direction: Direction) -> tuple[str, ...]:
        """Every key a rule may have in this direction."""
        return (
            self.preset,
            "protocol",
            *((self.protocol_number,) if self.protocol_number else ()),
            "ports",
            self.icmp_type,
            self.icmp_code,
            self.peers(direction),
            "description",
        )


CONFIG_STYLE: Final = Style(
    vpc_id="vpcId",
    preset="rule",
    protocol_number=None,
    icmp_type="icmpType",
    icmp_code="icmpCode",
    ingress_peers="from",
    egress_peers="to",
    null_is_absent=False,
    numbers_from_wire=False,
    caller_keys=frozenset(),
)
"""Stack config: camelCase like every Pulumi config key; rules name peers `from` (ingress) / `to` (egress)."""

ARGS_STYLE: Final = Style(
    vpc_id="vpc_id",
    preset="preset",
    protocol_number="protocol_number",
    icmp_type="icmp_type",
    icmp_code="icmp_code",
    ingress_peers="peers",
    egress_peers="peers",
    null_is_absent=True,
    numbers_from_wire=True,
    caller_keys=frozenset({"group_ids", "rule_quota"}),
)
"""Component arguments: snake_case Python names (`from` is a Python keyword, so peers are `peers`)."""


@dataclass(frozen=True)
class Scope:
    """What a group is read against."""

    key: str
    """The group's own key (config) or resource name (component)."""
    known_groups: frozenset[str]
    """Keys that `group:<key>` may name."""
    refused_groups: frozenset[str] = frozenset()
    """Keys of the same config that were refused (and reported): a reference to one is not reported again."""
    default_vpc_id: str | None = None
    default_tags: Mapping[str, str] | None = None
    rule_quota: int = aws_facts.DEFAULT_RULE_QUOTA


DEFAULT_EGRESS_DESCRIPTION: Final = "Allow all outbound traffic (the EC2 console default)"

GROUP_KEY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""Group keys become resource names and name prefixes, so they stay short and plain."""

_KEY_SEPARATOR: Final = re.compile(rf"-({'|'.join(RULE_KEY_DIRECTIONS)})(?=-|$)")
"""`-ingress`/`-egress` followed by `-` or the end of a key: where a rule's resource name would split ambiguously."""

_ANY_IPV4: Final = Peer(PeerKind.IPV4, "0.0.0.0/0")
_ANY_IPV6: Final = Peer(PeerKind.IPV6, "::/0")
_PORT_RANGE: Final = re.compile(r"\s*([0-9]{1,5})\s*(?:-\s*([0-9]{1,5})\s*)?", re.ASCII)
"""Five digits at most, so a 5,000-digit "port" is refused as text, never converted to a number."""
_TEXT_CHARS_HINT: Final = f"letters, digits and {aws_facts.TEXT_ALLOWED_PUNCTUATION.strip()} (and spaces)"


def default_egress(origin: str, origin_parts: tuple[PathPart, ...] = ()) -> Rule:
    """The EC2 console's outbound rule for a new group: all traffic to 0.0.0.0/0.

    Its origin is the group's `egress`, which was left out: the nearest thing written is the group itself.
    """
    return Rule("egress", Traffic("-1"), _ANY_IPV4, DEFAULT_EGRESS_DESCRIPTION, origin, origin_parts)


def from_wire(value: object) -> object:
    """A component argument as the checks read it: enum members as their values, whole doubles as integers.

    The hosted component receives enum members (RulePreset.HTTPS) and numbers as the engine sends them,
    doubles; `pulumi.provider.experimental` means to turn integer fields back into ints but does not.
    """
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def describe_traffic(traffic: Traffic) -> str:
    """Traffic in words, for messages: `tcp 443`, `all traffic`, `icmp type 8 code 0`."""
    if traffic.protocol == "-1":
        return "all traffic"
    if traffic.from_port is None or traffic.to_port is None:
        return f"protocol {traffic.protocol}"
    if traffic.protocol in ("icmp", "icmpv6"):
        kind = "all types" if traffic.from_port == -1 else f"type {traffic.from_port}"
        code = "" if traffic.to_port == -1 else f" code {traffic.to_port}"
        return f"{traffic.protocol} {kind}{code}"
    ports = str(traffic.from_port) if traffic.from_port == traffic.to_port else f"{traffic.from_port}-{traffic.to_port}"
    return f"{traffic.protocol} {ports}"


def check_group_key(key: object, at: Sequence[PathPart] | str, problems: Problems) -> bool:
    """Check a group key (config) or component name: it prefixes resource names and the group's name.

    A rule's resource is named `<key>-<direction>-<traffic>-<peer>` (`web-ingress-tcp-443-0.0.0.0/0`). The
    traffic and peer parts follow a fixed grammar, so the names of one group's rules never collide; across groups
    they stay apart only if the key ends where the first `-ingress-` or `-egress-` begins. A key containing
    either (`a-ingress-all-group-c`) could give a rule the very name of another group's rule, so it is refused.
    """
    if not isinstance(key, str) or not GROUP_KEY.fullmatch(key):
        problems.add(
            at,
            f"{show(key)} is not a usable group key; start with a letter or digit and use only "
            "letters, digits, '.', '_' and '-' (at most 100 characters)",
        )
        return False
    if key.startswith(aws_facts.RESERVED_NAME_PREFIX):
        problems.add(
            at,
            f"{key!r} would auto-name the group '{key}-…', and AWS rejects group names starting with 'sg-'; "
            "choose another key",
        )
        return False
    separator = _KEY_SEPARATOR.search(key)
    if separator is not None:
        problems.add(
            at,
            f"{key!r} contains '{separator.group()}', which separates a group's key from its rules' names "
            f"(`<key>-ingress-tcp-443-…`), so two rules could get the same name; choose another key, "
            f"e.g. {safe_group_key(key)!r}",
        )
        return False
    return True


def safe_group_key(key: str) -> str:
    """`key` with each `-ingress`/`-egress` that `check_group_key` refuses spelled `_ingress`/`_egress`."""
    return _KEY_SEPARATOR.sub(r"_\1", key)


def check_text(value: object, at: Sequence[PathPart], problems: Problems, *, what: str) -> str | None:
    """Check a name or description against AWS's length limit and character set."""
    if not isinstance(value, str):
        problems.add(at, f"expected text for the {what}, got {show(value)}")
        return None
    if not value.strip():
        problems.add(at, f"the {what} is empty; write one")
        return None
    ok = True
    if len(value) > aws_facts.TEXT_MAX_LENGTH:
        problems.add(
            at,
            f"the {what} is {len(value)} characters long; AWS allows at most {aws_facts.TEXT_MAX_LENGTH}",
        )
        ok = False
    bad = list(dict.fromkeys(char for _, char in aws_facts.rejected_characters(value)))
    if bad:
        # A secret description is named by code points only: a character of it would be part of the secret.
        shown = ", ".join(
            f"U+{ord(char):04X}" if is_redacted() else f"{char!r} (U+{ord(char):04X})" for char in bad[:5]
        )
        problems.add(at, f"the {what} contains {shown}, which AWS does not accept; use only {_TEXT_CHARS_HINT}")
        ok = False
    return value if ok else None


def check_description(value: object, at: Sequence[PathPart], problems: Problems, *, what: str, fix: str) -> str | None:
    """Check a group or rule description: AWS's limits, and never a placeholder (the pack's rule too)."""
    text = check_text(value, at, problems, what=what)
    if text is None:
        return None
    found = aws_facts.placeholder(text)
    if found is not None:
        why = "" if found.names_it else f" ({found.why})"
        problems.add(at, f"{quote(text)} is {found.what}{why}; {fix}")
        return None
    return text


class _Fields:
    """A mapping's keys checked against the allowed ones; nulls handled per style."""

    def __init__(
        self,
        raw: Mapping[object, object],
        at: tuple[PathPart, ...],
        allowed: Sequence[str],
        style: Style,
        problems: Problems,
        *,
        misplaced: Mapping[str, str] | None = None,
    ) -> None:
        self.at = at
        self.values: dict[str, object] = {}
        self._nulls: set[str] = set()
        for key, given in raw.items():
            name = str(key)
            value = from_wire(given) if style.numbers_from_wire else given
            if name not in allowed:
                hint = (misplaced or {}).get(name) or did_you_mean(name, allowed)
                problems.add((*at, name), f"unknown key{hint}; allowed: {', '.join(allowed)}")
            elif value is None and style.null_is_absent:
                continue
            elif value is None:
                self._nulls.add(name)
                problems.add((*at, name), "has no value; give it one, or remove the key")
            else:
                self.values[name] = value

    def get(self, key: str) -> object | None:
        return self.values.get(key)

    def missing(self, key: str) -> bool:
        """True when the key was not given at all (a key given as null was already reported)."""
        return key not in self.values and key not in self._nulls

    def path(self, key: str) -> tuple[PathPart, ...]:
        return (*self.at, key)


def parse_group(raw: object, at: tuple[PathPart, ...], style: Style, scope: Scope, problems: Problems) -> Group | None:
    """Read one group; return None (with the reasons in `problems`) if anything is wrong with it."""
    before = len(problems)
    if not isinstance(raw, Mapping):
        problems.add(at, f"expected a group (a mapping with description, ingress, egress), got {show(raw)}")
        return None
    fields = _Fields(raw, at, style.group_keys(), style, problems)

    description = fields.get("description")
    if fields.missing("description"):
        problems.add(
            fields.path("description"),
            "required: say what the group is for (AWS requires it, and changing it later replaces the group)",
        )
    elif description is not None:
        description = check_description(
            description, fields.path("description"), problems, what="group description", fix="say what the group is for"
        )

    name = _group_name(fields.get("name"), fields.path("name"), problems)
    vpc_id = _vpc_id(fields.get(style.vpc_id), fields.path(style.vpc_id), problems)
    tags = _merged_tags(scope.default_tags or {}, fields, problems)

    ingress = _rules(fields, "ingress", style, scope, problems)
    if "egress" in fields.values:
        egress = _rules(fields, "egress", style, scope, problems)
    else:
        egress = [default_egress(render_path(fields.path("egress")), fields.path("egress"))]

    _check_duplicates(ingress + egress, problems)
    _check_quota(ingress, egress, fields, scope.rule_quota, problems)

    if len(problems) > before or not isinstance(description, str):
        return None
    return Group(
        key=scope.key,
        description=description,
        name=name,
        vpc_id=vpc_id or scope.default_vpc_id,
        tags=MappingProxyType(tags),
        ingress=tuple(ingress),
        egress=tuple(egress),
    )


def _group_name(value: object | None, at: tuple[PathPart, ...], problems: Problems) -> str | None:
    if value is None:
        return None
    name = check_text(value, at, problems, what="group name")
    if name is None:
        return None
    if aws_facts.has_outer_spaces(name):
        problems.add(at, f"{quote(name)} has leading or trailing spaces, which AWS trims; remove them")
        return None
    if name.startswith(aws_facts.RESERVED_NAME_PREFIX):
        problems.add(at, f"{quote(name)} starts with 'sg-', which AWS reserves for group ids; choose another name")
        return None
    if aws_facts.is_reserved_name(name):
        problems.add(at, f"{quote(name)} is taken: every VPC already has a group named 'default' (names ignore case)")
        return None
    return name


def _vpc_id(value: object | None, at: tuple[PathPart, ...], problems: Problems) -> str | None:
    if value is None or isinstance(value, pulumi.Output):
        return None
    if isinstance(value, str) and aws_facts.VPC_ID.fullmatch(value):
        return value
    hint = "; AWS ids are lower case" if isinstance(value, str) and value.lower() != value and not is_redacted() else ""
    problems.add(
        at, f"{show(value)} is not a VPC id (vpc- and 8 or 17 hex digits){hint}; remove it for the default VPC"
    )
    return None


def parse_tags(value: object | None, at: tuple[PathPart, ...], problems: Problems) -> dict[str, str]:
    """Read a tags mapping: text keys and values within AWS's limits."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.add(at, f"expected a mapping of tag names to values, got {show(value)}")
        return {}
    tags: dict[str, str] = {}
    for key, tag_value in value.items():
        where = (*at, str(key))
        if not isinstance(key, str) or not key.strip():
            problems.add(where, "a tag key must be non-empty text")
            continue
        if len(key) > aws_facts.TAG_KEY_MAX_LENGTH:
            problems.add(where, f"the tag key is {len(key)} characters long; AWS allows {aws_facts.TAG_KEY_MAX_LENGTH}")
            continue
        if key.lower().startswith(aws_facts.TAG_RESERVED_PREFIX):
            problems.add(where, "tag keys starting with 'aws:' are reserved for AWS; rename the key")
            continue
        if not isinstance(tag_value, str):
            # YAML turns 1.10 into 1.1 and yes into true; quoting keeps exactly what was meant.
            problems.add(where, f"tag values must be text, got {show(tag_value)}; quote it in YAML")
            continue
        if len(tag_value) > aws_facts.TAG_VALUE_MAX_LENGTH:
            problems.add(
                where,
                f"the tag value is {len(tag_value)} characters long; AWS allows {aws_facts.TAG_VALUE_MAX_LENGTH}",
            )
            continue
        tags[key] = tag_value
    return tags


def _merged_tags(defaults: Mapping[str, str], fields: _Fields, problems: Problems) -> dict[str, str]:
    """The stack's tags overlaid with the group's own: what the group and each of its rules carry."""
    own = parse_tags(fields.get("tags"), fields.path("tags"), problems)
    tags = {**defaults, **own}
    if len(tags) > aws_facts.MAX_TAGS:
        inherited = len(tags) - len(own)
        parts = [f"{len(own)} of its own"] + ([f"{inherited} from the stack's tags"] if inherited else [])
        problems.add(
            fields.path("tags"),
            f"the group and each of its rules would carry {len(tags)} tags ({' and '.join(parts)}); AWS allows at "
            f"most {aws_facts.MAX_TAGS} per resource, so remove {len(tags) - aws_facts.MAX_TAGS}",
        )
    return tags


def _rules(fields: _Fields, direction: Direction, style: Style, scope: Scope, problems: Problems) -> list[Rule]:
    value = fields.get(direction)
    at = fields.path(direction)
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        problems.add(at, f"expected a list of rules, got {show(value)}")
        return []
    rules: list[Rule] = []
    for index, entry in enumerate(value):
        rules += _rule(entry, (*at, index), direction, style=style, scope=scope, problems=problems)
    return rules


def _rule(
    raw: object,
    at: tuple[PathPart, ...],
    direction: Direction,
    *,
    style: Style,
    scope: Scope,
    problems: Problems,
) -> list[Rule]:
    peers_key = style.peers(direction)
    if not isinstance(raw, Mapping):
        problems.add(
            at,
            f"expected a rule (a mapping with {style.preset} or protocol, {peers_key}, description), got {show(raw)}",
        )
        return []
    other: Direction = "egress" if direction == "ingress" else "ingress"
    misplaced = {}
    if style.peers(other) != peers_key:
        misplaced[style.peers(other)] = f"; {direction} rules name their peers with {peers_key!r}"
    fields = _Fields(raw, at, style.rule_keys(direction), style, problems, misplaced=misplaced)

    traffic = _traffic(fields, style, problems)
    peers = _peers(fields, peers_key, scope, problems)
    description = fields.get("description")
    if fields.missing("description"):
        problems.add(
            fields.path("description"),
            "required: say why this traffic is allowed (reviewers and the policy pack need it)",
        )
    elif description is not None:
        description = check_description(
            description, fields.path("description"), problems, what="rule description", fix="say why it is allowed"
        )
    if traffic is None or not isinstance(description, str):
        return []
    return [Rule(direction, traffic, peer, description, render_path(origin), origin) for peer, origin in peers]


def _traffic(fields: _Fields, style: Style, problems: Problems) -> Traffic | None:
    preset = fields.get(style.preset)
    protocol_key = "protocol"
    protocol = fields.get(protocol_key)
    port_keys = [k for k in ("ports", style.icmp_type, style.icmp_code) if fields.get(k) is not None]
    if style.protocol_number is not None and fields.get(style.protocol_number) is not None:
        if protocol is not None:
            problems.add(
                fields.at, f"give either 'protocol' (a name) or {style.protocol_number!r} (a number), not both"
            )
            return None
        protocol_key = style.protocol_number
        protocol = fields.get(protocol_key)
    if preset is not None and protocol is not None:
        problems.add(
            fields.at,
            f"give either {style.preset!r} (a console preset) or {protocol_key!r} (with 'ports'), not both",
        )
        return None
    if preset is not None:
        if not isinstance(preset, str) or preset not in PRESETS:
            hint = did_you_mean(preset, PRESETS) if isinstance(preset, str) else ""
            problems.add(
                fields.path(style.preset),
                f"unknown preset {quote(preset)}{hint or '; see the preset table in the README'}",
            )
            return None
        for key in port_keys:
            problems.add(
                fields.path(key),
                f"{style.preset}: {preset} fixes protocol and ports; remove {key!r}, "
                f"or replace {style.preset!r} with 'protocol'",
            )
        found = PRESETS[preset]
        return None if port_keys else Traffic(found.protocol, found.from_port, found.to_port)
    if protocol is None:
        number_key = style.protocol_number
        if (
            fields.missing(style.preset)
            and fields.missing("protocol")
            and (not number_key or fields.missing(number_key))
        ):
            numbered = f" (or {number_key!r})" if number_key else ""
            problems.add(
                fields.at,
                f"a rule needs {style.preset!r} (a console preset such as ssh or https) or 'protocol'{numbered} "
                "with 'ports'",
            )
        return None
    if protocol_key == style.protocol_number:
        name = _protocol_number(protocol, fields.path(protocol_key), problems)
    else:
        name = _protocol(protocol, fields.path(protocol_key), problems)
    if name is None:
        return None
    if name in ("tcp", "udp"):
        return _port_traffic(name, fields, style, problems)
    if name in ("icmp", "icmpv6"):
        return _icmp_traffic(name, fields, style, problems)
    for key in port_keys:
        shown = "all" if name == "-1" else name
        problems.add(
            fields.path(key),
            f"protocol {shown} has no ports (AWS opens every port for it); remove {key!r}",
        )
    return None if port_keys else Traffic(name)


_LOOSE_NUMBER: Final = re.compile(r"\s*[+-]?[0-9]{1,5}\s*", re.ASCII)
_PROTOCOL_BY_NUMBER: Final = {number: name for name, number in aws_facts.PROTOCOL_NUMBERS.items()}


def _by_number(number: int) -> str:
    # 6, 17, 1 and 58 are tcp, udp, icmp and icmpv6, and -1 is all: the same rule, so the same resource name.
    return "-1" if number == -1 else _PROTOCOL_BY_NUMBER.get(number, str(number))


def _protocol(value: object, at: tuple[PathPart, ...], problems: Problems) -> str | None:
    text = str(value).lower() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text in aws_facts.PROTOCOL_NUMBERS:
        return text
    if text == "all":
        return "-1"
    if text is not None and aws_facts.PROTOCOL_NUMBER_TEXT.fullmatch(text):
        if int(text) <= aws_facts.PROTOCOL_NUMBER_MAX:
            return _by_number(int(text))
    elif text is not None and _LOOSE_NUMBER.fullmatch(text) and -1 <= int(text) <= aws_facts.PROTOCOL_NUMBER_MAX:
        # `06`, `+6`, ` 6`: AWS and the provider would read another spelling than the one written here.
        problems.add(
            at,
            f"{quote(value)} is not a protocol number as AWS writes it; write "
            f"{'it' if is_redacted() else quote(str(int(text)))} (no plus sign, spaces or leading zeros)",
        )
        return None
    hint = did_you_mean(text, ["tcp", "udp", "icmp", "icmpv6", "all"]) if text else ""
    problems.add(
        at,
        f"{show(value)} is not a protocol{hint}; use tcp, udp, icmp, icmpv6, all, or an IANA protocol number 0-255",
    )
    return None


def _protocol_number(value: object, at: tuple[PathPart, ...], problems: Problems) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= aws_facts.PROTOCOL_NUMBER_MAX:
        return _by_number(value)
    problems.add(
        at,
        f"{show(value)} is not a protocol number; use 0-{aws_facts.PROTOCOL_NUMBER_MAX}, "
        "or 'protocol' for tcp, udp, icmp, icmpv6 and all",
    )
    return None


def _port_traffic(protocol: str, fields: _Fields, style: Style, problems: Problems) -> Traffic | None:
    for key in (style.icmp_type, style.icmp_code):
        if fields.get(key) is not None:
            problems.add(fields.path(key), f"only icmp and icmpv6 rules have {key!r}; {protocol} uses 'ports'")
    value = fields.get("ports")
    if value is None:
        if fields.missing("ports"):
            problems.add(
                fields.path("ports"),
                f'required for {protocol}: a port (443) or a range ("8000-8100"; "0-65535" for all)',
            )
        return None
    ports = parse_ports(value, fields.path("ports"), problems)
    if ports is None or any(fields.get(k) is not None for k in (style.icmp_type, style.icmp_code)):
        return None
    return Traffic(protocol, *ports)


def parse_ports(value: object, at: tuple[PathPart, ...], problems: Problems) -> tuple[int, int] | None:
    """Read `443`, `"443"` or `"8000-8100"` into a (from, to) port range."""
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = value, value
    elif isinstance(value, str) and (match := _PORT_RANGE.fullmatch(value)):
        digits = [part for part in match.groups() if part is not None]
        if any(len(part) > 1 and part.startswith("0") for part in digits):
            canonical = "-".join(str(int(part)) for part in digits)
            problems.add(
                at, f"{quote(value)} has a leading zero; write {'it without' if is_redacted() else quote(canonical)}"
            )
            return None
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
    elif isinstance(value, str) and value.strip().replace("-", "").isdigit() and value.isascii():
        problems.add(
            at,
            f"{quote(value) if len(value) <= 20 else f'a {len(value)}-character number'} is out of range; "
            f'ports are {aws_facts.PORT_MIN}-{aws_facts.PORT_MAX} ("0-65535" means every port)',
        )
        return None
    else:
        problems.add(at, f'{show(value)} is not a port or port range; write a port (443) or a range ("8000-8100")')
        return None
    bad = [p for p in (low, high) if not aws_facts.PORT_MIN <= p <= aws_facts.PORT_MAX]
    if bad:
        shown = quote(bad[0]) if abs(bad[0]) < 10**20 else f"a {len(str(abs(bad[0])))}-digit number"
        problems.add(
            at,
            f"port {shown} is out of range; ports are {aws_facts.PORT_MIN}-{aws_facts.PORT_MAX} "
            '("0-65535" means every port)',
        )
        return None
    if low > high:
        swapped = "the reverse" if is_redacted() else f"'{high}-{low}'"
        problems.add(at, f"{show(value)} runs backwards; did you mean {swapped}?")
        return None
    return low, high


def _icmp_traffic(protocol: str, fields: _Fields, style: Style, problems: Problems) -> Traffic | None:
    if fields.get("ports") is not None:
        problems.add(
            fields.path("ports"),
            f"{protocol} has no ports; use {style.icmp_type!r} and {style.icmp_code!r} (-1 for all)",
        )
    icmp_type = _icmp_number(fields.get(style.icmp_type), fields.path(style.icmp_type), problems)
    icmp_code = _icmp_number(fields.get(style.icmp_code), fields.path(style.icmp_code), problems)
    if icmp_type is None or icmp_code is None or fields.get("ports") is not None:
        return None
    if icmp_type == -1 and icmp_code != -1:
        problems.add(
            fields.path(style.icmp_code),
            f"a code needs a type: set {style.icmp_type!r} too, or make the code -1",
        )
        return None
    return Traffic(protocol, icmp_type, icmp_code)


def _icmp_number(value: object | None, at: tuple[PathPart, ...], problems: Problems) -> int | None:
    if value is None:
        return -1
    if isinstance(value, int) and not isinstance(value, bool) and aws_facts.ICMP_MIN <= value <= aws_facts.ICMP_MAX:
        return value
    problems.add(at, f"{show(value)} is not an ICMP type or code; use 0-255, or -1 for all")
    return None


def _peers(fields: _Fields, key: str, scope: Scope, problems: Problems) -> list[tuple[Peer, tuple[PathPart, ...]]]:
    value = fields.get(key)
    at = fields.path(key)
    if value is None:
        if fields.missing(key):
            problems.add(at, "required: list the peers, e.g. [10.0.0.0/8], [anywhere] or [group:web]")
        return []
    if isinstance(value, str):
        problems.add(at, "expected a list" if is_redacted() else f"expected a list; write [{value}]")
        return []
    if not isinstance(value, list | tuple):
        problems.add(at, f"expected a list of peers, got {show(value)}")
        return []
    if not value:
        problems.add(at, "is empty; list at least one peer, e.g. [10.0.0.0/8]")
        return []
    peers: list[tuple[Peer, tuple[PathPart, ...]]] = []
    for index, token in enumerate(value):
        where = (*at, index)
        peers += [(peer, where) for peer in parse_peer(token, where, scope, problems)]
    return peers


def parse_peer(token: object, at: tuple[PathPart, ...], scope: Scope, problems: Problems) -> list[Peer]:
    """Read one peer token; `anywhere` is two peers (IPv4 and IPv6), like the old console's Anywhere."""
    if not isinstance(token, str):
        problems.add(at, f"expected a peer (a CIDR, anywhere, self, group:<key>, sg-…, pl-…), got {show(token)}")
        return []
    keywords = {
        "anywhere": [_ANY_IPV4, _ANY_IPV6],
        "anywhere-ipv4": [_ANY_IPV4],
        "anywhere-ipv6": [_ANY_IPV6],
        "self": [Peer(PeerKind.SELF)],
    }
    if token in keywords:
        return keywords[token]
    if token.startswith("group:"):
        return _group_peer(token, at, scope, problems)
    for prefix, pattern, kind, what in (
        ("sg-", aws_facts.SECURITY_GROUP_ID, PeerKind.SECURITY_GROUP_ID, "security group id"),
        ("pl-", aws_facts.PREFIX_LIST_ID, PeerKind.PREFIX_LIST, "prefix list id"),
    ):
        if token.lower().startswith(prefix):
            if pattern.fullmatch(token):
                return [Peer(kind, token)]
            lower = pattern.fullmatch(token.lower()) is not None
            hint = (
                ("; AWS ids are lower case" if is_redacted() else f"; did you mean {token.lower()!r}?") if lower else ""
            )
            problems.add(at, f"{quote(token)} is not a {what} ({prefix} and 8 or 17 hex digits){hint}")
            return []
    if any(ch.isdigit() for ch in token) and ("." in token or ":" in token):
        return _cidr_peer(token, at, problems)
    tokens = [*keywords, *(f"group:{k}" for k in sorted(scope.known_groups))]
    problems.add(
        at,
        f"{quote(token)} is not a peer{did_you_mean(token, tokens)}; use a CIDR, anywhere, anywhere-ipv4, "
        "anywhere-ipv6, self, group:<key>, sg-… or pl-…",
    )
    return []


def _group_peer(token: str, at: tuple[PathPart, ...], scope: Scope, problems: Problems) -> list[Peer]:
    key = token.removeprefix("group:")
    if key == scope.key:
        problems.add(at, f"a group refers to itself as 'self', not {quote(token)}")
        return []
    if key in scope.known_groups:
        return [Peer(PeerKind.GROUP, key)]
    if key in scope.refused_groups:
        return []
    known = sorted(scope.known_groups - {scope.key})
    # Compare keys, not tokens: every token shares the `group:` prefix, which would make anything look close.
    hint = did_you_mean(key, known, prefix="group:")
    listed = f"groups: {', '.join(known)}" if known else "there are no other groups"
    problems.add(at, f"{quote(token)} names no group of this stack{hint} ({listed})")
    return []


def _cidr_peer(token: str, at: tuple[PathPart, ...], problems: Problems) -> list[Peer]:
    if "%" in token:
        # Python reads `fe80::%eth0/10` as a scoped network; AWS and the provider know no zone ids.
        problems.add(at, f"{quote(token)} has a zone id ('%…'), which a CIDR cannot carry; remove it")
        return []
    if "/" not in token:
        try:
            address = ipaddress.ip_address(token)
        except ValueError:
            pass
        else:
            hint = "a /32 or /128" if is_redacted() else f"'{address}/{address.max_prefixlen}'"
            problems.add(at, f"{quote(token)} has no prefix length; did you mean {hint} (one address)?")
            return []
    try:
        network = ipaddress.ip_network(token)
    except ValueError:
        try:
            loose = ipaddress.ip_network(token, strict=False)
        except ValueError:
            problems.add(at, f"{quote(token)} is not a valid CIDR; write e.g. 10.0.0.0/8 or 2001:db8::/32")
            return []
        problems.add(
            at,
            f"{quote(token)} has host bits set, so it is not a network address"
            + ("" if is_redacted() else f"; did you mean {str(loose)!r}?"),
        )
        return []
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None:
        # terraform-provider-aws parses CIDRs with Go's net.ParseCIDR and refuses an IPv6 one whose address
        # is an IPv4 address in disguise (`::ffff:0:0/96`); AWS counts such traffic as IPv4 anyway.
        problems.add(
            at,
            f"{quote(token)} is an IPv4-mapped IPv6 range, which AWS's provider refuses; write the IPv4 CIDR instead",
        )
        return []
    kind = PeerKind.IPV4 if network.version == 4 else PeerKind.IPV6
    # The canonical spelling is what AWS stores; sending it avoids a diff on every preview.
    return [Peer(kind, str(network))]


def _check_duplicates(rules: Sequence[Rule], problems: Problems) -> None:
    first: dict[Rule, Rule] = {}
    for rule in rules:
        seen = first.setdefault(rule, rule)
        if seen is not rule:
            what = (
                f"{rule.direction} {describe_traffic(rule.traffic)} {'from' if rule.direction == 'ingress' else 'to'} "
            )
            shown = "" if is_redacted() else f" ({what}{rule.peer.token})"
            problems.add(
                rule.origin_parts or rule.origin,
                f"repeats the rule at {seen.origin}{shown}; AWS rejects duplicate rules, so remove one",
            )


def _check_quota(
    ingress: Sequence[Rule], egress: Sequence[Rule], fields: _Fields, quota: int, problems: Problems
) -> None:
    for direction, rules in (("ingress", ingress), ("egress", egress)):
        counts = Counter(rule.peer.family for rule in rules)
        for family in ("IPv4", "IPv6"):
            if counts[family] > quota:
                word = "inbound" if direction == "ingress" else "outbound"
                problems.add(
                    fields.path(direction),
                    f"{counts[family]} {family} {word} rules exceed the quota of {quota} per direction and IP "
                    "family; split the group, or raise the quota in AWS Service Quotas and set ruleQuota to match",
                )

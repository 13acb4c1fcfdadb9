"""The part every "open to anywhere" policy shares: its options, and turning reaches into a verdict."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, NamedTuple

from .config import ALLOWED_CIDRS, PUBLIC_PREFIX_V4, PUBLIC_PREFIX_V6, Option
from .framework import CLEAR, Collector, Common, Verdict, common_settings
from .ports import PortSet
from .reach import Openness, Reach, Step, answer, describe_reaches, quiet, screen
from .rules import Direction, Resource, Rule
from .tables import ProtocolKind

OPENNESS_OPTIONS: Final[tuple[Option[Any], ...]] = (ALLOWED_CIDRS, PUBLIC_PREFIX_V4, PUBLIC_PREFIX_V6)


def read_openness(config: Mapping[str, object]) -> Openness:
    """What counts as anywhere, from a policy's config."""
    return Openness(
        public_prefix_v4=PUBLIC_PREFIX_V4.read(config),
        public_prefix_v6=PUBLIC_PREFIX_V6.read(config),
        allowed=ALLOWED_CIDRS.read(config),
    )


class AuthorizedPortsSettings(NamedTuple):
    """Settings of a policy that lets listed TCP and UDP ports reach anywhere and judges the rest."""

    common: Common
    authorized_tcp: PortSet
    authorized_udp: PortSet
    openness: Openness


def authorized_ports_reader(
    tcp: Option[PortSet], udp: Option[PortSet]
) -> Callable[[Mapping[str, object]], AuthorizedPortsSettings]:
    """A settings reader for such a policy, with its own options (and so its own defaults)."""

    def read(config: Mapping[str, object]) -> AuthorizedPortsSettings:
        return AuthorizedPortsSettings(
            **common_settings(config),
            authorized_tcp=tcp.read(config),
            authorized_udp=udp.read(config),
            openness=read_openness(config),
        )

    return read


def reaches(
    resource: Resource,
    direction: Direction,
    queries: Sequence[tuple[ProtocolKind, PortSet]],
    openness: Openness,
    keep: Callable[[Rule], bool] = lambda _: True,
) -> list[Reach]:
    """Run each (transport, ports) query over the resource's rules that `keep` accepts.

    The policies of one Analyze call share one normalised resource (`rules.normalise`) and ask about different
    ports of it; what does not depend on the ports is screened once per resource and kept for the next policy.
    Callers ask `is_quiet` first, which settles most resources without screening anything.
    """
    memo = _memo(resource).steps
    found = []
    for transport, wanted in queries:
        key = (direction, transport, openness, keep)
        steps = memo.get(key)
        if steps is None:
            rules = [rule for rule in resource.rules if keep(rule)]
            steps = memo[key] = screen(rules, direction, transport, openness, unknown_lists=resource.unknown_rules)
        found.append(answer(steps, wanted, transport))
    return found


def is_quiet(resource: Resource, direction: Direction, openness: Openness) -> bool:
    """`reach.quiet` for the resource, worked out once per resource, direction and openness."""
    memo = _memo(resource).quiet
    key = (direction, openness)
    known = memo.get(key)
    if known is None:
        known = memo[key] = quiet(resource.rules, direction, openness, unknown_lists=resource.unknown_rules)
    return known


class _Memo(NamedTuple):
    """What the exposure policies worked out about one resource, for the next policy of the same call."""

    resource: Resource
    """Held, so an `is` match is never a recycled id."""
    steps: dict[tuple[object, ...], tuple[Step, ...]]
    """Screened steps per query without its ports."""
    quiet: dict[tuple[Direction, Openness], bool]


def _memo(resource: Resource) -> _Memo:
    last: _Memo | None = getattr(_screens, "last", None)
    if last is None or last.resource is not resource:
        last = _screens.last = _Memo(resource, {}, {})
    return last


_screens = threading.local()
"""The `_Memo` of the last resource seen on this thread."""


def exposure_verdict(
    resource: Resource,
    direction: Direction,
    queries: Sequence[tuple[ProtocolKind, PortSet]],
    openness: Openness,
    fix: str,
) -> Verdict:
    """Findings for every way the resource's rules open the queried ports, each ending with the fix."""
    if is_quiet(resource, direction, openness):
        return CLEAR  # the common case, answered for every exposure policy by one pass over the peers
    found = reaches(resource, direction, queries, openness)
    if not any(reach.exposures or reach.gaps for reach in found):
        return CLEAR  # the common case: nothing open and nothing unknown, so nothing to describe
    collector = Collector()
    for sentence in describe_reaches(found, direction, openness):
        collector.add(f"{sentence}. Fix: {fix}")
    for reach in found:
        collector.gaps.extend(gap.describe() for gap in reach.gaps)
    return collector.verdict()

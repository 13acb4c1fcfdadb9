"""The part every "open to anywhere" policy shares: its options, and turning reaches into a verdict."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .config import ALLOWED_CIDRS, PUBLIC_PREFIX_V4, PUBLIC_PREFIX_V6, Option
from .framework import Collector, Settings, Verdict, common_settings
from .ports import PortSet
from .reach import Openness, Reach, describe_reaches, find_open
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


@dataclass(frozen=True)
class AuthorizedPortsSettings(Settings):
    """Settings of a policy that lets listed TCP and UDP ports reach anywhere and judges the rest."""

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
    """Run each (transport, ports) query over the resource's rules that `keep` accepts."""
    rules = [rule for rule in resource.rules if keep(rule)]
    return [
        find_open(rules, direction, transport, wanted, openness, unknown_lists=resource.unknown_rules)
        for transport, wanted in queries
    ]


def exposure_verdict(
    resource: Resource,
    direction: Direction,
    queries: Sequence[tuple[ProtocolKind, PortSet]],
    openness: Openness,
    fix: str,
) -> Verdict:
    """Findings for every way the resource's rules open the queried ports, each ending with the fix."""
    found = reaches(resource, direction, queries, openness)
    collector = Collector()
    for sentence in describe_reaches(found, direction, openness):
        collector.add(f"{sentence}. Fix: {fix}")
    for reach in found:
        collector.gaps.extend(gap.describe() for gap in reach.gaps)
    return collector.verdict()

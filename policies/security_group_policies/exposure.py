"""The part every "open to anywhere" policy shares: its options, the factory that makes one, and precedence.

An exposure policy finds the ways a resource's rules open its ports to anywhere (`find`), says so (`describe`),
and can say which ports of which rule and peer its findings report (`claim`). When the pack's analyzer hands
it the call's context, a policy leaves out what the policies ranked above it (`precedence.py`) already
report on the same rule and peer, with their own settings, so one open port is one finding (README, "One
problem, one finding"). Without the context (a stock `PolicyPack`, `sdk.py`) each policy judges alone. What
does not depend on a policy's ports is screened once per request and shared through the call's `Memo`.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, NamedTuple, Protocol, TypeAlias, TypeVar

from .config import ALLOWED_CIDRS, PUBLIC_PREFIX_V4, PUBLIC_PREFIX_V6, Option
from .context import Context, at_least_as_strict
from .framework import (
    CLEAR,
    Call,
    Collector,
    Common,
    Memo,
    PolicyMeta,
    ResourcePolicyDef,
    Settings,
    Verdict,
    common_settings,
    waiver_in_effect,
)
from .ports import NO_PORTS, PortSet
from .reach import Exposure, Openness, Reach, answer, describe_reaches, quiet, screen
from .rules import Direction, Peer, Resource, Rule
from .tables import RULE_BEARING_TYPES, ProtocolKind
from .waivers import read_waiver

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
    memo: Memo,
    direction: Direction,
    queries: Sequence[tuple[ProtocolKind, PortSet]],
    openness: Openness,
    *,
    keep: Callable[[Rule], bool] = lambda _: True,
) -> list[Reach]:
    """Run each (transport, ports) query over the resource's rules that `keep` accepts.

    The policies of one Analyze call share one normalised resource and one `memo`, and ask about different
    ports of it; what does not depend on the ports is screened once per call and kept for the next policy.
    Callers ask `is_quiet` first, which settles most resources without screening anything.
    """
    steps_memo = memo.steps
    found = []
    for transport, wanted in queries:
        key = (direction, transport, openness, keep)
        steps = steps_memo.get(key)
        if steps is None:
            rules = [rule for rule in resource.rules if keep(rule)]
            steps = steps_memo[key] = screen(
                rules, direction, transport, openness, unknown_lists=resource.unknown_rules
            )
        found.append(answer(steps, wanted, transport))
    return found


def is_quiet(resource: Resource, memo: Memo, direction: Direction, openness: Openness) -> bool:
    """`reach.quiet` for the resource, worked out once per call, direction and openness."""
    key = (direction, openness)
    known = memo.quiet.get(key)
    if known is None:
        known = memo.quiet[key] = quiet(resource.rules, direction, openness, unknown_lists=resource.unknown_rules)
    return known


Query: TypeAlias = tuple[ProtocolKind, PortSet]
"""One question to `reaches`: which of these ports of this transport (ALL: every protocol) reach anywhere."""


def exposure_verdict(
    resource: Resource,
    memo: Memo,
    direction: Direction,
    queries: Sequence[Query],
    openness: Openness,
    *,
    fix: str,
) -> Verdict:
    """Findings for every way the resource's rules open the queried ports, each ending with the fix."""
    return describe_found(find_open_ports(resource, memo, direction, queries, openness), direction, openness, fix)


def find_open_ports(
    resource: Resource, memo: Memo, direction: Direction, queries: Sequence[Query], openness: Openness
) -> Sequence[Reach]:
    """What the queries find on the resource, or nothing at all when nothing is open and nothing unknown."""
    if is_quiet(resource, memo, direction, openness):
        return ()  # the common case, answered for every exposure policy by one pass over the peers
    found = reaches(resource, memo, direction, queries, openness)
    return found if any(reach.exposures or reach.gaps for reach in found) else ()


def describe_found(found: Sequence[Reach], direction: Direction, openness: Openness, fix: str) -> Verdict:
    """One finding per rule and peer that reaches anywhere, each ending with the fix; the gaps as they are."""
    if not any(reach.exposures or reach.gaps for reach in found):
        return CLEAR  # the common case: nothing open and nothing unknown, so nothing to describe
    collector = Collector()
    for sentence in describe_reaches(found, direction, openness):
        collector.add(f"{sentence}. Fix: {fix}")
    for reach in found:
        collector.gaps.extend(gap.describe() for gap in reach.gaps)
    return collector.verdict()


# --- Claims: which ports of which rule and peer a policy's findings report -----------------------------------

Pair: TypeAlias = tuple[int, int]
"""A rule and one of its peers, by identity: a policy and those ranked above it judge the same `Resource` object."""

Claims: TypeAlias = dict[Pair, dict[ProtocolKind, PortSet]]
"""Per rule and peer, the ports per transport that findings report; under ALL, every protocol and port."""


def pairs(exposure: Exposure) -> list[tuple[Rule, Peer]]:
    """The rules and peers an exposure is made of: one of each when direct, several CIDRs when combined."""
    if not exposure.combined:
        return [(exposure.rules[0], exposure.peers[0])]
    mine = {id(peer) for peer in exposure.peers}
    return [(rule, peer) for rule in exposure.rules for peer in rule.peers if id(peer) in mine]


def add_claim(claims: Claims, rule: Rule, peer: Peer, transport: ProtocolKind, ports: PortSet) -> None:
    """Record that `ports` of `transport` are reported for this rule and peer."""
    per_transport = claims.setdefault((id(rule), id(peer)), {})
    per_transport[transport] = per_transport.get(transport, NO_PORTS) | ports


def merge_claims(into: Claims, claims: Claims) -> None:
    """Add every claim of `claims` to `into`."""
    for pair, per_transport in claims.items():
        mine = into.setdefault(pair, {})
        for transport, ports in per_transport.items():
            mine[transport] = mine.get(transport, NO_PORTS) | ports


def claim_exposures(found: Sequence[Reach], _settings: object = None) -> Claims:
    """The claims of findings that report each exposure's ports (every policy but all-traffic)."""
    claims: Claims = {}
    for reach in found:
        for exposure in reach.exposures:
            for rule, peer in pairs(exposure):
                add_claim(claims, rule, peer, exposure.transport, exposure.ports)
    return claims


def _claimed(claims: Claims, pair: Pair, transport: ProtocolKind) -> PortSet:
    per_transport = claims.get(pair)
    if per_transport is None:
        return NO_PORTS
    every = per_transport.get(ProtocolKind.ALL, NO_PORTS)
    return every if transport is ProtocolKind.ALL else every | per_transport.get(transport, NO_PORTS)


def unclaimed(found: Sequence[Reach], claims: Claims) -> list[Reach]:
    """`found` without the ports that `claims` already reports, per rule and peer; gaps stay as they are.

    A combined exposure (several CIDRs that only together reach anywhere) loses a port only when every one of
    its rules and peers is claimed on that port: otherwise no other finding tells the whole story.
    """
    if not claims:
        return list(found)
    result = []
    for reach in found:
        kept: list[Exposure] = []
        for exposure in reach.exposures:
            per_pair = [_claimed(claims, (id(rule), id(peer)), exposure.transport) for rule, peer in pairs(exposure)]
            rest = exposure.ports - functools.reduce(operator.and_, per_pair) if per_pair else exposure.ports
            if rest:
                kept.append(exposure if rest == exposure.ports else exposure._replace(ports=rest))
        result.append(Reach(kept, list(reach.gaps)))
    return result


# --- The exposure policy ------------------------------------------------------------------------------------


class ExposureSettings(Settings, Protocol):
    """What every exposure policy's settings have: the shared part and what counts as anywhere."""

    @property
    def openness(self) -> Openness:
        """What counts as anywhere for this policy."""
        ...


E = TypeVar("E", bound=ExposureSettings)


@dataclass(frozen=True)
class ExposurePolicy(ResourcePolicyDef[E]):
    """A resource policy about rules that open ports to anywhere, which can defer to the ones ranked above it."""

    find: Callable[[Resource, E, Memo], Sequence[Reach]]
    """Every exposure and gap the policy reports when it judges alone; empty when there is nothing."""
    describe: Callable[[Sequence[Reach], E], Verdict]
    """The verdict on what `find` found (after the claims of policies ranked above are taken out)."""
    claim: Callable[[Sequence[Reach], E], Claims]
    """The ports of each rule and peer that the verdict on these reaches reports."""
    above: tuple[ExposurePolicy[Any], ...] = ()
    """The policies ranked above this one (`precedence.py`), whose reports it leaves out given the context."""

    @classmethod
    def of(
        cls,
        meta: PolicyMeta,
        read_settings: Callable[[Mapping[str, object]], E],
        find: Callable[[Resource, E, Memo], Sequence[Reach]],
        describe: Callable[[Sequence[Reach], E], Verdict],
        claim: Callable[[Sequence[Reach], E], Claims],
    ) -> ExposurePolicy[E]:
        """A policy over every rule-bearing type; judging alone, it describes all that it finds."""
        return cls(
            meta,
            RULE_BEARING_TYPES,
            read_settings,
            lambda resource, settings: describe(find(resource, settings, Memo()), settings),
            find,
            describe,
            claim,
        )

    def verdict(self, resource: Resource, settings: E, call: Call) -> Verdict:
        """Given the call's context, leave to the policies `above` what they report."""
        found = self.find(resource, settings, call.memo)
        if call.context is None or not self.above or not any(reach.exposures for reach in found):
            return self.describe(found, settings)
        claims = _Ranking(self.above, resource, call, call.context).over(len(self.above), self.meta, settings)
        return self.describe(unclaimed(found, claims), settings)


class _Ranking:
    """What the policies ranked above one exposure policy report on one resource, in one call.

    A policy claims only what it really reports: a port that a policy ranked above it takes (and may waive)
    is not its to pass on, so each claimant's own findings are worked out the same way first.
    """

    def __init__(self, above: Sequence[ExposurePolicy[Any]], resource: Resource, call: Call, context: Context) -> None:
        self._above = above
        self._resource = resource
        self._call = call
        self._context = context
        self._today: date | None = None
        self._reported: dict[int, Claims] = {}

    def over(self, rank: int, meta: PolicyMeta, settings: ExposureSettings) -> Claims:
        """The claims that leave the policy at `rank` (`meta`, `settings`) silent on them."""
        mine = self._context.get(meta.name)
        claims: Claims = {}
        if mine is None:
            return claims
        for index, policy in enumerate(self._above[:rank]):
            theirs = self._context.get(policy.meta.name)
            if theirs is None or theirs.settings is None or not at_least_as_strict(theirs.level, mine.level):
                continue  # disabled, unreadable, or its finding would not stop a run that this one's stops
            their_settings = theirs.settings
            if their_settings.common.exclude.match(self._call.name):
                continue  # that policy does not look at this resource at all
            if not settings.common.allow_waivers and self._waived(policy.meta, their_settings):
                continue  # its waiver would silence a finding this environment does not let anyone waive here
            merge_claims(claims, self._reported_by(index, policy, their_settings))
        return claims

    def _reported_by(self, rank: int, policy: ExposurePolicy[Any], settings: Any) -> Claims:
        known = self._reported.get(rank)
        if known is None:
            found = policy.find(self._resource, settings, self._call.memo)
            if any(reach.exposures for reach in found):
                found = unclaimed(found, self.over(rank, policy.meta, settings))
            known = self._reported[rank] = policy.claim(found, settings)
        return known

    def _waived(self, meta: PolicyMeta, settings: Settings) -> bool:
        if self._today is None:
            self._today = self._call.today()
        return waiver_in_effect(meta, settings, read_waiver(self._resource.tags, meta.name, self._today), self._today)


def exposure_policy(
    meta: PolicyMeta,
    read_settings: Callable[[Mapping[str, object]], E],
    *,
    queries: Callable[[E], Sequence[Query]],
    fix: str,
) -> ExposurePolicy[E]:
    """An ingress policy that reports every rule and peer opening the queried ports to anywhere, with the fix."""

    def find(resource: Resource, settings: E, memo: Memo) -> Sequence[Reach]:
        return find_open_ports(resource, memo, Direction.INGRESS, queries(settings), settings.openness)

    def describe(found: Sequence[Reach], settings: E) -> Verdict:
        return describe_found(found, Direction.INGRESS, settings.openness, fix)

    return ExposurePolicy.of(meta, read_settings, find, describe, claim_exposures)

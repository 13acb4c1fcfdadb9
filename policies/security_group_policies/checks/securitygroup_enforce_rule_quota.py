"""Enforce the rules-per-group quota, per direction and IP family, before AWS refuses the update.

AWS allows a group 60 inbound and 60 outbound rules (adjustable), counted separately for IPv4 and IPv6.
Each CIDR counts as one rule, each security-group reference and `self` as one IPv4 rule, and a prefix list
as its maximum number of entries. Inline rules and every rule resource attached to the group are added up,
which no single resource can see; a prefix list defined in this stack counts with its real `maxEntries`,
one from outside the stack can only count as one (its real weight is known only to AWS).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..config import RULE_QUOTA
from ..framework import Collector, Common, PolicyMeta, StackPolicyDef, Verdict, common_options, common_settings
from ..rules import Direction
from ..stack import GroupBook, Stack, StackView, shown_name
from ..tables import PeerKind
from ..wire import UNKNOWN

FIX = (
    "merge CIDRs into fewer ranges, move sources into a prefix list, split the group, or raise the quota "
    "('Inbound or outbound rules per security group' in Service Quotas) and set ruleQuota to match"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-enforce-rule-quota",
    description=("Enforce the rules-per-group quota, per direction and IP family, before AWS refuses the update."),
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Reduce the group's rules in that direction and family (wider CIDRs, prefix lists, more groups) or raise "
        "the account's quota and set ruleQuota in this environment's policy config."
    ),
    options=(RULE_QUOTA, *common_options(waivable=False)),
    tags=("aws-limits",),
    waivable=False,
    url="https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html",
)


class QuotaSettings(NamedTuple):
    """This policy's settings."""

    common: Common
    quota: int


def read_settings(config: Mapping[str, object]) -> QuotaSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return QuotaSettings(**common_settings(config), quota=RULE_QUOTA.read(config))


@dataclass
class _Tally:
    counts: dict[tuple[Direction, int], int]
    guessed: dict[tuple[Direction, int], int]
    """Prefix lists from outside the stack, counted as one rule each."""
    unknown: dict[Direction, int]
    shared: dict[tuple[Direction, int], int]
    """The part of `counts` that comes from rule resources filed under several groups."""
    unbounded: dict[tuple[Direction, int | None], list[str]]
    """Prefix lists of this stack whose weight (maxEntries) or family is not known: counted as one rule each."""


def _add(counts: dict[tuple[Direction, int], int], key: tuple[Direction, int], weight: int) -> None:
    counts[key] = counts.get(key, 0) + weight


def _tally(view: StackView, book: GroupBook) -> _Tally:
    tally = _Tally({}, {}, {}, {}, {})
    for entry in book.peers():
        direction = entry.rule.direction
        if not isinstance(direction, Direction):
            continue
        peer = entry.peer
        weight, family, guessed = 1, 4, False
        if peer.kind is PeerKind.CIDR and peer.family is not None:
            family = peer.family
        elif peer.kind is PeerKind.PREFIX_LIST:
            prefix_list = view.resolve(entry.member, entry.rule, peer)
            known_family = prefix_list.family if prefix_list is not None else None
            if isinstance(known_family, int):
                family = known_family
            if prefix_list is None or (prefix_list.max_entries is None and prefix_list.family is not UNKNOWN):
                guessed = True
            elif prefix_list.max_entries is UNKNOWN or prefix_list.family is UNKNOWN:
                why = "maxEntries" if prefix_list.max_entries is UNKNOWN else "addressFamily"
                slot = (direction, known_family if isinstance(known_family, int) else None)
                tally.unbounded.setdefault(slot, []).append(
                    f"the {why} of prefix list {shown_name(prefix_list.name)}, which "
                    f"{entry.member.place(entry.rule)} uses"
                )
            elif isinstance(prefix_list.max_entries, int):
                weight = prefix_list.max_entries
        elif peer.kind is PeerKind.UNKNOWN:
            tally.unknown[direction] = tally.unknown.get(direction, 0) + 1
            continue
        elif peer.kind is PeerKind.INVALID:
            continue
        key = (direction, family)
        _add(tally.counts, key, weight)
        if guessed:
            _add(tally.guessed, key, 1)
        if entry.member.guessed:
            _add(tally.shared, key, weight)
    return tally


def judge(stack: Stack, settings: QuotaSettings) -> Verdict:
    """Every group, direction and family whose rules add up past the quota.

    A rule resource filed under several groups (its group cannot be told during preview) is counted only when
    the group is over the quota without it: a count it may or may not join is a preview note, and the real ids
    at `pulumi up` settle it. AWS refuses an update over the quota itself, so nothing is deployed that this
    policy would have stopped.
    """
    view = stack.view
    collector = Collector(gaps=list(view.gaps))
    for book in view.books:
        tally = _tally(view, book)
        subject = "the group" if book.group is not None else book.label
        urn = book.group.urn if book.group is not None else None
        name = book.group.name if book.group is not None else None
        reported: set[tuple[Direction, int]] = set()
        for (direction, family), count in sorted(tally.counts.items(), key=lambda item: (item[0][0].value, item[0][1])):
            shared = tally.shared.get((direction, family), 0)
            certain = count - shared
            guessed = tally.guessed.get((direction, family), 0)
            note = (
                f"; {guessed} prefix list{'s' if guessed > 1 else ''} from outside this stack counted as one rule "
                "each, though AWS counts their maximum entries"
                if guessed
                else ""
            )
            if shared and certain > settings.quota:
                note += (
                    f"; not counting {shared} more from rule resources whose group cannot be told until apply, "
                    "which are filed under several groups of this stack"
                )
            if certain > settings.quota:
                reported.add((direction, family))
                collector.add(
                    f"{subject} has {certain} IPv{family} {direction.value} rules, over the quota of "
                    f"{settings.quota} (each CIDR, group reference and self counts as one, a prefix list as its "
                    f"maximum entries{note}). Fix: {FIX}",
                    urn,
                    name,
                )
            elif count > settings.quota:
                collector.gaps.append(
                    f"the IPv{family} {direction.value} rule count of {book.shown} ({certain} certain, and {shared} "
                    "more if the rule resources filed under several groups of this stack belong to it)"
                )
            elif count + tally.unknown.get(direction, 0) > settings.quota:
                collector.gaps.append(f"the {direction.value} rule count of {book.shown} ({count} known)")
        for (direction, list_family), why in tally.unbounded.items():
            if list_family is not None and (direction, list_family) in reported:
                continue
            collector.gaps.append(f"the {direction.value} rule count of {book.shown} ({', '.join(why)})")
    return collector.verdict()


DEFINITION = StackPolicyDef(META, read_settings, judge)

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

from pulumi_policy import EnforcementLevel, Severity, StackValidationArgs

from ..config import RULE_QUOTA
from ..framework import Collector, Common, PolicyMeta, StackPolicyDef, Verdict, common_options, common_settings
from ..rules import Direction
from ..stack import GroupBook, StackView, build
from ..tables import PeerKind

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
    unknown: dict[Direction, int]


def _tally(view: StackView, book: GroupBook) -> _Tally:
    tally = _Tally({}, {}, {})
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
            if prefix_list is not None and prefix_list.max_entries and prefix_list.family:
                weight, family = prefix_list.max_entries, prefix_list.family
            else:
                family = prefix_list.family if prefix_list is not None and prefix_list.family else 4
                guessed = True
        elif peer.kind is PeerKind.UNKNOWN:
            tally.unknown[direction] = tally.unknown.get(direction, 0) + 1
            continue
        elif peer.kind is PeerKind.INVALID:
            continue
        key = (direction, family)
        tally.counts[key] = tally.counts.get(key, 0) + weight
        if guessed:
            tally.guessed[key] = tally.guessed.get(key, 0) + 1
    return tally


def judge(args: StackValidationArgs, settings: QuotaSettings) -> Verdict:
    """Every group, direction and family whose rules add up past the quota."""
    view = build(args.resources)
    collector = Collector(gaps=list(view.gaps))
    for book in view.books:
        tally = _tally(view, book)
        subject = "the group" if book.group is not None else book.label
        urn = book.group.urn if book.group is not None else None
        name = book.group.name if book.group is not None else None
        for (direction, family), count in sorted(tally.counts.items(), key=lambda item: (item[0][0].value, item[0][1])):
            guessed = tally.guessed.get((direction, family), 0)
            note = (
                f"; {guessed} prefix list{'s' if guessed > 1 else ''} from outside this stack counted as one rule "
                "each, though AWS counts their maximum entries"
                if guessed
                else ""
            )
            if count > settings.quota:
                collector.add(
                    f"{subject} has {count} IPv{family} {direction.value} rules, over the quota of {settings.quota} "
                    f"(each CIDR, group reference and self counts as one, a prefix list as its maximum entries{note}). "
                    f"Fix: {FIX}",
                    urn,
                    name,
                )
            elif count + tally.unknown.get(direction, 0) > settings.quota:
                collector.gaps.append(f"the {direction.value} rule count of {subject} ({count} known)")
    return collector.verdict()


DEFINITION = StackPolicyDef(META, read_settings, judge)

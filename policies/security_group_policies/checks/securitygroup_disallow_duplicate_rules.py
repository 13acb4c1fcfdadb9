"""Disallow rules that repeat a permission already on the same group (AWS rejects them).

AWS refuses a permission (direction, protocol, ports, one source) that a group already has, and one that
appears twice in one request. Inline entries, SecurityGroupRule and the vpc rule resources of one group are
compared together; CIDRs are compared as networks, so `10.0.0.1/8` repeats `10.0.0.0/8`, as AWS sees it.
Descriptions do not make two permissions different.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity, StackValidationArgs

from ..framework import Collector, Common, PolicyMeta, StackPolicyDef, Verdict, common_options, common_settings
from ..rules import Direction, Peer, Rule
from ..stack import Member, PermissionKey, build

FIX = "delete the repeated rule (or the repeated source in it); keep one definition of each permission"

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-duplicate-rules",
    description="Disallow rules that repeat a permission already on the same group (AWS rejects them).",
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation_steps="Remove the repeated rule or source; AWS would fail the update with a duplicate-rule error.",
    options=common_options(waivable=False),
    tags=("aws-limits",),
    waivable=False,
    url="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html",
)


class DuplicateSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> DuplicateSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return DuplicateSettings(**common_settings(config))


def judge(args: StackValidationArgs, settings: DuplicateSettings) -> Verdict:
    """Every permission that repeats one defined earlier for the same group."""
    view = build(args.resources)
    collector = Collector(gaps=list(view.gaps))
    for book in view.books:
        seen: dict[PermissionKey, tuple[Member, Rule, Peer]] = {}
        for entry in book.peers():
            if entry.key is None:
                continue
            first = seen.get(entry.key)
            if first is None:
                seen[entry.key] = (entry.member, entry.rule, entry.peer)
                continue
            collector.add(_message(entry.member, entry.rule, entry.peer, first), entry.member.urn, entry.member.name)
    return collector.verdict()


def _message(member: Member, rule: Rule, peer: Peer, first: tuple[Member, Rule, Peer]) -> str:
    first_member, first_rule, first_peer = first
    word = "from" if rule.direction is Direction.INGRESS else "to"
    same = "" if first_peer.label == peer.label else f" (the same network as {first_peer.label})"
    if first_rule is rule:
        where = "earlier in the same rule"
    elif first_member is member:
        where = f"by {first_rule.where}"
    elif first_member.resource.is_group:
        where = f"by {first_rule.where} of its group"
    else:
        where = "by another rule resource of the same group"
    return f"{rule.where} repeats {rule.traffic} {word} {peer.label}{same}, already allowed {where}. Fix: {FIX}"


DEFINITION = StackPolicyDef(META, read_settings, judge)

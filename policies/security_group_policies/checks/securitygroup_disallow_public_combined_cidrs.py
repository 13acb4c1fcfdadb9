"""Disallow reaching anywhere through CIDRs spread over several rule resources or inside a prefix list.

What no single resource shows: rule resources of one group whose CIDRs together cover every IPv4 or IPv6
address for some protocol and port (0.0.0.0/1 in one, 128.0.0.0/1 in another), and prefix lists defined in
this stack whose entries contain a /0 or add up to the whole space. Such a spelling of "anywhere" hides the
exposure from every per-rule check; if anywhere is what is meant, write 0.0.0.0/0 so the port policies
judge it. Covers within one resource are reported by the per-port policies themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, StackPolicyDef, Verdict, common_options, common_settings
from ..ports import ALL_PORTS
from ..reach import Exposure, Openness, Reach, describe_reaches, family_word, find_open, ports_phrase
from ..rules import Direction, Rule
from ..stack import GroupBook, Member, Stack, StackView, expand_prefix_lists, placement_notes, with_notes
from ..tables import ProtocolKind

FIX = (
    "narrow the CIDRs to the networks that need access, or, if anywhere is intended, say so with 0.0.0.0/0 "
    "or ::/0 so the port policies judge it"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-public-combined-cidrs",
    description=(
        "Disallow reaching anywhere through CIDRs spread over several rule resources or inside a prefix list."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    remediation_steps=(
        "Narrow the CIDRs (or the prefix list's entries) to the networks that need access; if the whole internet "
        "is intended, write 0.0.0.0/0 or ::/0 explicitly."
    ),
    options=common_options(waivable=False),
    tags=("network", "evasion"),
    waivable=False,
    url="https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html",
)

_NO_WIDENING = Openness()
"""Only the whole address space counts here: wide public ranges are the per-rule policies' business."""


class CombinedSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> CombinedSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return CombinedSettings(**common_settings(config))


def judge(stack: Stack, settings: CombinedSettings) -> Verdict:
    """Every exposure that needs several resources, or a prefix list's entries, to reach anywhere."""
    view = stack.view
    collector = Collector(gaps=list(view.gaps))
    for book in view.books:
        _judge_group(view, book, collector)
    return collector.verdict()


def _judge_group(view: StackView, book: GroupBook, collector: Collector) -> None:
    origin: dict[int, Member] = {}
    rules: list[Rule] = []
    inline = [(book.group, rule) for rule in book.inline_rules()] if book.group is not None else []
    for member, rule in [*inline, *book.separate_rules()]:
        if rule.direction is not Direction.EGRESS:
            collector.gaps.extend(view.prefix_list_gaps(member, rule))
        expanded = expand_prefix_lists(view, member, rule)
        origin[id(expanded)] = member
        rules.append(expanded)
    found: list[Exposure] = []
    for transport in (ProtocolKind.ALL, ProtocolKind.TCP, ProtocolKind.UDP):
        reach = find_open(rules, Direction.INGRESS, transport, ALL_PORTS, _NO_WIDENING)
        for exposure in reach.exposures:
            through_list = any(peer.via for peer in exposure.peers)
            resources = {id(origin[id(rule)]) for rule in exposure.rules}
            if not through_list and not (exposure.combined and len(resources) > 1):
                continue  # one resource shows it on its own: the per-port policies report it
            if transport is not ProtocolKind.ALL and all(r.protocol.kind is ProtocolKind.ALL for r in exposure.rules):
                continue  # already reported as all traffic
            found.append(exposure)
    for exposure in found:
        members = list({id(origin[id(rule)]): origin[id(rule)] for rule in exposure.rules}.values())
        for member in members:
            head = with_notes(_describe(exposure, member, origin), placement_notes(member, members))
            collector.add(f"{head}. Fix: {FIX}", member.urn, member.name)


def _describe(exposure: Exposure, member: Member, origin: Mapping[int, Member]) -> str:
    if not exposure.combined:
        [sentence] = describe_reaches([Reach(exposures=[exposure])], Direction.INGRESS, _NO_WIDENING)
        return sentence
    own = [rule.where for rule in exposure.rules if origin[id(rule)] is member]
    others = len(exposure.rules) - len(own)
    if exposure.transport is ProtocolKind.ALL:
        what = "all traffic"
    else:
        what = f"{exposure.transport.value} {ports_phrase(exposure)}"
    partners = (
        f" together with {others} rule{'s' if others > 1 else ''} of other resources of the same group"
        if others
        else ""
    )
    verb = "allows" if len(own) == 1 else "allow"
    cidrs = ", ".join(dict.fromkeys(peer.label for peer in exposure.peers))
    return (
        f"{', '.join(own)}{partners} {verb} {what} from every {family_word(exposure.family)} address, through "
        f"CIDRs that together cover the whole address space ({cidrs})"
    )


DEFINITION = StackPolicyDef(META, read_settings, judge)

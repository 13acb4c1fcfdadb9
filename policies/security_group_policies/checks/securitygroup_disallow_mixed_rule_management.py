"""Disallow managing a group's rules both inline and as separate rule resources.

The provider manages a group's rules either through the group's inline `ingress`/`egress` or through
SecurityGroupRule / vpc SecurityGroupIngressRule / SecurityGroupEgressRule resources, never both: each side
removes what the other adds on every update. A rule resource is matched to its group through the engine's
property dependencies and, where ids are known, through a literal `sg-…` id, which catches rules attached
by a hard-coded id or a lookup. Inline entries identical to a separate rule of the group are read-backs
after a refresh, not a second definition, and do not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Collector, Common, PolicyMeta, StackPolicyDef, Verdict, common_options, common_settings
from ..rules import Direction
from ..stack import GroupBook, Member, Stack, placement_notes, shown_name, with_notes

FIX = (
    "move the group's inline rules into separate rule resources (what this project's component does), or "
    "move the separate rules inline; never both for one group"
)

META = PolicyMeta(
    name="aws-ec2-securitygroup-disallow-mixed-rule-management",
    description="Disallow managing a group's rules both inline and as separate rule resources.",
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Pick one model per group, preferably separate vpc SecurityGroupIngressRule/EgressRule resources with "
        "no inline ingress/egress on the group."
    ),
    options=common_options(waivable=False),
    tags=("reliability", "pulumi-aws"),
    waivable=False,
    url="https://www.pulumi.com/registry/packages/aws/api-docs/ec2/securitygroup/",
)


class MixedSettings(NamedTuple):
    """This policy's settings (only the shared ones)."""

    common: Common


def read_settings(config: Mapping[str, object]) -> MixedSettings:
    """Read this policy's config, with the schema's defaults for anything left out."""
    return MixedSettings(**common_settings(config))


def judge(stack: Stack, settings: MixedSettings) -> Verdict:
    """Every rule resource whose group also declares inline rules in the same direction.

    A rule resource filed under several groups (its group cannot be told during preview) is reported when
    every one of them declares inline rules in its direction; when only some do, that is a preview note, and
    the real ids at `pulumi up` settle it.
    """
    view = stack.view
    collector = Collector(gaps=list(view.gaps))
    shared: dict[tuple[str, int], tuple[Member, list[tuple[GroupBook, str]]]] = {}
    for book in view.books:
        inline = book.inline_rules()
        for direction in Direction:
            mine = [rule.where for rule in inline if rule.direction is direction]
            if not mine:
                continue
            for member, rule in book.separate_rules():
                if rule.direction is not direction:
                    continue
                count = f"{len(mine)} inline {direction.value} rule{'s' if len(mine) > 1 else ''}"
                head = f"{rule.where} belongs to a security group that also declares {count} ({', '.join(mine)})"
                if member.guessed:
                    head = with_notes(head, placement_notes(member, [member]))
                    shared.setdefault((member.urn, id(rule)), (member, []))[1].append((book, head))
                    continue
                collector.add(
                    f"{head}; the provider overwrites one with the other on every update. Fix: {FIX}",
                    member.urn,
                    member.name,
                )
    for member, found in shared.values():
        if len(found) == len(view.placements[member.urn]):
            for _, head in found:
                collector.add(
                    f"{head}; the provider overwrites one with the other on every update. Fix: {FIX}",
                    member.urn,
                    member.name,
                )
        else:
            where = ", ".join(book.shown for book, _ in found)
            collector.gaps.append(
                f"whether {shown_name(member.name)} is managed alongside inline rules ({where} declares them; "
                f"{placement_notes(member, [member])[0]})"
            )
    return collector.verdict()


DEFINITION = StackPolicyDef(META, read_settings, judge)

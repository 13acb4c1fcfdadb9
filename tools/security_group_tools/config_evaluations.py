"""Findings on security groups as AWS Config evaluations: compliance per group and a short annotation.

A group is NON_COMPLIANT when a finding on it (or on one of its rules) is at a failing level: `mandatory`, or
also `advisory` when the rule's `failOn` parameter says so. The annotation names the policy, the rule (by
direction, protocol, ports and peer, all of which AWS shows in the console anyway) and the policy's fix. It
never carries a finding's message: messages quote descriptions and waiver reasons, which are free text a user
wrote, and Config shows annotations to everyone who can read the rule's results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .audit_report import Finding
from .aws_inventory import LiveGroup, LiveRule
from .config_items import RESOURCE_TYPE

MAX_ANNOTATION: Final = 256
"""PutEvaluations' limit on `Annotation`."""

COMPLIANT: Final = "COMPLIANT"
NON_COMPLIANT: Final = "NON_COMPLIANT"
NOT_APPLICABLE: Final = "NOT_APPLICABLE"

FAILING_LEVELS: Final[Mapping[str, frozenset[str]]] = {
    "mandatory": frozenset({"mandatory"}),
    "advisory": frozenset({"mandatory", "advisory"}),
}
"""The `failOn` parameter -> the finding levels that make a group NON_COMPLIANT."""


@dataclass(frozen=True)
class Evaluation:
    """One evaluation as PutEvaluations takes it."""

    resource_id: str
    compliance: str
    timestamp: datetime
    annotation: str = ""
    resource_type: str = RESOURCE_TYPE

    def request(self) -> dict[str, Any]:
        """The `Evaluations` entry."""
        entry: dict[str, Any] = {
            "ComplianceResourceType": self.resource_type,
            "ComplianceResourceId": self.resource_id,
            "ComplianceType": self.compliance,
            "OrderingTimestamp": self.timestamp,
        }
        if self.annotation:
            entry["Annotation"] = self.annotation
        return entry


def _ports(rule: LiveRule) -> str:
    protocol = {"-1": "all traffic"}.get(rule.protocol, rule.protocol)
    if rule.protocol == "-1" or rule.from_port == -1:
        return protocol
    if rule.protocol.lower() in ("icmp", "icmpv6", "1", "58"):
        return f"{protocol} type {rule.from_port} code {rule.to_port}"
    if rule.from_port == rule.to_port:
        return f"{protocol} {rule.from_port}"
    return f"{protocol} {rule.from_port}-{rule.to_port}"


def rule_text(rule: LiveRule) -> str:
    """A rule as the console lists it: `ingress tcp 22 from 0.0.0.0/0`."""
    return f"{rule.direction} {_ports(rule)} {'to' if rule.egress else 'from'} {rule.peer}"


def annotation(failing: Sequence[Finding], rules: Mapping[str, LiveRule], fixes: Mapping[str, str]) -> str:
    """`<policy> on <rule> (+N more): <fix>`, cut to 256 characters; the first finding is the first failing one."""
    first = failing[0]
    rule = rules.get(first.rule_id)
    where = rule_text(rule) if rule is not None else "the group"
    more = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
    text = f"{first.policy} on {where}{more}: {fixes.get(first.policy, '')}".rstrip(": ")
    if len(text) > MAX_ANNOTATION:
        text = text[: MAX_ANNOTATION - 1].rstrip() + "…"
    return text


def evaluations(
    groups: Sequence[LiveGroup],
    found: Sequence[Finding],
    *,
    fail_on: str,
    fixes: Mapping[str, str],
    timestamp: datetime,
) -> list[Evaluation]:
    """One evaluation per group, in the groups' order; `found` as `audit_report.findings` sorts it."""
    failing_levels = FAILING_LEVELS[fail_on]
    rules = {rule.rule_id: rule for group in groups for rule in group.rules}
    result = []
    for group in groups:
        # The group's own order (ingress, then egress, as the console lists them; the group itself last) decides
        # which finding the annotation names: an open inbound port before an undescribed outbound rule.
        order = {rule.rule_id: (rule.egress, position) for position, rule in enumerate(group.rules)}
        failing = sorted(
            (f for f in found if f.group_id == group.group_id and f.level in failing_levels),
            key=lambda f: order.get(f.rule_id, (True, len(order))),
        )
        if failing:
            result.append(Evaluation(group.group_id, NON_COMPLIANT, timestamp, annotation(failing, rules, fixes)))
        else:
            result.append(Evaluation(group.group_id, COMPLIANT, timestamp))
    return result

"""The pack's policies, in pack order: the order GetAnalyzerInfo lists them and the analyzer reports them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Final

from pulumi_policy import EnforcementLevel

from .analyzer import PackAnalyzer, WaiverReport
from .checks import (
    defaultsecuritygroup_disallow_rules,
    defaultsecuritygroup_enforce_closed,
    securitygroup_disallow_cross_vpc_reference,
    securitygroup_disallow_duplicate_rules,
    securitygroup_disallow_invalid_description,
    securitygroup_disallow_invalid_name,
    securitygroup_disallow_mixed_rule_management,
    securitygroup_disallow_public_all_traffic,
    securitygroup_disallow_public_combined_cidrs,
    securitygroup_disallow_public_egress,
    securitygroup_disallow_public_high_risk_ports,
    securitygroup_disallow_public_rdp,
    securitygroup_disallow_public_ssh,
    securitygroup_disallow_public_unauthorized_ports,
    securitygroup_enforce_rule_quota,
    securitygroup_missing_description,
    securitygroup_missing_rule_description,
    securitygroup_report_waivers,
)
from .framework import PolicyMeta, ResourcePolicyDef, StackPolicyDef
from .precedence import ranked
from .tables import MANAGED_PREFIX_LIST, MANAGED_PREFIX_LIST_ENTRY, RULE_BEARING_TYPES
from .waivers import utc_today

PACK_NAME: Final = "security-groups"
PACK_ENFORCEMENT_LEVEL: Final = EnforcementLevel.ADVISORY
"""The pack-wide default level a stock `PolicyPack` is given (`sdk.py`); every policy sets its own."""
PACK_DESCRIPTION: Final = (
    "EC2 security-group policies for any Pulumi program: exposure to anywhere however it is spelled, "
    "descriptions, the default group, and AWS limits that otherwise fail at apply time; with expiring waivers."
)

RESOURCE_POLICIES: Final[tuple[ResourcePolicyDef[Any], ...]] = (
    securitygroup_disallow_public_ssh.DEFINITION,
    securitygroup_disallow_public_rdp.DEFINITION,
    securitygroup_disallow_public_all_traffic.DEFINITION,
    securitygroup_disallow_public_high_risk_ports.DEFINITION,
    securitygroup_disallow_public_unauthorized_ports.DEFINITION,
    securitygroup_disallow_public_egress.DEFINITION,
    securitygroup_missing_description.DEFINITION,
    securitygroup_missing_rule_description.DEFINITION,
    defaultsecuritygroup_disallow_rules.DEFINITION,
    securitygroup_disallow_invalid_name.DEFINITION,
    securitygroup_disallow_invalid_description.DEFINITION,
)

STACK_POLICIES: Final[tuple[StackPolicyDef[Any], ...]] = (
    securitygroup_disallow_public_combined_cidrs.DEFINITION,
    securitygroup_disallow_mixed_rule_management.DEFINITION,
    securitygroup_enforce_rule_quota.DEFINITION,
    securitygroup_disallow_duplicate_rules.DEFINITION,
    defaultsecuritygroup_enforce_closed.DEFINITION,
    securitygroup_disallow_cross_vpc_reference.DEFINITION,
)

WAIVER_REPORT: Final = securitygroup_report_waivers

METAS: Final[tuple[PolicyMeta, ...]] = (
    *(definition.meta for definition in RESOURCE_POLICIES),
    WAIVER_REPORT.META,
    *(definition.meta for definition in STACK_POLICIES),
)
"""Every policy's metadata, in pack order."""


JUDGED_TYPES: Final = RULE_BEARING_TYPES | {MANAGED_PREFIX_LIST, MANAGED_PREFIX_LIST_ENTRY}
"""Every type a policy of this pack reads: a resource of another type that cannot be read needs no note."""


def known_policies() -> frozenset[str]:
    """The names a waiver tag may refer to."""
    return frozenset(meta.name for meta in METAS)


def analyzer(today: Callable[[], date] = utc_today, *, rank: bool = True) -> PackAnalyzer:
    """The pack as the engine talks to it: every policy behind the pack's own gRPC analyzer servicer.

    `today` is injectable so tests can pin waiver expiry. `rank=False` lets each exposure policy judge alone,
    as a stock PolicyPack runs them (`sdk.py`), for the tests that compare the two.
    """
    return PackAnalyzer(
        PACK_NAME,
        tuple(ranked(definition) for definition in RESOURCE_POLICIES) if rank else RESOURCE_POLICIES,
        STACK_POLICIES,
        description=PACK_DESCRIPTION,
        waiver_report=WaiverReport(
            WAIVER_REPORT.META,
            WAIVER_REPORT.read_settings,
            WAIVER_REPORT.report,
            known_policies(),
            WAIVER_REPORT.APPLIES_TO,
        ),
        judged_types=JUDGED_TYPES,
        today=today,
    )

"""Which resource types each policy of the pack judges: what a JUnit report has one test case for.

GetAnalyzerInfo does not say which types a policy reads, so this comes from the pack's own catalogue: a
resource policy judges the types it names (`applies_to`), the waiver report every rule-bearing type, and a
stack policy every rule-bearing resource of the stack (it judges them together, and names the one a finding
is on).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from security_group_policies.catalogue import RESOURCE_POLICIES, STACK_POLICIES, WAIVER_REPORT
from security_group_policies.tables import RULE_BEARING_TYPES

JUDGED: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        **{definition.meta.name: definition.applies_to for definition in RESOURCE_POLICIES},
        WAIVER_REPORT.META.name: frozenset(WAIVER_REPORT.APPLIES_TO),
        **{definition.meta.name: frozenset(RULE_BEARING_TYPES) for definition in STACK_POLICIES},
    }
)
"""Policy name -> the resource types it judges."""


def judges(policy: str, resource_type: str) -> bool:
    """Whether the policy judges resources of this type."""
    return resource_type in JUDGED.get(policy, frozenset())

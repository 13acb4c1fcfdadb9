"""A pack of no-op policies: as many resource and stack policies as ours has, none doing any work.

Served by the SDK's `PolicyPack` (the floor every SDK pack pays), or, with NOOP_ANALYZER=one-conversion and
policies/ on PYTHONPATH, by our pack's `PackAnalyzer` as no-op definitions of every type (the floor our pack
pays: one conversion and one normalisation per request, so that what our policies themselves cost can be read
off).
"""

import os
from typing import NamedTuple

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

RESOURCE_POLICIES = 12
"""Our pack's 11 resource policies plus its waiver report (also a resource policy)."""
STACK_POLICIES = 4
"""Our pack's stack policies."""


def _nothing(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    del args, report_violation


def _nothing_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    del args, report_violation


POLICIES = [
    *(
        ResourceValidationPolicy(name=f"noop-resource-{index}", description="Does nothing.", validate=_nothing)
        for index in range(RESOURCE_POLICIES)
    ),
    *(
        StackValidationPolicy(name=f"noop-stack-{index}", description="Does nothing.", validate=_nothing_stack)
        for index in range(STACK_POLICIES)
    ),
]

if os.environ.get("NOOP_ANALYZER") == "one-conversion":
    from pulumi_policy import Severity
    from security_group_policies.analyzer import PackAnalyzer, serve
    from security_group_policies.config import NamePatterns
    from security_group_policies.framework import CLEAR, Common, PolicyMeta, ResourcePolicyDef, StackPolicyDef
    from security_group_policies.tables import RULE_BEARING_TYPES

    class NoopSettings(NamedTuple):
        common: Common

    settings = NoopSettings(Common(NamePatterns(), allow_waivers=False, max_waiver_days=0))

    def meta(policy: ResourceValidationPolicy | StackValidationPolicy) -> PolicyMeta:
        return PolicyMeta(policy.name, policy.description, EnforcementLevel.ADVISORY, Severity.LOW, "", (), (), False)

    serve(
        PackAnalyzer(
            "noop",
            [
                ResourcePolicyDef(meta(p), RULE_BEARING_TYPES, lambda _c: settings, lambda _r, _s: CLEAR)
                for p in POLICIES
                if isinstance(p, ResourceValidationPolicy)
            ],
            [
                StackPolicyDef(meta(p), lambda _c: settings, lambda _s, _t: CLEAR)
                for p in POLICIES
                if isinstance(p, StackValidationPolicy)
            ],
        )
    )
else:
    PolicyPack(name="noop", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)

"""A pack of no-op policies: as many resource and stack policies as ours has, none doing any work.

Served by the SDK's `PolicyPack` (the floor every SDK pack pays), or, with NOOP_ANALYZER=one-conversion and
policies/ on PYTHONPATH, by our pack's `OneConversionAnalyzer` (the floor our pack pays, so that what our
policies themselves cost can be read off).
"""

import os

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
    from security_group_policies.analyzer import OneConversionAnalyzer, serve

    serve(OneConversionAnalyzer("noop", POLICIES, EnforcementLevel.ADVISORY))
else:
    PolicyPack(name="noop", policies=POLICIES, enforcement_level=EnforcementLevel.ADVISORY)

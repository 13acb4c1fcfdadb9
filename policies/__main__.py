"""Assemble the policy pack. `pulumi.policy` runs this file; the PolicyPack constructor serves it over gRPC."""

from pulumi_policy import EnforcementLevel, PolicyPack
from security_group_policies.catalogue import PACK_DESCRIPTION, PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description=PACK_DESCRIPTION,
)

"""Assemble the policy pack. `pulumi.policy` runs this file; the PolicyPack constructor serves it over gRPC."""

import gc

from pulumi_policy import EnforcementLevel, PolicyPack
from security_group_policies.catalogue import PACK_DESCRIPTION, PACK_NAME, policies

# What is imported now (the SDKs, gRPC, our tables) lives as long as the pack process: keep it out of the cyclic
# collector's scans, which would otherwise walk all of it again on every full collection during every call.
gc.freeze()

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description=PACK_DESCRIPTION,
)

"""Assemble the policy pack. `pulumi.policy` runs this file; `serve` answers the engine over gRPC until stopped."""

import gc

from security_group_policies.analyzer import serve
from security_group_policies.catalogue import analyzer

# What is imported now (the SDKs, gRPC, our tables) lives as long as the pack process: keep it out of the cyclic
# collector's scans, which would otherwise walk all of it again on every full collection during every call.
gc.freeze()

serve(analyzer())

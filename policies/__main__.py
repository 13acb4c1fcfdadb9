"""Assemble the policy pack. `pulumi.policy` runs this file; the PolicyPack constructor serves it over gRPC."""

# mypy runs from the repository root, where `security_group_policies` is not a top-level package; the
# Pulumi CLI runs this file from policies/, where it is. The import is checked once mypy_path includes
# policies/; until then it is typed as Any.
# mypy: disable-error-code="import-not-found"

from pulumi_policy import EnforcementLevel, PolicyPack
from security_group_policies.catalogue import PACK_DESCRIPTION, PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    enforcement_level=EnforcementLevel.ADVISORY,
    description=PACK_DESCRIPTION,
)

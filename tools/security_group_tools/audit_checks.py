"""Checks only audit can make, declared in one table: they need facts about live groups that no preview has.

The pack judges what a program declares; whether a group is attached to anything is known only in the account
(`network_interfaces.py`), so these run in audit alone, beside the pack's policies, and are not part of the
pack (a `--policy-config` cannot name them). Each has what a pack policy's finding carries: name, level,
severity and compliance controls.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from security_group_policies import compliance
from security_group_policies.checks import securitygroup_disallow_public_combined_cidrs
from security_group_policies.compliance import Control
from security_group_policies.precedence import INGRESS_PRECEDENCE


class AuditCheck(NamedTuple):
    """An audit-only check."""

    name: str
    description: str
    level: str
    """`advisory` or `mandatory`, fixed: the pack's config does not reach it."""
    severity: str
    message: str
    """The finding's text."""
    controls: tuple[Control, ...]
    remediation: str = ""
    """What to do about a finding (SARIF's help text)."""

    def tags(self) -> tuple[str, ...]:
        """Its tags as a pack policy publishes them: one `<framework key>:<control id>` per control."""
        return tuple(control.tag() for control in self.controls)


UNUSED_GROUP: Final = AuditCheck(
    name="aws-ec2-securitygroup-disallow-unused",
    description=("Flag security groups attached to no network interface, a VPC's default group excepted (audit only)."),
    level="advisory",
    severity="low",
    message=(
        "this group is attached to no network interface; delete it if nothing is meant to use it (an unused group "
        "is one attachment away from granting what its rules allow)"
    ),
    controls=compliance.UNUSED_GROUP,
    remediation=(
        "Delete the group if nothing is meant to use it; otherwise attach it where it belongs. AWS refuses to "
        "delete a group while other groups' rules name it: remove those rules first."
    ),
)
"""The default group is excepted: it cannot be deleted, and its rules are the default-group policy's to judge."""

AUDIT_ONLY_CHECKS: Final = (UNUSED_GROUP,)

OPENS_TO_ANYWHERE: Final = frozenset(
    {
        *(policy.meta.name for policy in INGRESS_PRECEDENCE),
        securitygroup_disallow_public_combined_cidrs.META.name,
    }
)
"""The policies whose finding is ingress from anywhere: on a group with a public interface, it is an exposure."""

"""Which exposure policy reports a port that several would: the one place that ranks them.

One open SSH rule is one problem, yet SSH, high-risk ports and unauthorised ports all see port 22, and an
all-traffic rule is seen by all five ingress exposure policies. Ranked from the finding that names the problem
best to the catch-all:

1. all traffic: the whole rule is the problem (every protocol, or every port), and narrowing the rule fixes
   every port at once; it is also the most severe (critical) and mandatory by default;
2. SSH and 3. RDP: one named service each, with a remedy of its own (Session Manager, Fleet Manager), and the
   policies teams most often make mandatory first. They share no port by default; SSH comes first only so
   that overlapping custom port lists still have one answer;
4. high-risk ports: a list of services, each better named by nothing above but SSH and RDP;
5. unauthorised ports: whatever no one authorised, the broadest question.

A (rule, peer, port) that a policy ranked higher reports is left out by the lower ones, so it is reported
once and one waiver of that policy covers it. The rest of the rule is still reported by the others. Whether a
higher policy reports it is worked out per call from the analyzer's context (`context.py`) with that policy's
own settings (ports, allowedCidrs, publicPrefixLength*, excludeNames), and it counts only when that policy is
enabled, at least as strict, and not waived where the lower policy allows no waivers (`exposure._Ranking`).
Egress is another direction and is judged on its own; so are the default-group and combined-CIDR policies,
which judge other problems.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from .checks import (
    securitygroup_disallow_public_all_traffic,
    securitygroup_disallow_public_high_risk_ports,
    securitygroup_disallow_public_rdp,
    securitygroup_disallow_public_ssh,
    securitygroup_disallow_public_unauthorized_ports,
)
from .exposure import ExposurePolicy
from .framework import ResourcePolicyDef

INGRESS_PRECEDENCE: Final[tuple[ExposurePolicy[Any], ...]] = (
    securitygroup_disallow_public_all_traffic.DEFINITION,
    securitygroup_disallow_public_ssh.DEFINITION,
    securitygroup_disallow_public_rdp.DEFINITION,
    securitygroup_disallow_public_high_risk_ports.DEFINITION,
    securitygroup_disallow_public_unauthorized_ports.DEFINITION,
)
"""The ingress exposure policies, most specific first."""


def ranked(definition: ResourcePolicyDef[Any]) -> ResourcePolicyDef[Any]:
    """`definition`, deferring to the exposure policies ranked above it when it is one of them."""
    for rank, policy in enumerate(INGRESS_PRECEDENCE):
        if policy is definition:
            return replace(policy, above=INGRESS_PRECEDENCE[:rank])
    return definition

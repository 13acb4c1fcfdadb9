"""The compliance controls each policy's finding is evidence against: data only, looked up by policy name.

Two frameworks, each with the version its numbers belong to (control numbers move between versions):

- CIS AWS Foundations Benchmark v3.0.0 (the version AWS Security Hub certifies) and v5.0.0: section 5 or its
  successor, "Networking": no security group open from 0.0.0.0/0 (v3.0.0 5.2, v5.0.0 5.3) or from ::/0
  (v3.0.0 5.3, v5.0.0 5.4) to remote server administration ports, and every VPC's default group restricting
  all traffic (v3.0.0 5.4, v5.0.0 5.5).
- AWS Foundational Security Best Practices v1.0.0, the Security Hub standard: EC2.2 (default group), EC2.18
  (unrestricted ingress only on authorised ports) and EC2.19 (no unrestricted ingress to high-risk ports).

Security Hub also runs controls outside FSBP under consolidated ids: EC2.13 (port 22) and EC2.14 (port 3389)
belong to CIS v1.2.0 (4.1, 4.2), PCI DSS and NIST standards; EC2.53 and EC2.54 to CIS v3.0.0 (5.2, 5.3).
Those are listed as `SECURITY_HUB` controls so a Security Hub finding can be matched to ours, never claimed as
FSBP. An exposure to anywhere is evidence against every control whose letter it breaks: SSH open to 0.0.0.0/0
fails CIS's administration-port control, FSBP EC2.19 (22 is on its high-risk list) and EC2.18 (22 is not an
authorised port by default); the pack reports it once, as SSH's finding (`precedence.py`), so that finding
carries all of them.

A policy with no entry beyond `()` judges something no control covers (descriptions, AWS limits, egress,
waivers). The combined-CIDR policy stays empty on purpose: the controls test a literal /0, which a split such as
0.0.0.0/1 + 128.0.0.0/1 passes; our finding is the bypass they miss, not a failure of their letter.
Sources: AWS Security Hub's EC2 control reference and standards pages; the CIS benchmarks' own numbering, as
also recorded in Prowler's compliance files. No text of either is copied here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, NamedTuple


class Framework(NamedTuple):
    """A compliance framework at one version."""

    key: str
    """Short and stable, for machine-readable output: `cis-aws-foundations-v3.0.0`."""
    title: str
    """As people name it: `CIS AWS Foundations Benchmark v3.0.0`."""
    short: str
    """For the table's legend: `CIS v3.0.0`."""


class Control(NamedTuple):
    """One control of one framework."""

    framework: Framework
    control_id: str
    """The number the framework gives it: `5.2`, `EC2.19`."""

    def label(self) -> str:
        """`CIS v3.0.0 5.2`, `FSBP EC2.19`."""
        return f"{self.framework.short} {self.control_id}"

    def tag(self) -> str:
        """`cis-aws-foundations-v3.0.0:5.2`: the policy tag that names it (GetAnalyzerInfo, SARIF rules)."""
        return f"{self.framework.key}:{self.control_id}"


CIS_V3: Final = Framework("cis-aws-foundations-v3.0.0", "CIS AWS Foundations Benchmark v3.0.0", "CIS v3.0.0")
CIS_V5: Final = Framework("cis-aws-foundations-v5.0.0", "CIS AWS Foundations Benchmark v5.0.0", "CIS v5.0.0")
FSBP: Final = Framework(
    "aws-foundational-security-best-practices-v1.0.0", "AWS Foundational Security Best Practices v1.0.0", "FSBP"
)
SECURITY_HUB: Final = Framework(
    "aws-security-hub-control", "AWS Security Hub control (consolidated id, outside FSBP)", "Security Hub"
)

FRAMEWORKS: Final = (CIS_V3, CIS_V5, FSBP, SECURITY_HUB)
"""Every framework, in the order reports list controls."""

# --- The controls, by what they are about ----------------------------------------------------------------------

_ADMIN_PORTS_ANYWHERE: Final = (
    Control(CIS_V3, "5.2"),  # from 0.0.0.0/0
    Control(CIS_V3, "5.3"),  # from ::/0
    Control(CIS_V5, "5.3"),
    Control(CIS_V5, "5.4"),
)
"""No security group open from anywhere to remote server administration ports (22, 3389, or a range holding
them). The pack's policies judge IPv4 and IPv6 alike, so each maps to both families' controls."""

_DEFAULT_GROUP_CLOSED: Final = (Control(CIS_V3, "5.4"), Control(CIS_V5, "5.5"), Control(FSBP, "EC2.2"))
_AUTHORISED_PORTS: Final = Control(FSBP, "EC2.18")
_HIGH_RISK_PORTS: Final = Control(FSBP, "EC2.19")
_HUB_ADMIN_PORTS: Final = (Control(SECURITY_HUB, "EC2.53"), Control(SECURITY_HUB, "EC2.54"))

UNUSED_GROUP: Final = (Control(SECURITY_HUB, "EC2.22"),)
"""Unused security groups should be removed: retired from FSBP (and NIST 800-53) on 20 September 2023, still a
control of Security Hub's AWS Control Tower service-managed standard. For audit's unused-group check, which
the pack cannot run (it never sees network interfaces)."""

CONTROLS: Final[Mapping[str, tuple[Control, ...]]] = MappingProxyType(
    {
        "aws-ec2-securitygroup-disallow-public-ssh": (
            *_ADMIN_PORTS_ANYWHERE,
            _AUTHORISED_PORTS,
            _HIGH_RISK_PORTS,
            Control(SECURITY_HUB, "EC2.13"),
            *_HUB_ADMIN_PORTS,
        ),
        "aws-ec2-securitygroup-disallow-public-rdp": (
            *_ADMIN_PORTS_ANYWHERE,
            _AUTHORISED_PORTS,
            _HIGH_RISK_PORTS,
            Control(SECURITY_HUB, "EC2.14"),
            *_HUB_ADMIN_PORTS,
        ),
        # Every port holds 22 and 3389: the administration-port controls fail too.
        "aws-ec2-securitygroup-disallow-public-all-traffic": (
            *_ADMIN_PORTS_ANYWHERE,
            _AUTHORISED_PORTS,
            _HIGH_RISK_PORTS,
            *_HUB_ADMIN_PORTS,
        ),
        # 22 and 3389 are SSH's and RDP's findings; the rest of the list is not an administration port in CIS's
        # sense, and none of it is authorised by default.
        "aws-ec2-securitygroup-disallow-public-high-risk-ports": (_AUTHORISED_PORTS, _HIGH_RISK_PORTS),
        "aws-ec2-securitygroup-disallow-public-unauthorized-ports": (_AUTHORISED_PORTS,),
        "aws-ec2-securitygroup-disallow-public-egress": (),
        "aws-ec2-securitygroup-disallow-public-combined-cidrs": (),
        "aws-ec2-securitygroup-missing-description": (),
        "aws-ec2-securitygroup-missing-rule-description": (),
        "aws-ec2-defaultsecuritygroup-disallow-rules": _DEFAULT_GROUP_CLOSED,
        "aws-ec2-defaultsecuritygroup-enforce-closed": _DEFAULT_GROUP_CLOSED,
        "aws-ec2-securitygroup-disallow-invalid-name": (),
        "aws-ec2-securitygroup-disallow-invalid-description": (),
        "aws-ec2-securitygroup-report-waivers": (),
        "aws-ec2-securitygroup-disallow-mixed-rule-management": (),
        "aws-ec2-securitygroup-enforce-rule-quota": (),
        "aws-ec2-securitygroup-disallow-duplicate-rules": (),
        "aws-ec2-securitygroup-disallow-cross-vpc-reference": (),
    }
)
"""Policy name -> the controls its findings are evidence against, frameworks in `FRAMEWORKS` order."""


def controls_of(policy: str) -> tuple[Control, ...]:
    """The controls a policy maps to; none for a name this table does not know (a policy of another pack)."""
    return CONTROLS.get(policy, ())

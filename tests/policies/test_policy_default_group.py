"""aws-ec2-defaultsecuritygroup-disallow-rules: the default group keeps no rule (CIS)."""

from __future__ import annotations

from security_group_policies.checks.defaultsecuritygroup_disallow_rules import DEFINITION

from .pack_fixtures import DEFAULT_SG, SG, UNKNOWN, default_group, group, inline, run


def test_every_kept_rule_is_named() -> None:
    """Each inline entry of the DefaultSecurityGroup is its own finding, with traffic and peers."""
    props = default_group(
        ingress=[inline(protocol="-1", cidrBlocks=[], self=True)],
        egress=[inline(protocol="-1", cidrBlocks=["0.0.0.0/0"], ipv6CidrBlocks=["::/0"])],
    )
    assert run(DEFINITION, DEFAULT_SG, props).heads == [
        "the default security group keeps ingress[0]: all traffic from the group itself",
        "the default security group keeps egress[0]: all traffic to 0.0.0.0/0, ::/0",
    ]


def test_no_rules_passes() -> None:
    """Declaring no rules (which strips them all) is the compliant shape, and so is leaving both out."""
    assert run(DEFINITION, DEFAULT_SG, default_group()).messages == []
    assert run(DEFINITION, DEFAULT_SG, {"vpcId": "vpc-0a1b2c3d4e5f67890"}).messages == []


def test_ordinary_group_is_not_judged() -> None:
    """Only the default group is held to "no rules"."""
    assert run(DEFINITION, SG, group()).messages == []


def test_unknown_rules_are_a_gap() -> None:
    """Rules computed from outputs are named in the preview note."""
    result = run(DEFINITION, DEFAULT_SG, default_group(ingress=UNKNOWN))
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check the ingress list:")

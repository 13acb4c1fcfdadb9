"""aws-ec2-securitygroup-missing-rule-description: every rule of every shape."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_missing_rule_description import DEFINITION

from .pack_fixtures import (
    DEFAULT_SG,
    NATIVE_SG,
    SG,
    SG_RULE,
    UNKNOWN,
    VPC_IN,
    VPC_OUT,
    default_group,
    group,
    inline,
    native_group,
    run,
    sg_rule,
    vpc_egress,
    vpc_ingress,
)

CASES = [
    (
        "fail-inline-ingress-missing",
        SG,
        group(ingress=[inline(description=None)]),
        ["ingress[0] (tcp 443) has no description"],
    ),
    (
        "fail-inline-egress-placeholder",
        SG,
        group(egress=[inline(description="Managed by Terraform")]),
        ['egress[0] (tcp 443) has a tool\'s placeholder description ("Managed by Terraform")'],
    ),
    (
        "fail-every-rule-judged",
        SG,
        group(ingress=[inline(), inline(description=""), inline(protocol="-1", description=" ")]),
        [
            "ingress[1] (tcp 443) has an empty description",
            "ingress[2] (all traffic) has a description of only whitespace",
        ],
    ),
    ("fail-vpc-ingress", VPC_IN, vpc_ingress(description=None), ["this ingress rule (tcp 443) has no description"]),
    (
        "fail-vpc-egress",
        VPC_OUT,
        vpc_egress(description="managed by pulumi"),
        ['this egress rule (tcp 443) has a tool\'s placeholder description ("Managed by Pulumi")'],
    ),
    ("fail-classic-rule", SG_RULE, sg_rule(description=""), ["this ingress rule (tcp 443) has an empty description"]),
    (
        # The rules AWS puts in every default group have no description; keeping any rule there at all is
        # defaultsecuritygroup-disallow-rules' finding, not this policy's.
        "pass-default-group-rule-left-to-the-default-group-policy",
        DEFAULT_SG,
        default_group(ingress=[inline(protocol="icmp", fromPort=8, toPort=0, description=None)]),
        [],
    ),
    (
        "fail-aws-native",
        NATIVE_SG,
        native_group(securityGroupEgress=[{"ipProtocol": "-1", "cidrIp": "0.0.0.0/0"}]),
        ["securityGroupEgress[0] (all traffic) has no description"],
    ),
    ("pass-all-described", SG, group(), []),
]


@pytest.mark.parametrize(("resource_type", "props", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_descriptions(resource_type: str, props: dict[str, Any], expected: list[str]) -> None:
    """Each rule without a real description is named, with its traffic, and the text is never quoted."""
    assert run(DEFINITION, resource_type, props).heads == expected


def test_unknown_rule_description_is_a_gap() -> None:
    """A rule description not known until apply is named in the preview note."""
    result = run(DEFINITION, SG, group(ingress=[inline(description=UNKNOWN)], egress=UNKNOWN))
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check the egress list, ingress[0] (its description):")

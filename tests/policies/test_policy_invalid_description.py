"""aws-ec2-securitygroup-disallow-invalid-description: AWS's character set and length for descriptions."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_invalid_description import DEFINITION

from .pack_fixtures import SG, VPC_IN, group, inline, run, vpc_ingress

CASES = [
    ("pass-plain", SG, group(), []),
    ("pass-ampersand-is-allowed", SG, group(description="Web & API"), []),
    (
        "fail-group-too-long",
        SG,
        group(description="d" * 300),
        ["the group description is 300 characters long; AWS allows at most 255"],
    ),
    (
        "fail-group-quote",
        SG,
        group(description='The "web" tier'),
        [
            "the group description contains a character AWS rejects, the first '\"' (U+0022) at position 5 (allowed: "
            "letters, digits, space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
        ],
    ),
    (
        "fail-rule-emoji",
        SG,
        group(ingress=[inline(description="HTTPS 🔒")]),
        [
            "the description of ingress[0] contains a character AWS rejects, the first '🔒' (U+1F512) at position 7 "
            "(allowed: letters, digits, space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
        ],
    ),
    (
        "fail-vpc-rule-tab",
        VPC_IN,
        vpc_ingress(description="HTTPS\tfrom LB"),
        [
            "the description of this ingress rule contains a character AWS rejects, the first U+0009 at position 6 "
            "(allowed: letters, digits, space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
        ],
    ),
    (
        "fail-both-problems",
        VPC_IN,
        vpc_ingress(description="é" * 256),
        [
            "the description of this ingress rule is 256 characters long; AWS allows at most 255",
            "the description of this ingress rule contains a character AWS rejects, the first 'é' "
            "(U+00E9) at position 1 "
            "(allowed: letters, digits, space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)",
        ],
    ),
]


@pytest.mark.parametrize(("resource_type", "props", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_descriptions(resource_type: str, props: dict[str, Any], expected: list[str]) -> None:
    """Each description AWS would reject is named by where it is, its length or its first bad character."""
    assert run(DEFINITION, resource_type, props).heads == expected

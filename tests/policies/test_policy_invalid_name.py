"""aws-ec2-securitygroup-disallow-invalid-name: AWS's rules for group names, checked before apply."""

from __future__ import annotations

from typing import Any

import pytest
from security_group_policies.checks.securitygroup_disallow_invalid_name import DEFINITION

from .pack_fixtures import NATIVE_SG, SG, UNKNOWN, group, native_group, run, waiver

ALLOWED = "Web tier: public (HTTPS) #1, v2.0 @eu [a+b=c&d; {e}! $5 *]/_-"

CASES = [
    ("pass-every-allowed-character", group(name=ALLOWED), []),
    ("pass-255-characters", group(name="a" * 255), []),
    ("pass-no-name", group(name=None), []),
    ("pass-sg-inside", group(name="web-sg-1"), []),
    ("pass-uppercase-sg", group(name="SG-web"), []),
    ("fail-256-characters", group(name="a" * 256), ["the group name is 256 characters long; AWS allows at most 255"]),
    (
        "fail-accented-letter",
        group(name="café"),
        [
            "the group name contains a character AWS rejects, the first 'é' (U+00E9) at position 4 (allowed: letters, "
            "digits, space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
        ],
    ),
    (
        "fail-apostrophe-and-newline",
        group(name="bob's\ngroup"),
        [
            "the group name contains 2 kinds of character AWS rejects, the first ''' (U+0027) at position 4 (allowed: "
            "letters, digits, space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
        ],
    ),
    (
        "fail-control-character-by-code-only",
        group(name="a\x07b"),
        [
            "the group name contains a character AWS rejects, the first U+0007 at position 2 "
            "(allowed: letters, digits, "
            "space and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *)"
        ],
    ),
    ("fail-sg-prefix", group(name="sg-web"), ["the group name starts with sg-, which AWS reserves for group ids"]),
    (
        "fail-reserved-default",
        group(name="default"),
        ["the group name is reserved: every VPC already has a group of that name (names ignore case)"],
    ),
    (
        "fail-reserved-default-any-case",
        group(name="Default"),
        ["the group name is reserved: every VPC already has a group of that name (names ignore case)"],
    ),
    (
        "fail-trailing-space",
        group(name="web "),
        ["the group name starts or ends with a space, which AWS trims, so the group would be named otherwise"],
    ),
    ("pass-space-inside", group(name="web tier"), []),
    ("pass-name-prefix-may-end-with-space", group(name=None, namePrefix="web "), []),
    (
        "fail-name-prefix-too-long",
        group(name=None, namePrefix="p" * 230),
        ["the group namePrefix is 230 characters long; AWS allows at most 229"],
    ),
    (
        "fail-name-prefix-sg",
        group(name=None, namePrefix="sg-"),
        ["the group namePrefix starts with sg-, which AWS reserves for group ids"],
    ),
    ("fail-not-text", group(name=["web"]), ["the group name is not text"]),
]


@pytest.mark.parametrize(("props", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_names(props: dict[str, Any], expected: list[str]) -> None:
    """Length, character set, the sg- prefix and the reserved name are checked; a name is never quoted."""
    assert run(DEFINITION, SG, props).heads == expected


def test_aws_native_group_name() -> None:
    """aws-native spells it groupName."""
    assert run(DEFINITION, NATIVE_SG, native_group(groupName="sg-x")).heads == [
        "the group name starts with sg-, which AWS reserves for group ids"
    ]


def test_waiver_cannot_change_what_aws_rejects() -> None:
    """A waiver tag on an AWS limit is not honoured, and the finding says why."""
    policy = "aws-ec2-securitygroup-disallow-invalid-name"
    [message] = run(DEFINITION, SG, group(name="sg-web", tags=waiver(policy, "2099-01-01 legacy"))).messages
    assert message.endswith(
        f"(tag policy-waiver:{policy} cannot waive this policy: it predicts an error or a conflict at apply time)"
    )


def test_unknown_name_is_a_gap() -> None:
    """A computed name is checked during `pulumi up`."""
    result = run(DEFINITION, SG, group(name=UNKNOWN))
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check the group name:")

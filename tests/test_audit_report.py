"""Audit's renderings over the findings of many accounts and regions, as an organisation-wide run merges them."""

from __future__ import annotations

import json

from security_group_policies.compliance import CIS_V3, FSBP, Control
from security_group_tools.account_region import AccountRegion
from security_group_tools.audit_report import Finding, UnitReport, render_json, render_jsonl, render_table

PROD_EAST = AccountRegion("111111111111", "us-east-1", account_name="prod")
PROD_WEST = AccountRegion("111111111111", "eu-west-1", account_name="prod")
DEV_EAST = AccountRegion("222222222222", "us-east-1")

SSH = "aws-ec2-securitygroup-disallow-public-ssh"
DESCRIPTION = "aws-ec2-securitygroup-missing-rule-description"


def found(place: AccountRegion, group: str, policy: str, level: str, use: tuple[bool | None, bool | None]) -> Finding:
    """A finding on `group`'s only rule in `place`."""
    return Finding(
        level=level,
        policy=policy,
        group_id=group,
        group_name="web",
        rule_id=f"sgr-{group[3:]}",
        message=f"{policy} on {group}",
        severity="high" if policy == SSH else "low",
        account_id=place.account_id,
        account_name=place.account_name,
        region=place.region,
        group_arn=place.group_arn(group),
        controls=(Control(CIS_V3, "5.2"), Control(FSBP, "EC2.19")) if policy == SSH else (),
        in_use=use[0],
        public=use[1],
    )


EXPOSED = found(PROD_EAST, "sg-0b", SSH, "advisory", (True, True))
IDLE = found(PROD_EAST, "sg-0a", SSH, "advisory", (False, False))
MANDATORY = found(PROD_WEST, "sg-0c", DESCRIPTION, "mandatory", (None, None))
UNITS = [  # as a pool of workers might finish them
    UnitReport(DEV_EAST, groups=1, rules=1, findings=(), unused_left_out=2),
    UnitReport(PROD_WEST, groups=1, rules=1, findings=(MANDATORY,), in_use_unknown="access denied (test)"),
    UnitReport(PROD_EAST, groups=2, rules=2, findings=(EXPOSED, IDLE)),
]


def test_the_table_groups_by_account_then_region_with_a_summary_per_account() -> None:
    assert render_table(UNITS).splitlines() == [
        "111111111111 (prod) eu-west-1: 1 group(s), 1 rule(s): 1 finding(s), 1 mandatory, 0 exposed",
        "  in use: unknown: access denied (test)",
        "  IN USE   LEVEL      SEVERITY  POLICY                                          GROUP        RULE    FINDING",
        f"  unknown  mandatory  low       {DESCRIPTION}  sg-0c (web)  sgr-0c  {DESCRIPTION} on sg-0c",
        "111111111111 (prod) us-east-1: 2 group(s), 2 rule(s): 2 finding(s), 0 mandatory, 1 exposed",
        "  IN USE   LEVEL     SEVERITY  POLICY                                     GROUP        RULE    FINDING",
        f"  exposed  advisory  high      {SSH}  sg-0b (web)  sgr-0b  {SSH} on sg-0b",
        f"  no       advisory  high      {SSH}  sg-0a (web)  sgr-0a  {SSH} on sg-0a",
        "account 111111111111 (prod): 2 region(s), 3 group(s), 3 rule(s): 3 finding(s), 1 mandatory, 1 exposed",
        "222222222222 us-east-1: 1 group(s), 1 rule(s): 0 finding(s), 0 mandatory, 0 exposed; "
        "2 unused group(s) left out (--skip-unused)",
        "account 222222222222: 1 region(s), 1 group(s), 1 rule(s): 0 finding(s), 0 mandatory, 0 exposed; "
        "2 unused group(s) left out (--skip-unused)",
        "controls:",
        f"  {SSH}: CIS v3.0.0 5.2; FSBP EC2.19",
        "4 group(s), 4 rule(s) audited: 3 finding(s), 1 mandatory, 1 exposed; 2 unused group(s) left out "
        "(--skip-unused)",
    ]


def test_jsonl_puts_the_exposed_first_across_every_account_and_region() -> None:
    lines = [json.loads(line) for line in render_jsonl(UNITS).splitlines()]
    assert [(f["account_id"], f["region"], f["group_id"], f["exposed"]) for f in lines] == [
        ("111111111111", "us-east-1", "sg-0b", True),
        ("111111111111", "eu-west-1", "sg-0c", False),  # mandatory, before the other advisory one
        ("111111111111", "us-east-1", "sg-0a", False),
    ]
    assert lines[0] == {
        "account_id": "111111111111",
        "account_name": "prod",
        "region": "us-east-1",
        "group_id": "sg-0b",
        "group_arn": "arn:aws:ec2:us-east-1:111111111111:security-group/sg-0b",
        "group_name": "web",
        "rule_id": "sgr-0b",
        "policy": SSH,
        "level": "advisory",
        "severity": "high",
        "controls": [
            {"framework": "cis-aws-foundations-v3.0.0", "title": "CIS AWS Foundations Benchmark v3.0.0", "id": "5.2"},
            {
                "framework": "aws-foundational-security-best-practices-v1.0.0",
                "title": "AWS Foundational Security Best Practices v1.0.0",
                "id": "EC2.19",
            },
        ],
        "in_use": True,
        "public": True,
        "exposed": True,
        "message": f"{SSH} on sg-0b",
    }


def test_no_finding_is_no_line() -> None:
    assert render_jsonl([UNITS[0]]) == ""


def test_json_has_totals_each_unit_and_each_account() -> None:
    document = json.loads(render_json(UNITS))
    assert [f["group_id"] for f in document["findings"]] == ["sg-0b", "sg-0c", "sg-0a"]
    counts = ("groups", "rules", "finding_count", "mandatory", "exposed", "unused_left_out")
    assert [document[key] for key in counts] == [4, 4, 3, 1, 1, 2]
    assert [
        (u["account_id"], u["account_name"], u["region"], *(u[key] for key in counts), u["in_use_unknown"])
        for u in document["units"]
    ] == [
        ("111111111111", "prod", "eu-west-1", 1, 1, 1, 1, 0, 0, "access denied (test)"),
        ("111111111111", "prod", "us-east-1", 2, 2, 2, 0, 1, 0, None),
        ("222222222222", "", "us-east-1", 1, 1, 0, 0, 0, 2, None),
    ]
    assert [(a["account_id"], a["account_name"], *(a[key] for key in counts)) for a in document["accounts"]] == [
        ("111111111111", "prod", 3, 3, 3, 1, 1, 0),
        ("222222222222", "", 1, 1, 0, 0, 0, 2),
    ]

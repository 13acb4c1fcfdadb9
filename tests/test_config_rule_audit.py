"""The same groups through audit's path and through the Config rule's: the same findings, the same verdicts.

Groups are made in moto; audit reads them as it always does (DescribeSecurityGroups, DescribeSecurityGroupRules).
The rule reads the configuration items AWS Config records for them: DescribeSecurityGroups' groups, camelCased,
IPv4 peers in both `ipv4Ranges` and `ipRanges` (`config_item_fixtures.from_ec2`). Rule ids differ (Config
records no `sgr-` ids), so findings are compared by level, policy, group and message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from config_item_fixtures import from_ec2, item
from moto_server import REGION, Moto, multi_tier, walkthrough
from security_group_tools.audit_engine import InProcessPack
from security_group_tools.audit_report import Finding, findings
from security_group_tools.audit_resources import stack_items
from security_group_tools.aws_inventory import LiveGroup, Selection, describe
from security_group_tools.aws_session import AwsOptions, ec2_client
from security_group_tools.config_items import live_group
from security_group_tools.paths import STACKS_DIR


def judged(groups: list[LiveGroup], environment: str) -> list[tuple[str, str, str, str]]:
    pack = InProcessPack()
    pack.configure(json.loads((STACKS_DIR / f"policy-config.{environment}.json").read_text()))
    found: list[Finding] = findings(groups, pack.analyze(stack_items(groups)))
    return sorted((f.level, f.policy, f.group_id, f.message) for f in found)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_config_items_give_audits_findings(ec2: Any, moto: Moto, environment: str) -> None:
    """The walkthrough's group and three tiers (group references, a prefix list, IPv6, ICMP) with defaults."""
    made = walkthrough(ec2)
    multi_tier(ec2, made.vpc_id)
    ec2.create_tags(
        Resources=[made.group_id],
        Tags=[{"Key": "policy-waiver:aws-ec2-securitygroup-missing-rule-description", "Value": "2020-01-01 late"}],
    )
    options = AwsOptions(REGION, None, moto.url)
    audited = describe(ec2_client(options), Selection(), options, lambda _: None)
    raw = sorted(ec2.describe_security_groups()["SecurityGroups"], key=lambda g: g["GroupId"])
    recorded = [live_group(item(from_ec2(group))) for group in raw]
    assert [g.group_id for g in recorded] == [g.group_id for g in audited]
    assert [len(g.rules) for g in recorded] == [len(g.rules) for g in audited]
    by_audit = judged(audited, environment)
    assert judged(recorded, environment) == by_audit
    # Not two empty lists: SSH, the default groups' rules, and every undescribed rule, at the config's level.
    level = {"dev": "advisory", "prod": "mandatory"}[environment]
    assert [(found_level, policy) for found_level, policy, _, _ in by_audit] == [
        (level, "aws-ec2-defaultsecuritygroup-disallow-rules"),
        (level, "aws-ec2-defaultsecuritygroup-disallow-rules"),
        (level, "aws-ec2-securitygroup-disallow-public-ssh"),
        *[(level, "aws-ec2-securitygroup-missing-rule-description")] * 7,
    ]

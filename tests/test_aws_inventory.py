"""How the groups and rules of a region are read: as few calls as EC2 allows, the same groups either way."""

from __future__ import annotations

from typing import Any

import pytest
from moto_server import REGION, Moto
from security_group_tools import aws_inventory
from security_group_tools.aws_inventory import Selection, describe
from security_group_tools.aws_session import AwsOptions, ec2_client


def test_every_group_of_a_region_is_read_with_one_pass_over_its_rules(
    ec2: Any, moto: Moto, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing selected: one unfiltered DescribeSecurityGroupRules pass in pages of 1,000; a selection: one
    `group-id`-filtered pass per chunk of ids (one id a chunk here, as if EC2's cap were 1)."""
    monkeypatch.setattr(aws_inventory, "FILTER_VALUES_PER_CALL", 1)
    ids = sorted(ec2.create_security_group(GroupName=name, Description=name)["GroupId"] for name in ("a", "b", "c"))
    options = AwsOptions(REGION, None, moto.url)
    client = ec2_client(options)
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(dict(params))

    client.meta.events.register("before-parameter-build.ec2.DescribeSecurityGroupRules", record)
    everything = describe(client, Selection(), options, lambda _: None)
    assert calls == [{"MaxResults": 1000}]
    calls.clear()
    chosen = describe(client, Selection(group_ids=tuple(ids)), options, lambda _: None)
    assert sorted(call["Filters"][0]["Values"][0] for call in calls) == ids
    assert [call["Filters"][0]["Name"] for call in calls] == ["group-id"] * 3
    assert [group for group in everything if group.group_id in ids] == chosen
    assert [len(group.rules) for group in chosen] == [1, 1, 1]  # each new group's default egress rule

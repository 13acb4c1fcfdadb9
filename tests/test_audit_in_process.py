"""The audit's in-process calls skip the Struct, and answer exactly as the pack process does over gRPC."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

import pytest
from moto_server import REGION, Moto, multi_tier, walkthrough
from security_group_policies.engine_values import MAX_NESTING, engine_values, python_values
from security_group_policies.tables import UNKNOWN_STRING_VALUE
from security_group_policies.waivers import utc_today
from security_group_tools.audit_engine import InProcessPack
from security_group_tools.audit_resources import stack_items
from security_group_tools.aws_inventory import Selection, describe
from security_group_tools.aws_session import AwsOptions, ec2_client
from security_group_tools.pack_runner import Engine, Pack, Secret, StackItem, diagnostics, struct
from security_group_tools.paths import STACKS_DIR

SIGNATURE = "4dabf18193072939515e22adb298388d"


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


PLAIN = [
    pytest.param({"fromPort": 22, "toPort": 22.0, "self": True, "vpcId": None}, id="numbers-and-booleans"),
    pytest.param({"cidrIpv4": UNKNOWN_STRING_VALUE, "tags": {"a": UNKNOWN_STRING_VALUE}}, id="unknown-sentinels"),
    pytest.param({"__defaults": ["x"], "ingress": [{"__keep": 1, "cidrBlocks": ("10.0.0.0/8",)}]}, id="engine-keys"),
    pytest.param({"nested": deep(MAX_NESTING - 2)}, id="deep-but-readable"),
    pytest.param({"inf": math.inf, "nan": math.nan}, id="non-finite"),
]


@pytest.mark.parametrize("props", PLAIN)
def test_plain_props_read_as_the_struct_reads(props: dict[str, Any]) -> None:
    """Numbers as floats, sentinels as UNKNOWN, top-level `__` keys left out (nested ones kept), tuples as lists."""
    plain = python_values(props)
    expected = engine_values(struct(props))
    assert plain is not None
    assert comparable(plain) == comparable(expected)


def comparable(value: Any) -> Any:
    """The value with NaN as text (NaN equals nothing, not even itself) and each type kept apart (1.0 == 1)."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return (type(value).__name__, value)


@pytest.mark.parametrize(
    "props",
    [
        pytest.param({"tags": Secret("s3cret")}, id="secret"),
        pytest.param({"tags": {SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "value": "v"}}, id="signature"),
        pytest.param({SIGNATURE: "x"}, id="signature-at-the-top"),
        pytest.param({"ports": {1, 2}}, id="a-set"),
        pytest.param({"tags": {1: "one"}}, id="non-text-key"),
        pytest.param({"size": 10**400}, id="too-big-for-a-double"),
        pytest.param({"nested": deep(MAX_NESTING + 5)}, id="too-deep"),
    ],
)
def test_anything_else_is_left_to_the_struct(props: dict[str, Any]) -> None:
    """A secret, an asset's or a secret's envelope, nesting past the limit: the Struct's way decides what they
    mean (and refuses what it refuses), never a second reading of them."""
    assert python_values(props) is None


@pytest.fixture
def inventory(ec2: Any, moto: Moto) -> list[StackItem]:
    """Groups of every shape audit meets: the walkthrough's, three tiers (IPv6, a prefix list, references to
    groups and to itself), waivers on a group (two of them) and on a rule, and each VPC's default group."""
    found = walkthrough(ec2)
    multi_tier(ec2, found.vpc_id)
    expires = (utc_today() + timedelta(days=20)).isoformat()
    ec2.create_tags(
        Resources=[found.group_id],
        Tags=[
            {"Key": "policy-waiver:aws-ec2-securitygroup-missing-rule-description", "Value": f"{expires} console"},
            {"Key": "policy-waiver:aws-ec2-securitygroup-disallow-public-ssh", "Value": f"{expires} bastion"},
        ],
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [found.group_id]}])
    egress = next(r["SecurityGroupRuleId"] for r in rules["SecurityGroupRules"] if r["IsEgress"])
    ec2.create_tags(Resources=[egress], Tags=[{"Key": "team", "Value": "platform"}])
    options = AwsOptions(REGION, None, moto.url)
    return stack_items(describe(ec2_client(options), Selection(), options, lambda _: None))


@pytest.mark.parametrize("config", [None, "policy-config.prod.json", "policy-config.dev.json"])
def test_audit_answers_exactly_as_the_pack_process(inventory: list[StackItem], config: str | None) -> None:
    """The same diagnostics, in the same order, for the same inventory and policy config."""
    document = json.loads((STACKS_DIR / config).read_text()) if config else None
    local = InProcessPack()
    engine = Engine.start()
    process = Pack.start(engine.address)
    try:
        assert process.configure(document) == local.configure(document)
        remote = []
        for item in inventory:
            answer = process.analyze(item.resource_type, item.name, item.props)
            remote += [(item.name, d) for d in diagnostics(answer)]
        remote += [(d.urn.rsplit("::", 1)[-1], d) for d in diagnostics(process.analyze_stack(inventory))]
    finally:
        process.stop()
        engine.stop()
    assert all(python_values(item.props) is not None for item in inventory)  # none went through the Struct
    assert local.analyze(inventory) == remote
    assert len(remote) >= 10

"""Compliant baselines for every rule-bearing shape, and helpers that run one policy the way the SDK does.

Each baseline passes every policy with the default config; a test changes one field and asserts the exact
findings. Props use engine (camelCase) names and go through pulumi-policy's unknown-checking proxy, as in
the analyzer; the gRPC tests cover the wire form (doubles, secrets, `__` keys) end to end.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from google.protobuf import struct_pb2
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.policy import _NotApplicableError  # the SDK's own signal; tests need to tell it apart
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy
from security_group_policies import tables
from security_group_policies.framework import ResourcePolicyDef, StackPolicyDef
from security_group_policies.sdk import as_sdk_policy
from security_group_tools.pack_runner import StackItem

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
TODAY = date(2026, 6, 15)
GROUP_ID = "sg-0123456789abcdef0"
OTHER_GROUP_ID = "sg-0fedcba9876543210"
VPC_ID = "vpc-0a1b2c3d4e5f67890"

SG = tables.SECURITY_GROUP
DEFAULT_SG = tables.DEFAULT_SECURITY_GROUP
SG_RULE = tables.SECURITY_GROUP_RULE
VPC_IN = tables.VPC_INGRESS_RULE
VPC_OUT = tables.VPC_EGRESS_RULE
NATIVE_SG = tables.NATIVE_SECURITY_GROUP
NATIVE_IN = tables.NATIVE_INGRESS
NATIVE_OUT = tables.NATIVE_EGRESS
PREFIX_LIST = tables.MANAGED_PREFIX_LIST
PREFIX_LIST_ENTRY = tables.MANAGED_PREFIX_LIST_ENTRY


def inline(**changes: Any) -> dict[str, Any]:
    """An inline rule entry: HTTPS from the corporate network."""
    rule: dict[str, Any] = {
        "protocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrBlocks": ["10.0.0.0/8"],
        "ipv6CidrBlocks": [],
        "securityGroups": [],
        "prefixListIds": [],
        "self": False,
        "description": "HTTPS from the corporate network",
    }
    rule.update(changes)
    return rule


def group(**changes: Any) -> dict[str, Any]:
    """A SecurityGroup after the provider's Check: named, described, one inline rule each way."""
    props: dict[str, Any] = {
        "name": "web-1a2b3c4",
        "description": "Web tier",
        "vpcId": VPC_ID,
        "ingress": [inline()],
        "egress": [inline(description="HTTPS to the corporate proxy")],
        "revokeRulesOnDelete": False,
        "tags": {"team": "web"},
        "__defaults": ["revokeRulesOnDelete"],
    }
    props.update(changes)
    return props


def default_group(**changes: Any) -> dict[str, Any]:
    """A DefaultSecurityGroup that strips every rule (the compliant shape)."""
    props: dict[str, Any] = {"vpcId": VPC_ID, "ingress": [], "egress": [], "tags": {"team": "network"}}
    props.update(changes)
    return props


def vpc_ingress(**changes: Any) -> dict[str, Any]:
    """A vpc SecurityGroupIngressRule, the shape this project's component creates."""
    props: dict[str, Any] = {
        "securityGroupId": GROUP_ID,
        "ipProtocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrIpv4": "10.0.0.0/8",
        "description": "HTTPS from the corporate network",
        "tags": {"team": "web"},
    }
    props.update(changes)
    return props


def vpc_egress(**changes: Any) -> dict[str, Any]:
    """A vpc SecurityGroupEgressRule."""
    props = vpc_ingress(description="HTTPS to the corporate proxy")
    props.update(changes)
    return props


def sg_rule(**changes: Any) -> dict[str, Any]:
    """An ec2 SecurityGroupRule (it has no tags)."""
    props: dict[str, Any] = {
        "type": "ingress",
        "securityGroupId": GROUP_ID,
        "protocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrBlocks": ["10.0.0.0/8"],
        "description": "HTTPS from the corporate network",
    }
    props.update(changes)
    return props


def native_group(**changes: Any) -> dict[str, Any]:
    """An aws-native SecurityGroup (CloudFormation names)."""
    props: dict[str, Any] = {
        "groupDescription": "Web tier",
        "groupName": "web",
        "vpcId": VPC_ID,
        "securityGroupIngress": [
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIp": "10.0.0.0/8", "description": "HTTPS"}
        ],
        "securityGroupEgress": [
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIp": "10.0.0.0/8", "description": "Proxy"}
        ],
        "tags": [{"key": "team", "value": "web"}],
    }
    props.update(changes)
    return props


def native_ingress(**changes: Any) -> dict[str, Any]:
    """An aws-native SecurityGroupIngress."""
    props: dict[str, Any] = {
        "groupId": GROUP_ID,
        "ipProtocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrIp": "10.0.0.0/8",
        "description": "HTTPS from the corporate network",
    }
    props.update(changes)
    return props


BASELINES: Mapping[str, Any] = {
    SG: group,
    DEFAULT_SG: default_group,
    SG_RULE: sg_rule,
    VPC_IN: vpc_ingress,
    VPC_OUT: vpc_egress,
    NATIVE_SG: native_group,
    NATIVE_IN: native_ingress,
    NATIVE_OUT: lambda **changes: native_ingress(description="HTTPS to the corporate proxy", **changes),
}
"""A compliant baseline per rule-bearing type."""


def waiver(policy: str, value: str) -> dict[str, str]:
    """Tags carrying a waiver for `policy`."""
    return {f"policy-waiver:{policy}": value}


def options() -> PolicyResourceOptions:
    """Resource options as the SDK builds them for a resource with none set."""
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


@dataclass
class Result:
    """What one policy said about one resource or stack."""

    messages: list[str] = field(default_factory=list)
    urns: list[str | None] = field(default_factory=list)
    preview_gap: str | None = None
    not_applicable: str | None = None

    @property
    def heads(self) -> list[str]:
        """Each message without its `. Fix: …` tail: what was found, where, and how it is spelled."""
        return [message.split(". Fix: ")[0] for message in self.messages]


def urn_of(resource_type: str, name: str) -> str:
    """A URN as the engine writes it."""
    return f"urn:pulumi:test::security-groups::{resource_type}::{name}"


def run(
    definition: ResourcePolicyDef[Any],
    resource_type: str,
    props: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    name: str = "web",
    today: date = TODAY,
) -> Result:
    """Run one resource policy on one resource, alone, as a stock `PolicyPack` runs it (`sdk.as_sdk_policy`)."""
    policy = as_sdk_policy(definition, today=lambda: today)
    result = Result()
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(copy.deepcopy(dict(props))),
        urn_of(resource_type, name),
        name,
        options(),
        None,
        dict(config) if config else None,
    )

    def report(message: str, urn: str | None = None) -> None:
        result.messages.append(message)
        result.urns.append(urn)

    try:
        policy.validate(args, report)
    except UnknownValueError as gap:
        result.preview_gap = gap.message
    except _NotApplicableError as skipped:
        result.not_applicable = skipped.reason
    return result


Item = StackItem
"""One resource of a stack for a stack policy, as AnalyzeStack receives it (the gRPC tests use the same type)."""


def run_stack(
    definition: StackPolicyDef[Any], items: Sequence[Item], *, config: Mapping[str, Any] | None = None
) -> Result:
    """Run one stack policy over a stack, as a stock `PolicyPack` runs it (`sdk.as_sdk_policy`)."""
    resources: dict[str, PolicyResource] = {}
    for item in items:
        resources[item.name] = PolicyResource(
            item.resource_type,
            unknown_checking_proxy(copy.deepcopy(dict(item.props))),
            urn_of(item.resource_type, item.name),
            item.name,
            options(),
            None,
            None,
            [],
            {},
        )
    for item in items:
        resource = resources[item.name]
        for prop, names in item.deps.items():
            resource.property_dependencies[prop] = [resources[name] for name in names]
            resource.dependencies.extend(resources[name] for name in names)
    result = Result()

    def report(message: str, urn: str | None = None) -> None:
        result.messages.append(message)
        result.urns.append(urn)

    try:
        as_sdk_policy(definition).validate(StackValidationArgs(list(resources.values()), dict(config or {})), report)
    except UnknownValueError as gap:
        result.preview_gap = gap.message
    return result


def nested_value(depth: int, kind: str, leaf: float = 1.0) -> struct_pb2.Value:
    """`depth` maps (`kind` "map") or lists inside one another around the number `leaf`, built without recursion."""
    value = struct_pb2.Value(number_value=leaf)
    for _ in range(depth):
        outer = struct_pb2.Value()
        if kind == "map":
            outer.struct_value.fields["a"].CopyFrom(value)
        else:
            outer.list_value.values.add().CopyFrom(value)
        value = outer
    return value

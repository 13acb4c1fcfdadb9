"""`closeDefaultGroups`: the CIS AWS Foundations 5.4 remedy, a rule-less DefaultSecurityGroup per VPC in use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conftest import Pulumi, cli_config, stack_config

DSG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


def default_groups(runtime: Pulumi, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result = runtime.run_program(cli_config(config))
    assert result.error is None, result.error
    return {resource.name: resource.inputs for resource in runtime.mocks.of_type(DSG)}


def test_off_by_default(runtime_factory: Callable[..., Pulumi]) -> None:
    """Left out (Pulumi.yaml's default is false), no default group is touched."""
    assert default_groups(runtime_factory("dev"), stack_config("dev")) == {}


def test_the_default_vpc(runtime_factory: Callable[..., Pulumi]) -> None:
    """With no VPC given, the groups live in the region's default VPC: its default group, with the stack's tags."""
    config = {**stack_config("dev"), "security-groups:closeDefaultGroups": True}
    del config["security-groups:vpc"]  # dev looks its default VPC up; here the VPC is left out altogether
    assert default_groups(runtime_factory("dev"), config) == {
        "default-security-group": {"tags": {"environment": "dev", "managed-by": "pulumi/security-groups"}}
    }


def test_every_vpc_the_groups_use(runtime_factory: Callable[..., Pulumi]) -> None:
    """One per VPC, named after it: the stack's VPC (looked up: offline, a made-up id) and a group's own."""
    config = stack_config("staging")
    config["security-groups:groups"]["bastion"] = {"description": "Bastion hosts", "vpcId": "vpc-0fedcba9876543210"}
    config = {**config, "security-groups:closeDefaultGroups": True}
    tags = {"environment": "staging", "managed-by": "pulumi/security-groups"}
    assert default_groups(runtime_factory("staging"), config) == {
        "default-security-group-vpc-0ff11ec9acb4ed5d8": {"vpcId": "vpc-0ff11ec9acb4ed5d8", "tags": tags},
        "default-security-group-vpc-0fedcba9876543210": {"vpcId": "vpc-0fedcba9876543210", "tags": tags},
    }

"""The whole program, as `pulumi up` runs it, for every stack file in stacks/."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from conftest import COMPONENT, EGRESS, INGRESS, SG, STACKS, Pulumi, cli_config, stack_config
from stack_discovery import program_snapshot, skip_reason

UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
NAMED_ENVIRONMENTS = ("dev", "prod", "staging")
"""The stacks whose own facts the tests below pin (dev's walkthrough, prod's SSH, staging's cycle)."""


def run_stack(runtime_factory: Callable[..., Pulumi], stack: str, *, preview: bool = False) -> tuple[Pulumi, Any]:
    rt = runtime_factory(stack, preview=preview)
    run = rt.run_program(cli_config(stack_config(stack)))
    assert run.error is None, run.error
    return rt, run


def test_every_named_environment_has_a_stack_file() -> None:
    """Other stacks may come and go (each runs every generic test); these three are pinned below."""
    assert set(NAMED_ENVIRONMENTS) <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_registers_exactly_its_reviewed_resources(runtime_factory: Callable[..., Pulumi], stack: str) -> None:
    """Every resource and every input, compared with tests/snapshots/<stack>.json (reviewed like code).

    After an intended change to a stack file, run `stack_discovery.SNAPSHOT_COMMAND` and review the diff. A
    stack without a snapshot skips here; test_stacks.py fails for it and says what to run.
    """
    path = program_snapshot(stack)
    if not UPDATE and not path.is_file():
        pytest.skip(skip_reason(stack))
    rt, _ = run_stack(runtime_factory, stack)
    listing = rt.mocks.listing()
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(listing, indent=2, sort_keys=True) + "\n")
    assert listing == json.loads(path.read_text())


@pytest.mark.parametrize("stack", STACKS)
def test_one_component_and_one_group_per_configured_group(runtime_factory: Callable[..., Pulumi], stack: str) -> None:
    rt, _ = run_stack(runtime_factory, stack)
    configured = set(stack_config(stack)["security-groups:groups"])  # type: ignore[arg-type]
    assert rt.mocks.names(COMPONENT) == configured
    assert rt.mocks.names(SG) == configured


@pytest.mark.parametrize("stack", STACKS)
def test_exports_every_group_with_its_rule_ids(runtime_factory: Callable[..., Pulumi], stack: str) -> None:
    """`groups.<key>` exports id, arn, name, vpcId and ruleIds keyed by each rule's stable key."""
    rt, run = run_stack(runtime_factory, stack)
    exported = run.outputs["groups"]
    assert set(exported) == rt.mocks.names(SG)
    for key, group in exported.items():
        rules = {
            r.name
            for r in rt.mocks.of_type(INGRESS) + rt.mocks.of_type(EGRESS)
            if r.inputs["securityGroupId"] == f"sg-{key}"
        }
        assert set(group) == {"id", "arn", "name", "vpcId", "ruleIds"}
        assert group["id"] == f"sg-{key}"
        assert group["arn"] == f"arn:aws:ec2:us-east-1:123456789012:security-group/sg-{key}"
        assert group["name"] == f"{key}-0a1b2c3"
        assert group["ruleIds"] == {name.removeprefix(f"{key}-"): f"sgr-{name}" for name in rules}


def test_dev_reproduces_the_console_walkthrough(runtime_factory: Callable[..., Pulumi]) -> None:
    """SSH 22 from anywhere (IPv4) plus the console's default outbound rule, and nothing else."""
    rt, run = run_stack(runtime_factory, "dev")
    rules = [r for r in rt.mocks.of_type(INGRESS) + rt.mocks.of_type(EGRESS) if r.name.startswith("ssh-walkthrough-")]
    tags = {"environment": "dev", "managed-by": "pulumi/security-groups"}
    assert {(r.typ, r.name): r.inputs for r in rules} == {
        (INGRESS, "ssh-walkthrough-ingress-tcp-22-0.0.0.0/0"): {
            "securityGroupId": "sg-ssh-walkthrough",
            "ipProtocol": "tcp",
            "fromPort": 22,
            "toPort": 22,
            "cidrIpv4": "0.0.0.0/0",
            "description": "SSH from anywhere (console walkthrough)",
            "tags": tags,
        },
        (EGRESS, "ssh-walkthrough-egress-all-0.0.0.0/0"): {
            "securityGroupId": "sg-ssh-walkthrough",
            "ipProtocol": "-1",
            "cidrIpv4": "0.0.0.0/0",
            "description": "Allow all outbound traffic (the EC2 console default)",
            "tags": tags,
        },
    }
    # The region's default VPC, as in the walkthrough, looked up at preview (`vpc: {default: true}`) so an account
    # without one fails before anything is created; offline, the lookup is answered with a made-up id.
    assert rt.mocks.invokes == [("aws:ec2/getVpcs:getVpcs", {"filters": [{"name": "is-default", "values": ["true"]}]})]
    assert rt.mocks.by_name("ssh-walkthrough", SG).inputs == {
        "description": "Allow SSH access from anywhere",
        "vpcId": "vpc-0ff11e4a074ba8f67",
        "tags": tags,
    }
    assert run.outputs["groups"]["ssh-walkthrough"]["vpcId"] == "vpc-0ff11e4a074ba8f67"


def test_prod_opens_ssh_only_to_the_private_ops_network(runtime_factory: Callable[..., Pulumi]) -> None:
    """Every prod rule that reaches TCP 22 comes from 10.20.0.0/16 or from another prod group."""
    rt, _ = run_stack(runtime_factory, "prod")
    ssh_sources = set()
    for rule in rt.mocks.of_type(INGRESS):
        i = rule.inputs
        if i["ipProtocol"] in ("tcp", "-1") and i.get("fromPort", 0) <= 22 <= i.get("toPort", 65535):
            ssh_sources.add(i.get("cidrIpv4") or i.get("cidrIpv6") or i.get("referencedSecurityGroupId"))
    assert ssh_sources == {"10.20.0.0/16", "sg-bastion"}


def test_staging_groups_reference_each_other_in_both_directions(runtime_factory: Callable[..., Pulumi]) -> None:
    """web allows egress to app and app allows ingress from web: a cycle, wired by group ids."""
    rt, _ = run_stack(runtime_factory, "staging")
    web_to_app = rt.mocks.by_name("web-egress-tcp-8080-group-app", EGRESS).inputs
    app_from_web = rt.mocks.by_name("app-ingress-tcp-8080-group-web", INGRESS).inputs
    assert (web_to_app["securityGroupId"], web_to_app["referencedSecurityGroupId"]) == ("sg-web", "sg-app")
    assert (app_from_web["securityGroupId"], app_from_web["referencedSecurityGroupId"]) == ("sg-app", "sg-web")


@pytest.mark.parametrize("stack", STACKS)
def test_preview_registers_the_same_resources_with_unknown_ids(
    runtime_factory: Callable[..., Pulumi], stack: str
) -> None:
    """`pulumi preview`: nothing has ids yet, so exports are unknown, but every resource still registers."""
    rt, run = run_stack(runtime_factory, stack, preview=True)
    previewed = {(r.typ, r.name) for r in rt.mocks.resources}
    assert run.known is False
    rt2, _ = run_stack(runtime_factory, stack)
    assert previewed == {(r.typ, r.name) for r in rt2.mocks.resources}

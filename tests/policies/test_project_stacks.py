"""This project's own stacks, as the program registers them, judged by the pack with their environment's config.

The resources come from the reviewed snapshots of the program run under mocks (tests/snapshots/<stack>.json,
kept by the program tests): what `pulumi preview --policy-pack policies --policy-pack-config
stacks/policy-config.<stack>.json` would judge. Group ids are those the mocks assign (`sg-<name>`), so
rule resources find their group by literal id, as after a deployment.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from security_group_tools.pack_runner import Diagnostic, Pack, StackItem, diagnostics

ROOT = Path(__file__).resolve().parents[2]
SG = "aws:ec2/securityGroup:SecurityGroup"


def stack(env: str) -> list[StackItem]:
    """The stack's registered resources and their inputs."""
    items = []
    for resource in json.loads((ROOT / "tests" / "snapshots" / f"{env}.json").read_text()):
        props = dict(resource["inputs"])
        if resource["type"] == SG:
            props["id"] = f"sg-{resource['name']}"
        items.append(StackItem(resource["type"], resource["name"], props))
    return items


def judge(pack: Pack, env: str) -> list[tuple[str, Diagnostic]]:
    """(resource name, diagnostic) for Analyze on each resource and for AnalyzeStack, under the env's config."""
    pack.configure(json.loads((ROOT / "stacks" / f"policy-config.{env}.json").read_text()))
    items = stack(env)
    found = [
        (item.name, d) for item in items for d in diagnostics(pack.analyze(item.resource_type, item.name, item.props))
    ]
    return found + [(d.urn.rsplit("::", 1)[-1], d) for d in diagnostics(pack.analyze_stack(items))]


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_staging_and_prod_pass_cleanly(pack: Pack, env: str) -> None:
    """The stacks that matter pass their own environment's policies without a single finding."""
    assert [(name, d.policy, d.finding) for name, d in judge(pack, env)] == []


def test_dev_only_warns_about_the_console_walkthrough(pack: Pack) -> None:
    """Dev's SSH-from-anywhere walkthrough group is flagged once, by the SSH policy, as advisory only."""
    rule = "ssh-walkthrough-ingress-tcp-22-0.0.0.0/0"
    finding = "this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"
    assert [(name, d.policy, d.level, d.finding) for name, d in judge(pack, "dev")] == [
        (rule, "aws-ec2-securitygroup-disallow-public-ssh", "advisory", finding),
    ]

"""audit judges a unit's groups and rules while the rest of the unit is read, with the verdicts of judging after."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from moto_server import REGION, Moto, walkthrough
from security_group_policies import tables
from security_group_policies.waivers import utc_today
from security_group_tools import audit, early_judging, network_interfaces
from security_group_tools.audit_engine import Early, InProcessPack
from security_group_tools.audit_resources import stack_items
from security_group_tools.aws_inventory import LiveGroup, LiveRule, Selection, describe
from security_group_tools.aws_session import AwsOptions, ec2_client
from security_group_tools.pack_runner import Diagnostic, StackItem

WAIVER = "policy-waiver:aws-ec2-securitygroup-missing-rule-description"
WAIT_SECONDS = 30.0
"""How long the interfaces' read waits for the early judging (it takes milliseconds; this only bounds a failure)."""

SSH = LiveRule("sgr-1", "sg-1", False, "tcp", 22, 22, cidr_ipv4="0.0.0.0/0")
OUT = LiveRule("sgr-2", "sg-1", True, "-1", -1, -1, cidr_ipv4="0.0.0.0/0")
ON_DEFAULT = LiveRule("sgr-3", "sg-d", True, "-1", -1, -1, cidr_ipv4="0.0.0.0/0")
ORPHAN = LiveRule("sgr-4", "sg-new", False, "tcp", 443, 443, cidr_ipv4="10.0.0.0/8")
"""A rule of a group created after the groups were read: not part of the unit."""
WEB = LiveGroup("sg-1", "web", "web servers", "vpc-1", "111111111111", {WAIVER: "2099-01-01 reviewed"})
DEFAULT = LiveGroup("sg-d", "default", "default VPC security group", "vpc-1", "111111111111", {})


def judged_early(batches: Sequence[tuple[Sequence[LiveGroup], Sequence[LiveRule]]]) -> dict[str, Early]:
    """What the early thread judged of these batches, once it has judged them all."""
    pack = InProcessPack()
    pack.configure(None)
    judging = early_judging.EarlyJudging(pack)
    drained = threading.Event()
    original = judging._judge_batch  # the test waits for the thread to drain its queue

    def judge(waivers: Any, batch: Any) -> bool:
        outcome = original(waivers, batch)
        if batch == ((), ()):  # the marker queued last
            drained.set()
        return outcome

    judging._judge_batch = judge  # type: ignore[method-assign]
    for groups, rules in batches:
        judging.seen(groups, rules)
    judging.seen((), ())
    assert drained.wait(WAIT_SECONDS)
    return dict(judging.finish())


def test_each_resource_is_judged_early_exactly_as_after_the_read() -> None:
    """Non-default groups and their rules (with the group's waiver tags) are analysed as they arrive; a default
    group's rules wait for the end (they are inline), and a rule of a group not read is not part of the unit."""
    early = judged_early([([WEB, DEFAULT], ()), ((), [SSH, ON_DEFAULT]), ((), [OUT, ORPHAN])])
    final = {item.name: item for item in stack_items([replace(WEB, rules=(SSH, OUT))])}
    assert sorted(early) == ["sg-1", "sgr-1", "sgr-2"]
    pack = InProcessPack()
    pack.configure(None)
    for name, found in early.items():
        assert found.item == final[name]
        assert found.diagnostics == pack.analyze_one(final[name])
    assert early["sgr-2"].item.props["tags"] == {WAIVER: "2099-01-01 reviewed"}  # the group's waiver, on its rule


def test_nothing_is_judged_once_stopped() -> None:
    judging = early_judging.EarlyJudging(InProcessPack())
    judging.stop()
    judging.seen([WEB], [SSH])
    assert judging.finish() == {}


def test_an_early_answer_stands_only_for_the_very_same_resource() -> None:
    """Taken for an identical resource (no Analyze call); analysed again when anything about it differs."""
    pack = InProcessPack()
    pack.configure(None)
    calls: list[str] = []
    analyze = pack.servicer.analyze_values

    def counting(resource_type: str, name: str, props: Any) -> Any:
        calls.append(name)
        return analyze(resource_type, name, props)

    pack.servicer.analyze_values = counting
    items = stack_items([replace(WEB, rules=(SSH, OUT))])
    marker = (Diagnostic("marker", "advisory", "low", "", "taken from the early answer"),)
    changed = StackItem(items[2].resource_type, items[2].name, {**items[2].props, "description": "changed"})
    early = {"sgr-1": Early(items[1], marker), "sgr-2": Early(changed, marker)}
    found = pack.analyze(items, None, early)
    assert [(name, d) for name, d in found if name == "sgr-1"] == [("sgr-1", marker[0])]
    assert calls == ["sg-1", "sgr-2"]
    calls.clear()
    assert [f for f in found if f[0] != "sgr-1"] == [f for f in pack.analyze(items) if f[0] != "sgr-1"]


def test_a_unit_is_judged_while_it_is_still_being_read(
    ec2: Any, moto: Moto, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """By the time the network interfaces are read, every group (but the default ones) and every rule has been
    analysed; the report is exactly the one judged after the read, and no resource is analysed twice."""
    found = walkthrough(ec2)
    expires = (utc_today() + timedelta(days=20)).isoformat()
    ec2.create_tags(Resources=[found.group_id], Tags=[{"Key": WAIVER, "Value": f"{expires} console default"}])
    options = AwsOptions(REGION, None, moto.url)
    items = stack_items(describe(ec2_client(options), Selection(), options, lambda _: None))
    early_names = {item.name for item in items if item.resource_type != tables.DEFAULT_SECURITY_GROUP}
    assert len(early_names) == 3  # the walkthrough's group and its two rules

    def report(argv: list[str]) -> tuple[int, Any, str]:
        status = audit.main(["--region", REGION, "--endpoint-url", moto.url, "--format", "json", *argv])
        captured = capsys.readouterr()
        return status, json.loads(captured.out), captured.err

    def nothing_early(self: early_judging.EarlyJudging, groups: Any, rules: Any) -> None:
        del self, groups, rules

    with monkeypatch.context() as patched:
        patched.setattr(early_judging.EarlyJudging, "seen", nothing_early)
        judged_after = report([])

    analysed: list[str] = []
    all_early = threading.Event()
    one = InProcessPack.analyze_one

    def counting(self: InProcessPack, item: StackItem) -> tuple[Diagnostic, ...]:
        analysed.append(item.name)
        if early_names <= set(analysed):
            all_early.set()
        return one(self, item)

    read = network_interfaces.read
    waited: list[bool] = []

    def interfaces_after_judging(*args: Any, **kwargs: Any) -> Any:
        waited.append(all_early.wait(WAIT_SECONDS))
        return read(*args, **kwargs)

    monkeypatch.setattr(InProcessPack, "analyze_one", counting)
    monkeypatch.setattr(network_interfaces, "read", interfaces_after_judging)
    assert report([]) == judged_after
    assert waited == [True]
    assert sorted(analysed) == sorted(item.name for item in items)  # each once: early, or after the read

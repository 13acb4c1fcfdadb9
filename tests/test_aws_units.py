"""The unit engine on its own: the pool's bound, a bug in a unit's work, and the names it sends AWS."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from security_group_tools import aws_names
from security_group_tools.account_region import AccountRegion
from security_group_tools.aws_session import AwsError, AwsOptions
from security_group_tools.aws_units import Account, Plan, Unit, UnitFailure, UnitResult, Units

REGIONS = tuple(f"eu-west-{n}" for n in range(1, 4)) + tuple(f"us-east-{n}" for n in range(1, 3))


def plan(accounts: int = 2) -> Plan:
    """Accounts entered with the current credentials (no AWS call to enter them), in five regions each."""
    return Plan(
        tuple(Account(f"{n:012d}") for n in range(1, accounts + 1)),
        REGIONS,
        AwsOptions(region="us-east-1", timeout=60),
    )


def test_no_more_units_run_at_once_than_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten units on three threads: the work holds each unit until three are running, and never sees four."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    lock = threading.Condition()
    running = [0]
    peak = [0]

    def work(unit: Unit, _attempts: Any) -> str:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            lock.notify_all()
            # The first three wait for each other: a pool that ran one at a time would end here at the timeout.
            lock.wait_for(lambda: peak[0] >= 3, timeout=30)
        with lock:
            running[0] -= 1
        return unit.place.region

    with Units(plan(), work, concurrency=3) as units:
        outcomes = list(units.run())
        threads = [thread.name for thread in threading.enumerate() if thread.name.startswith("aws-unit-")]
    assert sorted(threads) == ["aws-unit-0", "aws-unit-1", "aws-unit-2"]
    assert peak[0] == 3
    assert sorted((o.place, o.value) for o in outcomes if isinstance(o, UnitResult)) == sorted(
        (AccountRegion(f"{n:012d}", region), region) for n in (1, 2) for region in REGIONS
    )
    assert units.pending() == []


def test_a_failure_names_its_unit_and_a_bug_is_raised() -> None:
    def work(unit: Unit, _attempts: Any) -> None:
        if unit.place.region == "eu-west-2":
            raise AwsError("access denied", operation="ec2:DescribeSecurityGroups", code="UnauthorizedOperation")
        if unit.place.region == "us-east-2":
            raise RuntimeError("a bug")

    outcomes: list[UnitResult[None] | UnitFailure] = []
    with Units(plan(1), work, concurrency=1) as units, pytest.raises(RuntimeError, match="a bug"):
        outcomes.extend(units.run())  # one thread: the units run in plan order, us-east-2 last
    place = AccountRegion("000000000001", "eu-west-2")
    assert [o for o in outcomes if isinstance(o, UnitFailure)] == [
        UnitFailure(place, "ec2:DescribeSecurityGroups", "UnauthorizedOperation", "access denied")
    ]
    assert UnitFailure(place, "ec2:DescribeSecurityGroups", "UnauthorizedOperation", "access denied").line() == (
        "000000000001 eu-west-2: ec2:DescribeSecurityGroups: UnauthorizedOperation: access denied"
    )


def test_the_bound_is_checked() -> None:
    with pytest.raises(ValueError, match="concurrency 65 is not between 1 and 64"):
        Units(plan(), lambda unit, attempts: None, concurrency=65)


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        ("arn:aws:iam::111111111111:user/alice", "security-groups-audit@alice"),
        ("arn:aws:sts::111111111111:assumed-role/Admin/alice@example.com", "security-groups-audit@alice@example.com"),
        ("arn:aws:sts::111111111111:assumed-role/Admin/Ålice Ünïcode", "security-groups-audit@_lice__n_code"),
        ("arn:aws:iam::111111111111:root", "security-groups-audit"),
        ("arn:aws:iam::111111111111:user/" + "x" * 80, "security-groups-audit@" + "x" * 42),
    ],
)
def test_the_session_name_says_who_ran_it_within_awss_rules(arn: str, name: str) -> None:
    """2 to 64 of [\\w+=,.@-], whatever the caller's ARN holds."""
    assert aws_names.session_name(arn) == name
    assert len(name) <= aws_names.MAX_SESSION_NAME


@pytest.mark.parametrize("region", ["us-east-1", "us-gov-west-1", "cn-north-1", "eusc-de-east-1", "ap-southeast-5"])
def test_every_partitions_region_names_are_taken(region: str) -> None:
    assert aws_names.regions(region) == [region]


def test_a_role_path_is_taken_and_duplicates_are_dropped() -> None:
    assert aws_names.role_name("audit/SecurityAudit") == "audit/SecurityAudit"
    assert aws_names.account_ids("111111111111, 222222222222,111111111111") == ["111111111111", "222222222222"]

"""audit across an organisation's accounts and regions, against moto on 127.0.0.1 behind a proxy that says no.

The organisation (tests/moto_organization.py): the management account and members `prod` (in the OU
`workloads`), `dev` and `denied`, each with one open-SSH group in eu-west-1 and us-east-1, and a closed member.
The proxy (tests/aws_proxy.py) refuses AssumeRole into `denied`, and counts and holds requests where a test asks.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_proxy import MANAGEMENT, Proxy, dropped_line
from moto_organization import REGIONS, ROLE, Organisation
from moto_server import KEYS, Moto
from security_group_policies.compliance import controls_of
from security_group_tools import audit, aws_units, child_processes, phases
from security_group_tools.audit_checks import UNUSED_GROUP
from security_group_tools.finding_identity import audit_fingerprint
from security_group_tools.paths import PROJECT_DIR, command_beside

SSH = "this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"
PUBLIC_SSH = "aws-ec2-securitygroup-disallow-public-ssh"
SESSION = "security-groups-audit@moto"
"""moto's caller is `arn:aws:sts::123456789012:user/moto`."""


def run(proxy: Proxy, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """audit in this process against the proxy, every group tagged by the organisation's setup."""
    status = audit.main(["--region", "us-east-1", "--endpoint-url", proxy.url, "--tag", "audit-test=org", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _controls(policy: str) -> list[dict[str, str]]:
    """A policy's controls as JSON gives them (the table itself is pinned in tests/policies/test_compliance.py)."""
    controls = UNUSED_GROUP.controls if policy == UNUSED_GROUP.name else controls_of(policy)
    return [{"framework": c.framework.key, "title": c.framework.title, "id": c.control_id} for c in controls]


def finding(
    org: Organisation,
    account: str,
    region: str,
    level: str = "advisory",
    *,
    named: bool = True,
    unused: bool = False,
) -> dict[str, Any]:
    """A finding of an account-region's open-SSH group, as the JSON report gives it (`named`: with the account's
    name, which only Organizations gives): the SSH rule's, or (`unused`) the group's own, attached to nothing."""
    group = org.groups[account, region]
    name = org.name_of(account)
    policy = UNUSED_GROUP.name if unused else PUBLIC_SSH
    rule = "" if unused else org.rules[account, region]
    message = UNUSED_GROUP.message if unused else SSH
    return {
        "fingerprint": audit_fingerprint((account, region), policy, group, rule, message),
        "level": "advisory" if unused else level,
        "policy": UNUSED_GROUP.name if unused else PUBLIC_SSH,
        "severity": UNUSED_GROUP.severity if unused else "high",
        "controls": _controls(UNUSED_GROUP.name if unused else PUBLIC_SSH),
        "group_id": group,
        "group_name": f"ssh-{name}",
        "rule_id": "" if unused else org.rules[account, region],
        "message": UNUSED_GROUP.message if unused else SSH,
        "account_id": account,
        "account_name": ("master" if account == MANAGEMENT else name) if named else "",  # moto's management name
        "region": region,
        "group_arn": f"arn:aws:ec2:{region}:{account}:security-group/{group}",
        "in_use": False,
        "public": False,
        "exposed": False,
    }


def ordered(
    org: Organisation, names: tuple[str, ...], level: str = "advisory", *, named: bool = True
) -> list[dict[str, Any]]:
    """The findings of these accounts in both regions, in the report's order: mandatory first, then by account id,
    region, group and rule (the group's own unused finding, with no rule id, before its rule's)."""
    accounts = sorted(org.accounts[name] for name in names)
    ssh = [finding(org, account, region, level, named=named) for account in accounts for region in REGIONS]
    unused = [finding(org, account, region, named=named, unused=True) for account in accounts for region in REGIONS]
    if level == "mandatory":
        return ssh + unused
    return [item for pair in zip(unused, ssh, strict=True) for item in pair]


def both(org: Organisation, account: str, region: str, *, named: bool = True) -> list[dict[str, Any]]:
    """An advisory-only account-region's two findings in the report's order: the unused group's, then its rule's."""
    return [finding(org, account, region, named=named, unused=True), finding(org, account, region, named=named)]


ORGANIZATION = ("--organization", "--role-name", ROLE, "--regions", ",".join(REGIONS), "--format", "json")


def test_the_organisation_with_one_denied_role(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    """Every ACTIVE account, the management one with the credentials, members through the role; `denied`
    refuses the role: its two units are reported with account, region, call and code, the rest completes, 3."""
    proxy.denied_roles.add(org.accounts["denied"])
    status, out, err = run(proxy, capsys, *ORGANIZATION)
    report = json.loads(out)
    assert report["findings"] == ordered(org, ("management", "prod", "dev"))
    assert (report["groups"], report["rules"]) == (6, 6)
    denied = org.accounts["denied"]
    assert report["incomplete"] == [
        {
            "account_id": denied,
            "region": region,
            "operation": "sts:AssumeRole",
            "error_code": "AccessDenied",
            "message": org.denied_line(region).split(": AccessDenied: ", 1)[1],
        }
        for region in REGIONS
    ]
    assert err.splitlines() == [
        *(org.denied_line(region) for region in REGIONS),
        "audit: incomplete: 2 of 8 account-region(s) could not be read; the report covers the other 6",
    ]
    assert status == audit.EXIT_INCOMPLETE == 3
    # Each member's role assumed once (not once per region), with a session name saying who ran it; the
    # management account read with the credentials themselves; the closed account never tried.
    assert sorted(proxy.assumed) == sorted(
        (f"arn:aws:iam::{org.accounts[name]}:role/{ROLE}", SESSION, None) for name in ("prod", "dev", "denied")
    )
    assert org.closed not in {account for account, _, _ in proxy.calls}


def test_incomplete_wins_over_mandatory_findings(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    """With prod's policy config, open SSH is mandatory: still 3 while a unit is missing, 1 once all are read."""
    proxy.denied_roles.add(org.accounts["denied"])
    prod = ("--policy-config", "stacks/policy-config.prod.json")
    status, out, _ = run(proxy, capsys, *ORGANIZATION, *prod)
    assert (status, json.loads(out)["findings"]) == (3, ordered(org, ("management", "prod", "dev"), "mandatory"))
    proxy.denied_roles.clear()
    status, out, err = run(proxy, capsys, *ORGANIZATION, *prod)
    assert (status, err) == (1, "")
    assert json.loads(out)["findings"] == ordered(org, ("management", "prod", "dev", "denied"), "mandatory")
    assert "incomplete" not in json.loads(out)


def test_every_unit_read_and_nothing_mandatory_is_0(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    status, out, err = run(proxy, capsys, *ORGANIZATION)
    assert (status, err, len(json.loads(out)["findings"])) == (0, "", 16)  # an SSH and an unused finding each


def test_an_ou_and_its_accounts_only(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    """--ou: the accounts under the unit (prod) and its child unit (dev); not the management account."""
    status, out, err = run(proxy, capsys, *ORGANIZATION, "--ou", org.workloads_ou)
    assert (status, err, json.loads(out)["findings"]) == (0, "", ordered(org, ("prod", "dev")))
    assert sorted(arn for arn, _, _ in proxy.assumed) == sorted(
        f"arn:aws:iam::{org.accounts[name]}:role/{ROLE}" for name in ("prod", "dev")
    )


def test_an_ou_without_accounts_is_a_usage_error(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    """Nothing to audit is said, never a silent pass (nor a fall back to the credentials' own account)."""
    status, out, err = run(proxy, capsys, *ORGANIZATION, "--ou", org.sandbox_ou)
    assert (status, out) == (2, "")
    assert err == f"error: the organisation has no ACTIVE account under {org.sandbox_ou}: nothing to audit\n"
    assert [action for _, _, action in proxy.calls if action.startswith("Describe")] == []


def _drain(fd: int, chunks: list[bytes]) -> None:
    with contextlib.suppress(OSError):  # EIO once the process, the terminal's last writer, has gone
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)


def test_the_progress_bar_on_a_terminal(org: Organisation, proxy: Proxy) -> None:
    """On a terminal, stderr shows units done of planned, groups and findings; stdout's report is the same."""
    controller, terminal = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, where tqdm draws nothing: give it a real terminal's size.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))
    args = ["--region", "us-east-1", "--endpoint-url", proxy.url, "--tag", "audit-test=org", "--accounts", MANAGEMENT]
    args += ["--regions", ",".join(REGIONS), "--format", "json"]
    try:
        process = subprocess.Popen(
            child_processes.dies_with_parent([command_beside(sys.executable), "audit", *args]),
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
        )
        os.close(terminal)
        chunks: list[bytes] = []
        # Read while it runs: the terminal's buffer is small, and a writer to a full one waits.
        reader = threading.Thread(target=_drain, args=(controller, chunks), daemon=True)
        reader.start()
        out, _ = process.communicate(timeout=120)
        reader.join(timeout=60)
        shown = b"".join(chunks)
    finally:
        os.close(controller)
    assert process.returncode == 0
    assert json.loads(out)["findings"] == [f for region in REGIONS for f in both(org, MANAGEMENT, region, named=False)]
    drawn = shown.decode()
    assert "account-regions:   0%|" in drawn
    assert "| 0/2 [" in drawn
    assert "| 2/2 [" in drawn
    assert ", groups=2, findings=4]" in drawn  # after the rate, which reads s/unit when under one a second


def test_a_region_denied_by_a_service_control_policy(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    """EC2 refuses one unit (UnauthorizedOperation): that unit alone is missing, with the call that failed."""
    dev = org.accounts["dev"]
    proxy.denied_units.add((dev, "eu-west-1"))
    accounts = ("--accounts", f"{dev},{MANAGEMENT}", "--role-name", ROLE, "--regions", ",".join(REGIONS))
    status, out, err = run(proxy, capsys, *accounts, "--format", "json")
    assert status == 3
    read = [(MANAGEMENT, "eu-west-1"), (MANAGEMENT, "us-east-1"), (dev, "us-east-1")]
    assert json.loads(out)["findings"] == [f for unit in sorted(read) for f in both(org, *unit, named=False)]
    assert err.splitlines() == [
        f"error: {dev} eu-west-1: ec2:DescribeSecurityGroups: UnauthorizedOperation: access denied (denied by a "
        "service control policy); the credentials need ec2:DescribeSecurityGroups and "
        "ec2:DescribeSecurityGroupRules in eu-west-1",
        "audit: incomplete: 1 of 4 account-region(s) could not be read; the report covers the other 3",
    ]
    assert json.loads(out)["incomplete"][0]["operation"] == "ec2:DescribeSecurityGroups"


def test_the_own_account_through_the_role_when_asked(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    prod = org.accounts["prod"]
    accounts = ("--accounts", f"{MANAGEMENT},{prod}", "--role-name", ROLE, "--regions", "us-east-1")
    status, _, _ = run(proxy, capsys, *accounts, "--external-id", "audit-2026")
    assert status == 0
    assert sorted(proxy.assumed) == [(f"arn:aws:iam::{prod}:role/{ROLE}", SESSION, "audit-2026")]
    proxy.assumed.clear()
    status, _, _ = run(proxy, capsys, *accounts, "--assume-role-in-own-account")
    assert status == 0
    assert sorted(proxy.assumed) == sorted(
        (f"arn:aws:iam::{account}:role/{ROLE}", SESSION, None) for account in (MANAGEMENT, prod)
    )


def test_keys_about_to_expire_are_assumed_again(
    org: Organisation, proxy: Proxy, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto's keys last an hour; with the margin at two hours, each unit finds them about to expire."""
    monkeypatch.setattr(aws_units, "REFRESH_BEFORE", timedelta(hours=2))
    prod = org.accounts["prod"]
    status, out, _ = run(
        proxy, capsys, "--accounts", prod, "--role-name", ROLE, "--regions", ",".join(REGIONS), "--format", "json"
    )
    assert (status, json.loads(out)["findings"]) == (
        0,
        [f for region in REGIONS for f in both(org, prod, region, named=False)],
    )
    assert proxy.assumed == [(f"arn:aws:iam::{prod}:role/{ROLE}", SESSION, None)] * 3  # entering, then each unit


def test_another_account_without_a_role_is_a_usage_error(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    prod = org.accounts["prod"]
    status, out, err = run(proxy, capsys, "--accounts", prod)
    assert (status, out) == (2, "")
    assert err == (
        f"error: account {prod} is not these credentials' own ({MANAGEMENT}): give --role-name, the role to assume "
        "in it\n"
    )
    assert [action for _, _, action in proxy.calls] == ["GetCallerIdentity"]


def test_a_region_of_another_partition_is_a_usage_error(proxy: Proxy, capsys: Any) -> None:
    status, out, err = run(proxy, capsys, "--regions", "cn-north-1")
    assert (status, out) == (2, "")
    assert err == "error: --regions cn-north-1 is in the aws-cn partition, and these credentials in aws\n"
    assert [action for _, _, action in proxy.calls] == ["GetCallerIdentity"]


def test_without_region_sts_is_asked_in_the_first_of_regions(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    status = audit.main(["--endpoint-url", proxy.url, "--tag", "audit-test=org", "--regions", "eu-west-1"])
    assert (status, capsys.readouterr().err) == (0, "")
    assert proxy.calls[0] == (MANAGEMENT, "eu-west-1", "GetCallerIdentity")
    status = audit.main(["--endpoint-url", proxy.url, "--regions", "all"])
    assert (status, capsys.readouterr().err) == (2, "error: no AWS region; pass --region or set AWS_REGION\n")
    assert len(proxy.calls) == 4  # GetCallerIdentity and the first run's three reads (groups, rules, interfaces)


def test_every_enabled_region(org: Organisation, proxy: Proxy, moto: Moto, capsys: Any) -> None:
    """--regions all: DescribeRegions with AllRegions; the opt-in regions not enabled are skipped and said so."""
    listed = boto3.client("ec2", region_name="us-east-1", endpoint_url=moto.url, **KEYS).describe_regions(
        AllRegions=True
    )["Regions"]
    aws = [region for region in listed if not region["RegionName"].startswith(("cn-", "us-gov-"))]
    enabled = sorted(r["RegionName"] for r in aws if r["OptInStatus"] != "not-opted-in")
    skipped = sorted(r["RegionName"] for r in aws if r["OptInStatus"] == "not-opted-in")
    assert "me-south-1" in skipped  # the fake models both kinds
    assert "us-west-2" in enabled
    status, out, err = run(proxy, capsys, "--accounts", MANAGEMENT, "--regions", "all", "--format", "json")
    assert status == 0
    report = json.loads(out)
    assert report["findings"] == [f for region in REGIONS for f in both(org, MANAGEMENT, region, named=False)]
    assert report["skipped_regions"] == [{"account_id": MANAGEMENT, "region": region} for region in skipped]
    assert err.splitlines() == [
        f"audit: skipped {MANAGEMENT} {region}: an opt-in region the account has not enabled" for region in skipped
    ]
    assert proxy.accounts_called("DescribeSecurityGroups") == [(MANAGEMENT, region) for region in enabled]


def test_concurrency_is_bounded(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    """Units really run three at once at the endpoint (the proxy holds the first reads until three are in
    flight together: one at a time would never get there) and never more (peak); that the pool has exactly
    --concurrency threads is pinned in tests/test_aws_units.py."""
    proxy.gate = 3
    status, out, _ = run(proxy, capsys, *ORGANIZATION, "--concurrency", "3")
    assert (status, len(json.loads(out)["findings"])) == (0, 16)
    assert (proxy.gate_opened, proxy.peak) == (True, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accounts", "12345"], "argument --accounts: '12345' is not an AWS account id (12 digits)"),
        (["--accounts", "1234567890123"], "argument --accounts: '1234567890123' is not an AWS account id (12 digits)"),
        (["--accounts", ",,"], "argument --accounts: ',,': give at least one account id"),
        (
            ["--regions", "US-EAST-1"],
            "argument --regions: 'US-EAST-1' is not an AWS region name (such as us-east-1 or eu-west-1, in lower case)",
        ),
        (
            ["--region", "us-east1"],
            "argument --region: 'us-east1' is not an AWS region name (such as us-east-1 or eu-west-1, in lower case)",
        ),
        (
            ["--regions", "all,us-east-1"],
            "argument --regions: `all` stands alone: --regions all, not beside other regions",
        ),
        (
            ["--role-name", "arn:aws:iam::111111111111:role/Audit"],
            "argument --role-name: 'arn:aws:iam::111111111111:role/Audit' is not an IAM role name: 1-64 of letters, "
            "digits and +=,.@_- (after an optional path such as audit/), and no ARN: the role's ARN is built for "
            "each account",
        ),
        (
            ["--role-name", "x" * 65],
            f"argument --role-name: '{'x' * 40}…' is not an IAM role name: 1-64 of letters, digits and +=,.@_- "
            "(after an optional path such as audit/), and no ARN: the role's ARN is built for each account",
        ),
        (
            ["--role-name", "Audit", "--external-id", "s3cr3t value"],
            "argument --external-id: the external id must be 2-1224 of letters, digits and +=,.@:/_- (it is not "
            "shown here)",
        ),
        (["--external-id", "s3cr3t"], "--external-id is sent with --role-name's AssumeRole: give --role-name too"),
        (["--assume-role-in-own-account"], "--assume-role-in-own-account needs --role-name"),
        (["--concurrency", "0"], "argument --concurrency: '0' is not a whole number from 1 to 64"),
        (["--concurrency", "65"], "argument --concurrency: '65' is not a whole number from 1 to 64"),
        (
            ["--ou", "ou-bad"],
            "argument --ou: 'ou-bad' is not an organizational unit id (ou-ab12-cdef3456) or root id (r-ab12)",
        ),
    ],
)
def test_malformed_targets_are_refused_before_any_call(
    args: list[str], message: str, proxy: Proxy, capsys: Any
) -> None:
    """One clear line each, status 2, and not one request to AWS; an external id is never echoed."""
    with pytest.raises(SystemExit) as stopped:
        run(proxy, capsys, *args)
    err = capsys.readouterr().err
    assert (stopped.value.code, err.splitlines()[-1]) == (2, f"security-groups audit: error: {message}")
    assert "s3cr3t" not in err
    assert proxy.calls == []


def test_a_unit_past_its_deadline_fails_alone(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    """--timeout is per account-region: us-east-1 never answers and is reported as Timeout; eu-west-1 is read."""
    proxy.held_regions.add("us-east-1")
    unit = ("--accounts", MANAGEMENT, "--regions", ",".join(REGIONS), "--timeout", "3", "--format", "json")
    status, out, err = run(proxy, capsys, *unit)
    assert status == 3, err
    assert json.loads(out)["findings"] == both(org, MANAGEMENT, "eu-west-1", named=False)
    assert err.splitlines() == [
        f"error: {MANAGEMENT} us-east-1: ec2:DescribeSecurityGroups: Timeout: gave up on the EC2 endpoint "
        f"{proxy.url} after --timeout 3 s: it has not answered; check --endpoint-url, --region, the network and "
        "any proxy (HTTPS_PROXY, NO_PROXY), or allow more time with --timeout",
        "audit: incomplete: 1 of 2 account-region(s) could not be read; the report covers the other 1",
    ]


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"])
def test_sts_out_of_reach_is_named_as_sts_not_as_ec2(
    variable: str, proxy: Proxy, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GetCallerIdentity never answered: the line names STS's endpoint and what moves it, whichever of the two
    variables boto3 took it from; nothing is read."""
    if variable == "AWS_ENDPOINT_URL":  # the one for every service that has none of its own
        monkeypatch.delenv("AWS_ENDPOINT_URL_STS")
        monkeypatch.setenv(variable, proxy.url)
    proxy.dropped.add("GetCallerIdentity")
    status, out, err = run(proxy, capsys, *ORGANIZATION)
    assert (status, out) == (2, "")
    assert err == f"error: sts:GetCallerIdentity: {dropped_line('STS', proxy.url)}\n"
    assert [action for _, _, action in proxy.calls] == ["GetCallerIdentity"] * 10


@pytest.mark.usefixtures("no_backoff")
def test_organizations_out_of_reach_is_named_as_organizations(proxy: Proxy, capsys: Any) -> None:
    proxy.dropped.add("ListAccounts")
    status, out, err = run(proxy, capsys, *ORGANIZATION)
    assert (status, out) == (2, "")
    assert err == (
        f"error: organizations:ListAccounts: ConnectionClosedError: {dropped_line('Organizations', proxy.url)}\n"
    )
    assert [action for _, _, action in proxy.calls] == ["GetCallerIdentity", *["ListAccounts"] * 10]


@pytest.mark.usefixtures("no_backoff")
def test_a_role_that_cannot_be_assumed_for_want_of_sts_says_so(org: Organisation, proxy: Proxy, capsys: Any) -> None:
    """AssumeRole's connections closed: each member's units fail with STS out of reach, not with the advice for
    a role that does not trust the caller; the management account, read with the credentials, is reported."""
    proxy.dropped.add("AssumeRole")
    status, out, err = run(proxy, capsys, *ORGANIZATION)
    assert status == 3
    assert json.loads(out)["findings"] == ordered(org, ("management",))
    members = sorted((org.accounts[name], name) for name in ("prod", "dev", "denied"))
    assert err.splitlines() == [
        *(org.sts_dropped_line(name, region, proxy.url) for _, name in members for region in REGIONS),
        "audit: incomplete: 6 of 8 account-region(s) could not be read; the report covers the other 2",
    ]
    assert sorted(action for _, _, action in proxy.calls if action == "AssumeRole") == ["AssumeRole"] * 30


@pytest.mark.parametrize(
    ("signum", "create_baseline"), [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)]
)
def test_a_signal_mid_run_reports_what_was_read(
    org: Organisation, proxy: Proxy, tmp_path: Path, signum: int, create_baseline: bool
) -> None:
    """eu-west-1 judged, us-east-1 held unanswered: the signal gives a partial report (the unit not read marked
    Interrupted), one line, and 130/143; the pool thread stuck in us-east-1 does not keep the process alive. A
    --create-baseline file is not written from a partial read: it would read as the whole estate's."""
    word = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}[signum]
    proxy.held_regions.add("us-east-1")
    args = ["--region", "us-east-1", "--endpoint-url", proxy.url, "--tag", "audit-test=org", "--accounts", MANAGEMENT]
    args += ["--regions", ",".join(REGIONS), "--format", "json"]
    baseline = tmp_path / "baseline.json"
    if create_baseline:
        args += ["--create-baseline", str(baseline)]
    process = subprocess.Popen(
        child_processes.dies_with_parent([command_beside(sys.executable), "audit", *args]),
        cwd=PROJECT_DIR,
        env={**os.environ, phases.PAUSE_ENV: "reading"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline() == "paused at reading\n"
        assert proxy.held.wait(60)
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 128 + signum
    report = json.loads(out)
    assert report["findings"] == both(org, MANAGEMENT, "eu-west-1", named=False)
    assert report["incomplete"] == [
        {
            "account_id": MANAGEMENT,
            "region": "us-east-1",
            "operation": "",
            "error_code": "Interrupted",
            "message": "not read: the audit was stopped",
        }
    ]
    assert (
        err
        == f"audit: partial report: 1 of 2 account-region(s) were read and judged before the signal\naudit: {word}\n"
    )
    assert not baseline.exists()

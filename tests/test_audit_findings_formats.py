"""`audit --format sarif|junit|markdown`, `--fail-on` and the baseline, against moto's EC2 API on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from moto_server import REGION, Moto, walkthrough
from security_group_tools import audit, baseline
from security_group_tools.finding_identity import audit_fingerprint
from security_group_tools.paths import STACKS_DIR

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
PROD = str(STACKS_DIR / "policy-config.prod.json")
SSH = "aws-ec2-securitygroup-disallow-public-ssh"
RDP = "aws-ec2-securitygroup-disallow-public-rdp"
DESCRIPTION = "aws-ec2-securitygroup-missing-rule-description"
SSH_MESSAGE = "this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"
NO_DESCRIPTION = "this egress rule (all traffic) has no description"


class Walk:
    """The walkthrough's group in moto: ids, owner, and its two rules; attached to a network interface, as the
    console walkthrough's instance would have it, so the audit-only unused-group check has nothing to say."""

    def __init__(self, ec2: Any) -> None:
        found = walkthrough(ec2)
        self.ec2 = ec2
        self.group_id = found.group_id
        group = ec2.describe_security_groups(GroupIds=[found.group_id])["SecurityGroups"][0]
        self.owner = group["OwnerId"]
        cidr = ec2.describe_vpcs(VpcIds=[group["VpcId"]])["Vpcs"][0]["CidrBlock"]
        subnet = ec2.create_subnet(VpcId=group["VpcId"], CidrBlock=cidr)["Subnet"]["SubnetId"]
        ec2.create_network_interface(SubnetId=subnet, Groups=[found.group_id])
        rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [found.group_id]}])
        by_direction = {r["IsEgress"]: r["SecurityGroupRuleId"] for r in rules["SecurityGroupRules"]}
        self.ssh, self.egress = by_direction[False], by_direction[True]

    @property
    def arn(self) -> str:
        return f"arn:aws:ec2:{REGION}:{self.owner}:security-group/{self.group_id}"

    def mark(self, policy: str, rule_id: str, message: str) -> str:
        return audit_fingerprint((self.owner, REGION), policy, self.group_id, rule_id, message)


@pytest.fixture
def walk(ec2: Any) -> Walk:
    return Walk(ec2)


def run_audit(moto: Moto, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Audit in this process: its status, stdout and stderr."""
    try:
        status = audit.main(["--region", REGION, "--endpoint-url", moto.url, *args])
    except SystemExit as stopped:
        status = int(stopped.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_audit_sarif_names_each_finding_by_its_groups_arn(
    walk: Walk, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_audit(
        moto, capsys, "--group-id", walk.group_id, "--policy-config", PROD, "--format", "sarif"
    )
    assert (status, err) == (1, "")
    document = json.loads(out)
    if SCHEMA.is_file():
        jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    run = document["runs"][0]
    assert run["automationDetails"] == {"id": f"security-groups-audit/{walk.owner}/{REGION}/"}
    results = {r["ruleId"]: r for r in run["results"]}
    assert results[SSH] == {
        "ruleId": SSH,
        "ruleIndex": 0,
        "level": "error",
        "message": {"text": f"{walk.ssh}: {SSH_MESSAGE}"},
        "locations": [{"logicalLocations": [{"fullyQualifiedName": walk.arn, "name": walk.ssh, "kind": "resource"}]}],
        "partialFingerprints": {"securityGroupsFinding/v1": walk.mark(SSH, walk.ssh, SSH_MESSAGE)},
        "properties": {"enforcementLevel": "mandatory", "severity": "high", "resource": walk.ssh},
    }
    assert sorted(results) == [SSH, DESCRIPTION]


def test_audit_sarif_validates_against_the_official_schema(
    walk: Walk, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {SCHEMA} (it lives beside the checkout, never in it)")
    _, out, _ = run_audit(moto, capsys, "--group-id", walk.group_id, "--format", "sarif")
    jsonschema.validate(json.loads(out), json.loads(SCHEMA.read_text()))


def test_audit_junit_has_a_case_per_group_and_rule_and_policy(
    walk: Walk, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pack defaults: the undescribed egress rule fails (mandatory); open SSH is advisory, so it passes with a note."""
    status, out, _ = run_audit(moto, capsys, "--group-id", walk.group_id, "--format", "junit")
    assert status == 1
    root = ET.fromstring(out)
    found = [
        (case.get("classname"), case.get("name"), [(child.tag, child.text) for child in case])
        for case in root.iter("testcase")
    ]
    assert sorted(case for case in found if case[2]) == sorted(
        [
            (walk.ssh, SSH, [("system-out", f"advisory: {SSH_MESSAGE}")]),
            (walk.egress, DESCRIPTION, [("failure", f"mandatory: {NO_DESCRIPTION}")]),
        ]
    )
    assert {case[0] for case in found} == {walk.group_id, walk.ssh, walk.egress}
    assert len({(case[0], case[1]) for case in found}) == len(found)
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("name"), suite.get("failures")) == (f"security-groups audit {walk.owner} {REGION}", "1")


def test_audit_markdown_summary(walk: Walk, moto: Moto, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_audit(moto, capsys, "--group-id", walk.group_id, "--format", "markdown", "--fail-on", "none")
    assert status == 0
    assert out == (
        f"## security-groups audit: {walk.owner} {REGION}\n"
        "\n"
        "**Pass** (`--fail-on none`: findings never fail the run)\n"
        "\n"
        "1 group(s) and 2 rule(s) audited\n"
        "\n"
        "| open | mandatory | advisory | suppressed by the baseline | stale baseline entries |\n"
        "|---|---|---|---|---|\n"
        "| 2 | 1 | 1 | 0 | 0 |\n"
        "\n"
        "### Findings (2)\n"
        "\n"
        "| level | policy | on | where | finding |\n"
        "|---|---|---|---|---|\n"
        f"| mandatory | {DESCRIPTION} | {walk.egress} | {walk.arn} | {NO_DESCRIPTION} |\n"
        f"| advisory | {SSH} | {walk.ssh} | {walk.arn} | {SSH_MESSAGE} |\n"
    )


@pytest.mark.parametrize(("fail_on", "status"), [("mandatory", 0), ("advisory", 1), ("none", 0)])
def test_audit_fail_on(walk: Walk, moto: Moto, capsys: pytest.CaptureFixture[str], fail_on: str, status: int) -> None:
    """Dev's policy config makes both findings advisory."""
    dev = str(STACKS_DIR / "policy-config.dev.json")
    code, out, _ = run_audit(
        moto, capsys, "--group-id", walk.group_id, "--policy-config", dev, "--fail-on", fail_on, "--format", "json"
    )
    assert code == status
    assert sorted((f["level"], f["policy"]) for f in json.loads(out)["findings"]) == [
        ("advisory", SSH),
        ("advisory", DESCRIPTION),
    ]


def test_the_audit_baseline_round(walk: Walk, moto: Moto, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Create -> 0; rerun -> 0; an open RDP rule -> 1 naming only it; SSH revoked -> its entry is stale."""
    accepted = tmp_path / "audit-baseline.json"
    base = ["--group-id", walk.group_id, "--policy-config", PROD, "--format", "json"]
    status, out, err = run_audit(moto, capsys, *base, "--create-baseline", str(accepted))
    ssh_mark = walk.mark(SSH, walk.ssh, SSH_MESSAGE)
    egress_mark = walk.mark(DESCRIPTION, walk.egress, NO_DESCRIPTION)
    assert status == 0
    assert err == (
        f"baseline {accepted}: wrote 2 finding(s); replace each reason placeholder with why it is accepted, "
        "and commit the file\n"
    )
    assert sorted(json.loads(accepted.read_text())["findings"], key=lambda e: e["policy"]) == [
        {"fingerprint": ssh_mark, "policy": SSH, "resource": walk.ssh, "reason": baseline.PLACEHOLDER},
        {"fingerprint": egress_mark, "policy": DESCRIPTION, "resource": walk.egress, "reason": baseline.PLACEHOLDER},
    ]
    assert json.loads(out)["findings"] == []

    status, out, _ = run_audit(moto, capsys, *base, "--baseline", str(accepted))
    document = json.loads(out)
    assert (status, document["findings"]) == (0, [])
    assert sorted((s["policy"], s["rule_id"], s["fingerprint"]) for s in document["suppressed"]) == [
        (SSH, walk.ssh, ssh_mark),
        (DESCRIPTION, walk.egress, egress_mark),
    ]

    walk.ec2.authorize_security_group_ingress(
        GroupId=walk.group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 3389,
                "ToPort": 3389,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "RDP from anywhere"}],
            }
        ],
    )
    status, out, _ = run_audit(moto, capsys, *base, "--baseline", str(accepted))
    (new,) = json.loads(out)["findings"]
    assert status == 1
    rdp_message = "this ingress rule allows tcp 3389 from 0.0.0.0/0 (anywhere on IPv4)"
    assert (new["level"], new["policy"], new["message"]) == ("mandatory", RDP, rdp_message)
    assert new["fingerprint"] == walk.mark(RDP, new["rule_id"], rdp_message)

    walk.ec2.revoke_security_group_ingress(GroupId=walk.group_id, SecurityGroupRuleIds=[walk.ssh])
    walk.ec2.revoke_security_group_ingress(GroupId=walk.group_id, SecurityGroupRuleIds=[new["rule_id"]])
    status, out, err = run_audit(moto, capsys, *base, "--baseline", str(accepted), "--format", "table")
    assert status == 0
    assert out.splitlines()[-2:] == [
        "1 group(s), 1 rule(s) audited: 0 finding(s), 0 mandatory, 0 exposed",
        f"baseline {accepted}: 1 finding(s) suppressed, 1 stale entry",
    ]
    assert err == (
        f"baseline {accepted}: entry {ssh_mark} ({SSH} on {walk.ssh}) matches no finding any more (fixed or "
        "changed); delete it from the file\n"
        f"baseline {accepted}: 1 suppressed finding(s) still have the placeholder reason; write why each is accepted\n"
    )


@pytest.mark.usefixtures("ec2")
def test_a_bad_baseline_stops_the_audit_before_aws_is_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """No endpoint listens on the discard port: reading AWS first would fail with an endpoint error instead."""
    path = tmp_path / "baseline.json"
    path.write_text('{"version": 1, "findings": [')
    status = audit.main(["--region", REGION, "--endpoint-url", "http://127.0.0.1:9", "--baseline", str(path)])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    assert err == (
        f"error: --baseline {path}: not JSON (line 1, column 29: Expecting value); "
        "recreate it with --create-baseline FILE --force, or correct it by hand\n"
    )


def test_audit_help_lists_the_exit_codes_of_each_fail_on_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        audit.main(["--help"])
    epilog = " ".join(capsys.readouterr().out.split("Exit status:", 1)[1].split())
    assert epilog.startswith(
        "0 when every account-region was read and no open finding is at a level --fail-on fails on; 1 when one is "
        "and every account-region was read (the default --fail-on mandatory: a mandatory finding under the policy "
        "config; --fail-on advisory: any mandatory or advisory finding; --fail-on none: never; findings a "
        "--baseline holds never count); 3 when an account-region could not be read"
    )


def test_the_audit_command_loads_no_renderer_and_no_program_until_a_format_needs_it() -> None:
    """Start-up is part of every audit's wall time: the SARIF, JUnit and Markdown renderers load only for their
    format, and the program's model (pulumi_aws, the component) never loads for an audit."""
    script = (
        "import json, sys\n"
        "import security_group_tools.audit\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi_aws', "
        "'security_groups_component') or m.startswith('security_group_tools.findings_') "
        "or m == 'security_group_tools.program_runner')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(done.stdout) == ["security_group_tools.findings_report"]

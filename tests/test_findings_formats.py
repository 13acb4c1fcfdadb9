"""`preview --format sarif|junit|markdown`, `--fail-on` and the baseline (docs/findings-formats.md).

Every stack is judged once in this process (the program under mocks, the real pack over gRPC); the command
itself runs in-process for the exit-code and baseline tests. The SARIF is validated against the official
schema in ../shared/schemas when it is there.
"""

from __future__ import annotations

import dataclasses
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import STACKS
from security_group_tools import baseline, findings_junit, findings_markdown, findings_sarif, preview, preview_report
from security_group_tools.baseline import BaselineError
from security_group_tools.finding_identity import preview_fingerprint
from security_group_tools.findings_report import Finding, Policy, Report, Subject
from security_group_tools.preview_model import Finding as PreviewFinding
from security_group_tools.preview_model import Location

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
GOLDEN = ROOT / "tests" / "fixtures" / "reports"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
PROGRESS = "starting the policy pack…\n"
SSH = "aws-ec2-securitygroup-disallow-public-ssh"
SSH_RULE = "ssh-walkthrough-ingress-tcp-22-0.0.0.0/0"
SSH_MESSAGE = (
    "this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4). Fix: allow SSH only from the CIDRs, "
    "security groups or prefix lists that need it, or use SSM Session Manager or EC2 Instance Connect Endpoint "
    "instead of opening port 22"
)
OPEN_SSH_FILE = ROOT / "tests" / "fixtures" / "preview" / "prod-open-ssh.yaml"
BASTION_SSH = "bastion-ingress-tcp-22-0.0.0.0/0"


@pytest.fixture(scope="module")
def judged() -> dict[str, preview.Judged]:
    """Every stack judged once with its own policy config."""
    return {
        stack: preview.judge_stack(stack, preview.read_stack_config(stack, None), preview.default_policy_config(stack))
        for stack in STACKS
    }


def report_of(
    judged: preview.Judged, *, fail_on: str = "mandatory", findings: tuple[PreviewFinding, ...] | None = None
) -> preview_report.PreviewReport:
    """The report of a judged stack (its findings replaced when given), with no baseline."""
    shown = judged.preview if findings is None else dataclasses.replace(judged.preview, findings=findings)
    found = preview_report.findings(shown)
    matched = baseline.match((), found)
    stack_file = ROOT / "stacks" / f"Pulumi.{shown.stack}.yaml"
    return preview_report.build(shown, judged.policies, matched, fail_on=fail_on, stack_file=stack_file)


def sarif_schema() -> dict[str, Any]:
    if not SCHEMA.is_file():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {SCHEMA} (it lives beside the checkout, never in it)")
    schema: dict[str, Any] = json.loads(SCHEMA.read_text())
    return schema


def located(judged: preview.Judged, line: int) -> tuple[PreviewFinding, ...]:
    """Dev's findings, each carrying a location on `line` of the stack file (as source locations fill them)."""
    where = Location("stacks/Pulumi.dev.yaml", line, 11)
    return tuple(dataclasses.replace(f, location=where) for f in judged.preview.findings)


# --- SARIF ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_sarif_of_every_stack_validates_against_the_official_schema(
    judged: dict[str, preview.Judged], stack: str
) -> None:
    schema = sarif_schema()
    document = json.loads(preview.render(report_of(judged[stack]), "sarif", None))
    jsonschema.validate(document, schema)
    assert [r["id"] for r in document["runs"][0]["tool"]["driver"]["rules"]] == [p.name for p in judged[stack].policies]


def test_a_sarif_result_points_at_the_line_that_made_the_resource(judged: dict[str, preview.Judged]) -> None:
    """The dev stack's SSH finding: level from enforcement, file and line from the finding, no line in the print."""
    document = findings_sarif.document(report_of(judged["dev"], findings=located(judged["dev"], 31)).report)
    (result,) = document["runs"][0]["results"]
    assert result == {
        "ruleId": SSH,
        "ruleIndex": 0,
        "level": "warning",
        "message": {"text": f"{SSH_RULE}: {SSH_MESSAGE}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "stacks/Pulumi.dev.yaml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 31, "startColumn": 11},
                }
            }
        ],
        "partialFingerprints": {
            "securityGroupsFinding/v1": preview_report.findings(judged["dev"].preview)[0].fingerprint
        },
        "properties": {"enforcementLevel": "advisory", "severity": "high", "resource": SSH_RULE},
    }
    run = document["runs"][0]
    assert run["automationDetails"] == {"id": "security-groups-preview/stack/dev/"}
    assert run["tool"]["driver"]["name"] == "security-groups"
    assert run["tool"]["driver"]["version"] == "0.1.0"


def test_the_fingerprint_holds_when_unrelated_lines_move_and_changes_with_the_finding(
    judged: dict[str, preview.Judged],
) -> None:
    def mark(findings: tuple[PreviewFinding, ...]) -> str:
        (result,) = findings_sarif.document(report_of(judged["dev"], findings=findings).report)["runs"][0]["results"]
        fingerprint: str = result["partialFingerprints"]["securityGroupsFinding/v1"]
        return fingerprint

    moved = mark(located(judged["dev"], 40))
    assert moved == mark(located(judged["dev"], 12)) == mark(judged["dev"].preview.findings)
    (ssh,) = judged["dev"].preview.findings
    assert mark((dataclasses.replace(ssh, message=ssh.message.replace("tcp 22", "tcp 2222")),)) != moved
    assert mark((dataclasses.replace(ssh, resource="other-rule"),)) != moved
    assert mark((dataclasses.replace(ssh, policy="aws-ec2-securitygroup-disallow-public-rdp"),)) != moved


def test_a_waivers_note_keeps_its_fingerprint_as_days_pass() -> None:
    """The waiver report's note counts the days left; the identity of the note must not change with them."""
    note = (
        "aws-ec2-securitygroup-disallow-public-ssh is waived until 2027-01-31 ({left}) by tag "
        'policy-waiver:aws-ec2-securitygroup-disallow-public-ssh, reason: "bastion".{soon} Waived finding: open'
    )
    soon = " It expires soon: plan the fix now."
    days = [
        note.format(left=left, soon=s) for left, s in (("40 days left", ""), ("2 days left", soon), ("last day", soon))
    ]
    waivers = "aws-ec2-securitygroup-report-waivers"
    assert len({preview_fingerprint("dev", waivers, "web", message) for message in days}) == 1
    other = note.format(left="40 days left", soon="").replace("2027-01-31", "2027-02-28")
    assert preview_fingerprint("dev", waivers, "web", other) != preview_fingerprint("dev", waivers, "web", days[0])


def test_a_finding_without_a_location_points_at_the_stack_files_first_line(
    judged: dict[str, preview.Judged],
) -> None:
    (result,) = findings_sarif.document(report_of(judged["dev"]).report)["runs"][0]["results"]
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "stacks/Pulumi.dev.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 1, "startColumn": 1},
            }
        }
    ]


def test_a_file_name_sarif_cannot_carry_as_written_is_percent_encoded(judged: dict[str, preview.Judged]) -> None:
    """A group file named with a space, `#` and `é`: a URI reference (`#` would start a fragment) under
    %SRCROOT%; the other formats show the name as written."""
    where = Location("stacks/groups/web tier #1 é.yaml", 4, 7)
    shown = tuple(dataclasses.replace(f, location=where) for f in judged["dev"].preview.findings)
    (result,) = findings_sarif.document(report_of(judged["dev"], findings=shown).report)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "stacks/groups/web%20tier%20%231%20%C3%A9.yaml",
        "uriBaseId": "%SRCROOT%",
    }


def test_a_stack_file_outside_the_project_is_an_absolute_file_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--stack-file` relative to another directory: every result names the file by its absolute `file:` URI,
    never as a path under %SRCROOT%, where code scanning would look for a file that is not there."""
    stack_file = tmp_path / "sp ace" / "Pulumi.dév #1.yaml"
    stack_file.parent.mkdir()
    stack_file.write_text((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    monkeypatch.chdir(tmp_path)
    assert preview.main(["--stack", "dev", "--stack-file", "sp ace/Pulumi.dév #1.yaml", "--format", "sarif"]) == 0
    document = json.loads(capsys.readouterr().out)
    uri = stack_file.resolve().as_uri()
    assert uri.endswith("/sp%20ace/Pulumi.d%C3%A9v%20%231.yaml")
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in document["runs"][0]["results"]] == [
        {"uri": uri}
    ]
    if SCHEMA.is_file():
        jsonschema.validate(document, sarif_schema())


def test_one_rule_per_policy_with_help_and_security_severity(judged: dict[str, preview.Judged]) -> None:
    rules = findings_sarif.document(report_of(judged["prod"]).report)["runs"][0]["tool"]["driver"]["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    ssh = judged["prod"].policies[0]
    assert by_id[SSH] == {
        "id": SSH,
        "shortDescription": {"text": "Disallow SSH (TCP port 22) from anywhere, over IPv4 or IPv6."},
        "fullDescription": {
            "text": "Disallow SSH (TCP port 22) from anywhere, over IPv4 or IPv6. Severity: high; "
            "enforcement level under this policy config: mandatory."
        },
        "help": {
            "text": f"Fix: {ssh.remediation}",
            "markdown": "**Disallow SSH (TCP port 22) from anywhere, over IPv4 or IPv6.**\n\n"
            f"**Fix:** {ssh.remediation}",
        },
        "helpUri": "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html",
        "defaultConfiguration": {"level": "error", "enabled": True},
        "properties": {
            "tags": [
                "security",
                "network",
                "cis-aws-foundations",
                "aws-config:restricted-ssh",
                "security-hub:EC2.13",
                # One per compliance control (policies/security_group_policies/compliance.py).
                "cis-aws-foundations-v3.0.0:5.2",
                "cis-aws-foundations-v3.0.0:5.3",
                "cis-aws-foundations-v5.0.0:5.3",
                "cis-aws-foundations-v5.0.0:5.4",
                "aws-foundational-security-best-practices-v1.0.0:EC2.18",
                "aws-foundational-security-best-practices-v1.0.0:EC2.19",
                "aws-security-hub-control:EC2.13",
                "aws-security-hub-control:EC2.53",
                "aws-security-hub-control:EC2.54",
            ],
            "security-severity": "8.0",
        },
    }
    assert {rule["id"]: rule["defaultConfiguration"] for rule in rules}[
        "aws-ec2-securitygroup-disallow-public-egress"
    ] == {
        "level": "none",
        "enabled": False,
    }
    scores = {p.severity: findings_sarif.SECURITY_SEVERITY[p.severity] for p in judged["prod"].policies}
    assert {rule["properties"]["security-severity"] for rule in rules} == set(scores.values())
    assert findings_sarif.SECURITY_SEVERITY == {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def test_levels_come_from_enforcement() -> None:
    report = Report("preview", "stack x", (), tuple(finding(level) for level in ("mandatory", "advisory", "remediate")))
    levels = [r["level"] for r in findings_sarif.document(report)["runs"][0]["results"]]
    assert levels == ["error", "warning", "error"]


def test_the_information_uri_is_the_repository_in_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    report = Report("preview", "stack x", (), ())
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    assert "informationUri" not in findings_sarif.document(report)["runs"][0]["tool"]["driver"]
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/network")
    driver = findings_sarif.document(report)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://github.com/acme/network"


# --- JUnit ----------------------------------------------------------------------------------------------


def finding(level: str, subject: str = "web-ingress", policy: str = SSH, message: str = "open") -> Finding:
    return Finding(policy, level, "high", subject, message, f"{subject}-{policy}-{level}-{message}".ljust(32, "0"))


POLICIES = (
    Policy(SSH, "No SSH from anywhere.", "high", "Close it.", ("network",), "", "mandatory"),
    Policy("aws-ec2-securitygroup-missing-description", "Describe groups.", "low", "Describe it.", (), "", "advisory"),
    Policy("aws-ec2-securitygroup-disallow-public-egress", "No egress.", "medium", "Close it.", (), "", "disabled"),
)
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
GROUP = "aws:ec2/securityGroup:SecurityGroup"


def cases(xml: str) -> list[tuple[str, str, str, str]]:
    """(classname, name, outcome, text) per test case: outcome failure, skipped, pass or pass+out."""
    root = ET.fromstring(xml)
    found = []
    for case in root.iter("testcase"):
        failure, skipped, out = case.find("failure"), case.find("skipped"), case.find("system-out")
        if failure is not None:
            found.append((case.get("classname", ""), case.get("name", ""), "failure", failure.text or ""))
        elif skipped is not None:
            found.append((case.get("classname", ""), case.get("name", ""), "skipped", skipped.get("message", "")))
        elif out is not None:
            found.append((case.get("classname", ""), case.get("name", ""), "pass", out.text or ""))
        else:
            found.append((case.get("classname", ""), case.get("name", ""), "pass", ""))
    return found


@pytest.mark.parametrize(
    ("fail_on", "advisory_outcome"),
    [("mandatory", ("pass", "advisory: no description")), ("advisory", ("failure", "advisory: no description"))],
)
def test_junit_has_a_case_per_resource_and_policy_that_judges_it(
    fail_on: str, advisory_outcome: tuple[str, str]
) -> None:
    from security_group_tools.findings_report import Suppressed

    report = Report(
        "preview",
        "stack dev",
        POLICIES,
        (
            finding("mandatory", "web-ingress"),
            finding("advisory", "web", "aws-ec2-securitygroup-missing-description", "no description"),
        ),
        suppressed=(Suppressed(finding("mandatory", "app-ingress"), "accepted until 2027-01-31 by the network team"),),
        subjects=(Subject("web", GROUP), Subject("web-ingress", INGRESS), Subject("app-ingress", INGRESS)),
        fail_on=fail_on,
    )
    xml = findings_junit.render(report)
    assert cases(xml) == [
        ("web", SSH, "pass", ""),
        ("web", "aws-ec2-securitygroup-missing-description", *advisory_outcome),
        ("web-ingress", SSH, "failure", "mandatory: open"),
        ("app-ingress", SSH, "skipped", "baselined: open (reason: accepted until 2027-01-31 by the network team)"),
    ]  # the disabled policy has no case; missing-description judges groups only
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    failures = "1" if fail_on == "mandatory" else "2"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors")) == (
        "4",
        failures,
        "1",
        "0",
    )


def test_junit_of_the_dev_stack(judged: dict[str, preview.Judged]) -> None:
    """Every judged resource x policy; the SSH rule's case carries its advisory finding and fails only on advisory."""
    for fail_on, outcome in (("mandatory", "pass"), ("advisory", "failure")):
        found = cases(preview.render(report_of(judged["dev"], fail_on=fail_on), "junit", None))
        with_findings = [case for case in found if case[3]]
        assert with_findings == [(SSH_RULE, SSH, outcome, f"advisory: {SSH_MESSAGE}")]
        assert len(found) == 160  # 3 groups x 16 policies + 8 rules x 14 (missing-description, invalid-name: groups)
        assert len({(c[0], c[1]) for c in found}) == len(found)


def test_junit_replaces_characters_xml_cannot_carry() -> None:
    report = Report("preview", "stack dev", POLICIES, (finding("mandatory", message="bad \x00\x1b byte"),))
    assert cases(findings_junit.render(report)) == [("web-ingress", SSH, "failure", "mandatory: bad \ufffd\ufffd byte")]


# --- Markdown -------------------------------------------------------------------------------------------


def test_markdown_job_summary_of_the_dev_stack(judged: dict[str, preview.Judged]) -> None:
    """The reviewed golden (UPDATE_SNAPSHOTS=1 rewrites it): verdict, counts, plan, findings, diagram."""
    text = preview.render(report_of(judged["dev"], findings=located(judged["dev"], 31)), "markdown", None)
    path = GOLDEN / "dev.md"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


def test_markdown_escapes_what_config_and_aws_wrote() -> None:
    hostile = "a | b <script>x</script> [click](https://evil.example) **bold** `code`\n# heading"
    report = Report("preview", "stack dev", POLICIES, (finding("mandatory", message=hostile),))
    rows = [line for line in findings_markdown.render(report, looked_at="x").splitlines() if "web-ingress" in line]
    assert rows == [
        "| mandatory | aws-ec2-securitygroup-disallow-public-ssh | web-ingress |  | "
        "a \\| b &lt;script&gt;x&lt;/script&gt; "
        "\\[click\\](https://evil.example) \\*\\*bold\\*\\* \\`code\\` \\# heading |"
    ]


def test_a_diagram_cannot_end_its_block_early() -> None:
    assert findings_markdown.fenced("mermaid", "a ``` b ```` c") == ["`````mermaid", "a ``` b ```` c", "`````"]


# --- --fail-on ------------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The preview command in this process: its status, stdout and stderr."""
    try:
        status = preview.main(list(args))
    except SystemExit as stopped:
        status = int(stopped.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("fail_on", "dev", "prod_open_ssh"),
    [("mandatory", 0, 1), ("advisory", 1, 1), ("none", 0, 0)],
)
def test_fail_on_sets_the_exit_code(
    capsys: pytest.CaptureFixture[str], judged: dict[str, preview.Judged], fail_on: str, dev: int, prod_open_ssh: int
) -> None:
    """Dev has one advisory finding; the candidate prod file one mandatory finding."""
    assert report_of(judged["dev"], fail_on=fail_on).report.status == dev
    status, out, err = run(
        capsys, "--stack", "prod", "--stack-file", str(OPEN_SSH_FILE), "--fail-on", fail_on, "--format", "json"
    )
    assert (status, err) == (prod_open_ssh, PROGRESS)
    assert [(f["policy"], f["level"], f["resource"]) for f in json.loads(out)["findings"]] == [
        (SSH, "mandatory", BASTION_SSH)
    ]


@pytest.mark.parametrize(
    ("fail_on", "line"),
    [
        ("mandatory", None),  # the summary line's verdict is the default's
        ("advisory", "--fail-on advisory: FAIL: exit 1 for 1 open finding(s)"),
        ("none", "--fail-on none: pass: no open finding it fails on"),
    ],
)
def test_the_table_says_what_fail_on_decided(judged: dict[str, preview.Judged], fail_on: str, line: str | None) -> None:
    """Dev's one advisory finding passes `pulumi preview` (the summary line), but not --fail-on advisory."""
    lines = preview.render(report_of(judged["dev"], fail_on=fail_on), "table", None).splitlines()
    summary = "dev: 15 resources, 1 findings (0 mandatory, 1 advisory): pass: no mandatory finding"
    assert lines[-2:] == ([summary, line] if line else [lines[-2], summary])


def test_help_lists_the_exit_codes_of_each_fail_on_value(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        preview.main(["--help"])
    epilog = " ".join(capsys.readouterr().out.split("Exit codes:", 1)[1].split())
    assert epilog.startswith(
        "0 no open finding at a level --fail-on fails on; 1 such findings (with the default --fail-on mandatory: a "
        "mandatory finding, so `pulumi preview` would fail; --fail-on advisory: any mandatory or advisory finding; "
        "--fail-on none: never); findings a --baseline holds never count; 2 bad input"
    )


# --- Baseline -------------------------------------------------------------------------------------------


def stack_file(tmp_path: Path, extra: str = "", *, ssh: bool = True) -> Path:
    """A candidate prod stack file: the open SSH rule (or not), and any extra ingress rules."""
    rules = "        - rule: ssh\n          from: [anywhere-ipv4]\n          description: SSH from anywhere\n"
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(
        "config:\n"
        "  aws:region: eu-west-1\n"
        "  security-groups:vpcId: vpc-0a1b2c3d4e5f67890\n"
        "  security-groups:groups:\n"
        "    bastion:\n"
        "      description: Prod bastion hosts\n"
        "      ingress:\n" + (rules if ssh else "") + extra + "      egress: []\n"
    )
    return path


RDP = "        - rule: rdp\n          from: [anywhere-ipv4]\n          description: RDP from anywhere\n"
HTTPS = "        - rule: https\n          from: [10.0.0.0/8]\n          description: HTTPS inside\n"


def docs_baseline_example() -> tuple[baseline.Entry, ...]:
    """The baseline shown in docs/findings-formats.md, read as a baseline file is read."""
    text = (ROOT / "docs" / "findings-formats.md").read_text()
    example = text.split("```json\n", 1)[1].split("```", 1)[0]
    return baseline.parse("docs/findings-formats.md", example)


def test_the_baseline_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Create -> exit 0; rerun -> 0; an open RDP rule -> 1 naming only it; SSH closed -> its entry is stale."""
    accepted = tmp_path / "baseline.json"
    base = ["--stack", "prod", "--format", "json"]
    status, out, err = run(capsys, *base, "--stack-file", str(stack_file(tmp_path)), "--create-baseline", str(accepted))
    (accepted_ssh,) = json.loads(out)["suppressed"]
    mark = preview_fingerprint("prod", SSH, BASTION_SSH, accepted_ssh["message"])
    assert accepted_ssh["fingerprint"] == mark
    assert docs_baseline_example()[0].fingerprint == mark  # the docs show this very entry
    assert (status, err) == (
        0,
        f"{PROGRESS}baseline {accepted}: wrote 1 finding(s); replace each reason placeholder with why it is "
        "accepted, and commit the file\n",
    )
    assert json.loads(accepted.read_text()) == {
        "version": 1,
        "findings": [{"fingerprint": mark, "policy": SSH, "resource": BASTION_SSH, "reason": baseline.PLACEHOLDER}],
    }
    assert json.loads(out)["findings"] == []

    status, out, err = run(capsys, *base, "--stack-file", str(stack_file(tmp_path)), "--baseline", str(accepted))
    document = json.loads(out)
    assert (status, document["findings"], document["summary"]["suppressed"]) == (0, [], 1)
    assert [(s["policy"], s["resource"], s["fingerprint"]) for s in document["suppressed"]] == [
        (SSH, BASTION_SSH, mark)
    ]
    assert err == (
        f"{PROGRESS}baseline {accepted}: 1 suppressed finding(s) still have the placeholder reason; "
        "write why each is accepted\n"
    )

    status, out, err = run(capsys, *base, "--stack-file", str(stack_file(tmp_path, RDP)), "--baseline", str(accepted))
    document = json.loads(out)
    assert status == 1
    assert [(f["policy"], f["resource"]) for f in document["findings"]] == [
        ("aws-ec2-securitygroup-disallow-public-rdp", "bastion-ingress-tcp-3389-0.0.0.0/0"),
    ]
    assert document["staleBaselineEntries"] == []

    status, out, err = run(
        capsys, *base, "--stack-file", str(stack_file(tmp_path, HTTPS, ssh=False)), "--baseline", str(accepted)
    )
    document = json.loads(out)
    assert (status, document["findings"], document["suppressed"]) == (0, [], [])
    assert document["staleBaselineEntries"] == [
        {"fingerprint": mark, "policy": SSH, "resource": BASTION_SSH, "reason": baseline.PLACEHOLDER}
    ]
    assert err == (
        f"{PROGRESS}baseline {accepted}: entry {mark} ({SSH} on {BASTION_SSH}) matches no finding any more "
        "(fixed or changed); delete it from the file\n"
    )


def test_a_suppressed_finding_is_a_sarif_result_with_a_suppression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], judged: dict[str, preview.Judged]
) -> None:
    found = preview_report.findings(judged["dev"].preview)
    gone = baseline.Entry("0" * 32, SSH, "removed-rule", "accepted until the rule goes")
    entries = (baseline.Entry(found[0].fingerprint, SSH, SSH_RULE, "the walkthrough host, until 2027-01-31"), gone)
    matched = baseline.match(entries, found)
    result = preview_report.build(
        judged["dev"].preview,
        judged["dev"].policies,
        matched,
        fail_on="advisory",
        stack_file=ROOT / "stacks" / "Pulumi.dev.yaml",
    )
    document = json.loads(preview.render(result, "sarif", None))
    jsonschema.validate(document, sarif_schema())
    run_ = document["runs"][0]
    (suppressed,) = run_["results"]
    assert suppressed["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "the walkthrough host, until 2027-01-31"}
    ]
    assert run_["invocations"][0]["toolExecutionNotifications"] == [
        {
            "descriptor": {"id": "stale-baseline-entry"},
            "level": "note",
            "message": {
                "text": f"baseline entry {'0' * 32} ({SSH} on removed-rule) matches no finding any more (fixed or "
                "changed); delete it from the baseline"
            },
        }
    ]
    assert (run_["properties"]["open"], run_["properties"]["suppressed"]) == (0, 1)
    assert result.report.status == 0  # advisory would fail, but the finding is baselined
    assert result.preview.findings == ()  # the table, JSON and Mermaid show only open findings


def test_create_baseline_never_replaces_a_file_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "baseline.json"
    existing.write_text("what the user wrote\n")
    status, out, err = run(capsys, "--stack", "dev", "--create-baseline", str(existing))
    assert (status, out) == (2, "")
    assert err == (
        f"{PROGRESS}--create-baseline {existing}: already exists; pass --force to replace it, or choose another path\n"
        "nothing was written\n"
    )
    assert existing.read_text() == "what the user wrote\n"
    status, _, _ = run(capsys, "--stack", "dev", "--create-baseline", str(existing), "--force")
    assert status == 0
    assert [e.policy for e in baseline.read(existing)] == [SSH]


@pytest.mark.parametrize("target", ["stacks/Pulumi.dev.yaml", "stacks/policy-config.dev.json"])
def test_create_baseline_never_replaces_a_file_the_run_reads(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Not even with --force: a baseline over the stack file would lose what the user wrote."""
    before = (ROOT / target).read_bytes()
    status, out, err = run(capsys, "--stack", "dev", "--create-baseline", str(ROOT / target), "--force")
    flag = "stack file" if target.endswith(".yaml") else "policy config"
    assert (status, out, err) == (
        2,
        "",
        f"--create-baseline {ROOT / target}: is the {flag} this run reads; choose another path\n",
    )
    assert (ROOT / target).read_bytes() == before


def test_create_baseline_in_a_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no-such-dir" / "baseline.json"
    status, out, err = run(capsys, "--stack", "dev", "--create-baseline", str(target))
    assert (status, out) == (2, "")
    assert err == (
        f"{PROGRESS}--create-baseline {target}: the directory {target.parent} does not exist; create it first\n"
        "nothing was written\n"
    )


def test_baseline_and_create_baseline_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--stack", "dev", "--baseline", "a.json", "--create-baseline", "b.json")
    assert (status, out) == (2, "")
    assert err.endswith("error: argument --create-baseline: not allowed with argument --baseline\n")


def test_force_alone_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--stack", "dev", "--force")
    assert (status, out) == (2, "")
    assert err.endswith("error: --force only goes with --create-baseline FILE\n")


def entry(fingerprint: str = "a" * 32, **overrides: Any) -> dict[str, Any]:
    return {"fingerprint": fingerprint, "policy": SSH, "resource": "r", "reason": "why", **overrides}


FIX = "recreate it with --create-baseline FILE --force, or correct it by hand"
BAD_BASELINES: dict[str, tuple[str | bytes, str]] = {
    "not-json": ("{nope", f"not JSON (line 1, column 2: Expecting property name enclosed in double quotes); {FIX}"),
    "a-list": ("[]", f'not a baseline: expected an object {{"version": 1, "findings": [...]}}; {FIX}'),
    "bad-version": (json.dumps({"version": True, "findings": []}), f"version true is not 1; {FIX}"),
    "findings-not-a-list": (json.dumps({"version": 1, "findings": {}}), f"findings must be a list; {FIX}"),
    "missing-key": (
        json.dumps({"version": 1, "findings": [{"fingerprint": "a" * 32}]}),
        f"findings[0]: expected an object with exactly the keys fingerprint, policy, resource, reason; {FIX}",
    ),
    "not-a-string": (
        json.dumps({"version": 1, "findings": [entry(reason=7)]}),
        f"findings[0]: every value must be a string; {FIX}",
    ),
    "bad-fingerprint": (
        json.dumps({"version": 1, "findings": [entry("ZZ")]}),
        f"findings[0]: fingerprint 'ZZ' is not 32 lowercase hex digits; {FIX}",
    ),
    "duplicate-fingerprint": (
        json.dumps({"version": 1, "findings": [entry(), entry(reason="again")]}),
        f"findings[1]: fingerprint {'a' * 32} is already findings[0]; delete one of the two entries",
    ),
    "duplicate-key": (
        '{"version": 1, "version": 1, "findings": []}',
        f"the key 'version' appears twice in one object; {FIX}",
    ),
    "empty-reason": (
        json.dumps({"version": 1, "findings": [entry(reason="  ")]}),
        "findings[0]: the reason is empty; write why the finding is accepted",
    ),
    "nan": ('{"version": NaN, "findings": []}', f"NaN is not JSON; {FIX}"),
    "not-utf-8": (b'{"version": 1, "findings": ["\xff"]}', f"not UTF-8 text; {FIX}"),
    "deeply-nested": ("[" * 100_000 + "]" * 100_000, f"nested too deeply to be a baseline; {FIX}"),
}


@pytest.mark.parametrize("case", sorted(BAD_BASELINES))
def test_a_bad_baseline_is_exit_2_naming_the_file_and_the_fix(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, problem = BAD_BASELINES[case]
    path = tmp_path / "baseline.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    status, out, err = run(capsys, "--stack", "dev", "--baseline", str(path))
    assert (status, out, err) == (2, "", f"--baseline {path}: {problem}\n")  # before the program or the pack ran


def test_a_huge_baseline_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    with path.open("wb") as stream:
        stream.truncate(baseline.MAX_BYTES + 1)
    with pytest.raises(BaselineError) as refused:
        baseline.read(path)
    assert str(refused.value) == (
        f"--baseline {path}: {baseline.MAX_BYTES + 1} bytes, "
        f"more than the {baseline.MAX_BYTES} a baseline may have; {FIX}"
    )


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_baseline_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "baseline.json"
    if kind == "directory":
        path.mkdir()
    with pytest.raises(BaselineError) as refused:
        baseline.read(path)
    assert str(refused.value) == f"--baseline {path}: not a file; pass the file --create-baseline wrote"

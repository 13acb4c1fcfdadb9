"""audit against moto's EC2 API on 127.0.0.1, with the pack's own policies; and both tools' AWS errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto_server import KEYS, REGION, Moto, Walkthrough, isolated_aws_env, walkthrough
from security_group_policies.waivers import utc_today
from security_group_tools import adopt, audit
from security_group_tools.audit_engine import InProcessPack
from security_group_tools.audit_resources import stack_items
from security_group_tools.aws_inventory import Selection, describe
from security_group_tools.aws_session import AwsOptions, ec2_client
from security_group_tools.pack_runner import Engine, Pack, diagnostics
from security_group_tools.paths import PROJECT_DIR, STACKS_DIR

SSH = "this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"
NO_DESCRIPTION = "this egress rule (all traffic) has no description"
UNUSED = (
    "this group is attached to no network interface; delete it if nothing is meant to use it (an unused group is "
    "one attachment away from granting what its rules allow)"
)


@pytest.fixture
def group(ec2: Any) -> tuple[Walkthrough, str, str]:
    """The walkthrough's group, its SSH rule id and its outbound rule id."""
    found = walkthrough(ec2)
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [found.group_id]}])
    by_direction = {r["IsEgress"]: r["SecurityGroupRuleId"] for r in rules["SecurityGroupRules"]}
    return found, by_direction[False], by_direction[True]


def run_audit(moto: Moto, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run audit in this process; return its status, stdout and stderr."""
    status = audit.main(["--region", REGION, "--endpoint-url", moto.url, *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def rows(out: str) -> list[tuple[str, str, str, str]]:
    """(level, policy, rule id, message) per finding of a JSON report."""
    return [(f["level"], f["policy"], f["rule_id"], f["message"]) for f in json.loads(out)["findings"]]


def test_walkthrough_table_with_the_pack_defaults(
    group: tuple[Walkthrough, str, str], moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    """Open SSH is advisory by default (one finding: SSH's); the undescribed outbound rule is mandatory, so exit 1.
    The group is attached to nothing: each row says so, and the audit-only check flags it; the controls follow."""
    found, ssh, egress = group
    status, out, err = run_audit(moto, capsys, "--group-id", found.group_id)
    assert (status, err) == (1, "")
    where = f"{found.group_id} (launch-wizard-1)"
    policy = "aws-ec2-securitygroup-missing-rule-description"
    assert out.splitlines() == [
        "123456789012 us-east-1: 1 group(s), 2 rule(s): 3 finding(s), 1 mandatory, 0 exposed",
        f"  IN USE  LEVEL      SEVERITY  {'POLICY'.ljust(len(policy))}  {'GROUP'.ljust(len(where))}  "
        f"{'RULE'.ljust(len(ssh))}  FINDING",
        f"  no      mandatory  low       {policy}  {where}  {egress}  {NO_DESCRIPTION}",
        f"  no      advisory   low       {'aws-ec2-securitygroup-disallow-unused'.ljust(len(policy))}  {where}  "
        f"{'-'.ljust(len(ssh))}  {UNUSED}",
        f"  no      advisory   high      {'aws-ec2-securitygroup-disallow-public-ssh'.ljust(len(policy))}  {where}  "
        f"{ssh}  {SSH}",
        "account 123456789012: 1 region(s), 1 group(s), 2 rule(s): 3 finding(s), 1 mandatory, 0 exposed",
        "controls:",
        "  aws-ec2-securitygroup-disallow-public-ssh: CIS v3.0.0 5.2, 5.3; CIS v5.0.0 5.3, 5.4; FSBP EC2.18, EC2.19; "
        "Security Hub EC2.13, EC2.53, EC2.54",
        "  aws-ec2-securitygroup-disallow-unused: Security Hub EC2.22",
        "1 group(s), 2 rule(s) audited: 3 finding(s), 1 mandatory, 0 exposed",
    ]


Case = tuple[str, int, list[tuple[str, str, str, str]]]
"""(environment, exit status, findings as (level, policy, "ssh", "egress" or "" for the group, message))."""

CASES = [
    pytest.param(
        (
            "dev",
            0,
            [
                ("advisory", "aws-ec2-securitygroup-missing-rule-description", "egress", NO_DESCRIPTION),
                ("advisory", "aws-ec2-securitygroup-disallow-public-ssh", "ssh", SSH),
                ("advisory", "aws-ec2-securitygroup-disallow-unused", "", UNUSED),
            ],
        ),
        id="dev-everything-advisory",
    ),
    pytest.param(
        (
            "prod",
            1,
            [
                ("mandatory", "aws-ec2-securitygroup-missing-rule-description", "egress", NO_DESCRIPTION),
                ("mandatory", "aws-ec2-securitygroup-disallow-public-ssh", "ssh", SSH),
                ("advisory", "aws-ec2-securitygroup-disallow-unused", "", UNUSED),  # audit-only: no config reaches it
            ],
        ),
        id="prod-open-ssh-mandatory",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_walkthrough_json_under_each_environments_policy_config(
    group: tuple[Walkthrough, str, str], moto: Moto, capsys: pytest.CaptureFixture[str], case: Case
) -> None:
    """The project's own policy-config files decide the levels, reconciled as the engine reconciles them."""
    found, ssh, egress = group
    environment, status, expected = case
    config = STACKS_DIR / f"policy-config.{environment}.json"
    code, out, _ = run_audit(
        moto, capsys, "--group-id", found.group_id, "--policy-config", str(config), "--format", "json"
    )
    ids = {"ssh": ssh, "egress": egress, "": ""}
    assert code == status
    assert sorted(rows(out)) == sorted((level, policy, ids[rule], message) for level, policy, rule, message in expected)
    assert json.loads(out)["groups"] == 1


def test_a_vpcs_default_group_is_judged_as_a_default_group(
    group: tuple[Walkthrough, str, str], moto: Moto, ec2: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The VPC's `default` group is audited as aws.ec2.DefaultSecurityGroup, so the CIS policy sees its rules."""
    found, _, _ = group
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [found.vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    _, out, _ = run_audit(moto, capsys, "--vpc-id", found.vpc_id, "--format", "json")
    on_default = [
        (f["level"], f["policy"], f["message"]) for f in json.loads(out)["findings"] if f["group_id"] == default
    ]
    assert on_default == [
        (
            "advisory",
            "aws-ec2-defaultsecuritygroup-disallow-rules",
            "the default security group keeps egress[0]: all traffic to 0.0.0.0/0",
        ),
    ]  # its undescribed rules are that policy's to judge, not missing-rule-description's


def test_in_process_pack_answers_exactly_as_the_pack_process(group: tuple[Walkthrough, str, str], moto: Moto) -> None:
    """Same GetAnalyzerInfo, same diagnostics for the same resources, as the pack started the way the CLI starts it."""
    options = AwsOptions(REGION, None, moto.url)
    items = stack_items(describe(ec2_client(options), Selection(), options, lambda _: None))
    local = InProcessPack()
    engine = Engine.start()
    process = Pack.start(engine.address)
    try:
        assert process.info() == local.info()
        config = json.loads((STACKS_DIR / "policy-config.prod.json").read_text())
        assert process.configure(config) == local.configure(config)
        remote = []
        for item in items:
            remote += [(item.name, d) for d in diagnostics(process.analyze(item.resource_type, item.name, item.props))]
        remote += [(d.urn.rsplit("::", 1)[-1], d) for d in diagnostics(process.analyze_stack(items))]
    finally:
        process.stop()
        engine.stop()
    assert local.analyze(items) == remote
    assert len(remote) == 4  # 2 on the walkthrough's group, 1 on each VPC's default group


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            '{"aws-ec2-securitygroup-disallow-public-ssh": "blocking"}',
            "aws-ec2-securitygroup-disallow-public-ssh: 'blocking' is not a valid enforcement level; "
            "use one of advisory, mandatory, remediate, disabled",
            id="bad-level",
        ),
        pytest.param(
            '{"aws-ec2-securitygroup-disallow-public-ssh": {"publicPrefixLengthIpv4": 40}}',
            "aws-ec2-securitygroup-disallow-public-ssh.publicPrefixLengthIpv4: 40 is greater than the maximum of 32.0",
            id="out-of-schema",
        ),
        pytest.param(
            '{"aws-ec2-securitygroup-disallow-public-shh": "mandatory"}',
            "aws-ec2-securitygroup-disallow-public-shh: no policy of that name in the pack; "
            "did you mean 'aws-ec2-securitygroup-disallow-public-ssh'?",
            id="unknown-policy",
        ),
        pytest.param('{"all": NaN}', "not valid JSON: NaN is not a JSON number", id="nan"),
        pytest.param(
            '{"aws-ec2-securitygroup-disallow-public-ssh": {"enforcementLevel": ["mandatory"]}}',
            'aws-ec2-securitygroup-disallow-public-ssh.enforcementLevel: ["mandatory"] is not a valid enforcement '
            "level; use one of advisory, mandatory, remediate, disabled",
            id="level-in-a-list",
        ),
        pytest.param(
            '{"all": {"authorizedTcpPorts": [443]}}',
            'all: authorizedTcpPorts: `all` sets only an enforcement level ({"all": "mandatory"}); a policy\'s '
            "properties go under its own name",
            id="all-with-properties",
        ),
        pytest.param(
            '{"all": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply to be a policy config", id="deep"
        ),
        pytest.param("[]", "expected a JSON object of policy name -> enforcement level or settings", id="array"),
    ],
)
def test_a_policy_config_the_engine_would_refuse_is_a_usage_error(
    moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    """Exit 2 and one line naming the file, before any AWS call; the words are preview-offline's (policy_config)."""
    path = tmp_path / "policy.json"
    path.write_text(content)
    assert run_audit(moto, capsys, "--policy-config", str(path)) == (2, "", f"error: {path}: {message}\n")


def test_json_errors_name_the_line_and_column(moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{\n  "all": "advisory",\n  oops\n}\n')
    assert run_audit(moto, capsys, "--policy-config", str(path)) == (
        2,
        "",
        f"error: {path}:3:3: not valid JSON: Expecting property name enclosed in double quotes\n",
    )


def test_every_unknown_policy_name_is_reported(moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"all": "advisory", "ssh": "mandatory", "aws-ec2-securitygroup-missing-rule-descriptions": {}}')
    assert run_audit(moto, capsys, "--policy-config", str(path)) == (
        2,
        "",
        f"error: {path}: ssh: no policy of that name in the pack; policies/README.md's catalogue lists every "
        "policy\n"
        f"error: {path}: aws-ec2-securitygroup-missing-rule-descriptions: no policy of that name in the pack; "
        "did you mean 'aws-ec2-securitygroup-missing-rule-description'?\n",
    )


def test_preview_and_audit_refuse_the_same_file_in_the_same_words(
    moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    """One reader for both (policy_config): the unknown-policy fixture of the preview tests, through audit."""
    path = PROJECT_DIR / "tests" / "fixtures" / "preview" / "policy-config.unknown-policy.json"
    assert run_audit(moto, capsys, "--policy-config", str(path)) == (
        2,
        "",
        "error: tests/fixtures/preview/policy-config.unknown-policy.json: aws-ec2-securitygroup-disallow-public-shh: "
        "no policy of that name in the pack; did you mean 'aws-ec2-securitygroup-disallow-public-ssh'?\n",
    )


@pytest.mark.usefixtures("ec2")
def test_a_fresh_region_passes_under_the_default_config(moto: Moto, capsys: pytest.CaptureFixture[str]) -> None:
    """Only AWS's default VPC and its default group: the CIS finding (advisory), and exit 0, not a mandatory
    finding on the descriptions of rules nobody wrote."""
    status, out, err = run_audit(moto, capsys, "--format", "json")
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert (document["groups"], document["rules"]) == (1, 1)
    assert [(f["level"], f["policy"], f["rule_id"], f["message"]) for f in document["findings"]] == [
        (
            "advisory",
            "aws-ec2-defaultsecuritygroup-disallow-rules",
            "",
            "the default security group keeps egress[0]: all traffic to 0.0.0.0/0",
        )
    ]


WAIVER = "policy-waiver:aws-ec2-securitygroup-missing-rule-description"


def waived(policy: str, expires: str, reason: str, finding: str) -> str:
    """The report-waivers note for a waiver 20 days from expiry (prod warns 30 days ahead)."""
    return (
        f'{policy} is waived until {expires} (20 days left) by tag policy-waiver:{policy}, reason: "{reason}". '
        f"It expires soon: plan the fix now. Waived finding: {finding}"
    )


def tag(ec2: Any, resource: str, key: str, value: str) -> None:
    ec2.create_tags(Resources=[resource], Tags=[{"Key": key, "Value": value}])


def test_a_waiver_on_a_group_covers_its_rules(
    group: tuple[Walkthrough, str, str], ec2: Any, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    """As at preview, where the component copies the group's tags onto its rules: under prod's config the
    mandatory finding on the undescribed outbound rule becomes a waiver note."""
    found, _, egress = group
    expires = (utc_today() + timedelta(days=20)).isoformat()
    tag(ec2, found.group_id, WAIVER, f"{expires} console default, removed in the migration")
    prod = str(STACKS_DIR / "policy-config.prod.json")
    _, out, _ = run_audit(moto, capsys, "--group-id", found.group_id, "--policy-config", prod, "--format", "json")
    assert [row for row in rows(out) if row[2] == egress] == [
        (
            "advisory",
            "aws-ec2-securitygroup-report-waivers",
            egress,
            waived(
                "aws-ec2-securitygroup-missing-rule-description",
                expires,
                "console default, removed in the migration",
                NO_DESCRIPTION,
            ),
        )
    ]


def test_a_rules_own_waiver_tag_wins_over_its_groups(
    group: tuple[Walkthrough, str, str], ec2: Any, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rule's expired tag of the same key is the one that counts: the finding stays, with no waiver note."""
    found, _, egress = group
    tag(ec2, found.group_id, WAIVER, f"{(utc_today() + timedelta(days=20)).isoformat()} console default")
    tag(ec2, egress, WAIVER, "2020-01-31 an old exception")
    status, out, _ = run_audit(moto, capsys, "--group-id", found.group_id, "--format", "json")
    on_egress = [row for row in rows(out) if row[2] == egress]
    assert on_egress == [("mandatory", "aws-ec2-securitygroup-missing-rule-description", egress, NO_DESCRIPTION)]
    assert status == 1


# --- AWS errors, for both tools --------------------------------------------------------------------------------

TOOLS: dict[str, Callable[[list[str]], int]] = {"adopt": adopt.main, "audit": audit.main}

Runner = Callable[..., tuple[int, str]]


@pytest.fixture(params=sorted(TOOLS))
def run_tool(request: pytest.FixtureRequest, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    """Each tool in turn: run it with these arguments; return its status and stderr."""
    tool = request.param

    def run(*args: str) -> tuple[int, str]:
        extra = ["--import-file", str(tmp_path / "i.json")] if tool == "adopt" else []
        status = TOOLS[tool](["--region", REGION, "--endpoint-url", moto.url, *extra, *args])
        return status, capsys.readouterr().err

    return run


ACCESS = "the credentials need ec2:DescribeSecurityGroups and ec2:DescribeSecurityGroupRules in us-east-1"


@pytest.mark.usefixtures("ec2")
def test_unknown_group_id(run_tool: Runner) -> None:
    """InvalidGroup.NotFound says to check the id and the region."""
    assert run_tool("--group-id", "sg-0123456789abcdef0") == (
        2,
        "error: The security group '{'sg-0123456789abcdef0'}' does not exist; check the id and the region "
        "(groups belong to one region)\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--group-id", "sg-123"],
            "argument --group-id: 'sg-123' is not a security group id (sg- and 8 or 17 hex digits, e.g. "
            "sg-0123456789abcdef0)",
        ),
        (
            ["--group-id", "sg-0123456789ABCDEF0"],
            "argument --group-id: 'sg-0123456789ABCDEF0' is not a security group id (sg- and 8 or 17 hex digits, e.g. "
            "sg-0123456789abcdef0)",
        ),
        (
            ["--vpc-id", "vpc-1"],
            "argument --vpc-id: 'vpc-1' is not a VPC id (vpc- and 8 or 17 hex digits, e.g. vpc-0123456789abcdef0)",
        ),
    ],
)
def test_a_malformed_id_is_a_usage_error_before_any_call(
    run_tool: Runner, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed --vpc-id would match no group (EC2 does not check a filter's values): a silent empty audit.
    The arguments are refused while they are parsed, before any client exists."""
    with pytest.raises(SystemExit) as stopped:
        run_tool(*args)
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].split(" error: ", 1)[1] == message


@pytest.mark.usefixtures("ec2")
@pytest.mark.parametrize(
    "args", [["--vpc-id", "vpc-0123456789abcdef0"], ["--tag", "team=nobody", "--tag", "env=x"]], ids=["vpc", "tags"]
)
def test_a_filter_that_matches_no_group_says_so(run_tool: Runner, args: list[str]) -> None:
    """EC2 answers a filter matching nothing with no group: the run says so instead of passing in silence."""
    status, err = run_tool(*args)
    shown = " ".join(args)
    assert status == 0
    assert err.splitlines()[0].split(": ", 1)[1] == (
        f"no group in {REGION} matched {shown}; check the filter and the region (EC2 answers a filter that matches "
        "nothing with no group)"
    )


def test_the_id_patterns_are_the_components(capsys: pytest.CaptureFixture[str]) -> None:
    """The tools write EC2's id patterns out (importing the component package would load the program's model)."""
    from security_group_tools import aws_names
    from security_groups_component import aws_facts

    assert (aws_names.GROUP_ID.pattern, aws_names.VPC_ID.pattern) == (
        aws_facts.SECURITY_GROUP_ID.pattern,
        aws_facts.VPC_ID.pattern,
    )


@pytest.mark.parametrize("credentials_file", ["", "[default]\n"], ids=["empty-file", "profile-without-keys"])
def test_missing_credentials(
    run_tool: Runner, credentials_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No keys anywhere in the chain: one line saying how to provide them."""
    isolated_aws_env(monkeypatch, tmp_path, keys=False)
    (tmp_path / "credentials").write_text(credentials_file)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    assert run_tool("--group-id", "sg-0123456789abcdef0") == (
        2,
        "error: no usable AWS credentials; set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or sign in with `aws sso login`\n",
    )


@pytest.mark.usefixtures("ec2")
def test_unknown_profile(run_tool: Runner) -> None:
    """A --profile that no config file defines."""
    assert run_tool("--profile", "prod-admin", "--group-id", "sg-0123456789abcdef0") == (
        2,
        "error: The config profile (prod-admin) could not be found; list profiles with `aws configure list-profiles`\n",
    )


@pytest.fixture
def authenticating(ec2: Any, moto: Moto) -> Iterator[dict[str, str]]:
    """moto checking every request against its IAM; yields keys of a user with no permissions."""
    iam = boto3.client("iam", region_name=REGION, endpoint_url=moto.url, **KEYS)
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    moto.require_auth()
    try:
        yield {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    finally:
        moto.allow_all()


def test_access_denied(run_tool: Runner, authenticating: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Known credentials without EC2 read permissions (moto says AccessDenied where EC2 says UnauthorizedOperation)."""
    for name, value in authenticating.items():
        monkeypatch.setenv(name, value)
    assert run_tool("--vpc-id", "vpc-0123456789abcdef0") == (
        2,
        "error: access denied (User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: "
        f"ec2:DescribeSecurityGroups); {ACCESS}\n",
    )


@pytest.mark.usefixtures("ec2")  # an empty account: no user from another case
@pytest.mark.parametrize(
    ("allowed", "denied"),
    [
        ("ec2:DescribeVpcs", "ec2:DescribeSecurityGroups"),
        ("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"),
    ],
    ids=["both-denied", "rules-denied"],
)
def test_a_whole_region_refused_names_the_call_refused_first(
    moto: Moto, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], allowed: str, denied: str
) -> None:
    """A whole region's read (nothing selected: the rules in one region-wide pass) that is refused names the call
    refused first: the groups', else the rules'."""
    iam = boto3.client("iam", region_name=REGION, endpoint_url=moto.url, **KEYS)
    iam.create_user(UserName="reader")
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [allowed], "Resource": "*"}]}
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    moto.require_auth()
    try:
        status = audit.main(["--region", REGION, "--endpoint-url", moto.url])
    finally:
        moto.allow_all()
    assert (status, capsys.readouterr().err) == (
        2,
        "error: access denied (User: arn:aws:iam::123456789012:user/reader is not authorized to perform: "
        f"{denied}); {ACCESS}\n",
    )


@pytest.mark.usefixtures("authenticating")
def test_credentials_aws_does_not_know(run_tool: Runner) -> None:
    """Keys AWS cannot validate (AuthFailure)."""
    assert run_tool("--vpc-id", "vpc-0123456789abcdef0") == (
        2,
        "error: AWS rejected the credentials in us-east-1 (AWS was not able to validate the provided access "
        "credentials); check the profile or keys, and that the region is enabled for the account\n",
    )

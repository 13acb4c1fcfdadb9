"""What each audit finding says (account, region, ARN, severity, controls, in use, public), against moto on 127.0.0.1.

The estate: in one VPC, `web` (SSH and HTTPS from anywhere) on a network interface with an Elastic IP; `app`
(8080 from the VPC, described) on an EC2 instance's interface with no public address; `old` (RDP from anywhere,
the console's undescribed outbound rule) on nothing; and the VPC's default group, on nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, NamedTuple
from urllib.parse import parse_qs

import boto3
import pytest
import requests
from fake_endpoint import served
from moto_server import KEYS, REGION, Moto
from security_group_tools import audit, network_interfaces
from security_group_tools.account_region import AccountRegion
from security_group_tools.aws_inventory import Selection
from security_group_tools.aws_session import AwsOptions, ec2_client
from security_group_tools.finding_identity import audit_fingerprint

ACCOUNT = "123456789012"
"""moto's account."""

SSH = "this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"
RDP = "this ingress rule allows tcp 3389 from 0.0.0.0/0 (anywhere on IPv4)"
NO_DESCRIPTION = "this egress rule (all traffic) has no description"
DEFAULT_OPEN = "the default security group keeps egress[0]: all traffic to 0.0.0.0/0"
SSH_POLICY = "aws-ec2-securitygroup-disallow-public-ssh"
UNUSED = (
    "this group is attached to no network interface; delete it if nothing is meant to use it (an unused group is "
    "one attachment away from granting what its rules allow)"
)

CIS3, CIS5 = "cis-aws-foundations-v3.0.0", "cis-aws-foundations-v5.0.0"
FSBP, HUB = "aws-foundational-security-best-practices-v1.0.0", "aws-security-hub-control"
TITLES = {
    CIS3: "CIS AWS Foundations Benchmark v3.0.0",
    CIS5: "CIS AWS Foundations Benchmark v5.0.0",
    FSBP: "AWS Foundational Security Best Practices v1.0.0",
    HUB: "AWS Security Hub control (consolidated id, outside FSBP)",
}


def controls(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    """The JSON form of (framework key, control id) pairs."""
    return [{"framework": key, "title": TITLES[key], "id": control} for key, control in pairs]


ADMIN_PORTS = [(CIS3, "5.2"), (CIS3, "5.3"), (CIS5, "5.3"), (CIS5, "5.4"), (FSBP, "EC2.18"), (FSBP, "EC2.19")]
SSH_CONTROLS = controls(*ADMIN_PORTS, (HUB, "EC2.13"), (HUB, "EC2.53"), (HUB, "EC2.54"))
RDP_CONTROLS = controls(*ADMIN_PORTS, (HUB, "EC2.14"), (HUB, "EC2.53"), (HUB, "EC2.54"))
DEFAULT_CONTROLS = controls((CIS3, "5.4"), (CIS5, "5.5"), (FSBP, "EC2.2"))
UNUSED_CONTROLS = controls((HUB, "EC2.22"))


@dataclass(frozen=True)
class Estate:
    """The groups' and rules' ids."""

    vpc_id: str
    web: str
    app: str
    old: str
    default: str
    web_ssh: str
    old_rdp: str
    old_egress: str


def _rule_id(ec2: Any, group: str, *, egress: bool, port: int | None = None) -> str:
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    return str(
        next(
            r["SecurityGroupRuleId"]
            for r in rules
            if r["IsEgress"] is egress and (port is None or r["FromPort"] == port)
        )
    )


def _ingress(ec2: Any, group: str, port: int, cidr: str, description: str) -> None:
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": port,
                "ToPort": port,
                "IpRanges": [{"CidrIp": cidr, "Description": description}],
            }
        ],
    )


def _no_egress(ec2: Any, group: str) -> None:
    ec2.revoke_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )


@pytest.fixture
def estate(ec2: Any) -> Estate:
    """The four groups, two of them attached (one publicly), as the module docstring says."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    web, app, old = (
        ec2.create_security_group(GroupName=name, Description=f"The {name} tier", VpcId=vpc)["GroupId"]
        for name in ("web", "app", "old")
    )
    _ingress(ec2, web, 22, "0.0.0.0/0", "SSH from anywhere")
    _ingress(ec2, web, 443, "0.0.0.0/0", "HTTPS from anywhere")
    _ingress(ec2, app, 8080, "10.0.0.0/16", "HTTP from the VPC")
    _ingress(ec2, old, 3389, "0.0.0.0/0", "RDP from anywhere")
    _no_egress(ec2, web)
    _no_egress(ec2, app)
    interface = ec2.create_network_interface(SubnetId=subnet, Groups=[web])["NetworkInterface"]["NetworkInterfaceId"]
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.associate_address(AllocationId=address, NetworkInterfaceId=interface)
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[app])
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    return Estate(
        vpc_id=vpc,
        web=web,
        app=app,
        old=old,
        default=default,
        web_ssh=_rule_id(ec2, web, egress=False, port=22),
        old_rdp=_rule_id(ec2, old, egress=False),
        old_egress=_rule_id(ec2, old, egress=True),
    )


def run(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run audit in this process against `url`; its status, stdout and stderr."""
    status = audit.main(["--region", REGION, "--endpoint-url", url, *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


class Row(NamedTuple):
    """What a finding says besides where and whether in use."""

    group: str
    rule: str
    policy: str
    level: str
    severity: str
    controls: list[dict[str, str]]
    message: str


def finding(estate: Estate, row: Row, use: tuple[bool | None, bool | None]) -> dict[str, Any]:
    """A finding's JSON object as audit should print it."""
    names = {estate.web: "web", estate.app: "app", estate.old: "old", estate.default: "default"}
    in_use, public = use
    return {
        "fingerprint": audit_fingerprint((ACCOUNT, REGION), row.policy, row.group, row.rule, row.message),
        "account_id": ACCOUNT,
        "account_name": "",
        "region": REGION,
        "group_id": row.group,
        "group_arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{row.group}",
        "group_name": names[row.group],
        "rule_id": row.rule,
        "policy": row.policy,
        "level": row.level,
        "severity": row.severity,
        "controls": row.controls,
        "in_use": in_use,
        "public": public,
        "exposed": bool(public) and row.policy.startswith("aws-ec2-securitygroup-disallow-public-"),
        "message": row.message,
    }


def expected(estate: Estate, *, known: bool = True) -> list[dict[str, Any]]:
    """Every finding on the estate, in audit's order: exposed first, then mandatory, then by group and rule."""
    unknown = (None, None)
    idle = (False, False) if known else unknown
    web = finding(
        estate,
        Row(estate.web, estate.web_ssh, SSH_POLICY, "advisory", "high", SSH_CONTROLS, SSH),
        (True, True) if known else unknown,
    )
    mandatory = finding(
        estate,
        Row(estate.old, estate.old_egress, "aws-ec2-securitygroup-missing-rule-description", "mandatory", "low", [],
            NO_DESCRIPTION),
        idle,
    )  # fmt: skip
    advisory = [
        finding(
            estate,
            Row(estate.old, estate.old_rdp, "aws-ec2-securitygroup-disallow-public-rdp", "advisory", "high",
                RDP_CONTROLS, RDP),
            idle,
        ),
        finding(
            estate,
            Row(estate.default, "", "aws-ec2-defaultsecuritygroup-disallow-rules", "advisory", "medium",
                DEFAULT_CONTROLS, DEFAULT_OPEN),
            idle,
        ),
    ]  # fmt: skip
    if known:  # the default group is excepted from the unused check; nothing is flagged when use is unknown
        advisory.append(
            finding(
                estate,
                Row(estate.old, "", "aws-ec2-securitygroup-disallow-unused", "advisory", "low", UNUSED_CONTROLS,
                    UNUSED),
                idle,
            )
        )  # fmt: skip
    # An exposed finding comes first, advisory as it is, before the mandatory one; the rest go by group, then rule.
    if known:
        return [web, mandatory, *sorted(advisory, key=lambda f: (f["group_id"], f["rule_id"]))]
    return [mandatory, *sorted([web, *advisory], key=lambda f: (f["group_id"], f["rule_id"]))]


def test_every_finding_says_where_how_bad_which_controls_and_whether_in_use(
    estate: Estate, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(moto.url, capsys, "--vpc-id", estate.vpc_id, "--format", "json")
    assert (status, err) == (1, "")
    document = json.loads(out)
    assert document["findings"] == expected(estate)
    totals = {"groups": 4, "rules": 6, "finding_count": 5, "mandatory": 1, "exposed": 1, "unused_left_out": 0}
    assert {key: document[key] for key in totals} == totals
    assert document["units"] == [
        {"account_id": ACCOUNT, "account_name": "", "region": REGION, **totals, "in_use_unknown": None}
    ]
    assert document["accounts"] == [{"account_id": ACCOUNT, "account_name": "", **totals}]


def test_jsonl_is_one_finding_per_line_in_the_same_order(
    estate: Estate, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(moto.url, capsys, "--vpc-id", estate.vpc_id, "--format", "jsonl", "--skip-unused")
    assert status == 0  # the one mandatory finding was on `old`, left out
    assert [json.loads(line) for line in out.splitlines()] == [expected(estate)[0]]
    assert err == (
        "audit: 2 group(s), 3 rule(s) audited: 1 finding(s), 0 mandatory, 1 exposed; "
        "2 unused group(s) left out (--skip-unused)\n"
    )


def test_skip_unused_leaves_out_unattached_groups_and_counts_them(
    estate: Estate, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    """`old` and the default group are on nothing: their findings and rules go, their number stays."""
    status, out, err = run(moto.url, capsys, "--vpc-id", estate.vpc_id, "--skip-unused")
    assert (status, err) == (0, "")
    where = f"{estate.web} (web)"
    policy = "aws-ec2-securitygroup-disallow-public-ssh"
    assert out.splitlines() == [
        f"{ACCOUNT} {REGION}: 2 group(s), 3 rule(s): 1 finding(s), 0 mandatory, 1 exposed; "
        "2 unused group(s) left out (--skip-unused)",
        f"  IN USE   LEVEL     SEVERITY  {'POLICY'.ljust(len(policy))}  {'GROUP'.ljust(len(where))}  "
        f"{'RULE'.ljust(len(estate.web_ssh))}  FINDING",
        f"  exposed  advisory  high      {policy}  {where}  {estate.web_ssh}  {SSH}",
        f"account {ACCOUNT}: 1 region(s), 2 group(s), 3 rule(s): 1 finding(s), 0 mandatory, 1 exposed; "
        "2 unused group(s) left out (--skip-unused)",
        "controls:",
        f"  {policy}: CIS v3.0.0 5.2, 5.3; CIS v5.0.0 5.3, 5.4; FSBP EC2.18, EC2.19; Security Hub EC2.13, EC2.53, "
        "EC2.54",
        "2 group(s), 3 rule(s) audited: 1 finding(s), 0 mandatory, 1 exposed; 2 unused group(s) left out "
        "(--skip-unused)",
    ]


def test_the_table_shows_use_per_row_exposed_first(
    estate: Estate, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    """The region's counts, its rows in audit's order with IN USE first, the account's summary, the controls."""
    _, out, _ = run(moto.url, capsys, "--vpc-id", estate.vpc_id)
    lines = out.splitlines()
    uses = {(True, True): "exposed", (False, False): "no"}
    assert lines[0] == f"{ACCOUNT} {REGION}: 4 group(s), 6 rule(s): 5 finding(s), 1 mandatory, 1 exposed"
    assert lines[1].split() == ["IN", "USE", "LEVEL", "SEVERITY", "POLICY", "GROUP", "RULE", "FINDING"]
    assert [line.split()[:5] for line in lines[2:7]] == [
        [uses[f["in_use"], f["public"]], f["level"], f["severity"], f["policy"], f["group_id"]]
        for f in expected(estate)
    ]
    assert lines[7:] == [
        f"account {ACCOUNT}: 1 region(s), 4 group(s), 6 rule(s): 5 finding(s), 1 mandatory, 1 exposed",
        "controls:",
        "  aws-ec2-defaultsecuritygroup-disallow-rules: CIS v3.0.0 5.4; CIS v5.0.0 5.5; FSBP EC2.2",
        "  aws-ec2-securitygroup-disallow-public-rdp: CIS v3.0.0 5.2, 5.3; CIS v5.0.0 5.3, 5.4; FSBP EC2.18, EC2.19; "
        "Security Hub EC2.14, EC2.53, EC2.54",
        "  aws-ec2-securitygroup-disallow-public-ssh: CIS v3.0.0 5.2, 5.3; CIS v5.0.0 5.3, 5.4; FSBP EC2.18, EC2.19; "
        "Security Hub EC2.13, EC2.53, EC2.54",
        "  aws-ec2-securitygroup-disallow-unused: Security Hub EC2.22",
        "4 group(s), 6 rule(s) audited: 5 finding(s), 1 mandatory, 1 exposed",
    ]


# --- Network interfaces the credentials may not read -----------------------------------------------------------

DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code>'
    b"<Message>You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/auditor "
    b"is not authorized to perform: ec2:DescribeNetworkInterfaces</Message></Error></Errors>"
    b"<RequestID>5b6d6a5e-0000-4000-8000-000000000000</RequestID></Response>"
)
"""EC2's answer to an action the caller's policies do not allow (HTTP 403)."""


@pytest.fixture
def denying_interfaces(moto: Moto) -> Iterator[str]:
    """An endpoint on 127.0.0.1 that passes every EC2 call to moto but refuses DescribeNetworkInterfaces as EC2
    does; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if parse_qs(body.decode()).get("Action") == ["DescribeNetworkInterfaces"]:
                status, answer, kind = 403, DENIED, "text/xml;charset=UTF-8"
            else:
                headers = {key: value for key, value in self.headers.items() if key.lower() != "host"}
                upstream = requests.post(moto.url + self.path, data=body, headers=headers, timeout=30)
                status, answer = upstream.status_code, upstream.content
                kind = upstream.headers.get("Content-Type", "text/xml")
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    with served(Handler, "denying-interfaces") as url:
        yield url


def test_denied_interfaces_lose_nothing_else_and_say_in_use_unknown(
    estate: Estate, denying_interfaces: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every group is still judged; in_use and public are null, no group is called unused, and one line says why."""
    status, out, err = run(denying_interfaces, capsys, "--vpc-id", estate.vpc_id, "--format", "json", "--skip-unused")
    assert status == 1
    assert err == (
        "audit: in use: unknown: access denied to ec2:DescribeNetworkInterfaces in us-east-1 "
        "(UnauthorizedOperation); grant ec2:DescribeNetworkInterfaces to see which groups are in use\n"
    )
    document = json.loads(out)
    assert document["findings"] == expected(estate, known=False)
    assert (document["groups"], document["unused_left_out"]) == (4, 0)  # --skip-unused cannot skip the unknown
    assert document["units"][0]["in_use_unknown"] == (
        "access denied to ec2:DescribeNetworkInterfaces in us-east-1 (UnauthorizedOperation)"
    )


def test_the_table_says_in_use_unknown_for_the_region(
    estate: Estate, denying_interfaces: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(denying_interfaces, capsys, "--group-id", estate.web)
    assert out.splitlines()[:5] == [
        f"{ACCOUNT} {REGION}: 1 group(s), 2 rule(s): 1 finding(s), 0 mandatory, 0 exposed",
        "  in use: unknown: access denied to ec2:DescribeNetworkInterfaces in us-east-1 (UnauthorizedOperation)",
        f"  IN USE   LEVEL     SEVERITY  {'POLICY'.ljust(len(SSH_POLICY))}  {'GROUP'.ljust(len(estate.web) + 6)}  "
        f"{'RULE'.ljust(len(estate.web_ssh))}  FINDING",
        f"  unknown  advisory  high      {SSH_POLICY}  {estate.web} (web)  {estate.web_ssh}  {SSH}",
        f"account {ACCOUNT}: 1 region(s), 1 group(s), 2 rule(s): 1 finding(s), 0 mandatory, 0 exposed",
    ]


# --- The reader itself -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interface", "public"),
    [
        pytest.param({"Association": {"PublicIp": "198.51.100.7"}}, True, id="public-ipv4-or-elastic-ip"),
        pytest.param(
            {"PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.9"}, {"Association": {"PublicIp": "198.51.100.8"}}]},
            True,
            id="elastic-ip-on-a-secondary-address",
        ),
        pytest.param({"Ipv6Addresses": [{"Ipv6Address": "2001:db8::1"}]}, True, id="any-ipv6-address"),
        pytest.param(
            {"Association": {}, "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.9"}], "Ipv6Addresses": []},
            False,
            id="private-only",
        ),
    ],
)
def test_which_interfaces_are_public(interface: dict[str, Any], public: bool) -> None:
    assert network_interfaces.is_public(interface) is public


def test_an_interface_is_read_once_however_many_selected_groups_it_has(
    ec2: Any, moto: Moto, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one group id per filter (as if EC2's cap were 1), an interface with two groups comes back twice."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    a, b, c = (ec2.create_security_group(GroupName=n, Description=n, VpcId=vpc)["GroupId"] for n in ("a", "b", "c"))
    ec2.create_network_interface(SubnetId=subnet, Groups=[a, b])
    monkeypatch.setattr(network_interfaces, "FILTER_VALUES_PER_CALL", 1)
    options = AwsOptions(REGION, None, moto.url)
    client = ec2_client(options)
    chosen = Selection(group_ids=(a, b, c))
    inventory = network_interfaces.inventory(client, chosen, options, lambda _: None, AccountRegion("", REGION))
    assert inventory.attachments == network_interfaces.Attachments(frozenset({a, b}), frozenset(), None, 1)
    assert [g.group_id for g in inventory.groups] == sorted([a, b, c])
    assert inventory.place == AccountRegion(ACCOUNT, REGION)  # the credentials' own account: the groups' owner
    everything = network_interfaces.read(client, inventory.groups, Selection(), options, lambda _: None)
    assert everything == inventory.attachments


@pytest.fixture
def groups_only(estate: Estate, moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto checking every request against its IAM, as a user allowed the two DescribeSecurityGroup* actions only."""
    iam = boto3.client("iam", region_name=REGION, endpoint_url=moto.url, **KEYS)
    iam.create_user(UserName="auditor")
    iam.put_user_policy(
        UserName="auditor",
        PolicyName="groups-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"],
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    moto.require_auth()
    try:
        yield
    finally:
        moto.allow_all()


@pytest.mark.usefixtures("groups_only")
def test_a_role_without_the_new_action_is_audited_with_use_unknown(
    estate: Estate, moto: Moto, capsys: pytest.CaptureFixture[str]
) -> None:
    """moto's IAM refuses DescribeNetworkInterfaces (AccessDenied, where EC2 says UnauthorizedOperation)."""
    status, out, err = run(moto.url, capsys, "--vpc-id", estate.vpc_id, "--format", "json")
    assert err == (
        "audit: in use: unknown: access denied to ec2:DescribeNetworkInterfaces in us-east-1 (AccessDenied); "
        "grant ec2:DescribeNetworkInterfaces to see which groups are in use\n"
    )
    assert (status, json.loads(out)["findings"]) == (1, expected(estate, known=False))

"""adopt across an organisation's accounts and regions, against moto on 127.0.0.1 behind the proxy that says no.

The organisation (tests/moto_organization.py): the management account and members `prod`, `dev` and `denied`,
each with one open-SSH group (`ssh-<name>`, tagged, no outbound rule) in eu-west-1 and us-east-1. The proxy
refuses AssumeRole into `denied`. Each account-region is merged into a stack file of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_proxy import MANAGEMENT, Proxy
from moto_organization import REGIONS, ROLE, Organisation
from security_group_tools import adopt
from security_groups_component import stack_yaml

SESSION = "security-groups-adopt@moto"
"""moto's caller is `arn:aws:sts::123456789012:user/moto`; the session name says adopt ran."""


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    directory = tmp_path / "stacks"
    directory.mkdir()
    return directory


def run(proxy: Proxy, stacks: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """adopt in this process against the proxy, every group tagged by the organisation's setup."""
    status = adopt.main(
        [
            "--region",
            "us-east-1",
            "--endpoint-url",
            proxy.url,
            "--tag",
            "audit-test=org",
            "--write",
            str(stacks / "Pulumi.{account}-{region}.yaml"),
            "--import-file",
            str(stacks / "import.{account}-{region}.json"),
            *args,
        ]
    )
    captured = capsys.readouterr()
    return status, captured.out, captured.err


ORGANIZATION = ("--organization", "--role-name", ROLE, "--regions", ",".join(REGIONS))


def stack_file(stacks: Path, account: str, region: str) -> Path:
    return stacks / f"Pulumi.{account}-{region}.yaml"


def label(org: Organisation, account: str) -> str:
    name = "master" if account == MANAGEMENT else org.name_of(account)  # moto names the management account so
    return f"{account} ({name})"


def expected_file(org: Organisation, account: str, region: str, vpc_id: str) -> str:
    name = org.name_of(account)
    return (
        "config:\n"
        f"  aws:region: {region}\n"
        "  security-groups:groups:\n"
        f"    # adopted from {label(org, account)} {region} by security-groups adopt: 1 group(s)\n"
        f"    # NOTE {org.groups[account, region]}: changed: the component tags every rule with its group's tags; the "
        "first `pulumi up` retags rules whose tags differ\n"
        f"    ssh-{name}:\n"
        "      description: SSH for the bastion\n"
        f"      name: ssh-{name}\n"
        f"      vpcId: {vpc_id}\n"
        "      tags:\n"
        "        audit-test: org\n"
        "      ingress:\n"
        "        - rule: ssh\n"
        "          from: [anywhere-ipv4]\n"
        "          description: SSH from anywhere\n"
        "      egress: []\n"
    )


def read_units(org: Organisation, names: tuple[str, ...]) -> list[tuple[str, str]]:
    return sorted((org.accounts[name], region) for name in names for region in REGIONS)


def test_the_organisation_into_one_stack_file_per_account_region_with_one_denied_role(
    org: Organisation, proxy: Proxy, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Six units read and shown as diffs, nothing written without --yes (3: incomplete wins over 1); with --yes
    each unit's stack and import file are written, the denied account's two units reported and left unwritten."""
    proxy.denied_roles.add(org.accounts["denied"])
    status, out, err = run(proxy, stacks, capsys, *ORGANIZATION)
    read = read_units(org, ("management", "prod", "dev"))
    assert status == 3
    assert out.count("--- /dev/null\n") == 6
    assert list(stacks.iterdir()) == []
    assert err.splitlines()[-4:] == [
        f"adopt: nothing was written; pass --yes to write {', '.join(str(stack_file(stacks, *u)) for u in read)} "
        "(each old file kept beside it as <file>.bak…) and their import files",
        *(org.denied_line(region) for region in REGIONS),
        "adopt: incomplete: 2 of 8 account-region(s) could not be adopted; nothing was written for them",
    ]

    status, out, err = run(proxy, stacks, capsys, *ORGANIZATION, "--yes")
    assert status == 3
    assert sorted(path.name for path in stacks.iterdir()) == sorted(
        name for unit in read for name in (f"Pulumi.{unit[0]}-{unit[1]}.yaml", f"import.{unit[0]}-{unit[1]}.json")
    )
    for account, region in read:
        text = stack_file(stacks, account, region).read_text()
        config = stack_yaml.stack_config(stack_yaml.parse(text, "stack"), "security-groups")
        vpc_id = config["security-groups:groups"][f"ssh-{org.name_of(account)}"]["vpcId"]
        assert text == expected_file(org, account, region, vpc_id)
        resources = json.loads((stacks / f"import.{account}-{region}.json").read_text())["resources"]
        assert [(r["type"], r.get("id")) for r in resources] == [
            ("security-groups:index:SecurityGroup", None),
            ("aws:ec2/securityGroup:SecurityGroup", org.groups[account, region]),
            ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", org.rules[account, region]),
        ]
    merged_lines = [line for line in err.splitlines() if " merged into " in line]
    assert merged_lines == [
        f"adopt: {label(org, account)} {region}: 1 group(s) and 1 rule(s) merged into "
        f"{stack_file(stacks, account, region)}; import with `pulumi import --file "
        f"{stacks / f'import.{account}-{region}.json'} --generate-code=false`"
        for account, region in read
    ]
    assert sorted({(arn, name) for arn, name, _ in proxy.assumed}) == sorted(
        (f"arn:aws:iam::{org.accounts[name]}:role/{ROLE}", SESSION) for name in ("prod", "dev", "denied")
    )


@pytest.mark.usefixtures("no_backoff")
def test_members_behind_an_sts_out_of_reach_are_reported_and_the_own_account_written(
    org: Organisation, proxy: Proxy, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every AssumeRole dropped: each member's units say STS could not be reached (not that the role refused),
    and write nothing; the management account, read with the credentials, is written."""
    proxy.dropped.add("AssumeRole")
    status, _, err = run(proxy, stacks, capsys, *ORGANIZATION, "--yes")
    members = sorted((org.accounts[name], name) for name in ("prod", "dev", "denied"))
    assert status == 3
    assert sorted(path.name for path in stacks.iterdir()) == sorted(
        f"{kind}.{MANAGEMENT}-{region}.{ext}"
        for region in REGIONS
        for kind, ext in (("Pulumi", "yaml"), ("import", "json"))
    )
    assert [line for line in err.splitlines() if line.startswith("error: ")] == [
        org.sts_dropped_line(name, region, proxy.url) for _, name in members for region in REGIONS
    ]
    assert err.splitlines()[-1] == (
        "adopt: incomplete: 6 of 8 account-region(s) could not be adopted; nothing was written for them"
    )


def test_a_unit_whose_stack_file_cannot_take_its_groups_is_reported_and_the_rest_written(
    org: Organisation, proxy: Proxy, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """prod's eu-west-1 stack file deploys to another region: that unit alone is refused, untouched; 3."""
    prod = org.accounts["prod"]
    wrong = stack_file(stacks, prod, "eu-west-1")
    wrong.write_text("config:\n  aws:region: us-west-2\n")
    status, _, err = run(
        proxy, stacks, capsys, "--accounts", prod, "--role-name", ROLE, "--regions", ",".join(REGIONS), "--yes"
    )
    assert status == 3
    assert wrong.read_text() == "config:\n  aws:region: us-west-2\n"
    assert sorted(path.name for path in stacks.iterdir()) == sorted(
        [wrong.name, f"Pulumi.{prod}-us-east-1.yaml", f"import.{prod}-us-east-1.json"]
    )
    assert err.splitlines()[-2:] == [
        f"error: {prod} eu-west-1: {wrong}: the stack deploys to aws:region us-west-2, the groups are in eu-west-1; "
        "adopt them into the stack of their region",
        "adopt: incomplete: 1 of 2 account-region(s) could not be adopted; nothing was written for them",
    ]


def refused(proxy: Proxy, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """adopt with these arguments refused as a usage error (2, nothing on stdout); what it printed on stderr."""
    status = adopt.main(["--region", "us-east-1", "--endpoint-url", proxy.url, "--tag", "audit-test=org", *args])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    return err


def test_one_file_for_several_units_is_refused_before_any_is_read(
    org: Organisation, proxy: Proxy, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(
        proxy,
        capsys,
        *ORGANIZATION,
        "--write",
        str(stacks / "Pulumi.prod.yaml"),
        "--import-file",
        str(stacks / "import.{account}.json"),
    )
    assert err == (
        f"error: --write {stacks / 'Pulumi.prod.yaml'}: one stack deploys to one account and one region, so each "
        "account-region needs files of its own: put {account} and {region} in the path, e.g. --write "
        "'stacks/Pulumi.{account}-{region}.yaml'\n"
        f"error: --import-file {stacks / 'import.{account}.json'}: each account-region needs an import file of its "
        "own: put {region} in the path, e.g. --import-file 'adopt-import.{account}-{region}.json'\n"
    )
    assert "DescribeSecurityGroups" not in {action for _, _, action in proxy.calls}
    assert list(stacks.iterdir()) == []


FIELDS_OK = {"--write": "Pulumi.{account}-{region}.yaml", "--import-file": "import.{account}-{region}.json"}


@pytest.mark.parametrize(
    ("flag", "value", "stray"),
    [
        pytest.param("--write", "Pulumi.{acount}-{region}.yaml", "{acount}", id="misspelt"),
        pytest.param("--import-file", "import.{account}-{Region}-{}.json", "{Region}, {}", id="case-and-empty"),
    ],
)
def test_a_field_adopt_does_not_fill_in_is_refused_before_any_call(
    proxy: Proxy, stacks: Path, capsys: pytest.CaptureFixture[str], *, flag: str, value: str, stray: str
) -> None:
    """A misspelt field would be kept as literal braces in every unit's file name: refused, 2, no call to AWS."""
    paths = {**FIELDS_OK, flag: value}
    err = refused(
        proxy, capsys, *ORGANIZATION, *(part for name, path in paths.items() for part in (name, str(stacks / path)))
    )
    assert err == (
        f"error: {flag} {stacks / value}: {stray} is not a field adopt fills in; the fields are {{account}} and "
        "{region}\n"
    )
    assert proxy.calls == []
    assert list(stacks.iterdir()) == []


def test_fields_for_one_account_region_are_refused(
    proxy: Proxy, stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --regions and the rest there is nothing to fill a field with: refused, never a file named `{region}`."""
    write = stacks / "Pulumi.{region}.yaml"
    err = refused(proxy, capsys, "--write", str(write), "--import-file", str(stacks / "import.json"))
    assert err == (
        f"error: --write {write}: {{region}} is filled in only across accounts or regions (--regions, --accounts, "
        "--organization, --ou); for one account-region, name the file itself\n"
    )
    assert proxy.calls == []


def test_across_units_without_write_is_a_usage_error(proxy: Proxy, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        adopt.main(["--regions", "eu-west-1,us-east-1", "--tag", "a=b", "--import-file", "i.json"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.endswith(
        "error: across accounts or regions, adopt merges each account-region into a stack file of its own: give "
        "--write with {account} and {region} in it, e.g. --write 'stacks/Pulumi.{account}-{region}.yaml'\n"
    )

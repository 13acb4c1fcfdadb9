"""adopt --write: the groups merged into an existing stack file, every line of it kept, against moto on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto_server import REGION, Moto
from security_group_tools import adopt
from security_groups_component import stack_yaml

PROJECT = "security-groups"

COMMENTED = """\
# prod: adopted groups land here.
config:
  aws:region:   us-east-1   # the stack's region, spaced as someone typed it
  security-groups:tags:
    environment: prod   # every group gets it
  security-groups:groups:
    # The web tier, hand-written.
    web:
      description: "Public web tier"
      ingress:
        - rule: https
          from: [anywhere]
          description: 'HTTPS from the internet'
          # - rule: http   (commented out until the redirect is live)
    # a comment at the group column, before the end
  # A note at the config level, about the next key.
  security-groups:ruleQuota: 60
# end of file
"""


@dataclass(frozen=True)
class Api:
    """One live group: a described rule, one without a description, and the console's default outbound rule."""

    group_id: str
    vpc_id: str
    described: str
    undescribed: str
    egress: str


@pytest.fixture
def api(ec2: Any) -> Api:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(GroupName="api", Description="API servers", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "HTTPS from the VPC"}],
            },
            {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]},
        ],
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    by_port = {(r["IsEgress"], r["FromPort"]): r["SecurityGroupRuleId"] for r in rules["SecurityGroupRules"]}
    return Api(group_id, vpc, by_port[(False, 443)], by_port[(False, 8443)], by_port[(True, -1)])


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str
    target: Path
    import_file: Path

    def files(self) -> dict[str, bytes]:
        """Every file beside the stack file (the moto fixture's own files left out), with its bytes."""
        directory = self.target.parent
        return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and p.name != "aws-empty"}


def adopt_into(
    moto: Moto, capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str | bytes | None, *args: str
) -> Result:
    """Run adopt --write into tmp_path/stacks/Pulumi.prod.yaml holding `text` (None: no such file yet)."""
    directory = tmp_path / "stacks"
    directory.mkdir(exist_ok=True)
    target = directory / "Pulumi.prod.yaml"
    if isinstance(text, str):
        target.write_bytes(text.encode())
    elif text is not None:
        target.write_bytes(text)
    import_file = directory / "import.json"
    argv = ["--region", REGION, "--endpoint-url", moto.url, "--import-file", str(import_file), "--write", str(target)]
    status = adopt.main([*argv, *args])
    captured = capsys.readouterr()
    return Result(status, captured.out, captured.err, target, import_file)


def block(api: Api, indent: int = 4) -> str:
    """What adopt inserts for the api group, at the groups' indentation."""
    lines = [
        "# adopted from us-east-1 by security-groups adopt: 1 group(s)",
        f"# NOTE {api.group_id} {api.egress}: changed: {EGRESS_NOTE}",
        "api:",
        "  description: API servers",
        "  name: api",
        f"  vpcId: {api.vpc_id}",
        "  ingress:",
        "    - rule: https",
        "      from: [10.0.0.0/16]",
        "      description: HTTPS from the VPC",
        f"    # NOTE {api.group_id} {api.undescribed}: changed: {PLACEHOLDER_NOTE}",
        "    - protocol: tcp",
        "      ports: '8443'",
        "      from: [10.1.0.0/16]",
        f"      description: '{todo(api.undescribed)}'",
    ]
    return "".join(" " * indent + line + "\n" for line in lines)


EGRESS_NOTE = (
    "the console's default outbound rule has no description; config leaves `egress` out (the component's default), "
    "so the first `pulumi up` sets its description to 'Allow all outbound traffic (the EC2 console default)'"
)
PLACEHOLDER_NOTE = (
    "has no description in AWS; config gives it a TODO placeholder, which the component and the policy pack refuse "
    "until you write the real reason (it then updates in place)"
)


def todo(rule_id: str) -> str:
    return f"TODO describe why: adopted from {rule_id} without a description"


def config_of(text: str | bytes, name: str = "stacks/Pulumi.prod.yaml") -> dict[str, Any]:
    """The stack file's config as the Pulumi CLI reads it."""
    return stack_yaml.stack_config(stack_yaml.parse(text, name), PROJECT)


def notes_on_stderr(api: Api) -> str:
    return (
        f"adopt: {api.group_id} {api.egress}: changed: {EGRESS_NOTE}\n"
        f"adopt: {api.group_id} {api.undescribed}: changed: {PLACEHOLDER_NOTE}\n"
    )


def test_merge_into_a_commented_stack_file_shows_the_exact_diff_and_writes_nothing_without_yes(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The diff adds the group after the last one (and after the comments inside it); no file is touched: exit 1."""
    result = adopt_into(moto, capsys, tmp_path, COMMENTED, "--group-id", api.group_id)
    shown = str(result.target)
    added = "".join(f"+{line}\n" for line in block(api).splitlines())
    assert result.out == (
        f"--- {shown}\n+++ {shown}\n@@ -12,6 +12,21 @@\n"
        "           from: [anywhere]\n"
        "           description: 'HTTPS from the internet'\n"
        "           # - rule: http   (commented out until the redirect is live)\n"
        f"{added}"
        "     # a comment at the group column, before the end\n"
        "   # A note at the config level, about the next key.\n"
        "   security-groups:ruleQuota: 60\n"
    )
    assert result.err == notes_on_stderr(api) + (
        f"adopt: nothing was written; pass --yes to write {shown} (the old file kept beside it as "
        f"Pulumi.prod.yaml.bak…) and {result.import_file}\n"
    )
    assert result.status == 1
    assert result.files() == {"Pulumi.prod.yaml": COMMENTED.encode()}


def test_yes_writes_the_merge_keeping_every_comment_and_a_backup_of_the_old_file(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every old line stays byte for byte (comments, quotes, odd spacing); the old file is kept as .bak."""
    result = adopt_into(moto, capsys, tmp_path, COMMENTED, "--group-id", api.group_id, "--yes")
    assert result.status == 0, result.err
    lines = COMMENTED.splitlines(keepends=True)
    expected = "".join(lines[:14]) + block(api) + "".join(lines[14:])
    files = result.files()
    assert files["Pulumi.prod.yaml"].decode() == expected
    assert files["Pulumi.prod.yaml.bak"] == COMMENTED.encode()
    assert sorted(files) == ["Pulumi.prod.yaml", "Pulumi.prod.yaml.bak", "import.json"]
    assert [r["name"] for r in json.loads(files["import.json"])["resources"]] == [
        "api",
        api.group_id,
        api.described,
        api.undescribed,
        api.egress,
    ]
    assert result.err == notes_on_stderr(api) + (
        f"adopt: 1 group(s) and 3 rule(s) merged into {result.target} (the old file kept as "
        f"{result.target}.bak); import with `pulumi import --file {result.import_file} --generate-code=false`\n"
    )
    old = config_of(COMMENTED)
    new = config_of(files["Pulumi.prod.yaml"])
    assert new == {
        **old,
        "security-groups:groups": {**old["security-groups:groups"], "api": new["security-groups:groups"]["api"]},
    }
    assert new["security-groups:groups"]["api"]["ingress"][1]["description"] == todo(api.undescribed)

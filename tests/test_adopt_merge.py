"""adopt --write: the groups merged into an existing stack file, every line of it kept, against moto on 127.0.0.1."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import EGRESS, INGRESS, SG, cli_config, start_runtime
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


@pytest.mark.parametrize("existing", [True, False], ids=["existing-file", "no-file"])
def test_nothing_to_add_says_so_and_writes_nothing(
    ec2: Any, moto: Moto, capsys: pytest.CaptureFixture[str], tmp_path: Path, existing: bool
) -> None:
    """Only a VPC's default group asked for, which adopt leaves out: no diff, no file written or created, 0."""
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    default = ec2.describe_security_groups(Filters=filters)["SecurityGroups"][0]["GroupId"]
    text = "config:\n  aws:region: us-east-1\n" if existing else None
    result = adopt_into(moto, capsys, tmp_path, text, "--group-id", default, "--yes")
    assert (result.status, result.out) == (0, "")
    outcome = "is unchanged" if existing else "was not created"
    assert result.err.splitlines()[-1] == f"adopt: no group to add; {result.target} {outcome}"
    assert result.files() == ({"Pulumi.prod.yaml": b"config:\n  aws:region: us-east-1\n"} if existing else {})


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


def expected_merge(api: Api, before: str, after: str, *, indent: int = 4) -> str:
    """The merged file: `before`, the api group's block, then `after`."""
    return before + block(api, indent) + after


NEW_CONFIG = "config:\n  aws:region: us-east-1\n  security-groups:groups:\n"
WEB = "      description: Web\n      egress: []\n"

MERGED = {
    "bare keys: into `groups`": (
        "config:\n  aws:region: us-east-1\n  groups:\n    web:\n" + WEB,
        "config:\n  aws:region: us-east-1\n  groups:\n    web:\n" + WEB,
        "",
    ),
    "bare keys, no groups yet: a bare `groups` is added": (
        "config:\n  aws:region: us-east-1\n  tags:\n    team: web\n",
        "config:\n  aws:region: us-east-1\n  tags:\n    team: web\n  groups:\n",
        "",
    ),
    "namespaced keys, no groups yet": (
        "config:\n  aws:region: us-east-1\n  security-groups:tags:\n    team: web\n# the end\n",
        "config:\n  aws:region: us-east-1\n  security-groups:tags:\n    team: web\n  security-groups:groups:\n",
        "# the end\n",
    ),
    "an empty flow mapping is filled": (
        "config:\n  aws:region: us-east-1\n  security-groups:groups: {}\n  security-groups:ruleQuota: 60\n",
        "config:\n  aws:region: us-east-1\n  security-groups:groups:\n",
        "  security-groups:ruleQuota: 60\n",
    ),
    "an empty value is filled": (
        "config:\n  aws:region: us-east-1\n  security-groups:groups:\n",
        "config:\n  aws:region: us-east-1\n  security-groups:groups:\n",
        "",
    ),
    "an explicit null is filled, its comment kept": (
        "config:\n  aws:region: us-east-1\n  security-groups:groups: ~  # none yet\n",
        "config:\n  aws:region: us-east-1\n  security-groups:groups:   # none yet\n",
        "",
    ),
    "an empty file gets a config with the region": ("", NEW_CONFIG, ""),
    "a file of comments only": ("# prod\n", "# prod\n" + NEW_CONFIG, ""),
    "a stack file without config: its keys kept": (
        "secretsprovider: passphrase\nencryptionsalt: v1:c2FsdA==:v1:aGFzaA==\n",
        "secretsprovider: passphrase\nencryptionsalt: v1:c2FsdA==:v1:aGFzaA==\n" + NEW_CONFIG,
        "",
    ),
    "no newline at the end": (
        "config:\n  aws:region: us-east-1\n  security-groups:groups:\n    web:\n" + WEB.rstrip("\n"),
        "config:\n  aws:region: us-east-1\n  security-groups:groups:\n    web:\n" + WEB,
        "",
    ),
    "anchors and aliases elsewhere are kept": (
        "config:\n  security-groups:tags: &tags\n    team: web\n  security-groups:groups: &unused\n    web:\n"
        + WEB
        + "      tags: *tags\n",
        "config:\n  security-groups:tags: &tags\n    team: web\n  security-groups:groups: &unused\n    web:\n"
        + WEB
        + "      tags: *tags\n",
        "",
    ),
    "four-space indentation: the new group at the groups' column": (
        "config:\n    security-groups:groups:\n        web:\n            description: Web\n            egress: []\n",
        "config:\n    security-groups:groups:\n        web:\n            description: Web\n            egress: []\n",
        "",
    ),
}


@pytest.mark.parametrize("case", MERGED.values(), ids=MERGED.keys())
def test_each_layout_takes_the_groups_where_they_belong(
    case: tuple[str, str, str], api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """(the file, the text before the new group, the text after it): only the group's lines are added."""
    text, before, after = case
    result = adopt_into(moto, capsys, tmp_path, text, "--group-id", api.group_id, "--yes")
    assert result.status == 0, result.err
    indent = 8 if before.startswith("config:\n    ") else 4
    assert result.target.read_text() == expected_merge(api, before, after, indent=indent)
    assert result.files()["Pulumi.prod.yaml.bak"] == text.encode()


def test_a_new_stack_file_is_made_with_no_backup(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = adopt_into(moto, capsys, tmp_path, None, "--group-id", api.group_id)
    assert result.status == 1
    assert result.out.startswith(f"--- /dev/null\n+++ {result.target}\n@@ -0,0 +1,18 @@\n+config:\n")
    assert result.files() == {}
    result = adopt_into(moto, capsys, tmp_path, None, "--group-id", api.group_id, "--yes")
    assert result.status == 0, result.err
    assert result.target.read_text() == expected_merge(api, NEW_CONFIG, "")
    assert sorted(result.files()) == ["Pulumi.prod.yaml", "import.json"]
    assert f"merged into {result.target}; import with" in result.err


def test_crlf_and_a_bom_are_kept(api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "config:\n  aws:region: us-east-1\n  security-groups:groups:\n    web:\n" + WEB
    crlf = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    result = adopt_into(moto, capsys, tmp_path, crlf, "--group-id", api.group_id, "--yes")
    assert result.status == 0, result.err
    assert result.target.read_bytes() == b"\xef\xbb\xbf" + expected_merge(api, text, "").replace("\n", "\r\n").encode()
    assert "\r" not in result.out  # the diff shows lines, not their line breaks


def test_a_key_taken_by_another_group_gets_the_next_free_one(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`api` in the file is another group (no `name`, another description): the live one becomes `api-2`."""
    text = "config:\n  security-groups:groups:\n    api:\n      description: Another API\n      egress: []\n"
    result = adopt_into(moto, capsys, tmp_path, text, "--group-id", api.group_id, "--yes")
    assert result.status == 0, result.err
    assert result.target.read_text() == text + block(api).replace("    api:\n", "    api-2:\n")
    resources = json.loads(result.import_file.read_text())["resources"]
    assert resources[0] == {"type": "security-groups:index:SecurityGroup", "name": "api-2", "component": True}


def test_group_files_count_for_keys_and_for_groups_already_there(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key in a group file is taken; a group file holding the same group (name and VPC) refuses the merge."""
    text = "config:\n  security-groups:groupFiles: [groups/*.yaml]\n  security-groups:groups: {}\n"
    (tmp_path / "stacks" / "groups").mkdir(parents=True)
    group_file = tmp_path / "stacks" / "groups" / "api.yaml"
    group_file.write_text("# hand-written\napi:\n  description: Old API\n  egress: []\n")
    result = adopt_into(moto, capsys, tmp_path, text, "--group-id", api.group_id, "--yes")
    assert result.status == 0, result.err
    merged = text.replace(" {}\n", "\n") + block(api).replace("    api:\n", "    api-2:\n")
    assert result.target.read_text() == merged
    group_file.write_text(f"# hand-written\napi:\n  description: Old API\n  name: API\n  vpcId: {api.vpc_id}\n")
    result.target.write_text(text)
    result = adopt_into(moto, capsys, tmp_path, text, "--group-id", api.group_id, "--yes")
    assert (result.status, result.out) == (2, "")
    assert result.err.endswith(
        f"error: {api.group_id} (api) is already in the stack as 'api' ({tmp_path}/stacks/groups/api.yaml:2); it is "
        "managed there: leave it out of the selection, or remove 'api' from the stack to adopt it afresh\n"
        "error: nothing was written\n"
    )


def test_an_older_backup_is_never_replaced(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.prod.yaml.bak").write_text("the backup of last week\n")
    (tmp_path / "stacks" / "Pulumi.prod.yaml.bak.1").write_text("the backup of yesterday\n")
    text = "config:\n  security-groups:groups:\n"
    (tmp_path / "stacks" / "Pulumi.prod.yaml").write_text(text)
    (tmp_path / "stacks" / "Pulumi.prod.yaml").chmod(0o600)
    result = adopt_into(moto, capsys, tmp_path, None, "--group-id", api.group_id, "--yes")
    assert result.status == 0, result.err
    files = result.files()
    assert files["Pulumi.prod.yaml.bak"] == b"the backup of last week\n"
    assert files["Pulumi.prod.yaml.bak.1"] == b"the backup of yesterday\n"
    assert files["Pulumi.prod.yaml.bak.2"] == text.encode()
    assert stat.S_IMODE((tmp_path / "stacks" / "Pulumi.prod.yaml.bak.2").stat().st_mode) == 0o600
    assert f"(the old file kept as {result.target}.bak.2)" in result.err


REFUSED = {
    "groups in flow style": (
        "config:\n  security-groups:groups: {web: {description: Web, egress: []}}\n",
        "{file}: config security-groups:groups is in flow style ({{...}}), so groups cannot be added beside it; write "
        "it out in block style where it is, or merge the groups by hand",
    ),
    "config in flow style": (
        "config: {aws:region: us-east-1}\n",
        "{file}: config is in flow style ({{...}}), so groups cannot be added beside it; write it out in block style "
        "where it is, or merge the groups by hand",
    ),
    "groups anchored and used elsewhere": (
        "config:\n  security-groups:groups: &groups\n    web:\n" + WEB + "  other:groups: *groups\n",
        "{file}: config security-groups:groups is anchored (&groups) and used elsewhere, which adding to it would "
        "change too; write it out in block style where it is, or merge the groups by hand",
    ),
    "groups an alias": (
        "config:\n  other:groups: &groups\n    web:\n" + WEB + "  security-groups:groups: *groups\n",
        "{file}: config security-groups:groups is an alias (*groups); write it out in block style where it is, or "
        "merge the groups by hand",
    ),
    "groups a secret": (
        "config:\n  security-groups:groups:\n    secure: AAABAKtoQ2o=\n",
        "{file}: config security-groups:groups is a secret (`secure:`); adopt cannot add groups to it",
    ),
    "a project file": (
        "name: security-groups\nruntime: python\n",
        "{file}: not a stack file: 'name', 'runtime' is not a key of a stack file (those are config, encryptedkey, "
        "encryptionsalt, environment, secretsprovider); name a stacks/Pulumi.<stack>.yaml file",
    ),
    "a list": (
        "- config\n",
        "{file}:1:1: a stack file is a mapping with a `config:` section, not a list; write `config:` at the top, with "
        "one `key: value` per line under it, like stacks/Pulumi.dev.yaml; fix the stack file first",
    ),
    "mixed line breaks": (
        "config:\r\n  aws:region: us-east-1\n",
        "{file}: mixes '\\n' and '\\r\\n' line breaks; make them one kind first",
    ),
    "another region": (
        "config:\n  aws:region: eu-west-1\n",
        "{file}: the stack deploys to aws:region eu-west-1, the groups are in us-east-1; adopt them into the stack of "
        "their region",
    ),
    "a file the CLI refuses": (
        "config:\n  aws:region: us-east-1\n  aws:region: eu-west-1\n",
        '{file}:3:3: config.aws:region: the key "aws:region" is written twice (lines 2 and 3); keep one: YAML does '
        "not allow a key twice in a mapping, and the Pulumi CLI refuses the file; fix the stack file first",
    ),
    "the same group already in the file": (
        "config:\n  security-groups:groups:\n    old-api:\n      description: API servers\n      name: API\n",
        "{group_id} (api) is already in the stack as 'old-api' ({file}:3); it is managed there: leave it out of the "
        "selection, or remove 'old-api' from the stack to adopt it afresh",
    ),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_what_cannot_take_the_groups_is_refused_and_left_as_it_is(
    case: tuple[str, str], api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One `error:` line naming the file and the fix, status 2, no file written or changed."""
    text, message = case
    result = adopt_into(moto, capsys, tmp_path, text, "--group-id", api.group_id, "--yes")
    expected = message.format(file=result.target, group_id=api.group_id)
    assert (result.status, result.out) == (2, "")
    assert result.err.endswith(f"error: {expected}\nerror: nothing was written\n")
    assert result.files() == {"Pulumi.prod.yaml": text.encode()}


def test_the_program_reads_the_merged_file_and_refuses_only_the_placeholder_until_it_is_written(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The merged file, read as the CLI reads it: the program stops at the TODO placeholder alone; once the reason
    is written it registers the adopted group and its rules under the names of the import file."""
    result = adopt_into(moto, capsys, tmp_path, COMMENTED, "--group-id", api.group_id, "--yes")
    assert result.status == 0, result.err
    with start_runtime("prod") as runtime:
        run = runtime.run_program(cli_config(config_of(result.target.read_text())))
        assert isinstance(run.error, pulumi.RunError)
        assert runtime.mocks.resources == []
    problems = [line for line in str(run.error).splitlines() if line.startswith("  - ")]
    assert problems == [
        f"  - groups.api.ingress[1].description: {todo(api.undescribed)!r} is a placeholder description (it starts "
        "with TODO); say why it is allowed"
    ]
    written = result.target.read_text().replace(todo(api.undescribed), "Partner callbacks")
    with start_runtime("prod") as runtime:
        run = runtime.run_program(cli_config(config_of(written)))
        assert run.error is None, run.error
        registered = {r.name for r in runtime.mocks.resources if r.typ in (SG, INGRESS, EGRESS)}
    imported = {r["logicalName"] for r in json.loads(result.import_file.read_text())["resources"] if "id" in r}
    assert imported == {
        "api",
        "api-ingress-tcp-443-10.0.0.0/16",
        "api-ingress-tcp-8443-10.1.0.0/16",
        "api-egress-all-0.0.0.0/0",
    }
    assert imported <= registered
    assert {name for name in registered if name.startswith("api")} == imported


def test_a_stack_file_the_program_refuses_is_not_merged_into(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Never write a file the program refuses: here it refuses the file as it is (a port out of range)."""
    text = (
        "config:\n  security-groups:groups:\n    web:\n      description: Web\n      ingress:\n"
        "        - protocol: tcp\n          ports: 99999\n          from: [10.0.0.0/8]\n          description: Odd\n"
    )
    result = adopt_into(moto, capsys, tmp_path, text, "--group-id", api.group_id, "--yes")
    assert (result.status, result.out) == (2, "")
    assert result.err.endswith(
        f"error: {result.target}: the program refuses the stack file as it is; fix it first:\n"
        f"error: {tmp_path}/stacks/Pulumi.prod.yaml: config 'security-groups:': 1 problem. Nothing was created or "
        "changed; fix the config and run again.\n"
        '  - groups.web.ingress[0].ports: port 99999 is out of range; ports are 0-65535 ("0-65535" means every port)\n'
        "error: nothing was written\n"
    )
    assert result.files() == {"Pulumi.prod.yaml": text.encode()}


def test_a_layout_the_round_trip_reader_trips_on_is_refused_not_a_traceback(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `>` before a comment under the groups: the CLI's reader takes it (as text), ruamel.yaml's round-trip
    scanner asserts; one line, status 2, the file untouched (found by mutating the stack files)."""
    text = (
        "config:\n  aws:region: us-east-1\n  security-groups:groups:\n    # a\n   > # b\n    web:\n"
        "      description: Web\n"
    )
    result = adopt_into(moto, capsys, tmp_path, text, "--group-id", api.group_id, "--yes")
    assert (result.status, result.out) == (2, "")
    assert result.err.endswith(
        f"error: {result.target}: adopt cannot find where to add groups in this file's layout; merge the groups by "
        "hand\nerror: nothing was written\n"
    )
    assert result.files() == {"Pulumi.prod.yaml": text.encode()}


def test_what_is_not_a_regular_file_is_never_read_or_replaced(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stacks").mkdir()
    fifo = tmp_path / "stacks" / "Pulumi.prod.yaml"
    os.mkfifo(fifo)
    result = adopt_into(moto, capsys, tmp_path, None, "--group-id", api.group_id, "--yes")
    assert (result.status, result.out) == (2, "")
    assert result.err == f"error: {fifo}: not a regular file; name a stack file\nerror: nothing was written\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_an_import_file_that_is_the_stack_file_is_refused_and_no_backup_is_left(
    api: Api, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stacks").mkdir()
    target = tmp_path / "stacks" / "Pulumi.prod.yaml"
    target.write_text(COMMENTED)
    same = str(tmp_path / "stacks" / ".." / "stacks" / "Pulumi.prod.yaml")
    argv = ["--region", REGION, "--endpoint-url", moto.url, "--group-id", api.group_id, "--yes"]
    status = adopt.main([*argv, "--write", str(target), "--import-file", same])
    err = capsys.readouterr().err
    assert status == 2
    assert err.endswith(
        f"error: --write {target}: the same file as --import-file {tmp_path}/stacks/../stacks/Pulumi.prod.yaml "
        f"({target}); give each its own path\nerror: nothing was written\n"
    )
    assert sorted(path.name for path in target.parent.iterdir()) == ["Pulumi.prod.yaml"]
    assert target.read_text() == COMMENTED

"""adopt against moto's EC2 API on 127.0.0.1: config that reproduces live groups, and an exact import file."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import COMPONENT, EGRESS, INGRESS, PROJECT_DIR, SG, Pulumi, cli_config
from moto_server import (
    REGION,
    Moto,
    Tiers,
    Walkthrough,
    multi_tier,
    walkthrough,
)
from security_group_tools import adopt
from security_group_tools.paths import command_beside
from security_groups_component import stack_yaml
from security_groups_component.parse import DEFAULT_EGRESS_DESCRIPTION

Row = tuple[str, str, str, int | None, int | None, str, str]
"""(group id, direction, protocol, from, to, peer, description): one rule, as AWS and the program both say it."""


def run_adopt(moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run adopt in this process; return its status, stdout and stderr."""
    status = adopt.main(
        ["--region", REGION, "--endpoint-url", moto.url, "--import-file", str(tmp_path / "import.json"), *args]
    )
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def snippet_config(out: str) -> dict[str, Any]:
    """adopt's snippet as the Pulumi CLI reads it once pasted into a stack file."""
    return stack_yaml.stack_config(stack_yaml.parse(out, "adopted.yaml"), "security-groups")


def live_rows(ec2: Any, group_ids: list[str]) -> dict[str, Row]:
    """Every rule moto holds for these groups, by rule id."""
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": group_ids}])
    rows: dict[str, Row] = {}
    for rule in rules["SecurityGroupRules"]:
        protocol = rule["IpProtocol"]
        ports = (None, None) if protocol == "-1" else (rule["FromPort"], rule["ToPort"])
        peer = (
            rule.get("CidrIpv4")
            or rule.get("CidrIpv6")
            or rule.get("PrefixListId")
            or rule.get("ReferencedGroupInfo", {}).get("GroupId")
        )
        direction = "egress" if rule["IsEgress"] else "ingress"
        rows[rule["SecurityGroupRuleId"]] = (
            rule["GroupId"],
            direction,
            protocol,
            *ports,
            peer,
            rule.get("Description", ""),
        )
    return rows


def program_rows(runtime: Pulumi, config: dict[str, Any], ids: dict[str, str]) -> dict[str, Row]:
    """Every rule the program registers for this config, by resource name; `sg-<key>` mock ids mapped to AWS's."""
    run = runtime.run_program(cli_config({"aws:region": REGION, **config}))
    assert run.error is None, run.error
    rows: dict[str, Row] = {}
    for resource in runtime.mocks.of_type(INGRESS) + runtime.mocks.of_type(EGRESS):
        inputs = resource.inputs
        peer = inputs.get("cidrIpv4") or inputs.get("cidrIpv6") or inputs.get("prefixListId")
        peer = peer or ids.get(inputs["referencedSecurityGroupId"], inputs["referencedSecurityGroupId"])
        protocol = inputs["ipProtocol"]
        direction = "ingress" if resource.typ == INGRESS else "egress"
        rows[resource.name] = (
            ids[inputs["securityGroupId"]],
            direction,
            "-1" if protocol == "all" else protocol,
            inputs.get("fromPort"),
            inputs.get("toPort"),
            peer,
            inputs["description"],
        )
    return rows


def todo(rule_id: str) -> str:
    return f"TODO describe why: adopted from {rule_id} without a description"


def reason(rule_id: str) -> str:
    return f"Reason for {rule_id}"


@pytest.fixture
def estate(ec2: Any) -> tuple[Walkthrough, Tiers]:
    """The walkthrough's group and three tiers, in one VPC."""
    found = walkthrough(ec2)
    return found, multi_tier(ec2, found.vpc_id)


@dataclass(frozen=True)
class Adopted:
    """adopt's output for the estate, and what moto holds."""

    config: dict[str, Any]
    document: dict[str, Any]
    ids: dict[str, str]
    """Group key -> group id."""
    live: dict[str, Row]


@pytest.fixture
def adopted(
    estate: tuple[Walkthrough, Tiers], ec2: Any, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Adopted:
    """adopt run over the estate's VPC."""
    found, tiers = estate
    status, out, _ = run_adopt(moto, tmp_path, capsys, "--vpc-id", found.vpc_id)
    assert status == 0
    ids = {"launch-wizard-1": found.group_id, "web-tier": tiers.web, "app-tier": tiers.app, "db": tiers.db}
    document = json.loads((tmp_path / "import.json").read_text())
    return Adopted(snippet_config(out), document, ids, live_rows(ec2, list(ids.values())))


def test_walkthrough_group_becomes_the_dev_stack_entry(
    ec2: Any, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SSH from 0.0.0.0/0 maps to the ssh preset from anywhere-ipv4; the default outbound rule to no `egress`."""
    group = walkthrough(ec2)
    egress_id = next(rule_id for rule_id, row in live_rows(ec2, [group.group_id]).items() if row[1] == "egress")
    status, out, err = run_adopt(moto, tmp_path, capsys, "--group-id", group.group_id)
    assert status == 0
    note = (
        f"{group.group_id} {egress_id}: changed: the console's default outbound rule has no description; config "
        "leaves `egress` out (the component's default), so the first `pulumi up` sets its description to "
        f"{DEFAULT_EGRESS_DESCRIPTION!r}"
    )
    assert out == (
        "# adopted from us-east-1 by security-groups adopt: 1 group(s) adopted.\n"
        "# Add to stacks/Pulumi.<env>.yaml (merge into its `config:` and any existing security-groups:groups).\n"
        f"# NOTE {note}\n"
        "config:\n"
        "  security-groups:groups:\n"
        "    launch-wizard-1:\n"
        "      description: Allow SSH access from anywhere\n"
        "      name: launch-wizard-1\n"
        f"      vpcId: {group.vpc_id}\n"
        "      ingress:\n"
        "        - rule: ssh\n"
        "          from: [anywhere-ipv4]\n"
        "          description: SSH from anywhere\n"
    )
    assert err == (
        f"adopt: {note}\n"
        f"adopt: 1 group(s) and 2 rule(s) written; import with "
        f"`pulumi import --file {tmp_path / 'import.json'} --generate-code=false`\n"
    )


def written(config: dict[str, Any], placeholder: str, reason: str) -> dict[str, Any]:
    """The config after someone replaces one placeholder with the real reason."""
    return json.loads(json.dumps(config).replace(json.dumps(placeholder), json.dumps(reason)))


def test_placeholders_are_refused_until_written(adopted: Adopted, pulumi_mocks: Pulumi) -> None:
    """adopt never writes a description that passes: each rule AWS holds without one stops `pulumi up`."""
    undescribed = sorted(rule_id for rule_id, row in adopted.live.items() if not row[-1] and row[1] == "ingress")
    run = pulumi_mocks.run_program(cli_config({"aws:region": REGION, **adopted.config}))
    assert isinstance(run.error, pulumi.RunError)
    refused = [line for line in str(run.error).splitlines() if "is a placeholder description" in line]
    assert sorted(next(r for r in undescribed if r in line) for line in refused) == undescribed
    assert all(
        line.endswith("is a placeholder description (it starts with TODO); say why it is allowed") for line in refused
    )
    assert pulumi_mocks.mocks.resources == []


def test_round_trip_reproduces_every_rule_moto_holds(adopted: Adopted, pulumi_mocks: Pulumi) -> None:
    """The generated config, run through the real program, registers exactly the rules moto holds.

    Descriptions match too, except where AWS (here moto) has none: the default outbound rule gets the
    component's default description, other rules a TODO placeholder that must be replaced by the real reason
    (here `Reason for sgr-…`) before the program accepts it, each reported as a `changed` note.
    """
    config, live = adopted.config, adopted.live
    assert list(config["security-groups:groups"]) == ["app-tier", "db", "launch-wizard-1", "web-tier"]
    for rule_id in live:
        config = written(config, todo(rule_id), reason(rule_id))
    program = program_rows(pulumi_mocks, config, {f"sg-{key}": group_id for key, group_id in adopted.ids.items()})

    def without_description(rows: dict[str, Row]) -> set[Row]:
        return {(*row[:-1], "") for row in rows.values()}

    assert without_description(program) == without_description(live)
    assert len(program) == len(live) == 12
    by_content = {row[:-1]: row[-1] for row in program.values()}
    changed = {rule_id: by_content[row[:-1]] for rule_id, row in live.items() if by_content[row[:-1]] != row[-1]}
    default_egress = {
        rule_id for rule_id, row in live.items() if row[1] == "egress" and row[2] == "-1" and row[5] == "0.0.0.0/0"
    }
    undescribed = {rule_id for rule_id, row in live.items() if not row[-1]} - default_egress
    assert changed == {
        **dict.fromkeys(default_egress, DEFAULT_EGRESS_DESCRIPTION),
        **{rule_id: reason(rule_id) for rule_id in undescribed},
    }
    assert len(default_egress) == 3  # db has no outbound rule at all
    assert len(undescribed) == 4  # moto drops descriptions of group and prefix-list peers (see README)


def test_tiers_map_to_presets_keywords_self_and_group_references(adopted: Adopted, estate: Any) -> None:
    """Presets where ports match, `anywhere` for 0.0.0.0/0 with ::/0, `self`, `group:<key>`, `pl-…`, `egress: []`."""
    groups = adopted.config["security-groups:groups"]
    live = {row[:-1]: rule_id for rule_id, row in adopted.live.items()}
    tiers = estate[1]
    vpc = tiers.vpc_id
    assert groups["web-tier"] == {
        "description": "Public web tier",
        "name": "web-tier",
        "vpcId": vpc,
        "tags": {"team": "web"},
        "ingress": [
            {"rule": "http", "from": ["anywhere-ipv4"], "description": "HTTP from the internet"},
            {"rule": "https", "from": ["anywhere"], "description": "HTTPS from the internet"},
        ],
    }
    to_app = live[(tiers.app, "ingress", "tcp", 8080, 8080, tiers.web)]
    from_list = live[(tiers.app, "ingress", "tcp", 8000, 8100, tiers.prefix_list)]
    assert groups["app-tier"] == {
        "description": "Application servers",
        "name": "app tier",
        "vpcId": vpc,
        "ingress": [
            {
                "protocol": "icmp",
                "icmpType": 8,
                "icmpCode": 0,
                "from": ["10.0.0.0/16"],
                "description": "Ping from the VPC",
            },
            {"protocol": "tcp", "ports": "8000-8100", "from": [tiers.prefix_list], "description": todo(from_list)},
            {"protocol": "tcp", "ports": "8080", "from": ["group:web-tier"], "description": todo(to_app)},
        ],
    }
    from_self = live[(tiers.db, "ingress", "tcp", 5432, 5432, tiers.db)]
    from_app = live[(tiers.db, "ingress", "tcp", 5432, 5432, tiers.app)]
    assert groups["db"] == {
        "description": "PostgreSQL",
        "name": "db",
        "vpcId": vpc,
        "ingress": [
            {"rule": "postgresql", "from": ["group:app-tier"], "description": todo(from_app)},
            {"rule": "postgresql", "from": ["self"], "description": todo(from_self)},
        ],
        "egress": [],
    }


def test_tag_selection(estate: Any, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--tag Key=Value adopts only the groups carrying that tag."""
    status, out, _ = run_adopt(moto, tmp_path, capsys, "--tag", "team=web")
    assert status == 0
    assert list(snippet_config(out)["security-groups:groups"]) == ["web-tier"]


def test_import_file_names_types_parents_and_ids_match_the_program(adopted: Adopted, pulumi_mocks: Pulumi) -> None:
    """Every resource the program creates is in the import file with its type, name, parent and AWS id."""
    document, keys = adopted.document, adopted.ids
    config = adopted.config
    for rule_id in adopted.live:
        config = written(config, todo(rule_id), reason(rule_id))
    program = program_rows(pulumi_mocks, config, {f"sg-{key}": group_id for key, group_id in keys.items()})

    def parent(urn: str) -> str | None:
        return None if "::pulumi:pulumi:Stack::" in urn else urn.rsplit("::", 1)[-1]

    registered = {
        (request.type, request.name, parent(request.parent))
        for request in pulumi.runtime.settings.get_monitor().requests
        if request.type in (COMPONENT, SG, INGRESS, EGRESS)
    }
    in_file = {
        (entry["type"], entry.get("logicalName", entry["name"]), entry.get("parent")) for entry in document["resources"]
    }
    assert in_file == registered
    assert len(in_file) == 4 * 2 + 12

    live = adopted.live
    for entry in document["resources"]:
        if entry["type"] == COMPONENT:
            assert entry == {"type": COMPONENT, "name": entry["name"], "component": True}
        elif entry["type"] == SG:
            assert entry["id"] == entry["name"] == keys[entry["logicalName"]]
            assert entry["parent"] == entry["logicalName"]
        else:
            assert entry["id"] == entry["name"]
            assert live[entry["id"]][:-1] == program[entry["logicalName"]][:-1]


def test_what_the_format_cannot_hold_is_reported_and_left_in_aws(
    ec2: Any, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A description with characters AWS's VPC API (and our config) rejects, which moto accepts, is never dropped
    silently: the group is left out, and a group that references it names it by its sg- id instead."""
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    legacy = ec2.create_security_group(GroupName="legacy", Description="Legacy <ops> hosts", VpcId=vpc_id)["GroupId"]
    ops = ec2.create_security_group(GroupName="ops", Description="Ops hosts", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=ops,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": legacy}]},
            {
                "IpProtocol": "tcp",
                "FromPort": 3389,
                "ToPort": 3389,
                "IpRanges": [{"CidrIp": "10.1.0.0/16", "Description": "RDP from the café"}],
            },
        ],
    )
    rules = live_rows(ec2, [ops])
    ssh = next(rule_id for rule_id, row in rules.items() if row[4] == 22)
    rdp = next(rule_id for rule_id, row in rules.items() if row[4] == 3389)
    egress = next(rule_id for rule_id, row in rules.items() if row[1] == "egress")
    status, out, err = run_adopt(moto, tmp_path, capsys, "--group-id", legacy, "--group-id", ops)
    assert status == 0
    notes = [line.removeprefix("adopt: ") for line in err.splitlines()[:-1]]
    assert notes == [
        f"{legacy}: left-out: group not adopted: description: the group description contains '<' (U+003C), "
        "'>' (U+003E), which AWS does not accept; use only letters, digits and ._-:/()#,@[]+=&;{}!$* (and spaces)",
        f"{ops} {rdp}: left-out: the config format rejects it: the rule description contains 'é' (U+00E9), "
        "which AWS does not accept; use only letters, digits and ._-:/()#,@[]+=&;{}!$* (and spaces)",
        f"{ops} {egress}: changed: the console's default outbound rule has no description; config leaves `egress` "
        "out (the component's default), so the first `pulumi up` sets its description to "
        f"{DEFAULT_EGRESS_DESCRIPTION!r}",
        f"{ops} {ssh}: changed: has no description in AWS; config gives it a TODO placeholder, which the component "
        "and the policy pack refuse until you write the real reason (it then updates in place)",
    ]
    groups = snippet_config(out)["security-groups:groups"]
    assert list(groups) == ["ops"]
    assert groups["ops"]["ingress"] == [{"rule": "ssh", "from": [legacy], "description": todo(ssh)}]
    assert all(f"# NOTE {note}" in out for note in notes)


def test_progress_is_reported_on_stderr(
    estate: tuple[Walkthrough, Tiers],
    moto: Moto,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Long runs say how far they are (here every 5 groups or rules instead of every 100)."""
    from security_group_tools import aws_inventory

    monkeypatch.setattr(aws_inventory, "PROGRESS_EVERY", 5)
    _, _, err = run_adopt(moto, tmp_path, capsys, "--vpc-id", estate[0].vpc_id)
    assert [line for line in err.splitlines() if not line.startswith("adopt: ")] == [
        "described 5 groups…",
        "read 5 rules…",
        "read 10 rules…",
    ]


def test_runs_as_a_module_like_the_makefile_target(
    estate: tuple[Walkthrough, Tiers], moto: Moto, tmp_path: Path
) -> None:
    """The installed `security-groups adopt` from the project root, as `make adopt` runs it."""
    result = subprocess.run(
        [
            command_beside(sys.executable),
            "adopt",
            "--region",
            REGION,
            "--endpoint-url",
            moto.url,
            "--group-id",
            estate[0].group_id,
            "--import-file",
            str(tmp_path / "i.json"),
            "--output",
            str(tmp_path / "o.yaml"),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "launch-wizard-1:" in (tmp_path / "o.yaml").read_text()


def test_adopting_a_whole_region_is_refused(moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No selection is a usage error (exit 2), not every group of the account."""
    with pytest.raises(SystemExit) as exit_info:
        run_adopt(moto, tmp_path, capsys)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.endswith(
        "adopt: error: choose the groups: --group-id, --vpc-id or --tag (adopting a whole region is rarely meant)\n"
    )


def test_text_that_reads_as_a_number_is_quoted(
    ec2: Any, moto: Moto, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A group named `1e1` tagged `0o17`: unquoted, the CLI would read a float key and the number 15."""
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(
        GroupName="1e1",
        Description="022",
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "cost-center", "Value": "0o17"}]}],
    )["GroupId"]
    status, out, _ = run_adopt(moto, tmp_path, capsys, "--group-id", group_id)
    assert status == 0
    assert "    '1e1':\n      description: '022'\n      name: '1e1'\n" in out
    assert "        cost-center: '0o17'\n" in out
    group = snippet_config(out)["security-groups:groups"]["1e1"]
    assert (group["description"], group["name"], group["tags"]) == ("022", "1e1", {"cost-center": "0o17"})

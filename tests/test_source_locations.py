"""Where a finding comes from: each resource the program makes, mapped to the line of config that made it.

The real program runs under mocks with the config passed as the CLI passes it; the locations come from its own
settings (`Rule.origin_parts`, `StackSettings.group_files`) and the YAML reader's positions, exactly as the
preview computes them. A location is shown here as `path:line:column`, both from 1.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, Pulumi, cli_config
from security_group_tools.preview_model import Finding, Location, registered
from security_group_tools.program_runner import COMPONENT, EGRESS, INGRESS, SG, Run
from security_group_tools.source_locations import (
    DEFAULT_GROUP,
    Locator,
    SourceFile,
    located_config_error,
    program_settings,
)
from security_groups_component import ConfigError, stack_yaml

SHORT = {SG: "group", COMPONENT: "component", INGRESS: "ingress", EGRESS: "egress", DEFAULT_GROUP: "default"}
STACK_NAME = "stacks/Pulumi.dev.yaml"
DEV = (PROJECT_DIR / STACK_NAME).read_text()


def run_stack_file(runtime: Pulumi, text: str | bytes, project: Path = PROJECT_DIR) -> tuple[Run, SourceFile]:
    """The program run on a stack file's config, passed as the CLI passes it, and the file as read."""
    document = stack_yaml.parse(text, STACK_NAME)
    config = cli_config(stack_yaml.stack_config(document, "security-groups"))
    return runtime.run_program(config, program_dir=project), SourceFile(STACK_NAME, document)


def locate(runtime: Pulumi, text: str | bytes, project: Path = PROJECT_DIR) -> dict[str, str | None]:
    """Every resource the program registers for this stack file, as `<kind> <name>`, and where it was written."""
    run, source = run_stack_file(runtime, text, project)
    assert run.error is None
    locator = Locator(source, program_settings(run.program_globals))
    found = {}
    for resource in registered("dev", runtime.mocks.resources):
        where = locator.of(resource)
        found[f"{SHORT.get(resource.type, resource.type)} {resource.name}"] = shown(where)
    return found


def shown(where: Location | None) -> str | None:
    return None if where is None else f"{where.path}:{where.line}:{where.column}"


def at(line: int, column: int, path: str = STACK_NAME) -> str:
    return f"{path}:{line}:{column}"


DEV_LOCATIONS = {
    "pulumi:pulumi:Stack security-groups-dev": None,
    # A group and its component: the group's key.
    "component ssh-walkthrough": at(14, 5),
    "group ssh-walkthrough": at(14, 5),
    "component web": at(20, 5),
    "group web": at(20, 5),
    "component app": at(29, 5),
    "group app": at(29, 5),
    # A rule: its peer's item in `from`.
    "ingress ssh-walkthrough-ingress-tcp-22-0.0.0.0/0": at(18, 18),
    "ingress web-ingress-tcp-80-0.0.0.0/0": at(24, 18),
    "ingress web-ingress-tcp-443-0.0.0.0/0": at(27, 18),
    "ingress app-ingress-tcp-8080-group-web": at(34, 18),
    "ingress app-ingress-tcp-22-group-ssh-walkthrough": at(37, 18),
    # The console's default egress, which leaving out `egress` gives: nothing of it is written but the group.
    "egress ssh-walkthrough-egress-all-0.0.0.0/0": at(14, 5),
    "egress web-egress-all-0.0.0.0/0": at(20, 5),
    "egress app-egress-all-0.0.0.0/0": at(29, 5),
}


def test_every_resource_of_the_dev_stack_is_located(pulumi_preview: Pulumi) -> None:
    assert locate(pulumi_preview, DEV) == DEV_LOCATIONS


def test_a_line_inserted_above_moves_lines_below_it_and_nothing_else(pulumi_preview: Pulumi) -> None:
    """A comment added above `web:` shifts web's and app's lines by one; columns, names and the rest stay."""
    moved = DEV.replace("    web:\n", "    # the public tier\n    web:\n", 1)
    assert moved != DEV
    expected: dict[str, str | None] = {}
    for name, where in DEV_LOCATIONS.items():
        expected[name] = where
        if where is not None:
            path, line, column = where.rsplit(":", 2)
            expected[name] = at(int(line) + (int(line) >= 20), int(column), path)
    assert locate(pulumi_preview, moved) == expected


def test_a_bom_and_crlf_line_ends_change_no_location(pulumi_preview: Pulumi) -> None:
    """The CLI strips a byte order mark; Windows line ends are one line break each."""
    text = b"\xef\xbb\xbf" + DEV.replace("\n", "\r\n").encode()
    assert locate(pulumi_preview, text) == DEV_LOCATIONS


STYLES = """\
config:
  aws:region: us-east-1
  "groups":
    'db':
      description: Databases
      ingress:
        - {protocol: tcp, ports: 5432, from: [10.0.0.0/8, self], description: Queries}
        - rule: https
          from:
            - anywhere
          description: Admin console
      egress: []
"""


def test_bare_and_quoted_keys_flow_lists_and_anywhere(pulumi_preview: Pulumi) -> None:
    """A bare `groups:` (which the CLI namespaces), quoted keys, a flow-style rule with two peers on one line (told
    apart by column), and `anywhere`, which is two rules from one item."""
    assert locate(pulumi_preview, STYLES) == {
        "pulumi:pulumi:Stack security-groups-dev": None,
        "component db": at(4, 5),
        "group db": at(4, 5),
        "ingress db-ingress-tcp-5432-10.0.0.0/8": at(7, 47),
        "ingress db-ingress-tcp-5432-self": at(7, 59),
        "ingress db-ingress-tcp-443-0.0.0.0/0": at(10, 15),
        "ingress db-ingress-tcp-443-0:0:0:0:0:0:0:0/0": at(10, 15),
    }


ALIASES = """\
config:
  aws:region: us-east-1
  security-groups:groups:
    web: &web
      description: Web
      ingress:
        - rule: https
          from: &office [10.1.0.0/16]
          description: From the office
      egress: []
    api:
      description: API
      ingress:
        - rule: ssh
          from: *office
          description: SSH from the office
      egress: []
    web-eu:
      <<: *web
      description: Web in the EU
    web-copy: *web
"""


def test_an_alias_or_a_merge_is_located_where_the_group_uses_it(pulumi_preview: Pulumi) -> None:
    """The anchor belongs to web; api's list is the alias `*office` (its `from:`), web-eu's rules came by the merge
    key (its own key), and web-copy is an alias as a whole (its key)."""
    found = locate(pulumi_preview, ALIASES)
    assert {name: where for name, where in found.items() if name.startswith(("group ", "ingress "))} == {
        "group web": at(4, 5),
        "ingress web-ingress-tcp-443-10.1.0.0/16": at(8, 26),
        "group api": at(11, 5),
        "ingress api-ingress-tcp-22-10.1.0.0/16": at(15, 11),
        "group web-eu": at(18, 5),
        "ingress web-eu-ingress-tcp-443-10.1.0.0/16": at(18, 5),
        "group web-copy": at(21, 5),
        "ingress web-copy-ingress-tcp-443-10.1.0.0/16": at(21, 5),
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the program with a `stacks/groups/` of its own, where the program looks for group files."""
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    (tmp_path / "stacks" / "groups").mkdir(parents=True)
    return tmp_path


GROUP_FILE = """\
# the data tier
db:
  description: Databases
  ingress:
    - protocol: tcp
      ports: 5432
      from: [group:app]
      description: Queries from the app tier
"""

WITH_GROUP_FILE = """\
config:
  aws:region: us-east-1
  security-groups:groupFiles: [groups/*.yaml]
  security-groups:groups:
    app:
      description: App
      ingress: []
"""


def test_a_group_of_a_group_file_is_located_in_that_file(pulumi_preview: Pulumi, project: Path) -> None:
    (project / "stacks" / "groups" / "db.yaml").write_text(GROUP_FILE)
    found = locate(pulumi_preview, WITH_GROUP_FILE, project)
    file = "stacks/groups/db.yaml"
    assert {name: where for name, where in found.items() if name.split()[0] in SHORT.values()} == {
        "component app": at(5, 5),
        "group app": at(5, 5),
        "egress app-egress-all-0.0.0.0/0": at(5, 5),
        "component db": at(2, 1, file),
        "group db": at(2, 1, file),
        "ingress db-ingress-tcp-5432-group-app": at(7, 14, file),
        "egress db-egress-all-0.0.0.0/0": at(2, 1, file),
    }


def test_the_default_groups_closed_are_located_at_close_default_groups(pulumi_preview: Pulumi) -> None:
    text = DEV.replace("config:\n", "config:\n  security-groups:closeDefaultGroups: true\n", 1)
    found = locate(pulumi_preview, text)
    assert [(name, where) for name, where in found.items() if name.startswith("default ")] == [
        ("default default-security-group-vpc-0ff11e4a074ba8f67", at(3, 3)),
    ]


def test_a_finding_takes_its_resources_location_and_a_stack_wide_one_none(pulumi_preview: Pulumi) -> None:
    run, source = run_stack_file(pulumi_preview, DEV)
    resources = registered("dev", pulumi_preview.mocks.resources)
    rule = next(r for r in resources if r.name == "web-ingress-tcp-80-0.0.0.0/0")
    findings = [
        Finding("p", "advisory", "high", rule.urn, rule.name, "on a rule"),
        Finding("p", "advisory", "low", "", "", "on the stack"),
        Finding("p", "advisory", "low", "urn:pulumi:dev::security-groups::x::gone", "gone", "on nothing registered"),
    ]
    located = Locator(source, program_settings(run.program_globals)).locate(findings, resources)
    assert [(f.message, f.location) for f in located] == [
        ("on a rule", Location(STACK_NAME, 24, 18)),
        ("on the stack", None),
        ("on nothing registered", None),
    ]


def config_error(runtime: Pulumi, text: str, project: Path = PROJECT_DIR) -> str:
    """The program's config error for this stack file, as the preview shows it."""
    run, source = run_stack_file(runtime, text, project)
    assert isinstance(run.error, ConfigError)
    return located_config_error(run.error, source)


HEADER = (
    "stacks/Pulumi.dev.yaml: config 'security-groups:': {count}. Nothing was created or changed; fix the config "
    "and run again."
)


def test_each_config_error_names_the_line_of_its_path(pulumi_preview: Pulumi) -> None:
    """A wrong value at its entry; a missing key at the entry that should hold it; an unknown key at itself."""
    text = (
        DEV.replace("          from: [group:web]\n", "          from: [group:webb]\n", 1)
        .replace("      description: Dev web servers\n", "", 1)
        .replace("  aws:region: us-east-1\n", "  aws:region: us-east-1\n  security-groups:ruleQuta: 5\n", 1)
    )
    assert config_error(pulumi_preview, text) == "\n".join(
        [
            HEADER.format(count="3 problems"),
            "  - stacks/Pulumi.dev.yaml:4:3: ruleQuta: unknown key; did you mean 'ruleQuota'?; 'security-groups:' "
            "takes groups, groupFiles, vpcId, vpc, existingGroups, tags, ruleQuota, closeDefaultGroups",
            "  - stacks/Pulumi.dev.yaml:34:18: groups.app.ingress[0].from[0]: 'group:webb' names no group of this "
            "stack; did you mean 'group:web'? (groups: ssh-walkthrough, web)",
            "  - stacks/Pulumi.dev.yaml:21:5: groups.web.description: required: say what the group is for (AWS "
            "requires it, and changing it later replaces the group)",
        ]
    )


def test_a_config_error_in_an_aliased_value_is_shown_where_each_group_has_it(pulumi_preview: Pulumi) -> None:
    """The anchor's group at the anchor (what to fix), the alias's group at the alias (where it reaches it)."""
    text = ALIASES.replace("[10.1.0.0/16]", "[10.1.0.1/16]").split("    web-eu:")[0]
    host_bits = "'10.1.0.1/16' has host bits set, so it is not a network address; did you mean '10.1.0.0/16'?"
    assert config_error(pulumi_preview, text) == "\n".join(
        [
            HEADER.format(count="2 problems"),
            f"  - stacks/Pulumi.dev.yaml:15:11: groups.api.ingress[0].from[0]: {host_bits}",
            f"  - stacks/Pulumi.dev.yaml:8:26: groups.web.ingress[0].from[0]: {host_bits}",
        ]
    )


def test_a_config_error_without_a_place_in_the_stack_file_is_shown_as_the_program_wrote_it(
    pulumi_preview: Pulumi, project: Path
) -> None:
    """A group file's problems already name their file and line, and keep them; the stack file's get theirs."""
    (project / "stacks" / "groups" / "db.yaml").write_text(GROUP_FILE.replace("ports: 5432", "ports: 99999"))
    text = "config:\n  aws:region: us-east-1\n  security-groups:groupFiles: [groups/db.yaml, groups/none.yaml]\n"
    assert config_error(pulumi_preview, text, project) == "\n".join(
        [
            HEADER.format(count="3 problems"),
            "  - stacks/Pulumi.dev.yaml:3:48: groupFiles[1]: 'groups/none.yaml': no such file under stacks/",
            "  - stacks/groups/db.yaml:6: db.ingress[0].ports: port 99999 is out of range; ports are 0-65535 "
            '("0-65535" means every port)',
            "  - stacks/groups/db.yaml:7: db.ingress[0].from[0]: 'group:app' names no group of this stack (there are "
            "no other groups)",
        ]
    )


def test_a_config_error_at_a_key_the_stack_file_does_not_have_gets_no_line(pulumi_preview: Pulumi) -> None:
    """Nothing to point at: no `groups` and no `groupFiles` in the file."""
    assert config_error(pulumi_preview, "config:\n  aws:region: us-east-1\n") == "\n".join(
        [
            HEADER.format(count="1 problem"),
            "  - groups: required: describe this stack's security groups under 'security-groups:groups' (or in files "
            "named by 'security-groups:groupFiles')",
        ]
    )

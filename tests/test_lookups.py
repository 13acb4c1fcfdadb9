"""A stack names its VPC and outside groups by lookup (`security-groups:vpc`, `existingGroups`), as the console does.

The real program runs under mocks with config passed as the CLI passes it; the data sources arrive at the mocks'
`call()` as the engine would forward them to the provider (`aws:ec2/getVpcs:getVpcs`,
`aws:ec2/getSecurityGroups:getSecurityGroups`), and each test answers with no match, one or several. That a real
lookup matches the intended VPC in an account is only proven against AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import INGRESS, SG, Pulumi, cli_config
from security_groups_component import ConfigError
from test_secrets import secret_inputs

GET_VPCS = "aws:ec2/getVpcs:getVpcs"
GET_GROUPS = "aws:ec2/getSecurityGroups:getSecurityGroups"
VPC = "vpc-0123456789abcdef0"
OTHER_VPC = "vpc-0fedcba9876543210"
MONITORING = "sg-0aaaabbbbccccdddd"
HEADER = (
    "stacks/Pulumi.prod.yaml: config 'security-groups:': 1 problem. Nothing was created or changed; "
    "fix the config and run again."
)

WEB = {
    "description": "Web tier",
    "ingress": [{"protocol": "tcp", "ports": 9100, "from": ["group:monitoring"], "description": "Metrics scrapes"}],
    "egress": [],
}


def config(**keys: object) -> dict[str, str]:
    """The prod stack's region, the given project keys and one group `web` scraped by `group:monitoring`."""
    stack: dict[str, object] = {"aws:region": "eu-west-1", "security-groups:groups": {"web": WEB}}
    stack |= {f"security-groups:{key}": value for key, value in keys.items()}
    return cli_config(stack)


def answering(ids: list[str]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda _args: {"ids": ids}


def run(
    runtime_factory: Callable[..., Pulumi],
    stack_config: dict[str, str],
    *,
    vpcs: list[str] | None = None,
    groups: list[str] | None = None,
    secret_keys: tuple[str, ...] = (),
) -> Pulumi:
    rt = runtime_factory("prod")
    rt.mocks.answers[GET_VPCS] = answering([VPC] if vpcs is None else vpcs)
    rt.mocks.answers[GET_GROUPS] = answering([MONITORING] if groups is None else groups)
    rt.last = rt.run_program(stack_config, secret_keys=secret_keys)  # type: ignore[attr-defined]
    return rt


def error_lines(rt: Pulumi) -> list[str]:
    error = rt.last.error  # type: ignore[attr-defined]
    assert isinstance(error, ConfigError), error
    assert rt.mocks.resources == [], "nothing may be registered when a lookup fails"
    return str(error).splitlines()


VPC_BY_TAGS = {"tags": {"Name": "prod", "tier": "core"}}
EXISTING = {"monitoring": {"name": "shared-monitoring", "tags": {"team": "observability"}}}


def test_one_match_each_registers_the_found_ids(runtime_factory: Callable[..., Pulumi]) -> None:
    """The lookups ask for exactly what the config says; the group lands in the found VPC, the rule names the group."""
    rt = run(runtime_factory, config(vpc=VPC_BY_TAGS, existingGroups=EXISTING))
    assert rt.last.error is None  # type: ignore[attr-defined]
    assert rt.mocks.invokes == [
        (GET_VPCS, {"tags": {"Name": "prod", "tier": "core"}}),
        (
            GET_GROUPS,
            {"filters": [{"name": "group-name", "values": ["shared-monitoring"]}], "tags": {"team": "observability"}},
        ),
    ]
    assert rt.mocks.by_name("web", SG).inputs == {"description": "Web tier", "vpcId": VPC}
    assert rt.mocks.by_name("web-ingress-tcp-9100-group-monitoring", INGRESS).inputs == {
        "securityGroupId": "sg-web",
        "ipProtocol": "tcp",
        "fromPort": 9100,
        "toPort": 9100,
        "referencedSecurityGroupId": MONITORING,
        "description": "Metrics scrapes",
    }
    assert len(rt.mocks.resources) == 3


def test_an_existing_group_by_id_needs_no_lookup(runtime_factory: Callable[..., Pulumi]) -> None:
    rt = run(runtime_factory, config(existingGroups={"monitoring": {"id": MONITORING}}))
    assert rt.last.error is None  # type: ignore[attr-defined]
    assert rt.mocks.invokes == []
    rule = rt.mocks.by_name("web-ingress-tcp-9100-group-monitoring", INGRESS)
    assert rule.inputs["referencedSecurityGroupId"] == MONITORING
    assert "vpcId" not in rt.mocks.by_name("web", SG).inputs  # no vpc lookup: the region's default VPC


def test_a_groups_own_vpc_id_wins_over_the_lookup(runtime_factory: Callable[..., Pulumi]) -> None:
    groups = {"web": {**WEB, "vpcId": OTHER_VPC}, "db": {"description": "Database", "egress": []}}
    stack = config(vpc=VPC_BY_TAGS, existingGroups=EXISTING)
    stack["security-groups:groups"] = cli_config({"security-groups:groups": groups})["security-groups:groups"]
    rt = run(runtime_factory, stack)
    assert rt.last.error is None  # type: ignore[attr-defined]
    assert rt.mocks.by_name("web", SG).inputs["vpcId"] == OTHER_VPC
    assert rt.mocks.by_name("db", SG).inputs["vpcId"] == VPC


def test_the_default_vpc_is_looked_up_with_the_is_default_filter(runtime_factory: Callable[..., Pulumi]) -> None:
    rt = run(runtime_factory, config(vpc={"default": True}, existingGroups={"monitoring": {"id": MONITORING}}))
    assert rt.last.error is None  # type: ignore[attr-defined]
    assert rt.mocks.invokes == [(GET_VPCS, {"filters": [{"name": "is-default", "values": ["true"]}]})]
    assert rt.mocks.by_name("web", SG).inputs["vpcId"] == VPC


LOOKUP_FAILURES = {
    "no-vpc": (
        {"vpcs": []},
        {"vpc": VPC_BY_TAGS},
        "  - vpc: no VPC in eu-west-1 has the tags Name=prod, tier=core; tag the VPC so (the console's Name column "
        "is the tag Name), change the lookup, or give the VPC's id as vpcId",
    ),
    "two-vpcs": (
        {"vpcs": [OTHER_VPC, VPC]},
        {"vpc": {"tags": {"Name": "prod"}}},
        f"  - vpc: 2 VPCs in eu-west-1 have the tag Name=prod ({VPC}, {OTHER_VPC}); add a tag that only the "
        "intended VPC has, or give its id as vpcId",
    ),
    "no-default-vpc": (
        {"vpcs": []},
        {"vpc": {"default": True}},
        "  - vpc: this account has no default VPC in eu-west-1; create one (`aws ec2 create-default-vpc`), or name "
        "the VPC by tags, or by id with vpcId",
    ),
    "no-group": (
        {"groups": []},
        {"existingGroups": EXISTING},
        "  - existingGroups.monitoring: no security group in eu-west-1 has the name 'shared-monitoring' and the tag "
        "team=observability; check the name and tags, or give the group's id",
    ),
    "seven-groups": (
        {"groups": [f"sg-0{n}{n}{n}{n}{n}{n}{n}{n}" for n in range(7)]},
        {"existingGroups": {"monitoring": {"name": "shared-monitoring"}}},
        "  - existingGroups.monitoring: 7 security groups in eu-west-1 have the name 'shared-monitoring' "
        "(sg-000000000, sg-011111111, sg-022222222, sg-033333333, sg-044444444, and 2 more); add a tag that only "
        "the intended group has, or give its id",
    ),
}


@pytest.mark.parametrize(("answers", "keys", "problem"), LOOKUP_FAILURES.values(), ids=LOOKUP_FAILURES.keys())
def test_no_match_or_several_is_one_config_error(
    runtime_factory: Callable[..., Pulumi], answers: dict[str, list[str]], keys: dict[str, object], problem: str
) -> None:
    """The error names the stack file, the key, what was looked for, what was found and the fix; nothing registers."""
    keys = {"existingGroups": {"monitoring": {"id": MONITORING}}, **keys}
    rt = run(runtime_factory, config(**keys), **answers)  # type: ignore[arg-type]
    assert error_lines(rt) == [HEADER, problem]


def test_a_failed_lookup_says_why_without_a_traceback(runtime_factory: Callable[..., Pulumi]) -> None:
    """A provider failure (credentials, permissions) reaches the program as a failed invoke: said, as config is."""
    rt = runtime_factory("prod")
    rt.mocks.answers[GET_VPCS] = lambda _args: ({}, [("", "no valid credential sources found")])
    result = rt.run_program(config(vpc=VPC_BY_TAGS, existingGroups={"monitoring": {"id": MONITORING}}))
    assert isinstance(result.error, ConfigError)
    assert result.error.lines == (
        "vpc: the lookup failed: invoke of aws:ec2/getVpcs:getVpcs failed: no valid credential sources found (); "
        "check the AWS credentials and region this stack runs with",
    )
    assert rt.mocks.resources == []


BAD_LOOKUPS = {
    "vpc-text": ({"vpc": "main"}, ["vpc: expected a VPC lookup, got the text 'main'"]),
    "vpc-list": (
        {"vpc": ["main"]},
        ["vpc: expected a lookup such as {tags: {Name: main}} or {default: true}, got a list"],
    ),
    "vpc-typo": (
        {"vpc": {"tag": {"Name": "main"}}},
        ["vpc.tag: unknown key; did you mean 'tags'?; allowed: tags, default"],
    ),
    "vpc-default-false": (
        {"vpc": {"default": False}},
        [
            "vpc.default: false is not a lookup; write `default: true` for the region's default VPC, or name the VPC "
            "by tags"
        ],
    ),
    "vpc-default-text": (
        {"vpc": {"default": "yes"}},
        [
            "vpc.default: 'yes' is not a lookup; write `default: true` for the region's default VPC, or name the VPC "
            "by tags"
        ],
    ),
    "vpc-both": (
        {"vpc": {"default": True, "tags": {"Name": "main"}}},
        ["vpc: give tags or `default: true`, not both: the default VPC is one VPC already"],
    ),
    "vpc-and-vpc-id": (
        {"vpc": VPC_BY_TAGS, "vpcId": VPC},
        ["vpc: vpcId is set too; name the VPC by its id (vpcId) or by a lookup (vpc), not both"],
    ),
    "vpc-empty-tags": (
        {"vpc": {"tags": {}}},
        ["vpc.tags: expected a mapping of tag names to the values to match, e.g. {Name: main}, got a mapping"],
    ),
    "vpc-number-tag": (
        {"vpc": {"tags": {"cost-center": 4410}}},
        ["vpc.tags.cost-center: expected the text the tag holds, got 4410; quote numbers and booleans"],
    ),
    "vpc-long-tag": ({"vpc": {"tags": {"Name": "x" * 257}}}, ["vpc.tags.Name: a tag value is at most 256 characters"]),
    "groups-list": (
        {"existingGroups": ["monitoring"]},
        [
            "existingGroups: expected a mapping of keys to existing groups, e.g. {monitoring: {name: …}}, got a list",
            "groups.web.ingress[0].from[0]: 'group:monitoring' names no group of this stack (there are no other "
            "groups)",
        ],
    ),
    "group-clash": (
        {"existingGroups": {"web": {"id": MONITORING}, "monitoring": {"id": MONITORING}}},
        ["existingGroups.web: 'web' is also the key of a group of this stack; 'group:web' must name one group"],
    ),
    "group-bad-key": (
        {"existingGroups": {"-mon": {"id": MONITORING}, "monitoring": {"id": MONITORING}}},
        [
            "existingGroups.-mon: '-mon' is not a usable key; start with a letter or digit and use only letters, "
            "digits, '.', '_' and '-' (at most 100 characters)"
        ],
    ),
    "group-id-and-name": (
        {"existingGroups": {"monitoring": {"id": MONITORING, "name": "shared-monitoring"}}},
        [
            "existingGroups.monitoring: an id names the group already; remove name and tags, or remove id to look the "
            "group up"
        ],
    ),
    "group-bad-id": (
        {"existingGroups": {"monitoring": {"id": "sg-XYZ"}}},
        ["existingGroups.monitoring.id: 'sg-XYZ' is not a security group id (sg- and 8 or 17 hex digits)"],
    ),
    "group-nothing": (
        {"existingGroups": {"monitoring": {}}},
        ["existingGroups.monitoring: say which group: its id (sg-…), or its name or tags to look it up"],
    ),
    "group-typo": (
        {"existingGroups": {"monitoring": {"nmae": "shared-monitoring"}}},
        ["existingGroups.monitoring.nmae: unknown key; did you mean 'name'?; allowed: id, name, tags"],
    ),
    "group-bad-name": (
        {"existingGroups": {"monitoring": {"name": "shared\tmonitoring"}}},
        [
            "existingGroups.monitoring.name: the group name contains '\\t' (U+0009), which AWS does not accept; use "
            "only letters, digits and ._-:/()#,@[]+=&;{}!$* (and spaces)"
        ],
    ),
    "unknown-existing-group": (
        {},
        ["groups.web.ingress[0].from[0]: 'group:monitoring' names no group of this stack (there are no other groups)"],
    ),
}


@pytest.mark.parametrize(("keys", "problems"), BAD_LOOKUPS.values(), ids=BAD_LOOKUPS.keys())
def test_bad_lookups_are_config_errors_and_nothing_is_looked_up(
    runtime_factory: Callable[..., Pulumi], keys: dict[str, object], problems: list[str]
) -> None:
    """A lookup that is not sound is refused before AWS is asked anything, and nothing is registered."""
    if "existingGroups" not in keys:
        keys = {**keys, "existingGroups": {"monitoring": {"id": MONITORING}}} if "vpc" in keys else keys
    rt = run(runtime_factory, config(**keys))
    error = rt.last.error  # type: ignore[attr-defined]
    assert isinstance(error, ConfigError), error
    assert list(error.lines) == problems
    assert (rt.mocks.invokes, rt.mocks.resources) == ([], [])


def test_a_secret_lookup_is_never_shown_and_its_vpc_id_is_registered_secret(
    runtime_factory: Callable[..., Pulumi],
) -> None:
    keys = {"vpc": {"tags": {"Name": "S3CR3T"}}, "existingGroups": {"monitoring": {"id": MONITORING}}}
    rt = run(runtime_factory, config(**keys), vpcs=[VPC, OTHER_VPC], secret_keys=("security-groups:vpc",))
    assert error_lines(rt) == [
        HEADER,
        "  - vpc: 2 VPCs in eu-west-1 have the tags given (a secret value); add a tag that only the intended VPC "
        "has, or give its id as vpcId",
    ]
    rt = run(runtime_factory, config(**keys), secret_keys=("security-groups:vpc",))
    assert rt.last.error is None  # type: ignore[attr-defined]
    assert "vpcId" in secret_inputs(rt)[(SG, "web")][1]
    assert rt.last.known is True  # type: ignore[attr-defined]

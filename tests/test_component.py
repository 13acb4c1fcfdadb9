"""The SecurityGroup component used directly (as a pip consumer would): exact resources and inputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from conftest import COMPONENT, EGRESS, INGRESS, SG, Pulumi, registered_urns, registration_requests, resolve
from security_groups_component import TYPE_TOKEN, ConfigError, Protocol, RulePreset, SecurityGroup, SecurityGroupArgs

TAGS = {"environment": "test"}
DEFAULT_EGRESS = {
    "securityGroupId": "sg-web",
    "ipProtocol": "-1",
    "cidrIpv4": "0.0.0.0/0",
    "description": "Allow all outbound traffic (the EC2 console default)",
}


def web_args(**overrides: Any) -> SecurityGroupArgs:
    """A compliant baseline; each test changes one thing."""
    args: dict[str, Any] = {
        "description": "Public web tier",
        "ingress": [{"preset": "https", "peers": ["anywhere"], "description": "HTTPS from the internet"}],
    }
    args.update(overrides)
    return args  # type: ignore[return-value]


def build(rt: Pulumi, args: SecurityGroupArgs, name: str = "web") -> dict[str, Any]:
    """Create one component and return its resolved outputs."""
    holder: dict[str, SecurityGroup] = {}

    def program() -> None:
        holder["sg"] = SecurityGroup(name, args)

    run = rt.run(program)
    assert run.error is None, run.error
    sg = holder["sg"]
    values, _ = resolve(
        {
            "id": sg.security_group_id,
            "arn": sg.security_group_arn,
            "name": sg.security_group_name,
            "vpc_id": sg.vpc_id,
            "rule_ids": sg.rule_ids,
        }
    )
    return values


def inputs(rt: Pulumi, typ: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in rt.mocks.of_type(typ)}


def test_baseline_creates_group_rules_and_console_default_egress(pulumi_mocks: Pulumi) -> None:
    """One group, one rule per peer of `anywhere`, and the console's allow-all IPv4 egress."""
    outputs = build(pulumi_mocks, web_args())

    assert inputs(pulumi_mocks, SG) == {"web": {"description": "Public web tier"}}
    assert inputs(pulumi_mocks, INGRESS) == {
        "web-ingress-tcp-443-0.0.0.0/0": {
            "securityGroupId": "sg-web",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
            "cidrIpv4": "0.0.0.0/0",
            "description": "HTTPS from the internet",
        },
        "web-ingress-tcp-443-0:0:0:0:0:0:0:0/0": {
            "securityGroupId": "sg-web",
            "ipProtocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
            "cidrIpv6": "::/0",
            "description": "HTTPS from the internet",
        },
    }
    assert inputs(pulumi_mocks, EGRESS) == {"web-egress-all-0.0.0.0/0": DEFAULT_EGRESS}
    assert outputs == {
        "id": "sg-web",
        "arn": "arn:aws:ec2:us-east-1:123456789012:security-group/sg-web",
        "name": "web-0a1b2c3",
        "vpc_id": "vpc-0default0000000000",
        "rule_ids": {
            "ingress-tcp-443-0.0.0.0/0": "sgr-web-ingress-tcp-443-0.0.0.0/0",
            "ingress-tcp-443-0:0:0:0:0:0:0:0/0": "sgr-web-ingress-tcp-443-0:0:0:0:0:0:0:0/0",
            "egress-all-0.0.0.0/0": "sgr-web-egress-all-0.0.0.0/0",
        },
    }


def test_group_has_no_inline_rules_and_auto_names(pulumi_mocks: Pulumi) -> None:
    """No ingress/egress blocks on the group (never mix the two models) and no explicit name."""
    build(pulumi_mocks, web_args())
    (group,) = pulumi_mocks.mocks.of_type(SG)
    assert set(group.inputs) == {"description"}


def test_every_child_is_parented_to_the_component(pulumi_mocks: Pulumi) -> None:
    """The component registers with its type token, every child sits under it, and the rules are deleted
    with their group (AWS removes a group's rules when it deletes the group)."""
    build(pulumi_mocks, web_args())
    component = f"urn:pulumi:dev::security-groups::pulumi:pulumi:Stack${COMPONENT}::web"
    group = f"urn:pulumi:dev::security-groups::{COMPONENT}$aws:ec2/securityGroup:SecurityGroup::web"
    assert TYPE_TOKEN == COMPONENT
    assert set(registered_urns()) >= {component, group}
    requests = registration_requests()
    assert {name: (r.type, r.parent, r.deletedWith) for name, r in requests.items() if r.custom} == {
        "web": ("aws:ec2/securityGroup:SecurityGroup", component, ""),
        "web-ingress-tcp-443-0.0.0.0/0": (INGRESS, component, group),
        "web-ingress-tcp-443-0:0:0:0:0:0:0:0/0": (INGRESS, component, group),
        "web-egress-all-0.0.0.0/0": (EGRESS, component, group),
    }


def test_empty_egress_means_no_outbound_rule(pulumi_mocks: Pulumi) -> None:
    """`egress: []` removes the console default: no egress resource at all."""
    outputs = build(pulumi_mocks, web_args(egress=[]))
    assert pulumi_mocks.mocks.of_type(EGRESS) == []
    assert set(outputs["rule_ids"]) == {"ingress-tcp-443-0.0.0.0/0", "ingress-tcp-443-0:0:0:0:0:0:0:0/0"}


def test_no_rules_at_all(pulumi_mocks: Pulumi) -> None:
    """A group with no ingress and no egress is valid and has an empty rule map."""
    outputs = build(pulumi_mocks, {"description": "Placeholder for instances", "egress": []})
    assert pulumi_mocks.mocks.of_type(INGRESS) == []
    assert outputs["rule_ids"] == {}


@pytest.mark.parametrize(
    ("rule", "name", "expected"),
    [
        pytest.param(
            {"protocol": "udp", "ports": "8000-8100", "peers": ["2001:db8::/32"]},
            "web-ingress-udp-8000-8100-2001:db8:0:0:0:0:0:0/32",
            {"ipProtocol": "udp", "fromPort": 8000, "toPort": 8100, "cidrIpv6": "2001:db8::/32"},
            id="udp-range-ipv6",
        ),
        pytest.param(
            {"protocol": "icmp", "icmp_type": 8, "icmp_code": 0, "peers": ["10.0.0.0/8"]},
            "web-ingress-icmp-type8-code0-10.0.0.0/8",
            {"ipProtocol": "icmp", "fromPort": 8, "toPort": 0, "cidrIpv4": "10.0.0.0/8"},
            id="icmp-echo-request",
        ),
        pytest.param(
            {"preset": "all-icmp-ipv6", "peers": ["fd00::/8"]},
            "web-ingress-icmpv6-all-fd00:0:0:0:0:0:0:0/8",
            {"ipProtocol": "icmpv6", "fromPort": -1, "toPort": -1, "cidrIpv6": "fd00::/8"},
            id="all-icmpv6",
        ),
        pytest.param(
            {"protocol": "all", "peers": ["self"]},
            "web-ingress-all-self",
            {"ipProtocol": "-1", "referencedSecurityGroupId": "sg-web"},
            id="all-traffic-from-self",
        ),
        pytest.param(
            {"protocol_number": 47, "peers": ["10.1.0.0/16"]},
            "web-ingress-47-10.1.0.0/16",
            {"ipProtocol": "47", "cidrIpv4": "10.1.0.0/16"},
            id="gre-protocol-number",
        ),
        pytest.param(
            {"protocol_number": 6, "ports": "22", "peers": ["sg-0123456789abcdef0"]},
            "web-ingress-tcp-22-sg-0123456789abcdef0",
            {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "referencedSecurityGroupId": "sg-0123456789abcdef0"},
            id="protocol-number-6-is-tcp-existing-group",
        ),
        pytest.param(
            {"protocol": Protocol.TCP, "ports": "5432", "peers": ["10.20.0.0/16"]},
            "web-ingress-tcp-5432-10.20.0.0/16",
            {"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrIpv4": "10.20.0.0/16"},
            id="protocol-enum-member",
        ),
        pytest.param(
            {"preset": RulePreset.POSTGRESQL, "peers": ["10.20.0.0/16"]},
            "web-ingress-tcp-5432-10.20.0.0/16",
            {"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrIpv4": "10.20.0.0/16"},
            id="preset-enum-member-same-name-as-protocol",
        ),
        pytest.param(
            {"preset": "https", "peers": ["pl-6da54004"]},
            "web-ingress-tcp-443-pl-6da54004",
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "prefixListId": "pl-6da54004"},
            id="prefix-list",
        ),
        pytest.param(
            {"protocol": "TCP", "ports": "0-65535", "peers": ["0:0:0:0:0:0:0:0/0"]},
            "web-ingress-tcp-0-65535-0:0:0:0:0:0:0:0/0",
            {"ipProtocol": "tcp", "fromPort": 0, "toPort": 65535, "cidrIpv6": "::/0"},
            id="long-ipv6-spelling-sent-canonical",
        ),
    ],
)
def test_rule_shapes(pulumi_mocks: Pulumi, rule: dict[str, Any], name: str, expected: dict[str, Any]) -> None:
    """Each kind of rule becomes one resource with exactly these inputs and this content-derived name."""
    build(pulumi_mocks, web_args(ingress=[{**rule, "description": "Case under test"}], egress=[]))
    assert inputs(pulumi_mocks, INGRESS) == {
        name: {"securityGroupId": "sg-web", "description": "Case under test", **expected}
    }


def test_group_peers_resolve_through_group_ids(pulumi_mocks: Pulumi) -> None:
    """`group:<key>` takes the id from `group_ids`, which may be an Output of another resource."""

    def program() -> None:
        app = SecurityGroup("app", {"description": "App tier", "egress": []})
        SecurityGroup(
            "web",
            web_args(
                egress=[{"protocol": "tcp", "ports": "8080", "peers": ["group:app"], "description": "To the app"}],
                group_ids={"app": app.security_group_id},
            ),
        )

    assert pulumi_mocks.run(program).error is None
    assert inputs(pulumi_mocks, EGRESS) == {
        "web-egress-tcp-8080-group-app": {
            "securityGroupId": "sg-web",
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
            "referencedSecurityGroupId": "sg-app",
            "description": "To the app",
        }
    }


def test_name_vpc_and_tags_reach_the_group_and_tags_reach_rules(pulumi_mocks: Pulumi) -> None:
    """An explicit name and VPC are passed through; tags go on the group and on every rule."""
    build(pulumi_mocks, web_args(name="web-public", vpc_id="vpc-0a1b2c3d4e5f67890", tags=TAGS, egress=[]))
    assert inputs(pulumi_mocks, SG) == {
        "web": {
            "description": "Public web tier",
            "name": "web-public",
            "vpcId": "vpc-0a1b2c3d4e5f67890",
            "tags": TAGS,
        }
    }
    assert [r.inputs["tags"] for r in pulumi_mocks.mocks.of_type(INGRESS)] == [TAGS, TAGS]


def test_group_ids_may_be_literal_ids(pulumi_mocks: Pulumi) -> None:
    """An existing group's id works as well as an Output: the rule references it as given."""
    rule = {"preset": "ssh", "peers": ["group:ops"], "description": "SSH from ops"}
    build(pulumi_mocks, web_args(ingress=[rule], egress=[], group_ids={"ops": "sg-0123456789abcdef0"}))
    assert inputs(pulumi_mocks, INGRESS)["web-ingress-tcp-22-group-ops"]["referencedSecurityGroupId"] == (
        "sg-0123456789abcdef0"
    )


def test_vpc_id_may_be_an_output(pulumi_mocks: Pulumi) -> None:
    """A VPC created in the same program can be passed as an Output; it is not validated as text."""
    build(pulumi_mocks, web_args(vpc_id=pulumi.Output.from_input("vpc-0a1b2c3d4e5f67890")))
    assert pulumi_mocks.mocks.of_type(SG)[0].inputs["vpcId"] == "vpc-0a1b2c3d4e5f67890"


def test_preview_leaves_computed_outputs_unknown(pulumi_preview: Pulumi) -> None:
    """In preview the provider has not computed ids yet: the component's outputs are unknown, not errors."""
    holder: dict[str, SecurityGroup] = {}

    def program() -> None:
        holder["sg"] = SecurityGroup("web", web_args())

    assert pulumi_preview.run(program).error is None
    known = [
        resolve(getattr(holder["sg"], attr))[1] for attr in ("security_group_id", "security_group_arn", "rule_ids")
    ]
    assert known == [False, False, False]
    rules = pulumi_preview.mocks.of_type(INGRESS)
    assert {r.name for r in rules} == {"web-ingress-tcp-443-0.0.0.0/0", "web-ingress-tcp-443-0:0:0:0:0:0:0:0/0"}
    # The rules still register, pointing at a group id that is not known until the group exists.
    assert all(isinstance(r.inputs["securityGroupId"], pulumi.output.Unknown) for r in rules)


BAD_ARGS = [
    pytest.param(
        {"ingress": []},
        "web",
        [
            "description: required: say what the group is for (AWS requires it, and changing it later "
            "replaces the group)"
        ],
        id="description-missing",
    ),
    pytest.param(
        web_args(ingress=[{"preset": "https", "from": ["anywhere"], "description": "x"}]),
        "web",
        [
            "ingress[0].from: unknown key; allowed: preset, protocol, protocol_number, ports, icmp_type, icmp_code, "
            "peers, description",
            "ingress[0].peers: required: list the peers, e.g. [10.0.0.0/8], [anywhere] or [group:web]",
        ],
        id="config-spelling-from-instead-of-peers",
    ),
    pytest.param(
        web_args(ingress=[{"preset": "https", "peers": ["group:app"], "description": "x"}]),
        "web",
        ["ingress[0].peers[0]: 'group:app' names no group of this stack (there are no other groups)"],
        id="group-peer-without-group-ids",
    ),
    pytest.param(
        web_args(
            ingress=[{"protocol": "tcp", "protocol_number": 6, "ports": "22", "peers": ["self"], "description": "x"}]
        ),
        "web",
        ["ingress[0]: give either 'protocol' (a name) or 'protocol_number' (a number), not both"],
        id="protocol-and-protocol-number",
    ),
    pytest.param(
        web_args(ingress=[{"preset": RulePreset.SSH, "protocol_number": 6, "peers": ["self"], "description": "x"}]),
        "web",
        ["ingress[0]: give either 'preset' (a console preset) or 'protocol_number' (with 'ports'), not both"],
        id="preset-and-protocol-number",
    ),
    pytest.param(
        web_args(ingress=[{"protocol_number": 256, "peers": ["self"], "description": "x"}]),
        "web",
        [
            "ingress[0].protocol_number: 256 is not a protocol number; use 0-255, or 'protocol' for tcp, udp, icmp, "
            "icmpv6 and all"
        ],
        id="protocol-number-too-big",
    ),
    pytest.param(
        web_args(ingress=[{"protocol_number": "gre", "peers": ["self"], "description": "x"}]),
        "web",
        [
            "ingress[0].protocol_number: 'gre' is not a protocol number; use 0-255, or 'protocol' for tcp, udp, "
            "icmp, icmpv6 and all"
        ],
        id="protocol-number-not-a-number",
    ),
    pytest.param(
        web_args(ingress=[{"peers": ["self"], "description": "x"}]),
        "web",
        [
            "ingress[0]: a rule needs 'preset' (a console preset such as ssh or https) or 'protocol' "
            "(or 'protocol_number') with 'ports'"
        ],
        id="no-preset-no-protocol",
    ),
    pytest.param(
        web_args(rule_quota=0),
        "web",
        ["rule_quota: expected a whole number from 1 to 1000, got 0"],
        id="rule-quota-zero",
    ),
    pytest.param(
        web_args(group_ids=["sg-0123456789abcdef0"]),
        "web",
        ["group_ids: expected a mapping of group keys to group ids, got a list"],
        id="group-ids-not-a-mapping",
    ),
    pytest.param(
        web_args(
            ingress=[{"preset": "ssh", "peers": ["group:ops"], "description": "SSH from ops"}],
            group_ids={"ops": None},
        ),
        "web",
        ["group_ids.ops: expected the id of a security group (sg-…) or an Output of one, got null"],
        id="group-id-none",
    ),
    pytest.param(
        web_args(
            ingress=[{"preset": "ssh", "peers": ["group:ops"], "description": "SSH from ops"}],
            group_ids={"ops": "ops-group"},
        ),
        "web",
        ["group_ids.ops: expected the id of a security group (sg-…) or an Output of one, got 'ops-group'"],
        id="group-id-not-an-id",
    ),
    pytest.param(
        web_args(group_ids={"ops": 42}),
        "web",
        ["group_ids.ops: expected the id of a security group (sg-…) or an Output of one, got 42"],
        id="group-id-a-number",
    ),
    pytest.param(
        web_args(vpc_id="vpc-123"),
        "web",
        ["vpc_id: 'vpc-123' is not a VPC id (vpc- and 8 or 17 hex digits); remove it for the default VPC"],
        id="vpc-id-malformed",
    ),
    pytest.param(
        web_args(descripton="typo"),
        "web",
        [
            "descripton: unknown key; did you mean 'description'?; allowed: description, name, vpc_id, tags, "
            "ingress, egress, group_ids, rule_quota"
        ],
        id="typo-in-key",
    ),
    pytest.param(
        web_args(),
        "sg-web",
        [
            "resource name: 'sg-web' would auto-name the group 'sg-web-…', and AWS rejects group names starting "
            "with 'sg-'; choose another key"
        ],
        id="resource-name-starts-with-sg",
    ),
]


@pytest.mark.parametrize(("args", "name", "expected"), BAD_ARGS)
def test_bad_arguments_register_nothing(pulumi_mocks: Pulumi, args: Any, name: str, expected: list[str]) -> None:
    """Bad arguments raise one ConfigError naming each argument path, before any resource is registered."""
    run = pulumi_mocks.run(lambda: SecurityGroup(name, args))
    assert isinstance(run.error, ConfigError)
    assert run.error.lines == tuple(expected)
    assert str(run.error).splitlines()[0] == (
        f"SecurityGroup {name!r}: {len(expected)} problem{'s' if len(expected) > 1 else ''}. "
        "No resource was registered; fix the arguments and run again."
    )
    assert pulumi_mocks.mocks.resources == []


def test_arguments_that_are_not_a_mapping(pulumi_mocks: Pulumi) -> None:
    """A caller passing something other than a dict gets a ConfigError, not an AttributeError."""
    run = pulumi_mocks.run(lambda: SecurityGroup("web", "https from anywhere"))  # type: ignore[arg-type]
    assert isinstance(run.error, ConfigError)
    assert run.error.lines == ("expected SecurityGroupArgs (a mapping), got 'https from anywhere'",)
    assert pulumi_mocks.mocks.resources == []

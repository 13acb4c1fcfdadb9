"""The component package as another language's program meets it: the plugin, its schema, and Construct over gRPC.

The plugin is started as the Pulumi CLI starts it (`python __main__.py <engine-address>` in components/) and asked
what `pulumi package add` asks (GetPluginInfo, GetSchema); Construct is sent as the engine sends it, numbers as
doubles, with a fake resource monitor that records what the plugin registers.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
import yaml
from conftest import COMPONENT, EGRESS, INGRESS, PROJECT_DIR, SG
from google.protobuf import json_format
from security_group_tools.component_schema import SCHEMA_FILE, inferred_schema, render
from security_group_tools.pack_runner import Engine
from security_group_tools.plugin_runner import ComponentPlugin, Monitor, Registration
from security_groups_component import PRESETS, Protocol, RulePreset, __version__

RULE_TYPE = "security-groups:index:SecurityGroupRule"
PRESET_TYPE = "security-groups:index:RulePreset"
PROTOCOL_TYPE = "security-groups:index:Protocol"
STACK_URN = "urn:pulumi:dev::security-groups::pulumi:pulumi:Stack::security-groups-dev"
COMPONENT_URN = f"urn:pulumi:dev::security-groups::pulumi:pulumi:Stack${COMPONENT}::web"
GROUP_URN = f"urn:pulumi:dev::security-groups::{COMPONENT}${SG}::web"


@pytest.fixture(scope="module")
def plugin() -> Iterator[ComponentPlugin]:
    """One plugin process for this module, started as the CLI starts it, with a fake engine."""
    engine = Engine.start()
    process = ComponentPlugin.start(engine.address)
    try:
        yield process
    finally:
        process.stop()
        engine.stop()


@pytest.fixture(scope="module")
def schema(plugin: ComponentPlugin) -> dict[str, Any]:
    """The schema exactly as the plugin serves it over GetSchema."""
    return plugin.schema()


@pytest.fixture
def monitor() -> Iterator[Monitor]:
    """A fresh fake resource monitor per test."""
    server = Monitor.start()
    try:
        yield server
    finally:
        server.stop()


# --- Plugin info and the committed schema ---------------------------------------------------------------------


def test_plugin_version_is_the_distribution_version(plugin: ComponentPlugin) -> None:
    """One version, written once: the plugin, the schema and the pip distribution agree."""
    assert plugin.plugin_info().version == __version__
    assert importlib.metadata.version("security-groups-component") == __version__


def test_served_schema_is_the_committed_copy(schema: dict[str, Any]) -> None:
    """What GetSchema returns is components/schema.json, byte for byte once rendered."""
    assert render(schema) == SCHEMA_FILE.read_text()


def test_committed_schema_is_what_the_code_infers() -> None:
    """Any change to the public API is a diff of components/schema.json; `make schema` refreshes it."""
    assert render(inferred_schema()) == SCHEMA_FILE.read_text(), "components/schema.json is stale: run `make schema`"


def test_package_identity(schema: dict[str, Any]) -> None:
    """Name, namespace and version: what the generated SDKs are called and versioned as."""
    assert (schema["name"], schema["namespace"], schema["version"]) == ("security-groups", "platform", __version__)
    assert list(schema["resources"]) == [COMPONENT, "security-groups:index:SecurityGroupGuard"]
    assert schema["resources"][COMPONENT]["isComponent"] is True
    assert schema["dependencies"] == []


# --- Inputs, outputs and types ---------------------------------------------------------------------------------


def shape(prop: dict[str, Any]) -> str:
    """A property's type in one word: `string`, `integer`, `array<$Rule>`, `map<string>`, `$Preset`."""
    if "$ref" in prop:
        return "$" + prop["$ref"].rsplit(":", 1)[-1]
    if prop["type"] == "array":
        return f"array<{shape(prop['items'])}>"
    if prop["type"] == "object":
        return f"map<{shape(prop['additionalProperties'])}>"
    return str(prop["type"])


def test_component_inputs(schema: dict[str, Any]) -> None:
    """Exact inputs, their types, which are plain (known while the program runs) and which are required."""
    resource = schema["resources"][COMPONENT]
    inputs = {name: (shape(prop), prop.get("plain", False)) for name, prop in resource["inputProperties"].items()}
    assert inputs == {
        "description": ("string", True),
        "name": ("string", True),
        "vpcId": ("string", False),
        "tags": ("map<string>", True),
        "ingress": ("array<$SecurityGroupRule>", True),
        "egress": ("array<$SecurityGroupRule>", True),
        "groupIds": ("map<string>", True),
        "ruleQuota": ("integer", True),
    }
    # Group ids may be outputs of other resources; the map itself is plain because its keys name resources.
    assert "plain" not in resource["inputProperties"]["groupIds"]["additionalProperties"]
    assert resource["requiredInputs"] == ["description"]


def test_component_outputs(schema: dict[str, Any]) -> None:
    """Exact outputs, all always set, none plain; rule ids are a map from the rule's stable key."""
    resource = schema["resources"][COMPONENT]
    outputs = {name: shape(prop) for name, prop in resource["properties"].items()}
    assert outputs == {
        "securityGroupId": "string",
        "securityGroupArn": "string",
        "securityGroupName": "string",
        "vpcId": "string",
        "ruleIds": "map<string>",
    }
    assert resource["required"] == sorted(outputs)
    assert not [name for name, prop in resource["properties"].items() if "plain" in prop]


def test_rule_type(schema: dict[str, Any]) -> None:
    """A rule: three ways to name the traffic (preset, protocol, protocol number), peers and a description."""
    rule = schema["types"][RULE_TYPE]
    assert {name: shape(prop) for name, prop in rule["properties"].items()} == {
        "preset": "$RulePreset",
        "protocol": "$Protocol",
        "protocolNumber": "integer",
        "ports": "string",
        "icmpType": "integer",
        "icmpCode": "integer",
        "peers": "array<string>",
        "description": "string",
    }
    assert rule["required"] == ["description", "peers"]
    assert set(schema["types"]) == {RULE_TYPE, PRESET_TYPE, PROTOCOL_TYPE}


def test_protocol_enum(schema: dict[str, Any]) -> None:
    """The named protocols, as the Python enum spells them."""
    enum = schema["types"][PROTOCOL_TYPE]
    assert enum["type"] == "string"
    assert [(e["name"], e["value"]) for e in enum["enum"]] == [(p.name, p.value) for p in Protocol]
    assert [p.value for p in Protocol] == ["tcp", "udp", "icmp", "icmpv6", "all"]


def preset_description(key: str) -> str:
    """What each preset's enum value says, generated from the preset table."""
    p = PRESETS[key]
    protocol = "all protocols" if p.protocol == "-1" else p.protocol
    if p.from_port is None:
        traffic = "every port"
    elif p.protocol in ("icmp", "icmpv6"):
        traffic = "all types and codes"
    elif p.from_port == p.to_port:
        traffic = f"port {p.from_port}"
    else:
        traffic = f"ports {p.from_port}-{p.to_port}"
    return f"{p.label}: {protocol}, {traffic}."


def test_preset_enum_is_the_preset_table(schema: dict[str, Any]) -> None:
    """Every preset, in the table's order, named after its key, described by its console Type and traffic."""
    enum = schema["types"][PRESET_TYPE]
    assert [(e["name"], e["value"], e["description"]) for e in enum["enum"]] == [
        (key.upper().replace("-", "_"), key, preset_description(key)) for key in PRESETS
    ]
    assert [p.value for p in RulePreset] == list(PRESETS)


def every_description(schema: dict[str, Any]) -> dict[str, str | None]:
    """Each input, output, type and type property by path, with its description."""
    found: dict[str, str | None] = {}
    for token, resource in schema["resources"].items():
        found[token] = resource.get("description")
        for section in ("inputProperties", "properties"):
            for name, prop in resource[section].items():
                found[f"{token}.{section}.{name}"] = prop.get("description")
    for token, typ in schema["types"].items():
        found[token] = typ.get("description")
        for name, prop in typ.get("properties", {}).items():
            found[f"{token}.{name}"] = prop.get("description")
        for value in typ.get("enum", []):
            found[f"{token}.{value['name']}"] = value.get("description")
    return found


def test_everything_is_described_on_one_line(schema: dict[str, Any]) -> None:
    """Every SDK shows these as doc comments: none missing, none carrying source indentation."""
    descriptions = every_description(schema)
    assert len(descriptions) == 1 + 8 + 5 + 1 + 8 + 1 + 5 + 1 + len(PRESETS) + 1 + 10 + 3  # the guard, inputs, outputs
    assert [path for path, text in descriptions.items() if not text] == []
    assert [path for path, text in descriptions.items() if text and "\n" in text] == []


def test_sample_descriptions(schema: dict[str, Any]) -> None:
    """The descriptions are the docstrings under each field."""
    resource = schema["resources"][COMPONENT]
    assert resource["description"] == (
        "An EC2 security group with no inline rules: one rule resource per (rule, peer), named from its content."
    )
    assert resource["inputProperties"]["description"]["description"] == (
        "What the group is for. AWS cannot change it in place: a new description replaces the group."
    )
    assert resource["properties"]["ruleIds"]["description"] == (
        "Each rule's id (`sgr-…`) by its stable key, e.g. `ingress-tcp-443-0.0.0.0/0`."
    )


# --- Construct over gRPC ---------------------------------------------------------------------------------------

WEB_INPUTS = {
    "description": "Public web tier",
    "ingress": [
        {"preset": "https", "peers": ["anywhere"], "description": "HTTPS from the internet"},
        {"protocol": "icmp", "icmpType": 8, "icmpCode": 0, "peers": ["10.0.0.0/8"], "description": "Ping"},
        {"protocolNumber": 47, "peers": ["10.1.0.0/16"], "description": "GRE tunnels"},
    ],
    "egress": [{"protocol": "tcp", "ports": "5432", "peers": ["sg-0123456789abcdef0"], "description": "To the db"}],
    "tags": {"team": "platform"},
    "ruleQuota": 50,
}


def children(registrations: list[Registration]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every custom resource the plugin registered: name -> (type, inputs as received on the wire)."""
    found = {}
    for r in registrations:
        if r.custom:
            assert (r.parent, r.deleted_with) == (COMPONENT_URN, "" if r.type == SG else GROUP_URN), r.name
            found[r.name] = (r.type, r.inputs)
    return found


def test_construct_registers_the_component_and_exactly_its_children(plugin: ComponentPlugin, monitor: Monitor) -> None:
    """Numbers arrive as doubles and enums as strings; the children are what a Python caller would get."""
    response = plugin.construct(monitor, COMPONENT, "web", WEB_INPUTS)
    registrations = monitor.servicer.registrations
    assert (registrations[0].type, registrations[0].name, registrations[0].parent) == (COMPONENT, "web", STACK_URN)
    assert response.urn == COMPONENT_URN
    tags = {"team": "platform"}
    rule = {"securityGroupId": "sg-web", "tags": tags}
    assert children(registrations) == {
        "web": (SG, {"description": "Public web tier", "tags": tags}),
        "web-ingress-tcp-443-0.0.0.0/0": (
            INGRESS,
            {
                **rule,
                "ipProtocol": "tcp",
                "fromPort": 443.0,
                "toPort": 443.0,
                "cidrIpv4": "0.0.0.0/0",
                "description": "HTTPS from the internet",
            },
        ),
        "web-ingress-tcp-443-0:0:0:0:0:0:0:0/0": (
            INGRESS,
            {
                **rule,
                "ipProtocol": "tcp",
                "fromPort": 443.0,
                "toPort": 443.0,
                "cidrIpv6": "::/0",
                "description": "HTTPS from the internet",
            },
        ),
        "web-ingress-icmp-type8-code0-10.0.0.0/8": (
            INGRESS,
            {
                **rule,
                "ipProtocol": "icmp",
                "fromPort": 8.0,
                "toPort": 0.0,
                "cidrIpv4": "10.0.0.0/8",
                "description": "Ping",
            },
        ),
        "web-ingress-47-10.1.0.0/16": (
            INGRESS,
            {**rule, "ipProtocol": "47", "cidrIpv4": "10.1.0.0/16", "description": "GRE tunnels"},
        ),
        "web-egress-tcp-5432-sg-0123456789abcdef0": (
            EGRESS,
            {
                **rule,
                "ipProtocol": "tcp",
                "fromPort": 5432.0,
                "toPort": 5432.0,
                "referencedSecurityGroupId": "sg-0123456789abcdef0",
                "description": "To the db",
            },
        ),
    }


def test_construct_returns_the_outputs_by_schema_name(plugin: ComponentPlugin, monitor: Monitor) -> None:
    """The state the engine hands back to the calling program: camelCase outputs with the ids AWS assigned."""
    response = plugin.construct(monitor, COMPONENT, "web", WEB_INPUTS)
    state = json_format.MessageToDict(response.state)
    assert state == {
        "securityGroupId": "sg-web",
        "securityGroupArn": "arn:aws:ec2:us-east-1:123456789012:security-group/sg-web",
        "securityGroupName": "web-0a1b2c3",
        "vpcId": "vpc-0default0000000000",
        "ruleIds": {
            key: f"sgr-web-{key}"
            for key in (
                "ingress-tcp-443-0.0.0.0/0",
                "ingress-tcp-443-0:0:0:0:0:0:0:0/0",
                "ingress-icmp-type8-code0-10.0.0.0/8",
                "ingress-47-10.1.0.0/16",
                "egress-tcp-5432-sg-0123456789abcdef0",
            )
        },
    }
    assert set(response.stateDependencies["securityGroupId"].urns) == {GROUP_URN}


def refused(plugin: ComponentPlugin, monitor: Monitor, inputs: dict[str, Any]) -> list[str]:
    """Construct that must fail: the error's lines up to the plugin's traceback; nothing may be registered."""
    with pytest.raises(grpc.RpcError) as raised:
        plugin.construct(monitor, COMPONENT, "web", inputs)
    assert monitor.servicer.registrations == []
    lines: list[str] = raised.value.details().splitlines()  # type: ignore[attr-defined]
    return lines[: next(i for i, line in enumerate(lines) if line.startswith("  File "))]


def test_construct_with_a_fractional_number_is_refused(plugin: ComponentPlugin, monitor: Monitor) -> None:
    """8.5 is no ICMP type: a double is only taken as an integer when it is whole."""
    inputs = {**WEB_INPUTS, "ingress": [{**WEB_INPUTS["ingress"][1], "icmpType": 8.5}]}  # type: ignore[dict-item]
    assert refused(plugin, monitor, inputs) == [
        "Unexpected <class 'Exception'>: SecurityGroup 'web': 1 problem. No resource was registered; fix the "
        "arguments and run again.",
        "  - ingress[0].icmp_type: 8.5 is not an ICMP type or code; use 0-255, or -1 for all:",
    ]


def test_construct_with_bad_config_reports_every_problem_and_registers_nothing(
    plugin: ComponentPlugin, monitor: Monitor
) -> None:
    """The same checks as for stack config: one error naming each argument path, nothing registered."""
    inputs = {
        "description": "Managed by Pulumi",
        "ingress": [{"protocol": "tcp", "ports": "22", "peers": ["10.0.0.1"], "description": "SSH"}],
    }
    assert refused(plugin, monitor, inputs) == [
        "Unexpected <class 'Exception'>: SecurityGroup 'web': 2 problems. No resource was registered; fix the "
        "arguments and run again.",
        "  - description: 'Managed by Pulumi' is a tool's placeholder description; say what the group is for",
        "  - ingress[0].peers[0]: '10.0.0.1' has no prefix length; did you mean '10.0.0.1/32' (one address)?:",
    ]


def test_construct_with_an_unknown_preset_is_refused_by_the_schema(plugin: ComponentPlugin, monitor: Monitor) -> None:
    """An enum value the schema does not list is an input-property error before the component runs."""
    inputs = {"description": "Web", "ingress": [{"preset": "postgres", "peers": ["self"], "description": "DB"}]}
    with pytest.raises(grpc.RpcError) as raised:
        plugin.construct(monitor, COMPONENT, "web", inputs)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert monitor.servicer.registrations == []


def test_construct_in_preview_registers_the_same_children(plugin: ComponentPlugin, monitor: Monitor) -> None:
    """In a preview nothing has an id yet, but every child is registered with the same name and inputs."""
    preview = Monitor.start(preview=True)
    try:
        plugin.construct(preview, COMPONENT, "web", WEB_INPUTS, dry_run=True)
        plugin.construct(monitor, COMPONENT, "web", WEB_INPUTS)
        previewed = {(r.type, r.name) for r in preview.servicer.registrations}
        assert previewed == {(r.type, r.name) for r in monitor.servicer.registrations}
        assert len(previewed) == 7
    finally:
        preview.stop()


def test_plugin_project_file() -> None:
    """PulumiPlugin.yaml: a Python plugin whose venv the CLI builds with pip from components/requirements.txt."""
    plugin_file = yaml.safe_load((PROJECT_DIR / "components" / "PulumiPlugin.yaml").read_text())
    assert plugin_file == {"runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}}


def schema_problems(value: Any, prop: dict[str, Any], schema: dict[str, Any], at: str) -> list[str]:
    """Where a YAML value does not fit a schema property: unknown or missing keys, bad enum values."""
    ref = prop.get("$ref", "").removeprefix("#/types/")
    if ref:
        typ = schema["types"][ref]
        if "enum" in typ:
            return [] if value in [e["value"] for e in typ["enum"]] else [f"{at}: {value!r} is not a {ref}"]
        return object_problems(value, typ["properties"], typ.get("required", []), schema, at)
    if prop.get("type") == "array":
        return [p for i, item in enumerate(value) for p in schema_problems(item, prop["items"], schema, f"{at}[{i}]")]
    return []


def object_problems(
    value: dict[str, Any], properties: dict[str, Any], required: list[str], schema: dict[str, Any], at: str
) -> list[str]:
    """Unknown keys, missing required keys, and the problems of each value."""
    problems = [f"{at}.{key}: not in the schema" for key in value if key not in properties]
    problems += [f"{at}.{key}: required" for key in required if key not in value]
    for key, item in value.items():
        if key in properties:
            problems += schema_problems(item, properties[key], schema, f"{at}.{key}")
    return problems


def test_yaml_example_uses_the_schema(schema: dict[str, Any]) -> None:
    """examples/yaml cannot run here (no CLI), but every property it sets is one the served schema declares."""
    program = yaml.safe_load((PROJECT_DIR / "examples" / "yaml" / "Pulumi.yaml").read_text())
    resource = schema["resources"][COMPONENT]
    assert {name: r["type"] for name, r in program["resources"].items()} == {"web": COMPONENT, "app": COMPONENT}
    problems = [
        problem
        for name, r in program["resources"].items()
        for problem in object_problems(
            r["properties"], resource["inputProperties"], resource["requiredInputs"], schema, name
        )
    ]
    assert problems == []
    assert program["outputs"] == {"webSecurityGroupId": "${web.securityGroupId}", "appRuleIds": "${app.ruleIds}"}
    assert {"securityGroupId", "ruleIds"} <= set(resource["properties"])


def test_yaml_schema_check_catches_mistakes(schema: dict[str, Any]) -> None:
    """The check above is not vacuous: a config-style key, a bad preset and a missing description are caught."""
    resource = schema["resources"][COMPONENT]
    bad = {"ingress": [{"preset": "postgres", "from": ["anywhere"], "peers": ["self"]}]}
    assert object_problems(bad, resource["inputProperties"], resource["requiredInputs"], schema, "web") == [
        "web.description: required",
        "web.ingress[0].from: not in the schema",
        "web.ingress[0].description: required",
        f"web.ingress[0].preset: 'postgres' is not a {PRESET_TYPE}",
    ]

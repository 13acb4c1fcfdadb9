"""Secret config values (`pulumi config set --secret`) stay secret on every resource they reach, and in exports.

The CLI passes the keys it decrypted in `PULUMI_CONFIG_SECRET_KEYS` and the Python host hands them to
`set_all_config`; these tests do the same, then read the engine's registration requests, where a secret is the
engine's signature envelope. Config errors about a secret key never show what it holds.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest
from conftest import EGRESS, INGRESS, SG, Pulumi, cli_config, stack_config
from google.protobuf import json_format
from security_groups_component import ConfigError

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def secret_inputs(runtime: Pulumi) -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    """For each custom resource registered: its inputs, and those the engine received as secrets."""
    found: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for request in pulumi.runtime.settings.get_monitor().requests:
        if not request.custom:
            continue
        inputs: dict[str, Any] = json_format.MessageToDict(request.object)
        secret = {key for key, value in inputs.items() if isinstance(value, dict) and value.get(SIG) == SECRET_SIG}
        found[(request.type, request.name)] = (set(inputs), secret)
    return found


def export_is_secret(name: str) -> bool:
    output = pulumi.runtime.settings.get_root_resource().outputs[name]  # type: ignore[union-attr]
    box: dict[str, bool] = {}

    async def check() -> None:
        box["secret"] = await pulumi.Output.from_input(output).is_secret()

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def waiter() -> object:
        return asyncio.ensure_future(check())

    waiter()
    return box["secret"]


def run(runtime: Pulumi, secret_keys: list[str], **overrides: Any) -> Any:
    config = cli_config({**stack_config("staging"), **overrides})
    return runtime.run_program(config, secret_keys=secret_keys)


def test_a_secret_stack_tag_is_secret_on_every_group_and_rule(runtime_factory: Any) -> None:
    """`security-groups:tags` set with --secret: the tags of every group and every rule go to the engine as a
    secret, and nothing else does."""
    runtime = runtime_factory("staging")
    result = run(runtime, ["security-groups:tags"])
    assert result.error is None
    found = secret_inputs(runtime)
    assert {key[0] for key in found} == {SG, INGRESS, EGRESS}
    assert {name: secret for name, (_, secret) in found.items()} == {name: {"tags"} for name in found}
    assert not export_is_secret("groups")


def test_secret_groups_keep_every_value_secret_and_the_export_too(runtime_factory: Any) -> None:
    """`security-groups:groups` secret (for example one tag set with `--secret --path`): every value taken from
    it is a secret input, the ids that flow between resources are not, and the stack's export is secret."""
    runtime = runtime_factory("staging")
    result = run(runtime, ["security-groups:groups"])
    assert result.error is None
    found = secret_inputs(runtime)
    assert {key[0] for key in found} == {SG, INGRESS, EGRESS}
    for (typ, name), (inputs, secret) in found.items():
        # Ids handed from one resource to another (the rule's group, a group:<key> peer) are not config values.
        expected = inputs - {"securityGroupId", "referencedSecurityGroupId"}
        assert secret == expected, (typ, name)
    assert export_is_secret("groups")


def test_errors_in_a_secret_key_never_show_its_values(pulumi_mocks: Pulumi) -> None:
    """A bad CIDR, port, name and tag value inside a secret `groups`: every problem is reported, at its path,
    without the values or any hint that would spell them."""
    groups = {
        "web": {
            "description": "Web",
            "name": "S3cr3tName ",
            "tags": {"owner": 8812},
            "ingress": [
                {"protocol": "tcp", "ports": "70123", "from": ["203.0.113.77/24"], "description": "x"},
                {"rule": "https", "from": ["sg-0A1B2C3D4E5F67890"], "description": "y"},
            ],
        }
    }
    config = cli_config({"aws:region": "eu-west-1", "groups": groups})
    result = pulumi_mocks.run_program(config, secret_keys=["security-groups:groups"])
    assert isinstance(result.error, ConfigError)
    assert result.error.lines == (
        "groups.web.name: a secret value has leading or trailing spaces, which AWS trims; remove them",
        "groups.web.tags.owner: tag values must be text, got a secret value; quote it in YAML",
        'groups.web.ingress[0].ports: port a secret value is out of range; ports are 0-65535 ("0-65535" means '
        "every port)",
        "groups.web.ingress[0].from[0]: a secret value has host bits set, so it is not a network address",
        "groups.web.ingress[1].from[0]: a secret value is not a security group id (sg- and 8 or 17 hex digits); "
        "AWS ids are lower case",
    )
    message = str(result.error)
    for secret in ("S3cr3tName", "8812", "70123", "203.0.113", "0A1B2C3D"):
        assert secret not in message
    assert pulumi_mocks.mocks.resources == []


@pytest.mark.parametrize("key", ["security-groups:vpcId", "security-groups:tags", "security-groups:ruleQuota"])
def test_other_secret_keys_are_never_shown(pulumi_mocks: Pulumi, key: str) -> None:
    """The same for the stack-wide keys: the problem is named, the value is not."""
    values = {
        "security-groups:vpcId": "vpc-S3CR3T",
        "security-groups:tags": "S3CR3T",
        "security-groups:ruleQuota": "S3CR3T",
    }
    config = {**cli_config({"aws:region": "eu-west-1", "groups": {"web": {"description": "Web"}}}), key: values[key]}
    result = pulumi_mocks.run_program(config, secret_keys=[key])
    assert isinstance(result.error, ConfigError)
    assert "S3CR3T" not in str(result.error)
    assert "a secret value" in str(result.error)

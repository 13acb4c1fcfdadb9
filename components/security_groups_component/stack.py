"""Build every group of a stack, wiring `group:<key>` references between them, cycles included."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pulumi
import pulumi_aws as aws

from .component import Secrecy, SecurityGroup, secret_if
from .model import PeerKind
from .settings import StackSettings

DEFAULT_GROUP_NAME = "default-security-group"
"""The resource that closes the default VPC's default group; another VPC's is `default-security-group-<vpc id>`."""


def build_security_groups(
    settings: StackSettings, opts: pulumi.ResourceOptions | None = None
) -> dict[str, SecurityGroup]:
    """Create one SecurityGroup component per configured group, in config order.

    Groups may reference each other in both directions (web allows app, app allows web). Each
    referenced group's id is handed out as a deferred Output first and resolved once that group exists,
    so the order of groups in config never matters and every rule still depends on the group it names.
    The components are built from the settings' validated groups directly: the config is parsed once.
    """
    referenced = {
        rule.peer.value
        for group in settings.groups.values()
        for rule in group.rules
        if rule.peer.kind is PeerKind.GROUP
    }
    deferred: dict[str, tuple[pulumi.Output[str], Callable[[pulumi.Output[str]], None]]] = {
        key: pulumi.deferred_output() for key in sorted(referenced & settings.groups.keys())
    }
    secrecy = Secrecy(
        values="groups" in settings.secret_keys,
        tags="tags" in settings.secret_keys,
        vpc_id=bool({"vpcId", "vpc"} & settings.secret_keys),
    )
    # Existing groups (`existingGroups`) were looked up already: their ids are known, and secret if the key is.
    existing = "existingGroups" in settings.secret_keys
    ids: Mapping[str, pulumi.Input[str]] = {
        **{key: secret_if(group_id, existing) for key, group_id in settings.existing_groups.items()},
        **{key: output for key, (output, _) in deferred.items()},
    }
    built = {
        key: SecurityGroup._from_model(group, ids, secrecy, opts)  # the package's own entry point
        for key, group in settings.groups.items()
    }
    for key, (_, resolve) in deferred.items():
        resolve(built[key].security_group_id)
    if settings.close_default_groups:
        close_default_groups(settings, secrecy, opts)
    return built


def close_default_groups(
    settings: StackSettings, secrecy: Secrecy, opts: pulumi.ResourceOptions | None = None
) -> list[aws.ec2.DefaultSecurityGroup]:
    """Adopt the default group of every VPC the stack's groups use and strip its rules (CIS AWS Foundations 5.4).

    A `DefaultSecurityGroup` without `ingress` or `egress` removes every rule of the VPC's default group when
    Pulumi first manages it. Anything launched into the default group loses its network access: that is the
    point of the control, and why it is an opt-in (`closeDefaultGroups`).
    """
    vpcs = sorted({group.vpc_id for group in settings.groups.values()}, key=lambda vpc: vpc or "")
    closed = []
    for vpc in vpcs:
        name = DEFAULT_GROUP_NAME if vpc is None else f"{DEFAULT_GROUP_NAME}-{vpc}"
        closed.append(
            aws.ec2.DefaultSecurityGroup(
                name,
                vpc_id=secret_if(vpc, secrecy.values or secrecy.vpc_id),
                tags=secret_if(dict(settings.tags) or None, secrecy.tags),
                opts=opts,
            )
        )
    return closed

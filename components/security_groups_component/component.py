"""The SecurityGroup component: one EC2 security group and one rule resource per (rule, peer).

No `from __future__ import annotations` here: the component package's schema is inferred from this
class's annotations at run time (see args.py).
"""

from collections.abc import Mapping
from typing import Final

import pulumi
import pulumi_aws as aws

from . import aws_limits
from .args import SecurityGroupArgs
from .model import Group, PeerKind, Rule
from .parse import ARGS_STYLE, Scope, check_group_key, from_wire, parse_group
from .problems import ConfigError, Problems, show

PACKAGE_NAME: Final = "security-groups"
"""The component package's name: the first part of every type token, and the generated SDKs' name
(`pulumi_security_groups`, `@platform/security-groups`). Changing it is a breaking change."""

PACKAGE_NAMESPACE: Final = "platform"
"""The publisher part of the generated SDKs' names (the npm scope, for one)."""

TYPE_TOKEN: Final = f"{PACKAGE_NAME}:index:SecurityGroup"
"""`<package>:index:<Class>`: the form a Pulumi component package needs (module `index`, class name)."""


# The group gets no inline rules (AWS's provider warns against mixing the two models). Each (rule, peer) becomes
# one `aws.vpc.SecurityGroupIngressRule` or `SecurityGroupEgressRule`, named from its content, so reordering rules
# changes nothing and removing one removes only it. Arguments are validated before anything is registered: bad
# input raises one `ConfigError` listing every problem. The docstrings here are the schema's descriptions, so
# each stays on one line (see args.py).
class SecurityGroup(pulumi.ComponentResource):
    """An EC2 security group with no inline rules: one rule resource per (rule, peer), named from its content."""

    security_group_id: pulumi.Output[str]
    """The group's id (`sg-…`)."""
    security_group_arn: pulumi.Output[str]
    """The group's ARN."""
    security_group_name: pulumi.Output[str]
    """The group's name: the explicit one, or the one Pulumi generated."""
    vpc_id: pulumi.Output[str]
    """The VPC the group lives in (the region's default VPC when none was given)."""
    rule_ids: pulumi.Output[dict[str, str]]
    """Each rule's id (`sgr-…`) by its stable key, e.g. `ingress-tcp-443-0.0.0.0/0`."""

    def __init__(self, name: str, args: SecurityGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        group = read_args(name, args)
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        tags = dict(group.tags) or None
        group_resource = aws.ec2.SecurityGroup(
            name,
            description=group.description,
            name=group.name,
            vpc_id=args.get("vpc_id"),
            tags=tags,
            opts=child,
        )
        # Deleting a group deletes its rules in AWS, so the engine need not revoke them one by one first.
        rule_opts = pulumi.ResourceOptions(parent=self, deleted_with=group_resource)
        group_ids = args.get("group_ids") or {}
        rules = {
            rule.key: _rule_resource(
                f"{name}-{rule.key}", rule, group_id=group_resource.id, group_ids=group_ids, tags=tags, opts=rule_opts
            )
            for rule in group.rules
        }

        self.security_group_id = group_resource.id
        self.security_group_arn = group_resource.arn
        self.security_group_name = group_resource.name
        self.vpc_id = group_resource.vpc_id
        self.rule_ids = (
            pulumi.Output.all(**{key: rule.id for key, rule in rules.items()})
            if rules
            else pulumi.Output.from_input({})
        )
        self.register_outputs(
            {
                "security_group_id": self.security_group_id,
                "security_group_arn": self.security_group_arn,
                "security_group_name": self.security_group_name,
                "vpc_id": self.vpc_id,
                "rule_ids": self.rule_ids,
            }
        )


_FIX: Final = "No resource was registered; fix the arguments and run again."


def read_args(name: str, args: object) -> Group:
    """Validate the component's arguments; raise ConfigError (registering nothing) if anything is wrong.

    `args` is typed loosely on purpose: callers from other languages or untyped Python can pass anything.
    """
    problems = Problems()
    if not isinstance(args, Mapping):
        problems.add((), f"expected SecurityGroupArgs (a mapping), got {show(args)}")
        raise ConfigError(f"SecurityGroup {name!r}", problems.items, _FIX)
    check_group_key(name, "resource name", problems)
    group_ids = args.get("group_ids") or {}
    if not isinstance(group_ids, Mapping) or not all(isinstance(k, str) for k in group_ids):
        problems.add(("group_ids",), f"expected a mapping of group keys to group ids, got {show(group_ids)}")
        group_ids = {}
    quota = from_wire(args.get("rule_quota"))
    if quota is None:
        quota = aws_limits.DEFAULT_RULE_QUOTA
    elif isinstance(quota, bool) or not isinstance(quota, int) or not 1 <= quota <= aws_limits.MAX_RULE_QUOTA:
        problems.add(
            ("rule_quota",), f"expected a whole number from 1 to {aws_limits.MAX_RULE_QUOTA}, got {show(quota)}"
        )
        quota = aws_limits.DEFAULT_RULE_QUOTA
    scope = Scope(key=name, known_groups=frozenset(group_ids), rule_quota=quota)
    group = parse_group(args, (), ARGS_STYLE, scope, problems)
    if problems or group is None:
        raise ConfigError(f"SecurityGroup {name!r}", problems.items, _FIX)
    return group


def _rule_resource(
    resource_name: str,
    rule: Rule,
    *,
    group_id: pulumi.Output[str],
    group_ids: Mapping[str, pulumi.Input[str]],
    tags: dict[str, str] | None,
    opts: pulumi.ResourceOptions,
) -> aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule:
    peer = rule.peer
    # The rule resources take exactly one peer argument each (the provider checks ExactlyOneOf).
    peer_args: dict[str, pulumi.Input[str]]
    if peer.kind is PeerKind.IPV4:
        peer_args = {"cidr_ipv4": peer.value}
    elif peer.kind is PeerKind.IPV6:
        peer_args = {"cidr_ipv6": peer.value}
    elif peer.kind is PeerKind.PREFIX_LIST:
        peer_args = {"prefix_list_id": peer.value}
    elif peer.kind is PeerKind.SELF:
        peer_args = {"referenced_security_group_id": group_id}
    elif peer.kind is PeerKind.GROUP:
        peer_args = {"referenced_security_group_id": group_ids[peer.value]}
    else:
        peer_args = {"referenced_security_group_id": peer.value}
    resource = aws.vpc.SecurityGroupIngressRule if rule.direction == "ingress" else aws.vpc.SecurityGroupEgressRule
    return resource(
        resource_name,
        security_group_id=group_id,
        ip_protocol=rule.traffic.protocol,
        from_port=rule.traffic.from_port,
        to_port=rule.traffic.to_port,
        description=rule.description,
        tags=tags,
        opts=opts,
        **peer_args,
    )

"""The SecurityGroup component: one EC2 security group and one rule resource per (rule, peer).

No `from __future__ import annotations` here: the component package's schema is inferred from this
class's annotations at run time (see args.py).
"""

import inspect
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

import pulumi
import pulumi_aws as aws

from . import aws_facts
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
        self._populate(group, args.get("vpc_id"), args.get("group_ids") or {}, Secrecy())

    @classmethod
    def _from_model(
        cls,
        group: Group,
        group_ids: Mapping[str, pulumi.Input[str]],
        secrecy: "Secrecy",
        opts: pulumi.ResourceOptions | None = None,
    ) -> "SecurityGroup":
        """A component for a group already read and checked from stack config (no second parse).

        The same resources as `SecurityGroup(group.key, args)` for the equivalent arguments, with the values that
        came from secret config keys registered as secrets.
        """
        component = cls.__new__(cls)
        pulumi.ComponentResource.__init__(component, TYPE_TOKEN, group.key, None, opts)
        component._populate(group, group.vpc_id, group_ids, secrecy)
        return component

    def _populate(
        self,
        group: Group,
        vpc_id: pulumi.Input[str] | None,
        group_ids: Mapping[str, pulumi.Input[str]],
        secrecy: "Secrecy",
    ) -> None:
        name = group.key
        child = pulumi.ResourceOptions(parent=self)
        values = secrecy.values
        tags = secret_if(dict(group.tags) or None, values or secrecy.tags)
        group_resource = aws.ec2.SecurityGroup(
            name,
            description=secret_if(group.description, values),
            name=secret_if(group.name, values),
            vpc_id=secret_if(vpc_id, values or secrecy.vpc_id),
            tags=tags,
            opts=child,
        )
        # Deleting a group deletes its rules in AWS, so the engine need not revoke them one by one first.
        rule_opts = pulumi.ResourceOptions(parent=self, deleted_with=group_resource)
        rules = {
            rule.key: _rule_resource(
                rule_resource_name(name, rule),
                rule,
                group_id=group_resource.id,
                group_ids=group_ids,
                tags=tags,
                secret=values,
                opts=rule_opts,
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


def rule_resource_name(group_key: str, rule: Rule) -> str:
    """The Pulumi name of one (rule, peer)'s resource: its group's key, then the rule's stable key.

    `web-ingress-tcp-443-0.0.0.0/0`. The one place this naming lives: tools that map a resource back to the
    config that made it use it too, instead of taking names apart.
    """
    return f"{group_key}-{rule.key}"


class Secrecy(NamedTuple):
    """Which of a group's values came from secret config keys, and so must be registered as secrets."""

    values: bool = False
    """Everything the group's config holds (the `groups` key, or a group file, is secret)."""
    tags: bool = False
    """The stack's tags (the `tags` key is secret); they reach the group and every rule."""
    vpc_id: bool = False


def secret_if(value: Any, secret: bool) -> Any:
    """The value itself, or as a secret Output: the engine then encrypts it in state and masks it in output."""
    return pulumi.Output.secret(value) if secret and value is not None else value


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
    for key, value in group_ids.items():
        if not _is_group_id(value):
            problems.add(
                ("group_ids", key),
                f"expected the id of a security group (sg-…) or an Output of one, got {show(value)}",
            )
    quota = from_wire(args.get("rule_quota"))
    if quota is None:
        quota = aws_facts.DEFAULT_RULE_QUOTA
    elif isinstance(quota, bool) or not isinstance(quota, int) or not 1 <= quota <= aws_facts.MAX_RULE_QUOTA:
        problems.add(
            ("rule_quota",), f"expected a whole number from 1 to {aws_facts.MAX_RULE_QUOTA}, got {show(quota)}"
        )
        quota = aws_facts.DEFAULT_RULE_QUOTA
    scope = Scope(key=name, known_groups=frozenset(group_ids), rule_quota=quota)
    group = parse_group(args, (), ARGS_STYLE, scope, problems)
    if problems or group is None:
        raise ConfigError(f"SecurityGroup {name!r}", problems.items, _FIX)
    return group


def _is_group_id(value: object) -> bool:
    """An `sg-` id, or a value Pulumi resolves later (an Output, or anything awaitable)."""
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return True
    return isinstance(value, str) and aws_facts.SECURITY_GROUP_ID.fullmatch(value) is not None


def _rule_resource(
    resource_name: str,
    rule: Rule,
    *,
    group_id: pulumi.Output[str],
    group_ids: Mapping[str, pulumi.Input[str]],
    tags: Any,
    secret: bool,
    opts: pulumi.ResourceOptions,
) -> aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule:
    peer = rule.peer
    # The rule resources take exactly one peer argument each (the provider checks ExactlyOneOf).
    peer_args: dict[str, pulumi.Input[str]]
    if peer.kind is PeerKind.IPV4:
        peer_args = {"cidr_ipv4": secret_if(peer.value, secret)}
    elif peer.kind is PeerKind.IPV6:
        peer_args = {"cidr_ipv6": secret_if(peer.value, secret)}
    elif peer.kind is PeerKind.PREFIX_LIST:
        peer_args = {"prefix_list_id": secret_if(peer.value, secret)}
    elif peer.kind is PeerKind.SELF:
        peer_args = {"referenced_security_group_id": group_id}
    elif peer.kind is PeerKind.GROUP:
        peer_args = {"referenced_security_group_id": group_ids[peer.value]}
    else:
        peer_args = {"referenced_security_group_id": secret_if(peer.value, secret)}
    resource = aws.vpc.SecurityGroupIngressRule if rule.direction == "ingress" else aws.vpc.SecurityGroupEgressRule
    return resource(
        resource_name,
        security_group_id=group_id,
        ip_protocol=secret_if(rule.traffic.protocol, secret),
        from_port=secret_if(rule.traffic.from_port, secret),
        to_port=secret_if(rule.traffic.to_port, secret),
        description=secret_if(rule.description, secret),
        tags=tags,
        opts=opts,
        **peer_args,
    )

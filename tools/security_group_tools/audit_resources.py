"""Live groups as the resources the policy pack judges, in the engine's property form.

A group becomes an `aws:ec2/securityGroup:SecurityGroup` without inline rules, and each of its rules an
`aws.vpc` ingress or egress rule resource named by its `sgr-` id, attached to the group through the
`securityGroupId` property dependency: the shape this project's component creates, so findings name the
rule to change. A VPC's `default` group becomes an `aws:ec2/defaultSecurityGroup:DefaultSecurityGroup` with
its rules inline, the only shape in which the pack's default-group policy sees it.

Waivers: the component copies a group's tags onto every rule it creates, so at preview a `policy-waiver:*`
tag on a group covers its rules too. Live rules carry only their own tags, so each rule resource here gets
its group's waiver tags, except where the rule has its own tag of the same key (the rule's wins): audit then
honours a group's waiver exactly as preview does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from security_group_policies import tables

from .aws_inventory import LiveGroup, LiveRule
from .pack_runner import StackItem


def _ports(rule: LiveRule) -> dict[str, Any]:
    # The provider reads back no ports for protocols without them; AWS reports -1 for those.
    if rule.protocol == "-1" or (rule.from_port == -1 and rule.protocol.lower() not in ("icmp", "icmpv6", "1", "58")):
        return {}
    return {"fromPort": rule.from_port, "toPort": rule.to_port}


def rule_props(rule: LiveRule, group_waivers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One rule as an `aws.vpc` rule resource's properties; its group's waiver tags added unless it has its own."""
    props: dict[str, Any] = {"id": rule.rule_id, "securityGroupId": rule.group_id, "ipProtocol": rule.protocol}
    props.update(_ports(rule))
    if rule.cidr_ipv4:
        props["cidrIpv4"] = rule.cidr_ipv4
    if rule.cidr_ipv6:
        props["cidrIpv6"] = rule.cidr_ipv6
    if rule.prefix_list_id:
        props["prefixListId"] = rule.prefix_list_id
    if rule.referenced_group_id:
        props["referencedSecurityGroupId"] = rule.referenced_group_id
    if rule.description is not None:
        props["description"] = rule.description
    props["tags"] = {**(group_waivers or {}), **rule.tags}
    return props


def waiver_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """The `policy-waiver:<policy>` tags among these."""
    return {key: value for key, value in tags.items() if key.startswith(tables.WAIVER_TAG_PREFIX)}


def inline_rule(rule: LiveRule, group: LiveGroup) -> dict[str, Any]:
    """One rule as an inline `ingress`/`egress` entry of a group resource."""
    ports = _ports(rule) or {"fromPort": 0, "toPort": 0}
    return {
        "protocol": rule.protocol,
        **ports,
        "cidrBlocks": [rule.cidr_ipv4] if rule.cidr_ipv4 else [],
        "ipv6CidrBlocks": [rule.cidr_ipv6] if rule.cidr_ipv6 else [],
        "prefixListIds": [rule.prefix_list_id] if rule.prefix_list_id else [],
        "securityGroups": [rule.referenced_group_id]
        if rule.referenced_group_id and rule.referenced_group_id != group.group_id
        else [],
        "self": rule.referenced_group_id == group.group_id,
        "description": rule.description or "",
    }


def group_item(group: LiveGroup) -> StackItem:
    """One group as its resource: a VPC's `default` group with its rules inline, any other without them."""
    props: dict[str, Any] = {
        "id": group.group_id,
        "name": group.name,
        "description": group.description,
        "vpcId": group.vpc_id,
        "tags": dict(group.tags),
    }
    if group.is_default:
        props["ingress"] = [inline_rule(rule, group) for rule in group.rules if not rule.egress]
        props["egress"] = [inline_rule(rule, group) for rule in group.rules if rule.egress]
        return StackItem(tables.DEFAULT_SECURITY_GROUP, group.group_id, props)
    return StackItem(tables.SECURITY_GROUP, group.group_id, props)


def rule_item(rule: LiveRule, group_waivers: Mapping[str, str]) -> StackItem:
    """One rule of a group that is not a `default` group, as its own resource, attached to the group."""
    resource_type = tables.VPC_EGRESS_RULE if rule.egress else tables.VPC_INGRESS_RULE
    return StackItem(resource_type, rule.rule_id, rule_props(rule, group_waivers), {"securityGroupId": [rule.group_id]})


def stack_items(groups: list[LiveGroup]) -> list[StackItem]:
    """Every group and rule as resources of one stack, named by their AWS ids."""
    items: list[StackItem] = []
    for group in groups:
        items.append(group_item(group))
        if group.is_default:
            continue
        waivers = waiver_tags(group.tags)
        items.extend(rule_item(rule, waivers) for rule in group.rules)
    return items

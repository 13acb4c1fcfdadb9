"""An AWS Config configuration item of an `AWS::EC2::SecurityGroup`, read as the group `audit` reads from EC2.

AWS Config records a group as DescribeSecurityGroups returns it, in camelCase: `ipPermissions` and
`ipPermissionsEgress`, each permission with `ipProtocol`, `fromPort`, `toPort` and its peers in `ipv4Ranges`
(`{cidrIp, description}`; the older `ipRanges` holds the same CIDRs as bare strings), `ipv6Ranges`,
`prefixListIds` and `userIdGroupPairs`. Each (permission, peer) here becomes one `LiveRule`, exactly the rule
DescribeSecurityGroupRules would list, so everything after this module (`audit_resources.stack_items`, the
in-process pack, `audit_report.findings`) is audit's own code. Config gives no `sgr-` ids, so a rule is named
by its group, direction and position (`sg-0123…/ingress/0`).

Only the fields the policies read are taken; a field of the wrong type is refused with its path and never its
value (a description or tag value may be anything a user typed).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from .aws_inventory import LiveGroup, LiveRule

RESOURCE_TYPE: Final = "AWS::EC2::SecurityGroup"

GONE: Final = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded"})
"""`configurationItemStatus` values for a group that is no longer there to judge (NOT_APPLICABLE)."""


class ItemError(ValueError):
    """A configuration item the rule cannot read; the message names the field, never its value."""


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ItemError(f"{where}: expected an object")
    return value


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ItemError(f"{where}: expected a list")
    return value


def _text(value: Any, where: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ItemError(f"{where}: expected text")
    return value


def _port(value: Any, where: str) -> int:
    if value is None:
        return -1  # AWS leaves ports out for protocols without them
    # float.is_integer is False for NaN and the infinities too (int() of them raises), which a JSON reader that
    # takes `NaN` can hand over.
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        raise ItemError(f"{where}: expected a whole number")
    return int(value)


def _protocol(value: Any, where: str) -> str:
    if isinstance(value, bool):
        raise ItemError(f"{where}: expected a protocol name or number")
    if isinstance(value, int):
        return str(value)
    return _text(value, where) or ""


def tags(configuration: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, str]:
    """The group's tags: the configuration's `[{key, value}]` list, else the item's own `{key: value}` map."""
    listed = configuration.get("tags")
    if listed is not None:
        result: dict[str, str] = {}
        for index, raw in enumerate(_list(listed, "configuration.tags")):
            where = f"configuration.tags[{index}]"
            tag = _mapping(raw, where)
            key = _text(tag.get("key"), f"{where}.key") or ""
            result[key] = _text(tag.get("value", ""), f"{where}.value") or ""
        return result
    mapped = item.get("tags") or {}
    return {_text(key, "tags") or "": _text(value, "tags") or "" for key, value in _mapping(mapped, "tags").items()}


PEER_FIELDS: Final[tuple[tuple[str, tuple[tuple[str, str, bool], ...]], ...]] = (
    ("ipv6Ranges", (("cidr_ipv6", "cidrIpv6", False), ("description", "description", True))),
    ("prefixListIds", (("prefix_list_id", "prefixListId", False), ("description", "description", True))),
    (
        "userIdGroupPairs",
        (
            ("referenced_group_id", "groupId", False),
            ("referenced_user_id", "userId", True),
            ("peering_id", "vpcPeeringConnectionId", True),
            ("description", "description", True),
        ),
    ),
)
"""After the IPv4 ranges, each peer list of a permission: its key in the item, and per LiveRule keyword
argument the item's field and whether it may be missing."""


def _peers(permission: Mapping[str, Any], where: str) -> Iterator[dict[str, Any]]:
    """Each peer of one permission as LiveRule keyword arguments, in EC2's order: IPv4, IPv6, lists, groups."""
    ipv4 = permission.get("ipv4Ranges")
    if ipv4 is None:  # an item without the newer field: `ipRanges` is then the EC2 API's own list
        ipv4 = permission.get("ipRanges")
        key = "ipRanges"
    else:
        key = "ipv4Ranges"
    for index, raw in enumerate(_list(ipv4, f"{where}.{key}")):
        at = f"{where}.{key}[{index}]"
        if isinstance(raw, str):
            yield {"cidr_ipv4": raw}
        else:
            entry = _mapping(raw, at)
            yield {
                "cidr_ipv4": _text(entry.get("cidrIp"), f"{at}.cidrIp"),
                "description": _text(entry.get("description"), f"{at}.description", optional=True),
            }
    for key, fields in PEER_FIELDS:
        for index, raw in enumerate(_list(permission.get(key), f"{where}.{key}")):
            at = f"{where}.{key}[{index}]"
            entry = _mapping(raw, at)
            yield {
                ours: _text(entry.get(theirs), f"{at}.{theirs}", optional=optional) for ours, theirs, optional in fields
            }


def _rules(configuration: Mapping[str, Any], group_id: str, *, egress: bool) -> list[LiveRule]:
    key = "ipPermissionsEgress" if egress else "ipPermissions"
    direction = "egress" if egress else "ingress"
    rules: list[LiveRule] = []
    for index, raw in enumerate(_list(configuration.get(key), f"configuration.{key}")):
        where = f"configuration.{key}[{index}]"
        permission = _mapping(raw, where)
        protocol = _protocol(permission.get("ipProtocol", "-1"), f"{where}.ipProtocol")
        from_port = _port(permission.get("fromPort"), f"{where}.fromPort")
        to_port = _port(permission.get("toPort"), f"{where}.toPort")
        for peer in _peers(permission, where):
            rules.append(
                LiveRule(
                    rule_id=f"{group_id}/{direction}/{len(rules)}",
                    group_id=group_id,
                    egress=egress,
                    protocol=protocol,
                    from_port=from_port,
                    to_port=to_port,
                    **peer,
                )
            )
    return rules


def live_group(item: Mapping[str, Any]) -> LiveGroup:
    """The group a configuration item records, with its rules; raise ItemError for an item it cannot read."""
    item = _mapping(item, "configurationItem")
    configuration = _mapping(item.get("configuration"), "configuration")
    group_id = _text(configuration.get("groupId", item.get("resourceId")), "configuration.groupId") or ""
    if not group_id.startswith("sg-"):
        raise ItemError("configuration.groupId: not a security group id (sg-…)")
    rules = [
        *_rules(configuration, group_id, egress=False),
        *_rules(configuration, group_id, egress=True),
    ]
    return LiveGroup(
        group_id=group_id,
        name=_text(configuration.get("groupName", ""), "configuration.groupName") or "",
        description=_text(configuration.get("description", ""), "configuration.description") or "",
        vpc_id=_text(configuration.get("vpcId"), "configuration.vpcId", optional=True),
        owner_id=_text(configuration.get("ownerId", item.get("awsAccountId", "")), "configuration.ownerId") or "",
        tags=tags(configuration, item),
        rules=tuple(rules),
    )

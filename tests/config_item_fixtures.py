"""AWS Config events and `AWS::EC2::SecurityGroup` configuration items in Config's documented format.

A configuration item (recordVersion 1.3) carries the group as DescribeSecurityGroups returns it, camelCased:
IPv4 peers twice, as `ipv4Ranges` objects (with descriptions) and as the older bare `ipRanges` strings; tags
both in `configuration.tags` (`[{key, value}]`) and in the item's own `tags` map. The invoking event is JSON
text inside the Lambda event, as are the rule parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
CAPTURED = "2026-03-02T09:15:27.123Z"
CAPTURED_EPOCH = 1772442927.123
NOTIFIED = "2026-03-02T09:15:30.000Z"
TOKEN = "result-token-1"

Peer = tuple[str, str | None]
"""A peer and its description (None: no description)."""


def permission(
    protocol: str,
    from_port: int | None = None,
    to_port: int | None = None,
    *,
    v4: Sequence[Peer] = (),
    v6: Sequence[Peer] = (),
    lists: Sequence[Peer] = (),
    groups: Sequence[Peer] = (),
) -> dict[str, Any]:
    """One entry of `ipPermissions`/`ipPermissionsEgress` as Config records it."""

    def described(key: str, value: str, description: str | None) -> dict[str, Any]:
        return {key: value, **({"description": description} if description is not None else {})}

    entry: dict[str, Any] = {"ipProtocol": protocol}
    if from_port is not None:
        entry["fromPort"] = from_port
    if to_port is not None:
        entry["toPort"] = to_port
    entry.update(
        ipv4Ranges=[described("cidrIp", cidr, text) for cidr, text in v4],
        ipRanges=[cidr for cidr, _ in v4],
        ipv6Ranges=[described("cidrIpv6", cidr, text) for cidr, text in v6],
        prefixListIds=[described("prefixListId", pl, text) for pl, text in lists],
        userIdGroupPairs=[{**described("groupId", sg, text), "userId": ACCOUNT} for sg, text in groups],
    )
    return entry


ALL_OUT = permission("-1", v4=[("0.0.0.0/0", None)])
"""The outbound rule AWS gives every new group."""


def configuration(
    group_id: str,
    name: str,
    description: str,
    ingress: Sequence[Mapping[str, Any]] = (),
    egress: Sequence[Mapping[str, Any]] = (ALL_OUT,),
    *,
    tags: Mapping[str, str] | None = None,
    vpc_id: str = "vpc-0a1b2c3d4e5f67890",
) -> dict[str, Any]:
    """A group's `configuration`, as DescribeSecurityGroups returns it, camelCased."""
    return {
        "description": description,
        "groupName": name,
        "ipPermissions": [dict(p) for p in ingress],
        "ownerId": ACCOUNT,
        "groupId": group_id,
        "ipPermissionsEgress": [dict(p) for p in egress],
        "tags": [{"key": key, "value": value} for key, value in (tags or {}).items()],
        "vpcId": vpc_id,
    }


def item(config: Mapping[str, Any], *, status: str = "OK", captured: str = CAPTURED) -> dict[str, Any]:
    """A configuration item around a group's configuration (`configuration: null` once it is deleted)."""
    group_id = str(config.get("groupId", "sg-00000000000000000"))
    return {
        "relatedEvents": [],
        "relationships": [
            {"resourceId": config.get("vpcId"), "resourceType": "AWS::EC2::VPC", "name": "Is contained in Vpc"}
        ],
        "configuration": None if status.startswith("ResourceDeleted") else dict(config),
        "supplementaryConfiguration": {},
        "tags": {tag["key"]: tag["value"] for tag in config.get("tags", [])},
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": captured,
        "configurationStateId": 1772442927123,
        "awsAccountId": ACCOUNT,
        "configurationItemStatus": status,
        "resourceType": "AWS::EC2::SecurityGroup",
        "resourceId": group_id,
        "resourceName": config.get("groupName"),
        "ARN": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{group_id}",
        "awsRegion": REGION,
        "availabilityZone": "Not Applicable",
        "configurationStateMd5Hash": "",
    }


def _event(invoking: Mapping[str, Any], parameters: Mapping[str, Any] | None, left_scope: bool) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "resultToken": TOKEN,
        "eventLeftScope": left_scope,
        "executionRoleArn": (
            f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
        ),
        "configRuleArn": f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-abc123",
        "configRuleName": "security-groups",
        "configRuleId": "config-rule-abc123",
        "accountId": ACCOUNT,
    }
    if parameters is not None:
        event["ruleParameters"] = json.dumps(parameters)
    return event


def change_event(
    configuration_item: Mapping[str, Any], parameters: Mapping[str, Any] | None = None, *, left_scope: bool = False
) -> dict[str, Any]:
    """A `ConfigurationItemChangeNotification` Lambda event."""
    invoking = {
        "configurationItemDiff": None,
        "configurationItem": configuration_item,
        "notificationCreationTime": NOTIFIED,
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    }
    return _event(invoking, parameters, left_scope)


def oversized_event(
    configuration_item: Mapping[str, Any], parameters: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """An `OversizedConfigurationItemChangeNotification`: only the item's summary travels."""
    summary = {
        key: configuration_item[key]
        for key in (
            "configurationItemVersion",
            "configurationItemCaptureTime",
            "configurationStateId",
            "awsAccountId",
            "configurationItemStatus",
            "resourceType",
            "resourceId",
            "resourceName",
            "ARN",
            "awsRegion",
            "availabilityZone",
            "configurationStateMd5Hash",
        )
    }
    summary["changeType"] = "UPDATE"
    invoking = {
        "configurationItemSummary": summary,
        "s3DeliverySummary": {"s3BucketLocation": "my-bucket/AWSLogs/123456789012/Config/us-east-1/item.json.gz"},
        "notificationCreationTime": NOTIFIED,
        "messageType": "OversizedConfigurationItemChangeNotification",
        "recordVersion": "1.0",
    }
    return _event(invoking, parameters, False)


def scheduled_event(parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A `ScheduledNotification` Lambda event (a periodic trigger)."""
    invoking = {
        "awsAccountId": ACCOUNT,
        "notificationCreationTime": NOTIFIED,
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return _event(invoking, parameters, False)


def history_item(configuration_item: Mapping[str, Any]) -> dict[str, Any]:
    """The same item as GetResourceConfigHistory returns it: `configuration` as JSON text, version 1.3."""
    answer = {key: value for key, value in configuration_item.items() if key not in ("configurationItemVersion", "ARN")}
    answer.update(
        version="1.3",
        arn=configuration_item["ARN"],
        configuration=json.dumps(configuration_item["configuration"]),
        configurationItemCaptureTime=CAPTURED_EPOCH,
    )
    return answer


def _camel(key: str) -> str:
    return key[:1].lower() + key[1:]


def _camel_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel(key): _camel_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel_all(item) for item in value]
    return value


def from_ec2(group: Mapping[str, Any]) -> dict[str, Any]:
    """A DescribeSecurityGroups group as Config records it: camelCase, `ipRanges` split into both fields."""
    recorded = _camel_all(dict(group))
    for key in ("ipPermissions", "ipPermissionsEgress"):
        for entry in recorded.get(key, []):
            v4 = entry.pop("ipRanges", [])
            entry["ipv4Ranges"] = v4
            entry["ipRanges"] = [peer["cidrIp"] for peer in v4]
    recorded["tags"] = [{"key": t["key"], "value": t["value"]} for t in recorded.get("tags", [])]
    return recorded

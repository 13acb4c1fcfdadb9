"""Read live security groups and their rules (DescribeSecurityGroups, DescribeSecurityGroupRules), paginated.

Rules are read as security-group *rules* (one peer each, with its `sgr-` id), not as the grouped IpPermissions
of DescribeSecurityGroups: that is the shape the component creates and the id `pulumi import` needs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import botocore.exceptions
import botocore.parsers

from . import aws_names
from .aws_session import AwsOptions, aws_options, ec2_client, explain, within_deadline
from .cli import progress

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import FilterTypeDef

Progress = Callable[[str], None]

Seen = Callable[[Sequence["LiveGroup"], Sequence["LiveRule"]], None]
"""Told of what a read has so far, as it arrives: the groups once (without their rules), then each page of rules.
Called on the reading thread; it must return quickly (a caller judges on a thread of its own)."""

FILTER_VALUES_PER_CALL: Final = 200
"""Group ids per `group-id` filter of DescribeSecurityGroupRules (EC2 caps the values of one filter)."""

RULES_PER_PAGE: Final = 1000
"""DescribeSecurityGroupRules' largest MaxResults: the fewest calls for a whole region's rules."""

PROGRESS_EVERY: Final = 100
"""Report progress every this many groups or rules."""


@dataclass(frozen=True)
class LiveRule:
    """One security group rule as AWS holds it: one direction, one peer."""

    rule_id: str
    group_id: str
    egress: bool
    protocol: str
    """AWS `IpProtocol` as returned: tcp, udp, icmp, icmpv6, -1, or a number."""
    from_port: int
    """First port, or ICMP type; -1 when the protocol has no ports."""
    to_port: int
    """Last port, or ICMP code; -1 when the protocol has no ports."""
    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None
    prefix_list_id: str | None = None
    referenced_group_id: str | None = None
    referenced_user_id: str | None = None
    """The account of the referenced group, when it is named with one."""
    peering_id: str | None = None
    """Set when the referenced group is reached through a VPC peering connection."""
    description: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def direction(self) -> str:
        """`ingress` or `egress`."""
        return "egress" if self.egress else "ingress"

    @property
    def peer(self) -> str:
        """The peer as AWS names it."""
        return self.cidr_ipv4 or self.cidr_ipv6 or self.prefix_list_id or self.referenced_group_id or "?"


@dataclass(frozen=True)
class LiveGroup:
    """One security group as AWS holds it, with its rules."""

    group_id: str
    name: str
    description: str
    vpc_id: str | None
    owner_id: str
    tags: Mapping[str, str]
    rules: tuple[LiveRule, ...] = ()

    @property
    def is_default(self) -> bool:
        """Every VPC has one group named `default`; it cannot be created or deleted."""
        return self.name == "default"


NOTHING_MATCHED: Final = "check the filter and the region (EC2 answers a filter that matches nothing with no group)"
"""After `no group in <region> matched <filters>; `: EC2 never says that a VPC or tag does not exist."""


def nothing_matched(chosen: Selection, groups: Sequence[LiveGroup], region: str) -> str | None:
    """The line for a filter that matched no group in `region` (a run that read no group is no audit); else None."""
    filters = chosen.filters_shown()
    return f"no group in {region} matched {filters}; {NOTHING_MATCHED}" if filters and not groups else None


@dataclass(frozen=True)
class Selection:
    """Which groups to read; nothing given means every group of the region."""

    group_ids: tuple[str, ...] = ()
    vpc_id: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def filters_shown(self) -> str:
        """The filters as the command line gave them (`--vpc-id vpc-… --tag team=web`); "" for none."""
        return " ".join(
            [*([f"--vpc-id {self.vpc_id}"] if self.vpc_id else []), *(f"--tag {k}={v}" for k, v in self.tags)]
        )


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --group-id (repeatable), --vpc-id and --tag Key=Value (repeatable)."""
    parser.add_argument(
        "--group-id",
        action="append",
        default=[],
        type=aws_names.group_id,
        metavar="SG_ID",
        help="a group id (repeatable)",
    )
    parser.add_argument("--vpc-id", type=aws_names.vpc_id, help="every group of this VPC")
    parser.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="groups with this tag (repeatable: all must match)",
    )


def selection(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Selection:
    """The selection from parsed arguments; a malformed --tag is a usage error."""
    tags: list[tuple[str, str]] = []
    for item in args.tag:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--tag {item!r}: write Key=Value, e.g. --tag team=web")
        tags.append((key, value))
    return Selection(tuple(args.group_id), args.vpc_id, tuple(tags))


def _filters(chosen: Selection) -> list[FilterTypeDef]:
    filters: list[FilterTypeDef] = []
    if chosen.vpc_id:
        filters.append({"Name": "vpc-id", "Values": [chosen.vpc_id]})
    filters.extend({"Name": f"tag:{key}", "Values": [value]} for key, value in chosen.tags)
    return filters


def describe(
    client: EC2Client, chosen: Selection, options: AwsOptions, progress: Progress, seen: Seen | None = None
) -> list[LiveGroup]:
    """Every selected group with its rules, sorted by group id; raise AwsError with one line on failure.

    `seen`, when given, is told of the groups and of each page of rules as they arrive (see `Seen`).
    """
    try:
        raw_groups = _describe_groups(client, chosen, progress)
        if seen is not None:
            seen([_group(raw, ()) for raw in raw_groups], ())
        group_ids = [g["GroupId"] for g in raw_groups]
        rules = _describe_rules(client, group_ids, progress, every=chosen == Selection(), seen=seen)
    except (
        botocore.exceptions.ClientError,
        botocore.exceptions.BotoCoreError,
        botocore.parsers.ResponseParserError,
    ) as error:
        raise explain(error, options) from error
    groups = [
        _group(raw, tuple(sorted(rules.get(raw["GroupId"], []), key=lambda rule: rule.rule_id))) for raw in raw_groups
    ]
    return sorted(groups, key=lambda group: group.group_id)


def _group(raw: Any, rules: tuple[LiveRule, ...]) -> LiveGroup:
    return LiveGroup(
        group_id=raw["GroupId"],
        name=raw.get("GroupName", ""),
        description=raw.get("Description", ""),
        vpc_id=raw.get("VpcId"),
        owner_id=raw.get("OwnerId", ""),
        tags=_tags(raw.get("Tags", [])),
        rules=rules,
    )


def _describe_groups(client: EC2Client, chosen: Selection, progress: Progress) -> list[Any]:
    paginator = client.get_paginator("describe_security_groups")
    kwargs: dict[str, Any] = {"Filters": _filters(chosen)}
    if chosen.group_ids:
        kwargs["GroupIds"] = list(chosen.group_ids)
    groups: list[Any] = []
    for page in paginator.paginate(**kwargs):
        before = len(groups)
        groups.extend(page.get("SecurityGroups", []))
        if len(groups) // PROGRESS_EVERY > before // PROGRESS_EVERY:
            progress(f"described {len(groups)} groups…")
    return groups


def _describe_rules(
    client: EC2Client, group_ids: Sequence[str], progress: Progress, *, every: bool, seen: Seen | None = None
) -> dict[str, list[LiveRule]]:
    """The rules of these groups, by group id.

    With `every` (nothing selected: every group of the region) one paginated pass over the region's rules, not
    one `group-id`-filtered pass per FILTER_VALUES_PER_CALL groups: 5 calls instead of 25 for 1,000 groups of
    5,000 rules, and a rule of a group created since DescribeSecurityGroups is simply not kept.
    """
    if not group_ids:
        return {}
    paginator = client.get_paginator("describe_security_group_rules")
    if every:
        calls: list[dict[str, Any]] = [{"PaginationConfig": {"PageSize": RULES_PER_PAGE}}]
    else:
        calls = [
            {"Filters": [{"Name": "group-id", "Values": list(group_ids[start : start + FILTER_VALUES_PER_CALL])}]}
            for start in range(0, len(group_ids), FILTER_VALUES_PER_CALL)
        ]
    rules: dict[str, list[LiveRule]] = {}
    count = 0
    for kwargs in calls:
        for page in paginator.paginate(**kwargs):
            read = [_rule(raw) for raw in page.get("SecurityGroupRules", [])]
            for rule in read:
                rules.setdefault(rule.group_id, []).append(rule)
                count += 1
                if count % PROGRESS_EVERY == 0:
                    progress(f"read {count} rules…")
            if seen is not None and read:
                seen((), read)
    return rules


def _rule(raw: Any) -> LiveRule:
    referenced = raw.get("ReferencedGroupInfo") or {}
    return LiveRule(
        rule_id=raw["SecurityGroupRuleId"],
        group_id=raw["GroupId"],
        egress=bool(raw.get("IsEgress")),
        protocol=str(raw.get("IpProtocol", "-1")),
        from_port=int(raw.get("FromPort", -1)),
        to_port=int(raw.get("ToPort", -1)),
        cidr_ipv4=raw.get("CidrIpv4"),
        cidr_ipv6=raw.get("CidrIpv6"),
        prefix_list_id=raw.get("PrefixListId"),
        referenced_group_id=referenced.get("GroupId"),
        referenced_user_id=referenced.get("UserId"),
        peering_id=referenced.get("VpcPeeringConnectionId"),
        description=raw.get("Description"),
        tags=_tags(raw.get("Tags", [])),
    )


def _tags(raw: Sequence[Any]) -> dict[str, str]:
    return {str(tag["Key"]): str(tag.get("Value", "")) for tag in raw if "Key" in tag}


def read_selected(args: argparse.Namespace, chosen: Selection) -> list[LiveGroup]:
    """The selected groups, read with the command line's AWS options; raise AwsError with one line on failure.

    The whole read, retries included, ends within `--timeout` seconds (`within_deadline`).
    """
    options = aws_options(args)
    return within_deadline(options, lambda attempts: describe(ec2_client(options, attempts), chosen, options, progress))

"""Which security groups are in use: the network interfaces they are attached to (DescribeNetworkInterfaces).

Every resource that takes a security group in a VPC (an instance, a load balancer, a Lambda function in a VPC,
an RDS instance, an endpoint) does so through a network interface, so a group on no interface is attached to
nothing. An interface is *public* when it has a public IPv4 address (an Elastic IP or one assigned at launch:
its `Association.PublicIp`) or any IPv6 address: every IPv6 address AWS assigns is globally unique, and whether
the internet reaches it depends on the subnet's routes, which this read does not look at; counting it as public
errs towards reporting an exposure, never towards hiding one.

The read is paginated and runs on the same client (retries, deadline) as the groups' read. Access denied on it
(a role that was granted only the two DescribeSecurityGroup* actions) loses nothing else: the groups are still
judged, and whether each is in use is reported as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import botocore.exceptions
import botocore.parsers

from .account_region import AccountRegion
from .aws_inventory import FILTER_VALUES_PER_CALL, PROGRESS_EVERY, LiveGroup, Progress, Seen, Selection, describe
from .aws_session import AwsOptions, explain

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

ACTION: Final = "ec2:DescribeNetworkInterfaces"
"""The IAM action this read needs, beyond the groups' own two."""

DENIED_CODES: Final = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
"""How EC2 (UnauthorizedOperation), and endpoints that imitate it (moto: AccessDenied), refuse an action."""


@dataclass(frozen=True)
class Use:
    """Whether one group is in use, as far as its network interfaces tell."""

    in_use: bool | None
    """Attached to at least one network interface; None when the interfaces could not be read."""
    public: bool | None
    """Attached to at least one interface with a public IPv4 or any IPv6 address; None when unknown."""


UNKNOWN: Final = Use(None, None)


@dataclass(frozen=True)
class Attachments:
    """Which groups of one account and region are attached to network interfaces, and which of those are public."""

    attached: frozenset[str] = frozenset()
    """Group ids on at least one interface."""
    public: frozenset[str] = frozenset()
    """Group ids on at least one public interface (a subset of `attached`)."""
    unknown: str | None = None
    """Why the interfaces could not be read (then nothing above is known); None when they were."""
    interfaces: int = 0
    """How many interfaces were read."""

    def use(self, group_id: str) -> Use:
        """In use and public, for one group."""
        if self.unknown is not None:
            return UNKNOWN
        return Use(group_id in self.attached, group_id in self.public)

    @classmethod
    def of(cls, interfaces: Iterable[Mapping[str, Any]]) -> Attachments:
        """From DescribeNetworkInterfaces' `NetworkInterfaces` entries (each read once)."""
        attached: set[str] = set()
        public: set[str] = set()
        count = 0
        for interface in interfaces:
            count += 1
            groups = {str(group["GroupId"]) for group in interface.get("Groups", []) if "GroupId" in group}
            attached |= groups
            if is_public(interface):
                public |= groups
        return cls(frozenset(attached), frozenset(public), None, count)


def is_public(interface: Mapping[str, Any]) -> bool:
    """A public IPv4 address on the interface (primary or secondary private address), or any IPv6 address."""
    if (interface.get("Association") or {}).get("PublicIp"):
        return True
    for address in interface.get("PrivateIpAddresses", []):
        if (address.get("Association") or {}).get("PublicIp"):
            return True
    return bool(interface.get("Ipv6Addresses")) or bool(interface.get("Ipv6Address"))


def read(
    client: EC2Client, groups: Sequence[LiveGroup], chosen: Selection, options: AwsOptions, progress: Progress
) -> Attachments:
    """The attachments of `groups` (read with `chosen`); access denied gives `unknown`, other errors AwsError.

    With nothing selected every interface of the region is read in one paginated pass; with a selection, only
    the interfaces of the selected groups (`group-id` filter, in chunks EC2 accepts).
    """
    if not groups:
        return Attachments()
    try:
        return Attachments.of(_interfaces(client, groups, chosen, progress))
    except botocore.exceptions.ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in DENIED_CODES:
            return Attachments(unknown=f"access denied to {ACTION} in {_region(client, options)} ({code})")
        raise explain(error, options) from error
    except (botocore.exceptions.BotoCoreError, botocore.parsers.ResponseParserError) as error:
        raise explain(error, options) from error


def _region(client: EC2Client, options: AwsOptions) -> str:
    return client.meta.region_name or options.region or "this region"


def _interfaces(
    client: EC2Client, groups: Sequence[LiveGroup], chosen: Selection, progress: Progress
) -> Iterable[Mapping[str, Any]]:
    paginator = client.get_paginator("describe_network_interfaces")
    if chosen == Selection():
        calls: list[dict[str, Any]] = [{}]
    else:
        ids = [group.group_id for group in groups]
        calls = [
            {"Filters": [{"Name": "group-id", "Values": ids[start : start + FILTER_VALUES_PER_CALL]}]}
            for start in range(0, len(ids), FILTER_VALUES_PER_CALL)
        ]
    seen: set[str] = set()
    for kwargs in calls:
        for page in paginator.paginate(**kwargs):
            for interface in page.get("NetworkInterfaces", []):
                key = str(interface.get("NetworkInterfaceId", ""))
                if key in seen:  # an interface with several selected groups comes back once per chunk
                    continue
                seen.add(key)
                if len(seen) % PROGRESS_EVERY == 0:
                    progress(f"read {len(seen)} network interfaces…")
                yield interface


NOT_READ: Final = Attachments(unknown="network interfaces not read")
"""For callers that read no interfaces (the AWS Config rule): every group's use is unknown."""


@dataclass(frozen=True)
class Inventory:
    """What one account and region holds: its selected groups, where they live, and which are in use."""

    place: AccountRegion
    groups: list[LiveGroup]
    attachments: Attachments


def inventory(
    client: EC2Client,
    chosen: Selection,
    options: AwsOptions,
    progress: Progress,
    place: AccountRegion,
    *,
    seen: Seen | None = None,
) -> Inventory:
    """One account-region's selected groups and their attachments (one unit of an audit); raise AwsError on failure.

    An account `place` does not name (the credentials' own, not asked of STS) is the groups' owner; it stays
    empty when the region holds no selected group. `seen` is told of groups and rules as they arrive.
    """
    groups = describe(client, chosen, options, progress, seen)
    if not place.account_id and groups:
        place = place._replace(account_id=groups[0].owner_id)
    return Inventory(place, groups, read(client, groups, chosen, options, progress))

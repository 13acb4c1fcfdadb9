"""Find the stack's VPC and the existing groups it names by tags or name, as the console's lists do.

Stack config may name its VPC by a lookup (`security-groups:vpc: {tags: {Name: prod}}` or `{default: true}`)
instead of an id, and existing groups by key (`security-groups:existingGroups: {monitoring: {name: …}}`), so one
stack file deploys in every account that has the tagged VPC. Reading the lookups is pure; `resolve` asks AWS
through the provider's data sources (`aws.ec2.get_vpcs`, `aws.ec2.get_security_groups`), which the engine answers
during `pulumi preview` as during `up`. The plural data sources are used on purpose: they return every match
(terraform-provider-aws 4.0 and later return an empty list instead of failing), so no match and several matches
become one clear config error before any resource is registered, rather than the provider's own failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

import pulumi
import pulumi_aws as aws

from . import aws_facts
from .parse import GROUP_KEY, check_text
from .problems import PathPart, Problems, did_you_mean, is_redacted, quote, show

VPC_KEYS: Final = ("tags", "default")
"""What a VPC lookup may say: the tags the VPC carries, or that it is the region's default VPC."""

GROUP_LOOKUP_KEYS: Final = ("id", "name", "tags")
"""What an existing group may be named by: its id, or its name and/or tags to look it up."""

DEFAULT_VPC_FILTER: Final = "is-default"
GROUP_NAME_FILTER: Final = "group-name"
"""EC2 DescribeVpcs and DescribeSecurityGroups filter names (EC2 reads `*` and `?` in values as wildcards)."""

_REGION: Final = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")
"""A region name as AWS spells it: only such a value of `aws:region` is repeated in a message."""

SHOWN_IDS: Final = 5
"""Ids listed when several resources match a lookup."""


@dataclass(frozen=True)
class VpcLookup:
    """The stack's VPC, named by tags or as the region's default VPC."""

    tags: Mapping[str, str]
    default: bool = False

    def describe(self) -> str:
        """What was looked for, in words safe for a message (tag values of a secret key are not shown)."""
        return "the default VPC" if self.default else f"the {_describe_tags(self.tags)}"


@dataclass(frozen=True)
class GroupLookup:
    """An existing group that rules name as `group:<key>`: by id, or by name and/or tags."""

    key: str
    id: str | None = None
    name: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """What was looked for, in words safe for a message."""
        parts = []
        if self.name is not None:
            parts.append(f"the name {quote(self.name)}")
        if self.tags:
            parts.append(f"the {_describe_tags(self.tags)}")
        return " and ".join(parts)


def _describe_tags(tags: Mapping[str, str]) -> str:
    if is_redacted():
        return "tags given (a secret value)"
    word = "tag" if len(tags) == 1 else "tags"
    return f"{word} " + ", ".join(f"{key}={value}" for key, value in tags.items())


def read_vpc_lookup(value: object | None, at: tuple[PathPart, ...], problems: Problems) -> VpcLookup | None:
    """Read `security-groups:vpc`; None when it is absent or empty (Pulumi.yaml's default is `{}`)."""
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping):
        problems.add(at, f"expected a lookup such as {{tags: {{Name: main}}}} or {{default: true}}, got {show(value)}")
        return None
    before = len(problems)
    for key in value:
        if key not in VPC_KEYS:
            problems.add((*at, str(key)), f"unknown key{did_you_mean(str(key), VPC_KEYS)}; allowed: tags, default")
    default = value.get("default")
    tags = _lookup_tags(value.get("tags"), (*at, "tags"), problems) if "tags" in value else {}
    if "default" in value and default is not True:
        problems.add(
            (*at, "default"),
            f"{show(default)} is not a lookup; write `default: true` for the region's default VPC, or name the VPC "
            "by tags",
        )
    elif default is True and "tags" in value:
        problems.add(at, "give tags or `default: true`, not both: the default VPC is one VPC already")
    elif "default" not in value and "tags" not in value and len(problems) == before:
        problems.add(at, "say which VPC: {tags: {Name: main}} or {default: true}")
    if len(problems) > before:
        return None
    return VpcLookup(tags=MappingProxyType(tags), default=default is True)


def read_existing_groups(
    value: object | None, at: tuple[PathPart, ...], stack_keys: frozenset[str], problems: Problems
) -> tuple[dict[str, GroupLookup], frozenset[str]]:
    """Read `security-groups:existingGroups`: the lookups by key, and the keys refused (already reported)."""
    if value is None:
        return {}, frozenset()
    if not isinstance(value, Mapping):
        problems.add(
            at, f"expected a mapping of keys to existing groups, e.g. {{monitoring: {{name: …}}}}, got {show(value)}"
        )
        return {}, frozenset()
    found: dict[str, GroupLookup] = {}
    refused: set[str] = set()
    for key, spec in value.items():
        where = (*at, str(key))
        lookup = _group_lookup(str(key), spec, where, stack_keys, problems) if isinstance(key, str) else None
        if lookup is None:
            refused.add(str(key))
        else:
            found[key] = lookup
    return found, frozenset(refused)


def _group_lookup(
    key: str, spec: object, at: tuple[PathPart, ...], stack_keys: frozenset[str], problems: Problems
) -> GroupLookup | None:
    before = len(problems)
    if not GROUP_KEY.fullmatch(key):
        problems.add(
            at,
            f"{show(key)} is not a usable key; start with a letter or digit and use only letters, digits, '.', '_' "
            "and '-' (at most 100 characters)",
        )
    elif key in stack_keys:
        problems.add(at, f"{key!r} is also the key of a group of this stack; 'group:{key}' must name one group")
    if not isinstance(spec, Mapping):
        problems.add(at, f"expected {{id: sg-…}}, {{name: …}} or {{tags: {{…}}}}, got {show(spec)}")
        return None
    for given in spec:
        if given not in GROUP_LOOKUP_KEYS:
            problems.add(
                (*at, str(given)), f"unknown key{did_you_mean(str(given), GROUP_LOOKUP_KEYS)}; allowed: id, name, tags"
            )
    group_id = spec.get("id")
    name = spec.get("name")
    tags = _lookup_tags(spec.get("tags"), (*at, "tags"), problems) if "tags" in spec else {}
    if "name" in spec:
        name = check_text(name, (*at, "name"), problems, what="group name")
    if "id" in spec:
        if not isinstance(group_id, str) or not aws_facts.SECURITY_GROUP_ID.fullmatch(group_id):
            problems.add((*at, "id"), f"{show(group_id)} is not a security group id (sg- and 8 or 17 hex digits)")
        if "name" in spec or "tags" in spec:
            problems.add(at, "an id names the group already; remove name and tags, or remove id to look the group up")
    elif "name" not in spec and "tags" not in spec and len(problems) == before:
        problems.add(at, "say which group: its id (sg-…), or its name or tags to look it up")
    if len(problems) > before:
        return None
    return GroupLookup(
        key=key,
        id=group_id if isinstance(group_id, str) else None,
        name=name,
        tags=MappingProxyType(tags),
    )


def _lookup_tags(value: object, at: tuple[PathPart, ...], problems: Problems) -> dict[str, str]:
    # Unlike the tags a stack sets, a lookup may match AWS's own `aws:` tags (aws:cloudformation:stack-name).
    if not isinstance(value, Mapping) or not value:
        problems.add(
            at, f"expected a mapping of tag names to the values to match, e.g. {{Name: main}}, got {show(value)}"
        )
        return {}
    tags: dict[str, str] = {}
    for key, tag_value in value.items():
        where = (*at, str(key))
        if not isinstance(key, str) or not key.strip() or len(key) > aws_facts.TAG_KEY_MAX_LENGTH:
            problems.add(where, f"a tag key is text of 1 to {aws_facts.TAG_KEY_MAX_LENGTH} characters")
        elif not isinstance(tag_value, str) or not tag_value:
            problems.add(where, f"expected the text the tag holds, got {show(tag_value)}; quote numbers and booleans")
        elif len(tag_value) > aws_facts.TAG_VALUE_MAX_LENGTH:
            problems.add(where, f"a tag value is at most {aws_facts.TAG_VALUE_MAX_LENGTH} characters")
        else:
            tags[key] = tag_value
    return tags


# --- Asking AWS ------------------------------------------------------------------------------------------------


def resolve_vpc(lookup: VpcLookup, at: tuple[PathPart, ...], problems: Problems) -> str | None:
    """The one VPC the lookup matches, or None with the reason in `problems`."""
    filters = [aws.ec2.GetVpcsFilterArgs(name=DEFAULT_VPC_FILTER, values=["true"])] if lookup.default else None
    ids = _ids(lambda: aws.ec2.get_vpcs(filters=filters, tags=dict(lookup.tags) or None).ids, at, problems)
    if ids is None:
        return None
    if len(ids) == 1:
        return ids[0]
    if not ids and lookup.default:
        problems.add(
            at,
            f"this account has no default VPC {_region()}; create one (`aws ec2 create-default-vpc`), or name the "
            "VPC by tags, or by id with vpcId",
        )
    elif not ids:
        problems.add(
            at,
            f"no VPC {_region()} has {lookup.describe()}; tag the VPC so (the console's Name column is the tag Name), "
            "change the lookup, or give the VPC's id as vpcId",
        )
    else:
        problems.add(
            at,
            f"{len(ids)} VPCs {_region()} have {lookup.describe()}{_listed(ids)}; add a tag that only the intended VPC "
            "has, or give its id as vpcId",
        )
    return None


def resolve_group(lookup: GroupLookup, at: tuple[PathPart, ...], problems: Problems) -> str | None:
    """The id of the one group the lookup names, or None with the reason in `problems`."""
    if lookup.id is not None:
        return lookup.id
    filters = (
        [aws.ec2.GetSecurityGroupsFilterArgs(name=GROUP_NAME_FILTER, values=[lookup.name])]
        if lookup.name is not None
        else None
    )
    ids = _ids(lambda: aws.ec2.get_security_groups(filters=filters, tags=dict(lookup.tags) or None).ids, at, problems)
    if ids is None:
        return None
    if len(ids) == 1:
        return ids[0]
    if not ids:
        problems.add(
            at,
            f"no security group {_region()} has {lookup.describe()}; check the name and tags, or give the group's id",
        )
    else:
        # Names are unique per VPC only: the same name in two VPCs matches twice.
        problems.add(
            at,
            f"{len(ids)} security groups {_region()} have {lookup.describe()}{_listed(ids)}; add a tag that only "
            "the intended group has, or give its id",
        )
    return None


def _ids(find: Callable[[], Sequence[str] | None], at: tuple[PathPart, ...], problems: Problems) -> list[str] | None:
    try:
        found = find()
    except Exception as error:  # noqa: BLE001 - the engine reports a failed invoke as a bare Exception
        # The provider's reason (credentials, permissions, region) is what the user needs; a secret lookup's
        # reason could echo its filter values, so only the fact of the failure is said then.
        reason = "" if is_redacted() else f": {error}"
        problems.add(at, f"the lookup failed{reason}; check the AWS credentials and region this stack runs with")
        return None
    return sorted(found or [])


def _region() -> str:
    region = pulumi.Config("aws").get("region")
    return f"in {region}" if region and _REGION.fullmatch(region) else "in this region"


def _listed(ids: Sequence[str]) -> str:
    if is_redacted():
        return ""
    more = f", and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
    return f" ({', '.join(ids[:SHOWN_IDS])}{more})"

"""The inputs every benchmark uses: a stack config of N groups x M rules, and a realistic mix of resources.

Both are deterministic, valid and varied the way real config is: presets and explicit ports, IPv4 and IPv6
CIDRs, references to other groups and to the group itself, prefix lists, ICMP, explicit egress.
"""

from __future__ import annotations

from typing import Any

from security_group_tools.pack_runner import UNKNOWN, StackItem

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_IN = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC_OUT = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"

EGRESS_RULES = 2
"""Of each group's rules, how many are explicit egress; the rest are ingress."""


def _ingress_rule(group: int, index: int, other: str) -> dict[str, Any]:
    # A fixed menu first (what a tier typically opens), then distinct port ranges from distinct networks.
    menu: list[dict[str, Any]] = [
        {"rule": "https", "from": ["anywhere-ipv4"], "description": "HTTPS from the internet"},
        {"rule": "http", "from": ["anywhere-ipv4"], "description": "HTTP from the internet, redirected"},
        {"rule": "ssh", "from": ["10.20.0.0/16"], "description": "SSH from the ops network"},
        {"rule": "postgresql", "from": [other], "description": "Queries from the neighbouring tier"},
        {"protocol": "udp", "ports": 53, "from": ["self"], "description": "DNS between members"},
        {"protocol": "icmp", "icmpType": 3, "icmpCode": 4, "from": ["10.0.0.0/8"], "description": "Path MTU"},
        {"protocol": "tcp", "ports": 443, "from": ["2001:db8::/32"], "description": "HTTPS over IPv6"},
        {"protocol": "tcp", "ports": 8443, "from": ["pl-0123456789abcdef0"], "description": "Admin from a list"},
    ]
    if index < len(menu):
        return menu[index]
    low = 9000 + 20 * index
    return {
        "protocol": "tcp",
        "ports": f"{low}-{low + 9}",
        "from": [f"10.{group % 200}.{index}.0/24"],
        "description": f"Service ports {low}-{low + 9} from subnet {index}",
    }


def stack_groups(groups: int, rules: int) -> dict[str, Any]:
    """`security-groups:groups` for `groups` groups of `rules` rules each (one peer per rule)."""
    keys = [f"tier{index:03d}" for index in range(groups)]
    config: dict[str, Any] = {}
    for index, key in enumerate(keys):
        other = f"group:{keys[index - 1]}" if groups > 1 else "self"
        egress = [
            {"rule": "https", "to": ["anywhere-ipv4"], "description": "Calls to external APIs"},
            {"protocol": "tcp", "ports": 5432, "to": ["10.30.0.0/16"], "description": "The shared database"},
        ][: min(EGRESS_RULES, rules)]
        config[key] = {
            "description": f"Benchmark tier {index}",
            "ingress": [_ingress_rule(index, rule, other) for rule in range(rules - len(egress))],
            "egress": egress,
        }
    return config


def stack_config(groups: int, rules: int) -> dict[str, object]:
    """A stack file's `config:` section (as stacks/Pulumi.<stack>.yaml holds it) with the generated groups."""
    return {
        "aws:region": "eu-west-1",
        "security-groups:vpcId": "vpc-0a1b2c3d4e5f67890",
        "security-groups:tags": {"environment": "bench", "managed-by": "pulumi/security-groups"},
        "security-groups:groups": stack_groups(groups, rules),
    }


# --- Resources as the pack receives them ---------------------------------------------------------------------


def _group_id(index: int) -> str:
    return f"sg-{index:017x}"


def _vpc_rule(block: int, index: int) -> tuple[str, dict[str, Any]]:
    kind = VPC_OUT if index % 5 == 4 else VPC_IN
    props: dict[str, Any] = {
        # A fifth of the rules belong to groups created in this same preview: their id is not known yet.
        "securityGroupId": UNKNOWN if block % 5 == 0 else _group_id(block),
        "ipProtocol": "tcp",
        "fromPort": 8000 + index,
        "toPort": 8000 + index,
        "description": f"Service port {8000 + index}",
        "tags": {"environment": "bench"},
    }
    if index % 7 == 3:
        props["referencedSecurityGroupId"] = _group_id(block + 1)
    elif index % 7 == 5:
        props["cidrIpv6"] = "2001:db8::/32"
    else:
        props["cidrIpv4"] = f"10.{block % 200}.{index}.0/24"
    if index == 0:
        props.update(fromPort=443, toPort=443, cidrIpv4="0.0.0.0/0", description="HTTPS from the internet")
    if block % 10 == 7 and index == 1:
        props.update(fromPort=22, toPort=22, cidrIpv4="0.0.0.0/0", description="SSH from anywhere (a finding)")
    return kind, props


def _inline_group(block: int) -> dict[str, Any]:
    def entry(port: int, cidr: str, description: str) -> dict[str, Any]:
        return {
            "protocol": "tcp",
            "fromPort": port,
            "toPort": port,
            "cidrBlocks": [cidr],
            "ipv6CidrBlocks": [],
            "securityGroups": [],
            "prefixListIds": [],
            "self": False,
            "description": description,
        }

    return {
        "name": f"legacy-{block}-1a2b3c4",
        "description": f"Hand-written legacy group {block}",
        "vpcId": "vpc-0a1b2c3d4e5f67890",
        "ingress": [entry(443, "10.0.0.0/8", "HTTPS from the corporate network"), entry(80, "10.0.0.0/8", "HTTP")],
        "egress": [entry(443, "0.0.0.0/0", "HTTPS out")],
        "revokeRulesOnDelete": False,
        "tags": {"environment": "bench"},
    }


def resource_mix(count: int) -> list[StackItem]:
    """`count` resources like a real stack's, in blocks of 20.

    Each block: a group made by the component (no inline rules) and 16 vpc rule resources on it, a
    hand-written group with inline rules and 2 ec2 SecurityGroupRules on it. Most are compliant; one
    block in ten opens SSH to anywhere, so some policies report findings.
    """
    items: list[StackItem] = []
    block = 0
    while len(items) < count:
        name = f"tier{block}"
        items.append(
            StackItem(
                SG,
                name,
                {
                    "name": f"{name}-1a2b3c4",
                    "description": f"Benchmark tier {block}",
                    "vpcId": "vpc-0a1b2c3d4e5f67890",
                    "revokeRulesOnDelete": False,
                    "tags": {"environment": "bench"},
                },
            )
        )
        for index in range(16):
            kind, props = _vpc_rule(block, index)
            items.append(StackItem(kind, f"{name}-rule{index}", props, {"securityGroupId": [name]}))
        items.append(StackItem(SG, f"legacy{block}", _inline_group(block)))
        for index in range(2):
            props = {
                "type": "ingress",
                "securityGroupId": _group_id(10_000 + block),
                "protocol": "tcp",
                "fromPort": 3000 + index,
                "toPort": 3000 + index,
                "cidrBlocks": [f"172.16.{block % 250}.0/24"],
                "description": f"Legacy port {3000 + index}",
            }
            items.append(
                StackItem(SG_RULE, f"legacy{block}-rule{index}", props, {"securityGroupId": [f"legacy{block}"]})
            )
        block += 1
    return _trim(items[:count])


def _trim(items: list[StackItem]) -> list[StackItem]:
    # Cutting the last block short can leave a dependency on a resource that is not in the list.
    names = {item.name for item in items}
    return [
        StackItem(
            item.resource_type,
            item.name,
            item.props,
            {prop: [n for n in deps if n in names] for prop, deps in item.deps.items()},
        )
        for item in items
    ]

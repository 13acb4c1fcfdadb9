"""Bad stack config: one error listing every problem with its path, value and fix; nothing registered.

Each case changes one thing in a valid baseline and runs the real program with the config encoded as the
Pulumi CLI encodes it (so groups arrive sorted by key: app, db, web).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Pulumi, cli_config
from security_groups_component import ConfigError

BASELINE: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "groups": {
        "web": {
            "description": "Public web tier",
            "ingress": [{"rule": "https", "from": ["anywhere"], "description": "HTTPS from the internet"}],
        },
        "app": {
            "description": "Application servers",
            "ingress": [
                {
                    "protocol": "tcp",
                    "ports": 8080,
                    "from": ["group:web"],
                    "description": "App traffic from the web tier",
                }
            ],
        },
        "db": {
            "description": "PostgreSQL",
            "ingress": [
                {"rule": "postgresql", "from": ["group:app", "10.20.0.0/16"], "description": "App tier and ops subnet"}
            ],
            "egress": [],
        },
    },
}

Patch = Callable[[dict[str, Any]], None]
DELETE = object()


def edit(path: tuple[str | int, ...], **changes: Any) -> Patch:
    """Set (or DELETE) keys of the mapping at `path` inside the config."""

    def patch(config: dict[str, Any]) -> None:
        target: Any = config
        for part in path:
            target = target[part]
        for key, value in changes.items():
            if value is DELETE:
                del target[key]
            else:
                target[key] = value

    return patch


def web_rule(**changes: Any) -> Patch:
    return edit(("groups", "web", "ingress", 0), **changes)


def app_rule(**changes: Any) -> Patch:
    return edit(("groups", "app", "ingress", 0), **changes)


def group(key: str, **changes: Any) -> Patch:
    return edit(("groups", key), **changes)


def top(**changes: Any) -> Patch:
    return edit((), **changes)


def db_from(*peers: Any) -> Patch:
    return edit(("groups", "db", "ingress", 0), **{"from": list(peers)})


def add_web_rule(rule: dict[str, Any]) -> Patch:
    def patch(config: dict[str, Any]) -> None:
        config["groups"]["web"]["ingress"].append(rule)

    return patch


ALLOWED_RULE_KEYS = "rule, protocol, ports, icmpType, icmpCode, from, description"
ALLOWED_GROUP_KEYS = "description, name, vpcId, tags, ingress, egress"

CASES = [
    # --- presets and protocols
    pytest.param(
        db_from("group:app", "10.20.0.0/16"),
        [],
        id="baseline-is-valid",
    ),
    pytest.param(
        web_rule(rule="postgres"),
        ["groups.web.ingress[0].rule: unknown preset 'postgres'; did you mean 'postgresql'?"],
        id="preset-typo",
    ),
    pytest.param(
        web_rule(rule="kafka"),
        ["groups.web.ingress[0].rule: unknown preset 'kafka'; see the preset table in the README"],
        id="preset-unknown",
    ),
    pytest.param(
        web_rule(ports=8443),
        [
            "groups.web.ingress[0].ports: rule: https fixes protocol and ports; remove 'ports', "
            "or replace 'rule' with 'protocol'"
        ],
        id="ports-with-preset",
    ),
    pytest.param(
        web_rule(protocol="tcp"),
        ["groups.web.ingress[0]: give either 'rule' (a console preset) or 'protocol' (with 'ports'), not both"],
        id="preset-and-protocol",
    ),
    pytest.param(
        web_rule(rule=DELETE),
        [
            "groups.web.ingress[0]: a rule needs 'rule' (a console preset such as ssh or https) "
            "or 'protocol' with 'ports'"
        ],
        id="neither-preset-nor-protocol",
    ),
    pytest.param(
        app_rule(protocol="tpc"),
        [
            "groups.app.ingress[0].protocol: 'tpc' is not a protocol; did you mean 'tcp'?; use tcp, udp, icmp, "
            "icmpv6, all, or an IANA protocol number 0-255"
        ],
        id="protocol-typo",
    ),
    pytest.param(
        app_rule(protocol=256, ports=DELETE),
        [
            "groups.app.ingress[0].protocol: 256 is not a protocol; use tcp, udp, icmp, icmpv6, all, "
            "or an IANA protocol number 0-255"
        ],
        id="protocol-number-too-big",
    ),
    pytest.param(
        app_rule(protocol="all"),
        ["groups.app.ingress[0].ports: protocol all has no ports (AWS opens every port for it); remove 'ports'"],
        id="protocol-all-with-ports",
    ),
    pytest.param(
        app_rule(protocol=47),
        ["groups.app.ingress[0].ports: protocol 47 has no ports (AWS opens every port for it); remove 'ports'"],
        id="gre-with-ports",
    ),
    pytest.param(
        app_rule(protocol="06", ports=DELETE),
        [
            "groups.app.ingress[0].protocol: '06' is not a protocol number as AWS writes it; write '6' (no plus "
            "sign, spaces or leading zeros)"
        ],
        id="protocol-number-with-leading-zero",
    ),
    pytest.param(
        app_rule(protocol="017", ports=DELETE),
        [
            "groups.app.ingress[0].protocol: '017' is not a protocol number as AWS writes it; write '17' (no plus "
            "sign, spaces or leading zeros)"
        ],
        id="protocol-udp-number-with-leading-zero",
    ),
    pytest.param(
        app_rule(protocol="\u0666", ports=DELETE),
        [
            "groups.app.ingress[0].protocol: '\u0666' is not a protocol; use tcp, udp, icmp, icmpv6, all, or an IANA "
            "protocol number 0-255"
        ],
        id="protocol-arabic-indic-digit",
    ),
    pytest.param(app_rule(protocol="6"), [], id="protocol-number-text-is-tcp"),
    pytest.param(app_rule(protocol="TCP"), [], id="protocol-name-in-capitals"),
    # --- ports
    pytest.param(
        app_rule(ports=70000),
        ['groups.app.ingress[0].ports: port 70000 is out of range; ports are 0-65535 ("0-65535" means every port)'],
        id="port-out-of-range",
    ),
    pytest.param(
        app_rule(ports=-1),
        ['groups.app.ingress[0].ports: port -1 is out of range; ports are 0-65535 ("0-65535" means every port)'],
        id="port-minus-one-for-tcp",
    ),
    pytest.param(
        app_rule(ports="8100-8000"),
        ["groups.app.ingress[0].ports: '8100-8000' runs backwards; did you mean '8000-8100'?"],
        id="port-range-backwards",
    ),
    pytest.param(
        app_rule(ports="http"),
        [
            "groups.app.ingress[0].ports: 'http' is not a port or port range; write a port (443) "
            'or a range ("8000-8100")'
        ],
        id="port-not-a-number",
    ),
    pytest.param(
        app_rule(ports=True),
        ['groups.app.ingress[0].ports: true is not a port or port range; write a port (443) or a range ("8000-8100")'],
        id="port-is-a-yaml-boolean",
    ),
    pytest.param(
        app_rule(ports=DELETE),
        ['groups.app.ingress[0].ports: required for tcp: a port (443) or a range ("8000-8100"; "0-65535" for all)'],
        id="ports-missing-for-tcp",
    ),
    pytest.param(
        app_rule(ports="9" * 5000),
        [
            'groups.app.ingress[0].ports: a 5000-character number is out of range; ports are 0-65535 ("0-65535" means '
            "every port)"
        ],
        id="port-of-5000-digits",
    ),
    pytest.param(
        app_rule(ports="080"),
        ["groups.app.ingress[0].ports: '080' has a leading zero; write '80'"],
        id="port-text-with-leading-zero",
    ),
    pytest.param(
        app_rule(ports="\u0668\u0660"),
        [
            "groups.app.ingress[0].ports: '\u0668\u0660' is not a port or port range; write a port (443) or a range "
            '("8000-8100")'
        ],
        id="port-in-arabic-indic-digits",
    ),
    # --- icmp
    pytest.param(
        app_rule(protocol="icmp"),
        ["groups.app.ingress[0].ports: icmp has no ports; use 'icmpType' and 'icmpCode' (-1 for all)"],
        id="icmp-with-ports",
    ),
    pytest.param(
        app_rule(protocol="icmp", ports=DELETE, icmpType=256),
        ["groups.app.ingress[0].icmpType: 256 is not an ICMP type or code; use 0-255, or -1 for all"],
        id="icmp-type-out-of-range",
    ),
    pytest.param(
        app_rule(protocol="icmp", ports=DELETE, icmpCode=4),
        ["groups.app.ingress[0].icmpCode: a code needs a type: set 'icmpType' too, or make the code -1"],
        id="icmp-code-without-type",
    ),
    pytest.param(
        app_rule(icmpType=8),
        ["groups.app.ingress[0].icmpType: only icmp and icmpv6 rules have 'icmpType'; tcp uses 'ports'"],
        id="icmp-type-on-tcp",
    ),
    # --- peers
    pytest.param(
        db_from("group:app", "10.20.0.1/16"),
        [
            "groups.db.ingress[0].from[1]: '10.20.0.1/16' has host bits set, so it is not a network address; "
            "did you mean '10.20.0.0/16'?"
        ],
        id="cidr-host-bits",
    ),
    pytest.param(
        db_from("2001:db8::1/32"),
        [
            "groups.db.ingress[0].from[0]: '2001:db8::1/32' has host bits set, so it is not a network address; "
            "did you mean '2001:db8::/32'?"
        ],
        id="ipv6-host-bits",
    ),
    pytest.param(
        db_from("10.20.0.5"),
        ["groups.db.ingress[0].from[0]: '10.20.0.5' has no prefix length; did you mean '10.20.0.5/32' (one address)?"],
        id="address-without-prefix",
    ),
    pytest.param(
        db_from("10.20.0.0/33"),
        ["groups.db.ingress[0].from[0]: '10.20.0.0/33' is not a valid CIDR; write e.g. 10.0.0.0/8 or 2001:db8::/32"],
        id="prefix-too-long",
    ),
    pytest.param(
        db_from("anywere"),
        [
            "groups.db.ingress[0].from[0]: 'anywere' is not a peer; did you mean 'anywhere'?; use a CIDR, anywhere, "
            "anywhere-ipv4, anywhere-ipv6, self, group:<key>, sg-… or pl-…"
        ],
        id="peer-typo",
    ),
    pytest.param(
        db_from("group:cache"),
        ["groups.db.ingress[0].from[0]: 'group:cache' names no group of this stack (groups: app, web)"],
        id="unknown-group",
    ),
    pytest.param(
        db_from("group:ap"),
        [
            "groups.db.ingress[0].from[0]: 'group:ap' names no group of this stack; did you mean 'group:app'? "
            "(groups: app, web)"
        ],
        id="group-typo",
    ),
    pytest.param(
        db_from("group:db"),
        ["groups.db.ingress[0].from[0]: a group refers to itself as 'self', not 'group:db'"],
        id="self-by-key",
    ),
    pytest.param(
        db_from("sg-123"),
        ["groups.db.ingress[0].from[0]: 'sg-123' is not a security group id (sg- and 8 or 17 hex digits)"],
        id="sg-id-too-short",
    ),
    pytest.param(
        db_from("sg-0ABCDEF1"),
        [
            "groups.db.ingress[0].from[0]: 'sg-0ABCDEF1' is not a security group id (sg- and 8 or 17 hex digits); "
            "did you mean 'sg-0abcdef1'?"
        ],
        id="sg-id-upper-case",
    ),
    pytest.param(
        db_from("pl-xyz"),
        ["groups.db.ingress[0].from[0]: 'pl-xyz' is not a prefix list id (pl- and 8 or 17 hex digits)"],
        id="prefix-list-malformed",
    ),
    pytest.param(
        db_from(22),
        ["groups.db.ingress[0].from[0]: expected a peer (a CIDR, anywhere, self, group:<key>, sg-…, pl-…), got 22"],
        id="peer-not-text",
    ),
    pytest.param(
        web_rule(**{"from": "anywhere"}),
        ["groups.web.ingress[0].from: expected a list; write [anywhere]"],
        id="peers-not-a-list",
    ),
    pytest.param(
        web_rule(**{"from": []}),
        ["groups.web.ingress[0].from: is empty; list at least one peer, e.g. [10.0.0.0/8]"],
        id="peers-empty",
    ),
    pytest.param(
        web_rule(**{"from": DELETE}),
        ["groups.web.ingress[0].from: required: list the peers, e.g. [10.0.0.0/8], [anywhere] or [group:web]"],
        id="peers-missing",
    ),
    pytest.param(
        group("web", egress=[{"rule": "https", "from": ["anywhere"], "description": "Outbound HTTPS"}]),
        [
            "groups.web.egress[0].from: unknown key; egress rules name their peers with 'to'; allowed: "
            "rule, protocol, ports, icmpType, icmpCode, to, description",
            "groups.web.egress[0].to: required: list the peers, e.g. [10.0.0.0/8], [anywhere] or [group:web]",
        ],
        id="from-in-an-egress-rule",
    ),
    # --- keys, descriptions, names
    pytest.param(
        group("web", descripton="Public web tier"),
        [f"groups.web.descripton: unknown key; did you mean 'description'?; allowed: {ALLOWED_GROUP_KEYS}"],
        id="typo-in-group-key",
    ),
    pytest.param(
        web_rule(protocl="tcp"),
        [f"groups.web.ingress[0].protocl: unknown key; did you mean 'protocol'?; allowed: {ALLOWED_RULE_KEYS}"],
        id="typo-in-rule-key",
    ),
    pytest.param(
        group("web", description=DELETE),
        [
            "groups.web.description: required: say what the group is for (AWS requires it, and changing it "
            "later replaces the group)"
        ],
        id="group-description-missing",
    ),
    pytest.param(
        group("web", description="Managed by Pulumi"),
        ["groups.web.description: 'Managed by Pulumi' is a tool's placeholder description; say what the group is for"],
        id="group-description-tool-default",
    ),
    pytest.param(
        group("web", description="Web tier – public <internet>"),
        [
            "groups.web.description: the group description contains '–' (U+2013), '<' (U+003C), '>' (U+003E), "
            "which AWS does not accept; use only letters, digits and ._-:/()#,@[]+=&;{}!$* (and spaces)"
        ],
        id="group-description-bad-characters",
    ),
    pytest.param(
        group("web", description="x" * 256),
        ["groups.web.description: the group description is 256 characters long; AWS allows at most 255"],
        id="group-description-too-long",
    ),
    pytest.param(
        web_rule(description=DELETE),
        [
            "groups.web.ingress[0].description: required: say why this traffic is allowed "
            "(reviewers and the policy pack need it)"
        ],
        id="rule-description-missing",
    ),
    pytest.param(
        web_rule(description="   "),
        ["groups.web.ingress[0].description: the rule description is empty; write one"],
        id="rule-description-blank",
    ),
    pytest.param(
        web_rule(description="Café clients"),
        [
            "groups.web.ingress[0].description: the rule description contains 'é' (U+00E9), which AWS does not "
            "accept; use only letters, digits and ._-:/()#,@[]+=&;{}!$* (and spaces)"
        ],
        id="rule-description-non-ascii",
    ),
    pytest.param(
        group("web", name="sg-web"),
        ["groups.web.name: 'sg-web' starts with 'sg-', which AWS reserves for group ids; choose another name"],
        id="name-starts-with-sg",
    ),
    pytest.param(
        group("web", name="default"),
        ["groups.web.name: 'default' is taken: every VPC already has a group named 'default' (names ignore case)"],
        id="name-default-is-taken",
    ),
    pytest.param(
        group("web", name="web "),
        ["groups.web.name: 'web ' has leading or trailing spaces, which AWS trims; remove them"],
        id="name-trailing-space",
    ),
    pytest.param(
        lambda c: (group("web", name="frontend")(c), group("app", name="frontend")(c)),
        [
            "groups.web.name: 'frontend' is also the name of groups.app in the same VPC; names must be unique per "
            "VPC, whatever their case"
        ],
        id="same-name-twice-in-one-vpc",
    ),
    pytest.param(
        db_from("fe80::%eth0/10"),
        ["groups.db.ingress[0].from[0]: 'fe80::%eth0/10' has a zone id ('%…'), which a CIDR cannot carry; remove it"],
        id="cidr-ipv6-zone-id",
    ),
    pytest.param(
        db_from("::%0/0"),
        ["groups.db.ingress[0].from[0]: '::%0/0' has a zone id ('%…'), which a CIDR cannot carry; remove it"],
        id="cidr-ipv6-anywhere-with-zone-id",
    ),
    pytest.param(
        db_from("::ffff:0:0/96"),
        [
            "groups.db.ingress[0].from[0]: '::ffff:0:0/96' is an IPv4-mapped IPv6 range, which AWS's provider "
            "refuses; write the IPv4 CIDR instead"
        ],
        id="cidr-ipv4-mapped-ipv6",
    ),
    pytest.param(
        lambda c: (group("web", vpcId="vpc-0a1b2c3d")(c), group("app", vpcId="vpc-0e0e0e0e")(c)),
        [
            "groups.app.ingress[0].from[0]: 'group:web' is in 'vpc-0a1b2c3d' but group 'app' is in 'vpc-0e0e0e0e'; "
            "AWS accepts a rule naming a group of another VPC only when the two VPCs are peered in the same region, "
            "so put both groups in one VPC, or, if the VPCs are peered, name the other group by its id (sg-…)"
        ],
        id="group-reference-across-vpcs",
    ),
    pytest.param(
        lambda c: (top(vpcId="vpc-0a1b2c3d")(c), group("app", vpcId="vpc-0a1b2c3d")(c)),
        [],
        id="group-reference-within-one-explicit-vpc",
    ),
    pytest.param(
        group("app", vpcId="vpc-0e0e0e0e"),
        [],
        id="group-reference-to-the-default-vpc-is-not-judged",
    ),
    pytest.param(
        lambda c: (group("web", name="Frontend")(c), group("app", name="frontend")(c)),
        [
            "groups.web.name: 'Frontend' is also the name of groups.app in the same VPC; names must be unique per "
            "VPC, whatever their case"
        ],
        id="same-name-in-another-case",
    ),
    pytest.param(
        group("web", name="Default"),
        ["groups.web.name: 'Default' is taken: every VPC already has a group named 'default' (names ignore case)"],
        id="name-default-in-capitals",
    ),
    pytest.param(
        group("web", description="Managed by Pulumi."),
        ["groups.web.description: 'Managed by Pulumi.' is a tool's placeholder description; say what the group is for"],
        id="group-description-tool-default-with-full-stop",
    ),
    pytest.param(
        web_rule(description="Managed by Pulumi"),
        [
            "groups.web.ingress[0].description: 'Managed by Pulumi' is a tool's placeholder description; say why it is "
            "allowed"
        ],
        id="rule-description-tool-default",
    ),
    pytest.param(
        web_rule(description="TODO describe why"),
        [
            "groups.web.ingress[0].description: 'TODO describe why' is a placeholder description (it starts with "
            "TODO); say why it is allowed"
        ],
        id="rule-description-todo",
    ),
    pytest.param(
        web_rule(description="n/a"),
        ["groups.web.ingress[0].description: 'n/a' is a placeholder description; say why it is allowed"],
        id="rule-description-n-a",
    ),
    pytest.param(
        web_rule(description="-"),
        [
            "groups.web.ingress[0].description: '-' is a placeholder description (no letters or digits); say why "
            "it is allowed"
        ],
        id="rule-description-dash",
    ),
    # --- duplicates and quota
    pytest.param(
        add_web_rule({"rule": "https", "from": ["0.0.0.0/0"], "description": "Again"}),
        [
            "groups.web.ingress[1].from[0]: repeats the rule at groups.web.ingress[0].from[0] "
            "(ingress tcp 443 from 0.0.0.0/0); AWS rejects duplicate rules, so remove one"
        ],
        id="duplicate-rule",
    ),
    pytest.param(
        add_web_rule({"protocol": "tcp", "ports": "443", "from": ["::0/0"], "description": "Same as https"}),
        [
            "groups.web.ingress[1].from[0]: repeats the rule at groups.web.ingress[0].from[0] "
            "(ingress tcp 443 from ::/0); AWS rejects duplicate rules, so remove one"
        ],
        id="duplicate-preset-vs-protocol-and-ipv6-alias",
    ),
    pytest.param(
        web_rule(**{"from": ["anywhere", "anywhere-ipv6"]}),
        [
            "groups.web.ingress[0].from[1]: repeats the rule at groups.web.ingress[0].from[0] "
            "(ingress tcp 443 from ::/0); AWS rejects duplicate rules, so remove one"
        ],
        id="duplicate-peer-in-one-rule",
    ),
    pytest.param(
        lambda c: (
            top(ruleQuota=2)(c),
            add_web_rule({"rule": "http", "from": ["anywhere-ipv4", "10.0.0.0/8"], "description": "HTTP"})(c),
        ),
        [
            "groups.web.ingress: 3 IPv4 inbound rules exceed the quota of 2 per direction and IP family; split "
            "the group, or raise the quota in AWS Service Quotas and set ruleQuota to match"
        ],
        id="rule-quota-exceeded",
    ),
    pytest.param(
        top(ruleQuota="zero"),
        ["ruleQuota: 'zero' is not a rule quota; give a whole number from 1 to 1000 (AWS's default is 60)"],
        id="rule-quota-not-a-number",
    ),
    # --- VPC, tags
    pytest.param(
        top(vpcId="vpc-123"),
        ["vpcId: 'vpc-123' is not a VPC id (vpc- and 8 or 17 hex digits); leave it out for the default VPC"],
        id="project-vpc-id-malformed",
    ),
    pytest.param(
        group("web", vpcId="VPC-0A1B2C3D"),
        [
            "groups.web.vpcId: 'VPC-0A1B2C3D' is not a VPC id (vpc- and 8 or 17 hex digits); AWS ids are lower "
            "case; remove it for the default VPC"
        ],
        id="group-vpc-id-upper-case",
    ),
    pytest.param(
        top(tags={"cost-center": 4410}),
        ["tags.cost-center: tag values must be text, got 4410; quote it in YAML"],
        id="tag-value-number",
    ),
    pytest.param(
        group("web", tags={"aws:owner": "me"}),
        ["groups.web.tags[\"aws:owner\"]: tag keys starting with 'aws:' are reserved for AWS; rename the key"],
        id="tag-key-reserved",
    ),
    pytest.param(
        group("web", tags={"owner": "x" * 257}),
        ["groups.web.tags.owner: the tag value is 257 characters long; AWS allows 256"],
        id="tag-value-too-long",
    ),
    pytest.param(
        lambda c: (
            top(tags={f"stack-{n}": "x" for n in range(30)})(c),
            group("web", tags={f"web-{n}": "y" for n in range(21)})(c),
        ),
        [
            "groups.web.tags: the group and each of its rules would carry 51 tags (21 of its own and 30 from the "
            "stack's tags); AWS allows at most 50 per resource, so remove 1"
        ],
        id="more-than-50-tags",
    ),
    pytest.param(
        lambda c: (
            top(tags={f"t-{n}": "x" for n in range(50)})(c),
            group("web", tags={"t-0": "mine"})(c),
        ),
        [],
        id="a-group-tag-overriding-a-stack-tag-counts-once",
    ),
    pytest.param(
        top(closeDefaultGroups="maybe"),
        ["closeDefaultGroups: 'maybe' is not true or false"],
        id="close-default-groups-not-a-boolean",
    ),
    pytest.param(
        top(tags="environment=prod"),
        ["tags: expected a mapping of tag names to values, got the text 'environment=prod'"],
        id="tags-not-a-mapping",
    ),
    # --- structure
    pytest.param(
        lambda c: c["groups"].update({"web tier": c["groups"].pop("web")}),
        [
            "groups[\"web tier\"]: 'web tier' is not a usable group key; start with a letter or digit and use only "
            "letters, digits, '.', '_' and '-' (at most 100 characters)",
            "groups.app.ingress[0].from[0]: 'group:web' names no group of this stack (groups: db)",
        ],
        id="group-key-with-space",
    ),
    pytest.param(
        top(groups=DELETE),
        [
            "groups: required: describe this stack's security groups under 'security-groups:groups' (or in files "
            "named by 'security-groups:groupFiles')"
        ],
        id="groups-missing",
    ),
    # A top-level key with no value reaches the program as "" (the CLI's config.Value for YAML null).
    pytest.param(
        top(groups=None),
        ["groups: has no value; give it one, or remove the key"],
        id="groups-null",
    ),
    pytest.param(
        top(tags=None),
        ["tags: has no value; give it one, or remove the key"],
        id="project-tags-null",
    ),
    pytest.param(
        top(groups="web"),
        ["groups: expected a mapping of group keys to groups, got the text 'web'"],
        id="groups-plain-text",
    ),
    pytest.param(
        top(groups=["web", "app"]),
        ["groups: expected a mapping of group keys to groups, got a list"],
        id="groups-a-list",
    ),
    pytest.param(
        lambda c: c["groups"].update({"web": "Public web tier"}),
        ["groups.web: expected a group (a mapping with description, ingress, egress), got 'Public web tier'"],
        id="group-not-a-mapping",
    ),
    pytest.param(
        group("web", ingress={"rule": "https"}),
        ["groups.web.ingress: expected a list of rules, got a mapping"],
        id="ingress-a-mapping",
    ),
    pytest.param(
        group("web", ingress=["https"]),
        ["groups.web.ingress[0]: expected a rule (a mapping with rule or protocol, from, description), got 'https'"],
        id="rule-not-a-mapping",
    ),
    pytest.param(
        group("db", egress=None),
        ["groups.db.egress: has no value; give it one, or remove the key"],
        id="egress-null",
    ),
    pytest.param(
        top(**{"security-groups:group": {}}),
        [
            "group: unknown key; did you mean 'groups'?; 'security-groups:' takes groups, groupFiles, vpcId, vpc, "
            "existingGroups, tags, ruleQuota, closeDefaultGroups"
        ],
        id="unknown-project-key",
    ),
]


@pytest.mark.parametrize(("patch", "expected"), CASES)
def test_config_problem(pulumi_mocks: Pulumi, patch: Patch, expected: list[str]) -> None:
    """Exactly these problems are reported, and no resource is registered."""
    config = copy.deepcopy(BASELINE)
    patch(config)
    run = pulumi_mocks.run_program(cli_config(config))
    if not expected:
        assert run.error is None
        return
    assert isinstance(run.error, ConfigError), run.error
    assert run.error.lines == tuple(expected)
    assert pulumi_mocks.mocks.resources == []


def test_a_number_python_cannot_read_is_a_config_error(pulumi_mocks: Pulumi) -> None:
    """A 5,000-digit number in the JSON the CLI passes: one clear problem, the config never echoed."""
    groups = '{"web": {"description": "Web", "ingress": [{"protocol": "tcp", "ports": ' + "9" * 5000 + "}]}}"
    run = pulumi_mocks.run_program({**cli_config({"aws:region": "eu-west-1"}), "security-groups:groups": groups})
    assert isinstance(run.error, ConfigError)
    assert run.error.lines == (
        "groups: expected a mapping of group keys to groups, got a value this program cannot read (a number "
        "longer than 4300 digits)",
    )
    assert pulumi_mocks.mocks.resources == []


def test_json_nested_deeper_than_python_reads_is_a_config_error(pulumi_mocks: Pulumi) -> None:
    """100,000 nested arrays in the JSON the CLI passes (a stack file can hold them as a quoted text): one clear
    problem, never the reader's RecursionError."""
    groups = '{"web": {"description": "Web", "ingress": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    run = pulumi_mocks.run_program({**cli_config({"aws:region": "eu-west-1"}), "security-groups:groups": groups})
    assert isinstance(run.error, ConfigError)
    assert run.error.lines == (
        "groups: expected a mapping of group keys to groups, got a value this program cannot read (nested too deeply)",
    )
    assert pulumi_mocks.mocks.resources == []


def test_every_problem_is_reported_at_once(pulumi_mocks: Pulumi) -> None:
    """Three problems in three groups come back together, in config order, under one header."""
    config = copy.deepcopy(BASELINE)
    db_from("group:app", "10.20.0.1/16")(config)
    web_rule(rule="postgres")(config)
    app_rule(ports="8100-8000")(config)

    run = pulumi_mocks.run_program(cli_config(config))

    assert isinstance(run.error, ConfigError)
    assert str(run.error) == (
        "stacks/Pulumi.dev.yaml: config 'security-groups:': 3 problems. "
        "Nothing was created or changed; fix the config and run again.\n"
        "  - groups.app.ingress[0].ports: '8100-8000' runs backwards; did you mean '8000-8100'?\n"
        "  - groups.db.ingress[0].from[1]: '10.20.0.1/16' has host bits set, so it is not a network address; "
        "did you mean '10.20.0.0/16'?\n"
        "  - groups.web.ingress[0].rule: unknown preset 'postgres'; did you mean 'postgresql'?"
    )
    assert pulumi_mocks.mocks.resources == []


def test_error_names_this_stacks_file(runtime_factory: Callable[..., Pulumi]) -> None:
    """The header names the stack file the CLI read, for whichever stack is selected."""
    rt = runtime_factory("prod")
    config = copy.deepcopy(BASELINE)
    web_rule(rule="postgres")(config)
    run = rt.run_program(cli_config(config))
    assert isinstance(run.error, ConfigError)
    assert str(run.error).startswith("stacks/Pulumi.prod.yaml: config 'security-groups:': 1 problem. ")

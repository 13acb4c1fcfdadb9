"""The preview's Mermaid diagram: title and legend as nodes, one merged edge per pair and direction, --only-findings.

Diagrams are built from hand-made previews (the resources as the engine holds them) and compared line for line;
every diagram here and every golden file also goes through Mermaid's own parser (tests/mermaid, pinned), which
runs where `npm ci --prefix tests/mermaid` has installed it (`make test` does when npm is on PATH).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from security_group_tools import child_processes, preview, preview_mermaid
from security_group_tools.pack_runner import UNKNOWN
from security_group_tools.paths import command_beside
from security_group_tools.preview_model import Finding, Preview, Resource
from security_group_tools.program_runner import EGRESS, INGRESS, SG

ROOT = Path(__file__).resolve().parents[1]
PARSER = ROOT / "tests" / "mermaid"
GOLDEN = sorted((ROOT / "tests" / "fixtures" / "preview" / "golden").glob("*.mmd"))
PREFIX = "urn:pulumi:t::security-groups::security-groups:index:SecurityGroup"
SSH_POLICY = "aws-ec2-securitygroup-disallow-public-ssh"
HEAD = [
    "flowchart LR",
    '  diagram_title["stack t: who can reach which security group<br/>policy config: policy.json<br/>'
    'findings: {mandatory} mandatory, {advisory} advisory{only}"]:::title',
    '  subgraph legend["legend"]',
    '    legend_source["source"]:::legend -->|"an ingress rule of the group allows it"| legend_group["group"]:::group',
    '    legend_group -.->|"only an egress rule of the group names it"| legend_destination["destination"]:::legend',
    '    legend_mandatory["mandatory finding"]:::mandatory',
    '    legend_advisory["advisory finding"]:::advisory',
    "  end",
]
CLASSES = [
    "  classDef title fill:none,stroke:none,font-weight:bold",
    "  classDef legend fill:#ffffff,stroke:#8c959f,color:#24292f",
    "  classDef group fill:#ddf4ff,stroke:#0969da,color:#0a3069",
    "  classDef internet fill:#ffebe9,stroke:#cf222e,color:#82071e",
    "  classDef network fill:#f6f8fa,stroke:#57606a,color:#24292f",
    "  classDef external fill:#fff8c5,stroke:#9a6700,color:#4d2d00",
    "  classDef mandatory stroke:#d1242f,stroke-width:3px",
    "  classDef advisory stroke:#bf8700,stroke-width:3px",
]
RED = "stroke:#d1242f,stroke-width:3px"
AMBER = "stroke:#bf8700,stroke-width:3px"


def head(mandatory: int = 0, advisory: int = 0, *, only: bool = False) -> list[str]:
    shown = "<br/>only the edges and groups with findings are drawn" if only else ""
    title = HEAD[1].format(mandatory=mandatory, advisory=advisory, only=shown)
    return [HEAD[0], title, *HEAD[2:]]


def group(name: str, vpc: str = "vpc-1") -> Resource:
    urn = f"{PREFIX}$aws:ec2/securityGroup:SecurityGroup::{name}"
    return Resource(SG, name, urn, f"{PREFIX}::{name}", {"vpcId": vpc, "description": name})


def rule(owner: str, direction: str, protocol: str, ports: tuple[int, int], peer: str) -> Resource:
    """A vpc rule of group `owner`: `peer` is a CIDR, `sg:<key>` (a group of the stack) or `pl-…`."""
    kind = INGRESS if direction == "ingress" else EGRESS
    low, high = ports
    name = f"{owner}-{direction}-{protocol}-{low}-{peer}"
    inputs: dict[str, Any] = {"securityGroupId": UNKNOWN, "ipProtocol": protocol, "fromPort": low, "toPort": high}
    deps = {"securityGroupId": (group(owner).urn,)}
    if peer.startswith("sg:"):
        inputs["referencedSecurityGroupId"] = UNKNOWN
        deps["referencedSecurityGroupId"] = (group(peer[3:]).urn,)
    elif peer.startswith("pl-"):
        inputs["prefixListId"] = peer
    else:
        inputs["cidrIpv6" if ":" in peer else "cidrIpv4"] = peer
    urn = f"{PREFIX}${kind}::{name}"
    return Resource(kind, name, urn, group(owner).urn, inputs, deps)


def finding(resource: Resource, level: str, policy: str = SSH_POLICY) -> Finding:
    return Finding(policy, level, "high", resource.urn, resource.name, "flagged")


def made(*resources: Resource, findings: tuple[Finding, ...] = ()) -> Preview:
    return Preview("t", "policy.json", resources, findings)


def lines(text: str) -> list[str]:
    assert text.endswith("\n")
    return text[:-1].split("\n")


APP_WEB = (
    group("app"),
    group("web"),
    rule("web", "ingress", "tcp", (443, 443), "0.0.0.0/0"),
    rule("web", "ingress", "tcp", (80, 80), "0.0.0.0/0"),
    rule("web", "ingress", "tcp", (8000, 8010), "0.0.0.0/0"),
    rule("web", "ingress", "udp", (53, 53), "0.0.0.0/0"),
    rule("web", "egress", "tcp", (5432, 5432), "sg:app"),
    rule("app", "ingress", "tcp", (5432, 5432), "sg:web"),
    rule("app", "egress", "tcp", (443, 443), "pl-0123456789abcdef0"),
)


def test_title_and_legend_are_nodes_and_each_pair_and_direction_is_one_edge() -> None:
    """web's egress to app and app's ingress from web are one reference: one solid edge; the internet's four
    rules into web are one edge with one label line per protocol; app's egress to a prefix list is dotted."""
    assert lines(preview_mermaid.render(made(*APP_WEB))) == [
        *head(),
        '  subgraph vpc_vpc_1["vpc-1"]',
        '    group_app["app"]:::group',
        '    group_web["web"]:::group',
        "  end",
        '  prefix_list_pl_0123456789abcdef0[/"pl-0123456789abcdef0<br/>prefix list"/]:::network',
        '  internet_ipv4(("anywhere IPv4<br/>0.0.0.0/0")):::internet',
        '  group_app -.->|"tcp 443"| prefix_list_pl_0123456789abcdef0',
        '  group_web -->|"tcp 5432"| group_app',
        '  internet_ipv4 -->|"tcp 80, 443, 8000-8010<br/>udp 53"| group_web',
        *CLASSES,
    ]


def test_an_egress_half_alone_is_dotted_and_differing_halves_merge_their_ports() -> None:
    """web names app on 5432 and 6379 in its egress; app lets in only 5432: still one edge, solid, both ports."""
    resources = (
        group("app"),
        group("web"),
        rule("web", "egress", "tcp", (6379, 6379), "sg:app"),
        rule("web", "egress", "tcp", (5432, 5432), "sg:app"),
        rule("app", "ingress", "tcp", (5432, 5432), "sg:web"),
        rule("app", "egress", "tcp", (5432, 5432), "sg:web"),
    )
    edges = [line for line in lines(preview_mermaid.render(made(*resources))) if "group_" in line and "|" in line]
    assert edges == [
        '  group_app -.->|"tcp 5432"| group_web',
        '  group_web -->|"tcp 5432, 6379"| group_app',
    ]


def test_a_self_reference_is_one_loop() -> None:
    resources = (
        group("mesh"),
        rule("mesh", "ingress", "tcp", (0, 65535), "sg:mesh"),
        rule("mesh", "egress", "tcp", (0, 65535), "sg:mesh"),
    )
    edges = [line for line in lines(preview_mermaid.render(made(*resources))) if line.startswith("  group_mesh ")]
    assert edges == ['  group_mesh -->|"tcp all ports"| group_mesh']


FLAGGED = (
    *APP_WEB,
    group("batch", vpc="vpc-2"),
    rule("batch", "ingress", "tcp", (22, 22), "10.0.0.0/8"),
)


def flagged_findings() -> tuple[Finding, ...]:
    by_name = {r.name: r for r in FLAGGED}
    return (
        finding(by_name["web-ingress-tcp-80-0.0.0.0/0"], "advisory", "aws-ec2-securitygroup-disallow-inbound-http"),
        finding(by_name["web-ingress-tcp-443-0.0.0.0/0"], "mandatory"),
        finding(by_name["app-egress-tcp-443-pl-0123456789abcdef0"], "advisory"),
        finding(by_name["batch"], "advisory", "aws-ec2-securitygroup-description"),
        finding(by_name["app-ingress-tcp-5432-sg:web"], "disabled"),
    )


def test_findings_colour_the_merged_edge_with_its_worst_level_and_the_group_they_are_on() -> None:
    """linkStyle counts the legend's two edges first; a disabled finding colours nothing."""
    text = preview_mermaid.render(made(*FLAGGED, findings=flagged_findings()))
    assert lines(text)[1] == head(1, 3)[1]
    assert lines(text)[-5:] == [
        "  classDef mandatory stroke:#d1242f,stroke-width:3px",
        "  classDef advisory stroke:#bf8700,stroke-width:3px",
        f"  linkStyle 2 {AMBER}",
        f"  linkStyle 5 {RED}",
        "  class group_batch advisory",
    ]
    edges = [line for line in lines(text) if "-->" in line or "-.->" in line][2:]
    assert edges == [
        '  group_app -.->|"tcp 443"| prefix_list_pl_0123456789abcdef0',
        '  group_web -->|"tcp 5432"| group_app',
        '  cidr_10_0_0_0_8 -->|"tcp 22"| group_batch',
        '  internet_ipv4 -->|"tcp 80, 443, 8000-8010<br/>udp 53"| group_web',
    ]


def test_only_findings_draws_the_flagged_edges_their_ends_and_the_flagged_groups() -> None:
    """batch's own finding keeps it (in its VPC) without its unflagged rule; app stays as the end of a flagged
    rule; the internet edge keeps only its flagged traffic; web's rule into app and its VPC's other rules go."""
    text = preview_mermaid.render(made(*FLAGGED, findings=flagged_findings()), only_findings=True)
    assert lines(text) == [
        *head(1, 3, only=True),
        '  subgraph vpc_vpc_1["vpc-1"]',
        '    group_app["app"]:::group',
        '    group_web["web"]:::group',
        "  end",
        '  subgraph vpc_vpc_2["vpc-2"]',
        '    group_batch["batch"]:::group',
        "  end",
        '  prefix_list_pl_0123456789abcdef0[/"pl-0123456789abcdef0<br/>prefix list"/]:::network',
        '  internet_ipv4(("anywhere IPv4<br/>0.0.0.0/0")):::internet',
        '  group_app -.->|"tcp 443"| prefix_list_pl_0123456789abcdef0',
        '  internet_ipv4 -->|"tcp 80, 443"| group_web',
        *CLASSES,
        f"  linkStyle 2 {AMBER}",
        f"  linkStyle 3 {RED}",
        "  class group_batch advisory",
    ]


def test_only_findings_of_a_clean_stack_is_the_title_and_legend() -> None:
    assert lines(preview_mermaid.render(made(*APP_WEB), only_findings=True)) == [*head(only=True), *CLASSES]


HOSTILE = (
    group('we"b <script>#1', vpc='vpc-"x"'),
    group("end"),
    rule('we"b <script>#1', "ingress", "tcp", (22, 22), "::/0"),
    rule("end", "ingress", "icmp", (3, 4), "192.0.2.0/24"),
    rule("end", "egress", "-1", (-1, -1), "2001:db8::/32"),
)


def test_odd_group_keys_and_vpcs_become_safe_ids_and_escaped_labels() -> None:
    text = preview_mermaid.render(made(*HOSTILE))
    assert lines(text)[len(head()) :][:9] == [
        '  subgraph vpc_vpc_x["vpc-#quot;x#quot;"]',
        '    group_we_b_script_1["we#quot;b #lt;script#gt;#35;1"]:::group',
        "  end",
        '  subgraph vpc_vpc_1["vpc-1"]',
        '    group_end["end"]:::group',
        "  end",
        '  cidr_2001_db8_32["2001:db8::/32"]:::network',
        '  cidr_192_0_2_0_24["192.0.2.0/24"]:::network',
        '  internet_ipv6(("anywhere IPv6<br/>::/0")):::internet',
    ]


def test_only_findings_is_refused_for_formats_that_draw_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        preview.parse_args(["--stack", "dev", "--only-findings"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.endswith(
        "security-groups preview: error: --only-findings needs --format mermaid, not table\n"
    )


def mermaid_errors(diagrams: dict[str, str]) -> dict[str, str | None]:
    """Each diagram's parse error from Mermaid's own parser (None: valid)."""
    node = shutil.which("node")
    if node is None or not (PARSER / "node_modules" / "mermaid").is_dir():
        pytest.skip("Mermaid's parser is not installed: run `npm ci --prefix tests/mermaid` (make test does)")
    result = subprocess.run(
        [node, str(PARSER / "parse.mjs")],
        input=json.dumps(list(diagrams.values())),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return dict(zip(diagrams, json.loads(result.stdout), strict=True))


def test_every_diagram_is_valid_mermaid() -> None:
    """Mermaid's parser accepts the golden diagrams and every diagram of these tests, and rejects a broken one."""
    diagrams = {path.name: path.read_text() for path in GOLDEN}
    diagrams["app-web"] = preview_mermaid.render(made(*APP_WEB))
    diagrams["flagged"] = preview_mermaid.render(made(*FLAGGED, findings=flagged_findings()))
    diagrams["flagged-only"] = preview_mermaid.render(made(*FLAGGED, findings=flagged_findings()), only_findings=True)
    diagrams["clean-only"] = preview_mermaid.render(made(*APP_WEB), only_findings=True)
    diagrams["hostile"] = preview_mermaid.render(made(*HOSTILE))
    diagrams["broken"] = diagrams["hostile"].replace('|"', "|", 1)
    errors = mermaid_errors(diagrams)
    assert len(GOLDEN) == 3
    assert {name: error for name, error in errors.items() if error is not None}.keys() == {"broken"}
    assert str(errors["broken"]).startswith("Parse error on line ")


DEV_FINDINGS = """\
flowchart LR
  diagram_title["stack dev: who can reach which security group<br/>policy config: stacks/policy-config.dev.json<br/>\
findings: 0 mandatory, 1 advisory<br/>only the edges and groups with findings are drawn"]:::title
{legend}
  subgraph vpc_vpc_0ff11e4a074ba8f67["vpc-0ff11e4a074ba8f67"]
    group_ssh_walkthrough["ssh-walkthrough"]:::group
  end
  internet_ipv4(("anywhere IPv4<br/>0.0.0.0/0")):::internet
  internet_ipv4 -->|"tcp 22"| group_ssh_walkthrough
{classes}
  linkStyle 2 stroke:#bf8700,stroke-width:3px
"""


def test_the_command_draws_only_devs_open_ssh_rule() -> None:
    """`preview --format mermaid --only-findings` as a user runs it: dev's one advisory finding and nothing else."""
    argv = [command_beside(sys.executable), "preview", "--stack", "dev", "--format", "mermaid", "--only-findings"]
    result = subprocess.run(
        child_processes.dies_with_parent(argv), cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    expected = DEV_FINDINGS.format(legend="\n".join(HEAD[2:]), classes="\n".join(CLASSES))
    assert (result.returncode, result.stderr, result.stdout) == (0, "starting the policy pack…\n", expected)

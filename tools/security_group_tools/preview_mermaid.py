"""The offline preview as a Mermaid flowchart: who can reach which group, over what, and what the pack flagged.

A title node names the stack, its policy config and the findings; a legend subgraph shows what edges and colours
mean. Groups of the stack sit in a box per VPC; peers (the internet, CIDRs, existing groups, prefix lists) outside
it. Every edge points the way connections open, and there is one per pair of nodes and direction: all the rules
between them are merged into one label (`tcp 80, 443`), and the two halves of a reference between groups of the
stack (the source's egress rule and the destination's ingress rule) are drawn once. An edge is solid when an
ingress rule of the destination allows the traffic and dotted when only an egress rule of the source names it.
Edges and groups with findings are drawn in the finding's colour (mandatory red, advisory amber); with
`only_findings` nothing else is drawn. Node ids are letters, digits and underscores, so any group key or CIDR gives
a valid id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from .preview_model import LEVEL_ORDER, Finding, Preview, Resource, RuleView, rule_views
from .program_runner import SG

STYLES: Final = {
    "mandatory": "stroke:#d1242f,stroke-width:3px",
    "advisory": "stroke:#bf8700,stroke-width:3px",
}
CLASSES: Final = (
    "classDef title fill:none,stroke:none,font-weight:bold",
    "classDef legend fill:#ffffff,stroke:#8c959f,color:#24292f",
    "classDef group fill:#ddf4ff,stroke:#0969da,color:#0a3069",
    "classDef internet fill:#ffebe9,stroke:#cf222e,color:#82071e",
    "classDef network fill:#f6f8fa,stroke:#57606a,color:#24292f",
    "classDef external fill:#fff8c5,stroke:#9a6700,color:#4d2d00",
    f"classDef mandatory {STYLES['mandatory']}",
    f"classDef advisory {STYLES['advisory']}",
)
ANYWHERE: Final = {"0.0.0.0/0": ("internet_ipv4", "anywhere IPv4"), "::/0": ("internet_ipv6", "anywhere IPv6")}
TITLE_ID: Final = "diagram_title"
LEGEND: Final = (
    '  subgraph legend["legend"]',
    '    legend_source["source"]:::legend -->|"an ingress rule of the group allows it"| legend_group["group"]:::group',
    '    legend_group -.->|"only an egress rule of the group names it"| legend_destination["destination"]:::legend',
    '    legend_mandatory["mandatory finding"]:::mandatory',
    '    legend_advisory["advisory finding"]:::advisory',
    "  end",
)
LEGEND_EDGES: Final = 2
"""Edges the legend draws: `linkStyle` counts them before the stack's own."""
RESERVED_IDS: Final = frozenset(
    {TITLE_ID, "legend", "legend_source", "legend_group", "legend_destination", "legend_mandatory", "legend_advisory"}
)
PORTS: Final = re.compile(r"^(tcp|udp) (\d+(?:-\d+)?)$")


class Ids:
    """Mermaid node ids, one per thing, letters, digits and underscores only, never repeated."""

    def __init__(self, reserved: Iterable[str] = RESERVED_IDS) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._used: set[str] = set(reserved)

    def get(self, kind: str, value: str) -> str:
        """The id of `value` of this kind (made on first use)."""
        key = (kind, value)
        if key not in self._ids:
            base = f"{kind}_{re.sub(r'[^A-Za-z0-9]+', '_', value).strip('_') or 'x'}"
            ident, n = base, 2
            while ident in self._used:
                ident, n = f"{base}_{n}", n + 1
            self._used.add(ident)
            self._ids[key] = ident
        return self._ids[key]


def label(*lines: str) -> str:
    """A quoted Mermaid label of one or more lines; characters that would break it as entity codes."""
    escaped = [line.replace("#", "#35;").replace('"', "#quot;") for line in lines]
    return '"' + "<br/>".join(line.replace("<", "#lt;").replace(">", "#gt;") for line in escaped) + '"'


def worst(findings: Iterable[Finding]) -> str | None:
    """The most severe level among findings that count (mandatory or advisory), if any."""
    levels = sorted({f.level for f in findings if f.level in STYLES}, key=lambda level: LEVEL_ORDER[level])
    return levels[0] if levels else None


def natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders numbers by value: `tcp 80` before `tcp 443`."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


def merged(traffic: Iterable[str]) -> list[str]:
    """One label line per protocol: `tcp 22`, `tcp 80` and `tcp 443` become `tcp 22, 80, 443`."""
    ports: dict[str, list[str]] = {}
    other: list[str] = []
    for item in sorted(set(traffic), key=natural):
        match = PORTS.match(item)
        if match:
            ports.setdefault(match.group(1), []).append(match.group(2))
        else:
            other.append(item)
    return sorted([f"{protocol} {', '.join(numbers)}" for protocol, numbers in ports.items()] + other, key=natural)


@dataclass
class Edge:
    """Every rule between one source and one destination, drawn as one arrow."""

    source: str
    destination: str
    traffic: set[str] = field(default_factory=set)
    ingress: bool = False
    """Whether an ingress rule of the destination allows it (solid), not only an egress rule of the source."""
    findings: list[Finding] = field(default_factory=list)

    def line(self) -> str:
        """The Mermaid edge."""
        arrow = "-->" if self.ingress else "-.->"
        return f"  {self.source} {arrow}|{label(*merged(self.traffic))}| {self.destination}"


def _peer_node(view: RuleView, ids: Ids) -> tuple[str, str]:
    """(id, declaration) of a rule's peer outside the stack's groups."""
    if view.peer_kind == "cidr" and view.peer in ANYWHERE:
        ident, name = ANYWHERE[view.peer]
        return ident, f"{ident}(({label(name, view.peer)})):::internet"
    if view.peer_kind == "cidr":
        ident = ids.get("cidr", view.peer)
        return ident, f"{ident}[{label(view.peer)}]:::network"
    if view.peer_kind == "prefix-list":
        ident = ids.get("prefix_list", view.peer)
        return ident, f"{ident}[/{label(view.peer, 'prefix list')}/]:::network"
    ident = ids.get("existing", view.peer)
    return ident, f"{ident}[{label(view.peer, 'existing group')}]:::external"


def _title(preview: Preview, only_findings: bool) -> str:
    counts = [f"{preview.count(level)} {level}" for level in STYLES]
    lines = [
        f"stack {preview.stack}: who can reach which security group",
        f"policy config: {preview.policy_config}",
        f"findings: {', '.join(counts)}",
    ]
    if only_findings:
        lines.append("only the edges and groups with findings are drawn")
    return f"  {TITLE_ID}[{label(*lines)}]:::title"


def render(preview: Preview, *, only_findings: bool = False) -> str:
    """The flowchart, as Mermaid source with a final newline.

    With `only_findings`, only the rules and groups with a mandatory or advisory finding are drawn (and the nodes
    at the ends of those rules), so a large stack's diagram shows just what needs attention.
    """
    ids = Ids()
    by_urn = findings_by_urn(preview.findings)
    views = sorted(rule_views(preview.resources), key=lambda v: (v.group, v.direction, v.resource.name))
    groups = sorted((r for r in preview.resources if r.type == SG), key=lambda r: r.name)
    if only_findings:
        views = [v for v in views if worst(by_urn.get(v.resource.urn, ())) is not None]
        drawn = {v.group for v in views} | {v.peer for v in views if v.peer_kind in ("group", "self")}
        groups = [g for g in groups if g.name in drawn or worst(by_urn.get(g.urn, ())) is not None]
    lines = ["flowchart LR", _title(preview, only_findings), *LEGEND]
    lines.extend(_vpcs(groups, ids))
    declared: set[str] = set()
    edges: dict[tuple[str, str], Edge] = {}
    for view in views:
        group_id = ids.get("group", view.group)
        if view.peer_kind in ("group", "self"):
            peer_id = ids.get("group", view.peer)
        else:
            peer_id, declaration = _peer_node(view, ids)
            if peer_id not in declared:
                declared.add(peer_id)
                lines.append(f"  {declaration}")
        source, destination = (peer_id, group_id) if view.direction == "ingress" else (group_id, peer_id)
        edge = edges.setdefault((source, destination), Edge(source, destination))
        edge.traffic.add(view.traffic)
        edge.ingress = edge.ingress or view.direction == "ingress"
        edge.findings.extend(by_urn.get(view.resource.urn, ()))
    lines.extend(edge.line() for edge in edges.values())
    lines.extend(f"  {line}" for line in CLASSES)
    for index, edge in enumerate(edges.values(), start=LEGEND_EDGES):
        level = worst(edge.findings)
        if level is not None:
            lines.append(f"  linkStyle {index} {STYLES[level]}")
    for group in groups:
        level = worst(by_urn.get(group.urn, ()))
        if level is not None:
            lines.append(f"  class {ids.get('group', group.name)} {level}")
    return "\n".join(lines) + "\n"


def render_findings(preview: Preview) -> str:
    """The flowchart of only the edges and groups with findings (`--only-findings`)."""
    return render(preview, only_findings=True)


def _vpcs(groups: Iterable[Resource], ids: Ids) -> list[str]:
    """A subgraph per VPC holding its groups."""
    vpcs: dict[str, list[str]] = {}
    for group in groups:
        vpc = group.inputs.get("vpcId")
        vpcs.setdefault(vpc if isinstance(vpc, str) else "default VPC", []).append(group.name)
    lines = []
    for vpc, names in sorted(vpcs.items()):
        lines.append(f"  subgraph {ids.get('vpc', vpc)}[{label(vpc)}]")
        lines.extend(f"    {ids.get('group', name)}[{label(name)}]:::group" for name in names)
        lines.append("  end")
    return lines


def findings_by_urn(findings: Iterable[Finding]) -> Mapping[str, list[Finding]]:
    """Findings grouped by the URN they are about."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.urn, []).append(finding)
    return grouped

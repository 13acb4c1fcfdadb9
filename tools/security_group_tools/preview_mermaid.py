"""The offline preview as a Mermaid flowchart: who can reach which group, over what, and what the pack flagged.

Groups of the stack sit in a box per VPC; peers (the internet, CIDRs, existing groups, prefix lists) outside it.
Ingress edges are solid and point into the group, egress edges are dotted and point out of it; each is labelled
with protocol and ports. Edges and groups with findings are drawn in the finding's colour (mandatory red,
advisory amber). Node ids are letters, digits and underscores, so any group key or CIDR gives a valid id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from .preview_model import LEVEL_ORDER, Finding, Preview, RuleView, rule_views
from .program_runner import SG

STYLES: Final = {
    "mandatory": "stroke:#d1242f,stroke-width:3px",
    "advisory": "stroke:#bf8700,stroke-width:3px",
}
CLASSES: Final = (
    "classDef group fill:#ddf4ff,stroke:#0969da,color:#0a3069",
    "classDef internet fill:#ffebe9,stroke:#cf222e,color:#82071e",
    "classDef network fill:#f6f8fa,stroke:#57606a,color:#24292f",
    "classDef external fill:#fff8c5,stroke:#9a6700,color:#4d2d00",
    f"classDef mandatory {STYLES['mandatory']}",
    f"classDef advisory {STYLES['advisory']}",
)
ANYWHERE: Final = {"0.0.0.0/0": ("internet_ipv4", "anywhere IPv4"), "::/0": ("internet_ipv6", "anywhere IPv6")}


class Ids:
    """Mermaid node ids, one per thing, letters, digits and underscores only, never repeated."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()

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


def render(preview: Preview) -> str:
    """The flowchart, as Mermaid source with a final newline."""
    ids = Ids()
    groups = sorted((r for r in preview.resources if r.type == SG), key=lambda r: r.name)
    by_urn: dict[str, list[Finding]] = {}
    for finding in preview.findings:
        by_urn.setdefault(finding.urn, []).append(finding)
    lines = [
        "flowchart LR",
        f"  %% stack {preview.stack}, policy config {preview.policy_config}",
        "  %% solid edge: ingress into a group; dotted edge: egress out of it",
    ]
    vpcs: dict[str, list[str]] = {}
    for group in groups:
        vpc = group.inputs.get("vpcId")
        vpcs.setdefault(vpc if isinstance(vpc, str) else "default VPC", []).append(group.name)
    for vpc, names in sorted(vpcs.items()):
        lines.append(f"  subgraph {ids.get('vpc', vpc)}[{label(vpc)}]")
        lines.extend(f"    {ids.get('group', name)}[{label(name)}]:::group" for name in names)
        lines.append("  end")
    views = sorted(rule_views(preview.resources), key=lambda v: (v.group, v.direction, v.resource.name))
    declared: set[str] = set()
    edges: list[str] = []
    link_styles: list[str] = []
    for view in views:
        group_id = ids.get("group", view.group)
        if view.peer_kind in ("group", "self"):
            peer_id = ids.get("group", view.peer)
        else:
            peer_id, declaration = _peer_node(view, ids)
            if peer_id not in declared:
                declared.add(peer_id)
                lines.append(f"  {declaration}")
        text = label(view.traffic + (" (self)" if view.peer_kind == "self" else ""))
        if view.direction == "ingress":
            edges.append(f"  {peer_id} -->|{text}| {group_id}")
        else:
            edges.append(f"  {group_id} -.->|{text}| {peer_id}")
        level = worst(by_urn.get(view.resource.urn, ()))
        if level is not None:
            link_styles.append(f"  linkStyle {len(edges) - 1} {STYLES[level]}")
    lines.extend(edges)
    lines.extend(f"  {line}" for line in CLASSES)
    lines.extend(link_styles)
    for group in groups:
        level = worst(by_urn.get(group.urn, ()))
        if level is not None:
            lines.append(f"  class {ids.get('group', group.name)} {level}")
    return "\n".join(lines) + "\n"

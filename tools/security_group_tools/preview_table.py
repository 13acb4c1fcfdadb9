"""The offline preview as a terminal table: resources by type, findings by level, and a one-line summary."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from .pack_runner import UNKNOWN
from .preview_model import ROOT_STACK, Finding, Location, Preview, Resource, RuleView, rule_views
from .program_runner import COMPONENT, EGRESS, INGRESS, SG

TYPE_ORDER: Final = (SG, INGRESS, EGRESS, COMPONENT, ROOT_STACK)
"""What a reviewer looks at first comes first; any other type follows, by name."""
WIDTH: Final = 118


Cells = tuple[str, ...]


def _group_inputs(resource: Resource, _: Mapping[str, RuleView]) -> Cells:
    inputs = resource.inputs
    name = inputs.get("name") or inputs.get("namePrefix")
    vpc = inputs.get("vpcId") or "default VPC"
    return (f"name {name}" if isinstance(name, str) else "auto-named", str(vpc), _quote(inputs.get("description")))


def _rule_inputs(resource: Resource, views: Mapping[str, RuleView]) -> Cells:
    view = views[resource.urn]
    way = "from" if view.direction == "ingress" else "to"
    peer = {"group": f"group {view.peer}", "self": "self"}.get(view.peer_kind, view.peer)
    return (view.group, view.traffic, f"{way} {peer}", _quote(resource.inputs.get("description")))


def _other_inputs(resource: Resource, _: Mapping[str, RuleView]) -> Cells:
    return tuple(f"{key}={_value(value)}" for key, value in sorted(resource.inputs.items()))


KEY_INPUTS: Final[Mapping[str, Callable[[Resource, Mapping[str, RuleView]], Cells]]] = {
    SG: _group_inputs,
    INGRESS: _rule_inputs,
    EGRESS: _rule_inputs,
}


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else "(no description)"


def _value(value: Any) -> str:
    return "(unknown until apply)" if value == UNKNOWN else str(value)


def aligned(rows: Sequence[Cells], indent: str) -> list[str]:
    """Rows of cells in columns two spaces apart (the last cell is left as long as it is)."""
    widths = [max((len(row[i]) for row in rows if i < len(row)), default=0) for i in range(max(map(len, rows)))]
    return [
        (indent + "  ".join(cell.ljust(widths[i]) if i < len(row) - 1 else cell for i, cell in enumerate(row))).rstrip()
        for row in rows
    ]


def resources_section(preview: Preview) -> list[str]:
    """Each type as a heading with its resources under it: name, then the inputs that matter."""
    views = {view.resource.urn: view for view in rule_views(preview.resources)}
    by_type: dict[str, list[Resource]] = {}
    for resource in preview.resources:
        by_type.setdefault(resource.type, []).append(resource)
    order = [t for t in TYPE_ORDER if t in by_type] + sorted(t for t in by_type if t not in TYPE_ORDER)
    lines = [f"Resources ({len(preview.resources)} to create)"]
    for resource_type in order:
        rows = sorted(by_type[resource_type], key=lambda r: r.name)
        lines.append(f"  {resource_type} ({len(rows)})")
        describe = KEY_INPUTS.get(resource_type, _other_inputs)
        lines.extend(aligned([(r.name, *describe(r, views)) for r in rows], "    "))
    return lines


def findings_section(findings: Sequence[Finding]) -> list[str]:
    """Each finding: level and policy, the resource, then the message wrapped under it."""
    if not findings:
        return ["Findings: none"]
    lines = [f"Findings ({len(findings)})"]
    for finding in findings:
        lines.append(f"  {finding.level.upper():<9} {finding.policy}")
        where = "" if finding.location is None else f" at {shown_location(finding.location)}"
        lines.append(f"            on {finding.resource or 'the stack'}{where}")
        lines.extend(textwrap.wrap(finding.message, WIDTH, initial_indent=" " * 12, subsequent_indent=" " * 12))
    return lines


def shown_location(where: Location) -> str:
    """`stacks/Pulumi.dev.yaml:18:18`: the form editors and terminals open at the line."""
    return f"{where.path}:{where.line}:{where.column}"


def summary_line(preview: Preview) -> str:
    """One line: counts and the verdict `pulumi preview` would reach."""
    s = preview.summary()
    verdict = "pass: no mandatory finding" if s["passed"] else "FAIL: mandatory findings would stop `pulumi preview`"
    return (
        f"{preview.stack}: {s['resources']} resources, {s['findings']} findings "
        f"({s['mandatory']} mandatory, {s['advisory']} advisory): {verdict}"
    )


def render(preview: Preview) -> str:
    """The whole table, ending with the summary line."""
    header = f"Offline preview of stack {preview.stack} with policy config {preview.policy_config}"
    lines = [header, "", *resources_section(preview), "", *findings_section(preview.findings), ""]
    lines.append(summary_line(preview))
    return "\n".join(lines) + "\n"

"""What an offline preview saw: every resource the program registers, as the engine would hold it, and the verdicts.

The program runs under Pulumi's mocks in preview mode, so ids the provider assigns on create (a new group's id)
are unknown, as in `pulumi preview` of a new stack; they reach the pack as the engine's unknown sentinel. The
mocks build URNs from the immediate parent's type only and keep the root Stack in them; the engine leaves the
root Stack out of the type chain and qualifies a child by every ancestor's type, so URNs are rebuilt here the
way the engine writes them, and property dependencies are translated to those URNs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi

from .pack_runner import UNKNOWN, Pack, StackItem, diagnostics
from .paths import PROJECT
from .program_runner import EGRESS, INGRESS, SG, RecordingMonitor

ROOT_STACK: Final = "pulumi:pulumi:Stack"
BLOCKING_LEVELS: Final = ("mandatory",)
"""Levels that make `pulumi preview` fail."""
LEVEL_ORDER: Final = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}


@dataclass(frozen=True)
class Resource:
    """One registered resource as the engine would hold it during preview."""

    type: str
    name: str
    urn: str
    parent: str
    """The parent's URN ("" for the root Stack)."""
    inputs: Mapping[str, Any]
    """Inputs with integral numbers as ints and values unknown until apply as the engine's sentinel."""
    dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Input property -> URNs of the resources its value comes from (only properties that have any)."""


@dataclass(frozen=True)
class Location:
    """Where in the project a finding's cause was written: a stack file or a group file, 1-based."""

    path: str
    """Relative to the project root, with forward slashes: `stacks/Pulumi.dev.yaml` (a `--stack-file` outside the
    project: as given)."""
    line: int
    column: int


@dataclass(frozen=True)
class Finding:
    """One diagnostic of the policy pack."""

    policy: str
    level: str
    severity: str
    urn: str
    """The resource's URN, or "" for a stack-wide finding."""
    resource: str
    """The resource's name, or "" for a stack-wide finding."""
    message: str
    """What was found and how to fix it (the policy's description line left out)."""
    location: Location | None = None
    """The config that made the resource (its rule and peer, or its group), when a stack or group file did."""


@dataclass(frozen=True)
class Preview:
    """One stack's offline preview."""

    stack: str
    policy_config: str
    """The policy config file, as given (relative to the project when it is inside it)."""
    resources: tuple[Resource, ...]
    findings: tuple[Finding, ...]

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """Findings that would fail `pulumi preview`."""
        return tuple(f for f in self.findings if f.level in BLOCKING_LEVELS)

    def count(self, level: str) -> int:
        """How many findings have this level."""
        return sum(1 for f in self.findings if f.level == level)

    def summary(self) -> dict[str, Any]:
        """Counts, and whether `pulumi preview` with this policy config would pass."""
        return {
            "resources": len(self.resources),
            "findings": len(self.findings),
            "mandatory": self.count("mandatory"),
            "advisory": self.count("advisory"),
            "passed": not self.blocking,
        }

    def by_urn(self) -> dict[str, Resource]:
        """Every resource by URN."""
        return {r.urn: r for r in self.resources}


def plain(value: Any) -> Any:
    """A recorded input as the engine holds it: unknowns as the sentinel, integral numbers as ints."""
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def registered(stack: str, mocks_resources: Sequence[pulumi.runtime.MockResourceArgs]) -> list[Resource]:
    """Every resource registered so far in the running mock runtime, root Stack included, with engine URNs."""
    monitor = pulumi.runtime.settings.get_monitor()
    if not isinstance(monitor, RecordingMonitor):
        raise RuntimeError("no runtime under mocks is running: use program_runner.start_runtime()")
    inputs: dict[tuple[str, str], Any] = {}
    for args in mocks_resources:
        if (args.typ, args.name) in inputs:
            raise RuntimeError(f"two resources of type {args.typ} are named {args.name!r}; the preview keys by both")
        inputs[(args.typ, args.name)] = args.inputs
    qualified: dict[str, str] = {}
    """Mock URN -> the engine's qualified type."""
    engine_urn: dict[str, str] = {}
    resources: list[tuple[Any, str, str]] = []
    for request in monitor.requests:
        mock_urn = monitor.make_urn(request.parent, request.type, request.name)
        parent_type = qualified.get(request.parent, "")
        qtype = f"{parent_type}${request.type}" if parent_type and parent_type != ROOT_STACK else request.type
        qualified[mock_urn] = qtype
        engine_urn[mock_urn] = f"urn:pulumi:{stack}::{PROJECT}::{qtype}::{request.name}"
        resources.append((request, mock_urn, engine_urn.get(request.parent, "")))
    result = []
    for request, mock_urn, parent in resources:
        deps = {
            prop: tuple(engine_urn[u] for u in found.urns)
            for prop, found in sorted(request.propertyDependencies.items())
            if found.urns
        }
        result.append(
            Resource(
                type=request.type,
                name=request.name,
                urn=engine_urn[mock_urn],
                parent=parent,
                inputs=plain(inputs.get((request.type, request.name), {})),
                dependencies=deps,
            )
        )
    return result


def judge(pack: Pack, resources: Sequence[Resource]) -> list[Finding]:
    """Analyze each resource, then AnalyzeStack over all of them, as the engine does during preview."""
    names = {r.urn: r.name for r in resources}
    findings: list[Finding] = []
    for resource in resources:
        response = pack.analyze(
            resource.type, resource.name, resource.inputs, resource_urn=resource.urn, parent=resource.parent
        )
        findings.extend(_finding(d, d.urn or resource.urn, names) for d in diagnostics(response))
    items = [
        StackItem(r.type, r.name, r.inputs, urn=r.urn, parent=r.parent, property_urns=r.dependencies) for r in resources
    ]
    findings.extend(_finding(d, d.urn, names) for d in diagnostics(pack.analyze_stack(items)))
    return sorted_findings(findings)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Blocking first, then by resource, policy and message: a stable order for people and tools."""
    return sorted(findings, key=lambda f: (LEVEL_ORDER.get(f.level, 9), f.resource, f.urn, f.policy, f.message))


def _finding(d: Any, urn: str, names: Mapping[str, str]) -> Finding:
    message = d.message.split("\n", 1)[-1]
    return Finding(d.policy, d.level, d.severity, urn, names.get(urn, urn.rsplit("::", 1)[-1]), message)


# --- Rules, as a reader thinks of them ----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleView:
    """A rule resource of the component: which group, which way, what traffic, which peer."""

    resource: Resource
    group: str
    """The owning group's name in this stack, or its literal id."""
    direction: str
    """`ingress` or `egress`."""
    traffic: str
    """`tcp 22`, `tcp 9100-9102`, `all traffic`, `icmp type 3 code 4`, ..."""
    peer_kind: str
    """`cidr`, `group` (of this stack), `self`, `sg` (an existing group), `prefix-list`, or `unknown`."""
    peer: str
    """The CIDR, group name, sg- id or pl- id."""


def traffic(inputs: Mapping[str, Any]) -> str:
    """Protocol and ports of a vpc rule, as a person reads them."""
    protocol = str(inputs.get("ipProtocol", UNKNOWN))
    low, high = inputs.get("fromPort"), inputs.get("toPort")
    if protocol in ("-1", "all"):
        return "all traffic"
    if protocol in ("icmp", "icmpv6", "1", "58"):
        name = "icmpv6" if protocol in ("icmpv6", "58") else "icmp"
        if low in (None, -1):
            return f"{name} all"
        return f"{name} type {low}" + ("" if high in (None, -1) else f" code {high}")
    if protocol in ("tcp", "udp", "6", "17"):
        name = {"6": "tcp", "17": "udp"}.get(protocol, protocol)
        if (low, high) == (0, 65535):
            return f"{name} all ports"
        return f"{name} {low}" if low == high else f"{name} {low}-{high}"
    return f"protocol {protocol}"


def rule_views(resources: Sequence[Resource]) -> list[RuleView]:
    """Each ingress and egress rule resource, with its group and peer resolved through property dependencies."""
    groups = {r.urn: r.name for r in resources if r.type == SG}
    views = []
    for resource in resources:
        if resource.type not in (INGRESS, EGRESS):
            continue
        inputs = resource.inputs
        owner = _resolve(inputs.get("securityGroupId"), resource.dependencies.get("securityGroupId", ()), groups)
        peer_kind, peer = _peer(resource, groups, owner)
        direction = "ingress" if resource.type == INGRESS else "egress"
        views.append(RuleView(resource, owner, direction, traffic(inputs), peer_kind, peer))
    return views


def _resolve(value: Any, deps: Sequence[str], groups: Mapping[str, str]) -> str:
    in_stack = [groups[u] for u in deps if u in groups]
    if in_stack:
        return in_stack[0]
    return value if isinstance(value, str) and value != UNKNOWN else "(unknown group)"


def _peer(resource: Resource, groups: Mapping[str, str], owner: str) -> tuple[str, str]:
    inputs = resource.inputs
    for key in ("cidrIpv4", "cidrIpv6"):
        if key in inputs:
            return "cidr", str(inputs[key])
    if "prefixListId" in inputs:
        return "prefix-list", str(inputs["prefixListId"])
    if "referencedSecurityGroupId" in inputs:
        deps = resource.dependencies.get("referencedSecurityGroupId", ())
        in_stack = [groups[u] for u in deps if u in groups]
        if in_stack:
            return ("self", owner) if in_stack[0] == owner else ("group", in_stack[0])
        value = inputs["referencedSecurityGroupId"]
        if isinstance(value, str) and value != UNKNOWN:
            return "sg", value
    return "unknown", "(unknown peer)"

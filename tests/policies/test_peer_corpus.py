"""The peer scanners' own security-group fixtures, replayed through the running pack under its default levels.

`<repo>/../shared/peer-corpus/*.json` holds the labelled fixtures of Checkov, KICS and trivy-checks, translated
to pulumi-aws props by hand (the data stays there; it is read at run time and never copied here). Each entry
is one resource of one fixture file (`stack_group`); its `prop_deps` name, by the peer's resource address, the
resources its properties depend on. Every resource of a fixture is sent as the engine sends it: Analyze for
each, then one AnalyzeStack for the fixture with its property dependencies. A labelled entry then holds when

- `expected: fail`: at least one policy of its `our_policy` reports on that resource;
- `expected: pass`: none of them does;
- `known_difference`: its `ours` field says what this pack answers instead (with the reason), and that is
  checked the same way.

Entries with no label (`expected: null`, context for a stack policy), entries of a check this pack has no
policy for (an empty `our_policy`: Checkov's CKV_AWS_260, port 80 from anywhere, which the pack authorises by
default) and entries the translation could not express (`untranslatable`, such as a module call) are sent if
they have a type and never judged.

Policies that implement the same AWS Config rule judge one control: the resource policy
`defaultsecuritygroup-disallow-rules` sees the DefaultSecurityGroup's own rules, the stack policy
`vpc-default-security-group-closed` the rule resources attached to it and VPCs whose default group stays
open, so a label naming one is met, or broken, by either. Likewise a label naming a ranked exposure policy (SSH, RDP,
high-risk or unauthorised ports) is met, or broken, by one ranked above it (`precedence.py`): one open port is
one finding, reported by the policy that names the problem best (an all-traffic rule opens SSH too).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from security_group_policies.catalogue import METAS
from security_group_policies.precedence import INGRESS_PRECEDENCE
from security_group_tools.pack_runner import Pack, StackItem, diagnostics, urn

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "peer-corpus"
PREVIEW_NOTE = "can't run policy '"
"""How a "could not check" note starts: it is not a verdict, so it neither meets nor breaks a label."""

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir() or not list(CORPUS.glob("*.json")),
    reason=f"the peer corpus is not here ({CORPUS} holds no *.json); it is read from beside the repository",
)


class Entry(NamedTuple):
    """One labelled resource of the corpus."""

    source: str
    stack_group: str
    resource_name: str
    resource_type: str | None
    expected: str | None
    """"fail" or "pass" as this pack must answer (a known difference's `ours`), or None when not labelled."""
    policies: frozenset[str]
    item: StackItem | None
    whole_file: bool
    """KICS labels some fixtures as a whole (`label_scope: file`): a finding on any resource of the file counts."""


def _same_control() -> dict[str, frozenset[str]]:
    """Each policy with every policy that implements the same AWS Config rule (itself included)."""
    by_rule: dict[str, set[str]] = defaultdict(set)
    for meta in METAS:
        for tag in meta.tags:
            if tag.startswith("aws-config:"):
                by_rule[tag].add(meta.name)
    return {
        meta.name: frozenset({meta.name}).union(*(by_rule[tag] for tag in meta.tags if tag.startswith("aws-config:")))
        for meta in METAS
    }


def _ranked_above() -> dict[str, frozenset[str]]:
    """Each ranked exposure policy with those ranked above it, which report its ports in its stead."""
    names = [definition.meta.name for definition in INGRESS_PRECEDENCE]
    return {name: frozenset(names[: rank + 1]) for rank, name in enumerate(names)}


def _entries() -> list[Entry]:
    same = _same_control()
    above = _ranked_above()
    entries: list[Entry] = []
    for path in sorted(CORPUS.glob("*.json")):
        raw: list[dict[str, Any]] = json.loads(path.read_text())
        urns = {(e["stack_group"], e["resource_name"]): urn(e["type"], e["logical_name"]) for e in raw if e.get("type")}
        for e in raw:
            item = None
            if e.get("type"):
                deps = {
                    prop: [urns[(e["stack_group"], name)] for name in names if (e["stack_group"], name) in urns]
                    for prop, names in (e.get("prop_deps") or {}).items()
                }
                item = StackItem(
                    e["type"],
                    e["logical_name"],
                    e["props"],
                    urn=urns[(e["stack_group"], e["resource_name"])],
                    property_urns=deps,
                )
            difference = e.get("known_difference")
            expected = difference["ours"] if difference else e["expected"]
            if not e["our_policy"]:
                expected = None  # a check this pack has no policy for
            policies = frozenset().union(
                *(same.get(name, {name}) | above.get(name, frozenset()) for name in e["our_policy"])
            )
            entries.append(
                Entry(
                    path.stem,
                    e["stack_group"],
                    e["resource_name"],
                    e.get("type"),
                    expected,
                    policies,
                    item,
                    e.get("label_scope") == "file",
                )
            )
    return entries


def _judge(pack: Pack, items: Sequence[StackItem]) -> dict[str, set[str]]:
    """URN -> the policies that report a finding on it, from Analyze on each resource and AnalyzeStack."""
    found: dict[str, set[str]] = defaultdict(set)
    for item in items:
        for d in diagnostics(pack.analyze(item.resource_type, item.name, item.props, resource_urn=item.urn)):
            if not d.message.startswith(PREVIEW_NOTE):
                found[item.urn].add(d.policy)
    for d in diagnostics(pack.analyze_stack(items)):
        if d.urn and not d.message.startswith(PREVIEW_NOTE):
            found[d.urn].add(d.policy)
    return found


def _verdicts(pack: Pack, entries: Sequence[Entry]) -> list[tuple[Entry, str]]:
    """Each labelled entry with what the pack answered on it ("fail" or "pass")."""
    stacks: dict[str, list[StackItem]] = defaultdict(list)
    for entry in entries:
        if entry.item is not None:
            stacks[entry.stack_group].append(entry.item)
    found = {group: _judge(pack, items) for group, items in stacks.items()}
    verdicts = []
    for entry in entries:
        if entry.item is None or entry.expected is None:
            continue
        by_urn = found[entry.stack_group]
        reported = set().union(*by_urn.values()) if entry.whole_file else by_urn.get(entry.item.urn, set())
        verdicts.append((entry, "fail" if reported & entry.policies else "pass"))
    return verdicts


def test_every_label_holds(pack: Pack) -> None:
    """No miss and no false positive on the peers' fixtures (known differences answered as documented)."""
    pack.configure(None)
    entries = _entries()
    verdicts = _verdicts(pack, entries)
    wrong = [
        (entry.source, entry.stack_group, entry.resource_name, f"expected {entry.expected}, got {answer}")
        for entry, answer in verdicts
        if answer != entry.expected
    ]
    assert wrong == [], "\n".join(map(str, wrong))
    assert len(verdicts) >= 150, "fewer labelled resources than the corpus had when this test was written"


def _counts(entries: Sequence[Entry]) -> Mapping[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        counts[entry.expected or "unlabelled"] += 1
    return counts

"""stacks/policy-config.<env>.json: valid against the pack's schemas, sent through Configure as the CLI does."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from security_group_policies.catalogue import METAS
from security_group_policies.waivers import utc_today
from security_group_tools.pack_runner import ConfigError, Pack, diagnostics, reconcile
from stack_discovery import policy_config_names

from .pack_fixtures import SG, group, inline, waiver

STACKS = Path(__file__).resolve().parents[2] / "stacks"
ENVIRONMENTS = ("dev", "staging", "prod")
"""The environments whose levels the table below pins; every policy config found is checked for validity."""
FOUND = policy_config_names()

A, M, D = "advisory", "mandatory", "disabled"
POLICY_ORDER = [meta.name for meta in METAS]
EXPECTED_LEVELS = {
    # policy (short)                       dev staging prod
    "disallow-public-ssh":                  (A, M, M),
    "disallow-public-rdp":                  (A, M, M),
    "disallow-public-all-traffic":          (A, M, M),
    "disallow-public-high-risk-ports":      (A, A, M),
    "disallow-public-unauthorized-ports":   (A, A, A),
    "disallow-public-egress":               (D, D, D),
    "missing-description":                  (A, M, M),
    "missing-rule-description":             (A, M, M),
    "defaultsecuritygroup-disallow-rules":  (A, A, M),
    "disallow-invalid-name":                (A, M, M),
    "disallow-invalid-description":         (A, M, M),
    "report-waivers":                       (A, A, A),
    "disallow-public-combined-cidrs":       (A, M, M),
    "disallow-mixed-rule-management":       (A, A, M),
    "enforce-rule-quota":                   (A, M, M),
    "disallow-duplicate-rules":             (A, M, M),
    "defaultsecuritygroup-enforce-closed":  (A, A, M),
    "disallow-cross-vpc-reference":         (A, A, A),
}  # fmt: skip
"""Each environment's level for every policy: dev only warns, staging blocks, prod blocks the most."""


def full_name(short: str) -> str:
    """`disallow-public-ssh` -> `aws-ec2-securitygroup-disallow-public-ssh` (and the default-group one)."""
    return f"aws-ec2-{short}" if short.startswith("defaultsecuritygroup-") else f"aws-ec2-securitygroup-{short}"


def document(env: str) -> dict[str, Any]:
    """The environment's --policy-pack-config file."""
    return dict(json.loads((STACKS / f"policy-config.{env}.json").read_text()))


def test_expected_levels_cover_every_policy() -> None:
    """The table above names every policy of the pack, so a new policy forces a decision per environment."""
    assert sorted(full_name(short) for short in EXPECTED_LEVELS) == sorted(POLICY_ORDER)


@pytest.mark.parametrize("env", FOUND)
def test_config_file_is_valid(pack: Pack, env: str) -> None:
    """Reconciled like the engine (defaults, `all`, entries), valid per schema, accepted by Configure."""
    assert set(pack.configure(document(env))) - {"all"} == set(POLICY_ORDER)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_config_file_sets_the_expected_levels(pack: Pack, env: str) -> None:
    reconciled = pack.configure(document(env))
    levels = {name: level for name, (level, _) in reconciled.items() if name != "all"}
    column = ENVIRONMENTS.index(env)
    assert levels == {full_name(short): row[column] for short, row in EXPECTED_LEVELS.items()}


@pytest.mark.parametrize("env", FOUND)
def test_config_file_names_only_real_policies_and_keys(env: str) -> None:
    """The engine accepts unknown names and keys silently, so typos are caught here instead."""
    schemas = {meta.name: set(meta.config_schema().properties) for meta in METAS}
    for name, value in document(env).items():
        if name == "all":
            continue
        assert name in schemas, f"{env}: no policy named {name}"
        if isinstance(value, dict):
            assert set(value) - {"enforcementLevel"} <= schemas[name], f"{env}: unknown keys for {name}"


@pytest.mark.parametrize(("env", "level"), [("dev", "advisory"), ("staging", "mandatory"), ("prod", "mandatory")])
def test_open_ssh_per_environment(pack: Pack, env: str, level: str) -> None:
    """SSH open to anywhere warns in dev and fails the preview in staging and prod."""
    pack.configure(document(env))
    props = group(ingress=[inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"], description="SSH")])
    ssh = [d.level for d in diagnostics(pack.analyze(SG, "web", props)) if d.policy.endswith("disallow-public-ssh")]
    assert ssh == [level]


@pytest.mark.parametrize(("env", "found"), [("dev", False), ("staging", False), ("prod", True)])
def test_prod_treats_a_public_slash_8_as_anywhere_for_ssh(pack: Pack, env: str, found: bool) -> None:
    """Prod's stricter config counts wide public ranges as anywhere for admin ports."""
    pack.configure(document(env))
    props = group(ingress=[inline(fromPort=22, toPort=22, cidrBlocks=["1.0.0.0/8"], description="SSH")])
    ssh = [d for d in diagnostics(pack.analyze(SG, "web", props)) if d.policy.endswith("disallow-public-ssh")]
    assert bool(ssh) is found


@pytest.mark.parametrize(("env", "days"), [("dev", 90), ("staging", 90), ("prod", 30)])
def test_every_waivable_policy_caps_waivers(pack: Pack, env: str, days: int) -> None:
    """Waivers run at most 30 days in prod and the default 90 elsewhere, on every policy a waiver can apply to.

    The engine's `all` entry carries only a level, so prod sets the cap on each waivable policy's own entry.
    """
    reconciled = pack.configure(document(env))
    caps = {name: props.get("maxWaiverDays") for name, (_, props) in reconciled.items() if props}
    assert {name: cap for name, cap in caps.items() if cap is not None} == {
        meta.name: days for meta in METAS if meta.waivable
    }


def test_prod_refuses_a_waiver_longer_than_30_days(pack: Pack) -> None:
    """Over the wire with prod's config: 29 days ahead is honoured, 32 days ahead is refused and says why.

    Both are a day away from the limit, so a run that crosses midnight (UTC) between here and the pack cannot
    flip them; the exact boundary is pinned with an injected date in test_waivers.py.
    """
    pack.configure(document("prod"))
    ssh = "aws-ec2-securitygroup-disallow-public-ssh"
    report = "aws-ec2-securitygroup-report-waivers"
    today = utc_today()
    found = {}
    for days in (29, 32):
        tags = waiver(ssh, f"{today + timedelta(days=days)} bastion during the migration")
        props = group(ingress=[inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"], description="SSH")], tags=tags)
        found[days] = [d for d in diagnostics(pack.analyze(SG, "web", props)) if d.policy in (ssh, report)]
    assert {days: [(d.policy, d.level) for d in result] for days, result in found.items()} == {
        29: [(report, "advisory")],
        32: [(ssh, "mandatory")],
    }
    assert "more than 30 days from today, the longest this environment's policy config allows" in found[32][0].message


def test_a_schema_violation_is_refused_before_configure(pack: Pack) -> None:
    """The validator is real: a wrongly typed value fails reconciliation, as the CLI would fail the run."""
    with pytest.raises(ConfigError, match="aws-ec2-securitygroup-disallow-public-ssh"):
        reconcile(pack.info(), {"aws-ec2-securitygroup-disallow-public-ssh": {"ports": ["twenty-two"]}})
    with pytest.raises(ConfigError, match="not a valid enforcement level"):
        reconcile(pack.info(), {"all": "strict"})

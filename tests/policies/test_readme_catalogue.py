"""The README's policy section carries the catalogue exactly as the code declares it."""

from __future__ import annotations

import json
from pathlib import Path

from security_group_policies.catalogue import METAS

from .catalogue_table import catalogue, config_keys

README = Path(__file__).resolve().parents[2] / "README.md"
STACKS = Path(__file__).resolve().parents[2] / "stacks"


def section() -> str:
    """The text between the policy-pack markers."""
    text = README.read_text()
    assert text.count("<!-- policy-pack:start -->") == 1
    assert text.count("<!-- policy-pack:end -->") == 1
    return text.split("<!-- policy-pack:start -->")[1].split("<!-- policy-pack:end -->")[0]


def test_catalogue_table_matches_the_code() -> None:
    """Name, level, severity, what, how to fix and config keys: regenerate with catalogue_table.py if this fails."""
    assert catalogue() in section()


def test_config_table_matches_the_code() -> None:
    """Every config key with its policies, default and meaning."""
    assert config_keys() in section()


def test_every_policy_and_config_file_is_mentioned() -> None:
    """The section names each policy, and the command lines it shows use files that exist."""
    text = section()
    for meta in METAS:
        assert f"`{meta.name}`" in text
    for env in ("dev", "staging", "prod"):
        path = STACKS / f"policy-config.{env}.json"
        assert json.loads(path.read_text())
    assert "--policy-pack policies --policy-pack-config stacks/policy-config.dev.json" in text

"""The generated parts of the docs are exactly what the code renders (UPDATE_SNAPSHOTS=1 rewrites them)."""

from __future__ import annotations

import os
import re

import pytest
from doc_blocks import PROJECT_DIR, read
from generated_sections import SECTIONS
from security_group_policies.catalogue import METAS

UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {re.escape(name)}:start -->\n)(.*?)(<!-- {re.escape(name)}:end -->)", re.DOTALL)


@pytest.mark.parametrize(("doc", "name"), list(SECTIONS), ids=[f"{doc}:{name}" for doc, name in SECTIONS])
def test_generated_section_matches_the_code(doc: str, name: str) -> None:
    """A section is rewritten only on request; otherwise any difference fails, naming the command that fixes it."""
    text = read(doc)
    matches = list(_pattern(name).finditer(text))
    assert len(matches) == 1, f"{doc} must hold exactly one {name} section"
    expected = SECTIONS[doc, name]()
    if UPDATE and matches[0].group(2) != expected:
        (PROJECT_DIR / doc).write_text(_pattern(name).sub(lambda m: m.group(1) + expected + m.group(3), text))
        return
    assert matches[0].group(2) == expected, (
        f"{doc}'s {name} section differs from the code: run `UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/docs` "
        "and review the diff"
    )


def test_the_catalogue_names_every_policy_once() -> None:
    """Each policy has one row, in the pack's order, so a policy added to the pack cannot be missing here."""
    rows = SECTIONS["policies/README.md", "catalogue"]().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == [meta.name for meta in METAS]


def test_the_pack_readme_names_the_shipped_policy_configs() -> None:
    """The command lines the pack's README shows use the policy configs that exist."""
    text = read("policies/README.md")
    for env in ("dev", "prod"):
        assert f"--policy-pack policies --policy-pack-config stacks/policy-config.{env}.json" in text
        assert (PROJECT_DIR / "stacks" / f"policy-config.{env}.json").is_file()

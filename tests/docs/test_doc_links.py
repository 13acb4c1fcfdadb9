"""Every relative link of the docs resolves, anchors included; the landing page shows what CI runs."""

from __future__ import annotations

import pytest
from commands import console_script
from doc_blocks import DOCS, PROJECT_DIR, anchors, links, read


def _problems(doc: str) -> list[str]:
    problems = []
    here = (PROJECT_DIR / doc).parent
    for line, target in links(doc):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        resolved = (here / path).resolve() if path else PROJECT_DIR / doc
        if not resolved.exists():
            problems.append(f"{doc}:{line}: {target}: no such file")
        elif anchor and (resolved.suffix != ".md" or anchor not in anchors(str(resolved.relative_to(PROJECT_DIR)))):
            problems.append(f"{doc}:{line}: {target}: no heading with that anchor")
    return problems


@pytest.mark.parametrize("doc", DOCS)
def test_every_internal_link_resolves(doc: str) -> None:
    assert _problems(doc) == []


def test_a_broken_link_is_found() -> None:
    """The checker itself: a missing file and a missing anchor are both reported."""
    assert anchors("docs/config.md") >= {"naming-and-replacement", "how-stack-files-are-read"}
    assert "adopt-config-and-a-pulumi-import-file" in anchors("docs/adopt-and-audit.md")
    assert "no-such-heading" not in anchors("docs/config.md")


def test_the_landing_page_links_every_manual() -> None:
    """The README is the way in: every doc is reachable from it in one step."""
    linked = {target.partition("#")[0] for _, target in links("README.md")}
    assert {doc for doc in DOCS if doc != "README.md"} <= linked


def test_the_test_command_is_what_ci_runs() -> None:
    """`.ci/run` runs exactly `make check`, the first command the README shows."""
    ci = (PROJECT_DIR / ".ci" / "run").read_text()
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["make check"]
    assert "```sh\nmake check\n```" in read("README.md")


def test_the_pulumi_cli_version_is_the_one_object_config_needs() -> None:
    """Typed `object` config needs CLI 3.187.0; 3.186 accepts the schema but fails validating an object default."""
    for doc in DOCS:
        assert "3.186 or newer" not in read(doc), doc
    assert "**3.187.0 or newer**" in read("README.md")


def test_the_console_script_has_the_documented_flags() -> None:
    """`security-groups --version` and `--help` exist on the installed script, as the docs show them."""
    import subprocess

    script = console_script()
    if script is None:
        pytest.skip("the security-groups console script is not installed in this venv (tools/ distribution)")
    for flag in ("--version", "--help"):
        result = subprocess.run([str(script), flag], capture_output=True, text=True, check=False, timeout=120)
        assert result.returncode == 0, (flag, result.stderr)
        assert result.stdout.strip(), flag

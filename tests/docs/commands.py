"""Check the commands of a shell block: make targets, `security-groups` subcommands and flags, Pulumi CLI flags.

The Pulumi CLI is not on the machines that run the tests, so its commands are a table here, read from
pulumi/pulumi's source (`pkg/cmd/pulumi/...`, the cobra definitions at v3.259.0): the commands these docs use and
their flags. A flag the docs show that is not in the table fails, so a new one must be looked up first.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Final

from doc_blocks import PROJECT_DIR

STACK: Final = frozenset({"--stack", "-s"})
POLICY_PACK: Final = frozenset({"--policy-pack", "--policy-pack-config"})
PULUMI: Final[dict[tuple[str, ...], frozenset[str]]] = {
    ("login",): frozenset({"--local", "-l", "--cloud-url", "-c"}),  # auth/login.go
    ("stack", "select"): STACK | {"--create", "-c"},  # stack/stack_select.go
    ("stack", "export"): STACK | {"--file"},  # stack/stack_export.go
    ("preview",): STACK | POLICY_PACK,  # operations/preview.go
    ("up",): STACK | POLICY_PACK | {"--yes", "-y"},  # operations/up.go
    ("import",): STACK | {"--file", "-f", "--generate-code", "--protect"},  # operations/import.go
    ("install",): frozenset(),  # install/install.go
    ("package", "add"): frozenset(),  # packagecmd/package_add.go
    ("policy", "analyze"): STACK | POLICY_PACK | {"--file", "--diff", "--json", "-j"},  # policy/policy_analyze.go
    ("policy", "publish"): frozenset(),  # policy/policy_publish.go: [org-name]
    ("policy", "enable"): frozenset({"--policy-group", "--config"}),  # policy/policy_enable.go
    ("policy", "disable"): frozenset({"--policy-group", "--version"}),  # policy/policy_disable.go
    ("policy", "group", "list"): frozenset(),  # policy/policy_group_list.go
}
"""Pulumi CLI command path -> the flags these docs may give it."""

PRE_COMMIT: Final = {"install": frozenset(), "run": frozenset({"--all-files", "-a", "--files"})}
"""pre-commit's subcommands these docs use and their flags (`pre-commit <command> --help` of the pinned version)."""

SUBCOMMANDS: Final = ("preview", "adopt", "audit", "validate")
"""The `security-groups` subcommands, each the module `security_group_tools.<name>`."""

SEPARATORS: Final = frozenset({"&&", "||", ";", "|", "(", ")"})
REDIRECTS: Final = frozenset({">", ">>", "<", "2>"})


def console_script() -> Path | None:
    """The installed `security-groups` script of this venv, if the tools distribution provides it."""
    script = Path(sys.executable).parent / "security-groups"
    return script if script.exists() else None


@functools.cache
def usage(subcommand: str) -> str:
    """The `usage:` text of one subcommand's --help, as a user sees it."""
    script = console_script()
    if script is not None:
        argv = [str(script), subcommand, "--help"]
        env = dict(os.environ)
    else:
        spec = importlib.util.find_spec("security_group_tools")
        assert spec is not None
        assert spec.origin is not None
        env = dict(os.environ, PYTHONPATH=str(Path(spec.origin).parents[1]))
        argv = [sys.executable, "-m", f"security_group_tools.{subcommand}", "--help"]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=True, timeout=120)
    return result.stdout.split("\n\n")[0]


def flags_of(usage_text: str) -> dict[str, frozenset[str] | None]:
    """Each flag of a usage text, with its choices (`{table,json}`) or None when it takes any value or none."""
    found: dict[str, frozenset[str] | None] = {}
    for match in re.finditer(r"(--?[a-z][a-z-]*)(?: \{([^}]*)\})?", usage_text):
        choices = match.group(2)
        found[match.group(1)] = frozenset(choices.split(",")) if choices else found.get(match.group(1))
    return found


@functools.cache
def make_targets() -> frozenset[str]:
    """The Makefile's targets."""
    text = (PROJECT_DIR / "Makefile").read_text()
    return frozenset(re.findall(r"^([a-z][a-z-]*):", text, re.MULTILINE))


def make_variables() -> frozenset[str]:
    """The variables the Makefile reads (`$(NAME)`)."""
    return frozenset(re.findall(r"\$\(([A-Z_]+)\)", (PROJECT_DIR / "Makefile").read_text()))


def commands(text: str) -> list[list[str]]:
    """Each simple command of a shell block, as argv (comments, redirections and VAR=value prefixes removed)."""
    joined = text.replace("\\\n", " ")
    found: list[list[str]] = []
    for raw in joined.splitlines():
        # `<org>` style placeholders are words to the reader, not redirections.
        line = re.sub(r"<([A-Za-z][\w-]*)>", r"\1", raw)
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        skip_next = False
        for token in lexer:
            if skip_next:
                skip_next = False
            elif token in REDIRECTS:
                skip_next = True
            elif token in SEPARATORS:
                found.append(current)
                current = []
            else:
                current.append(token)
        found.append(current)
    return [_without_assignments(argv) for argv in found if _without_assignments(argv)]


def _without_assignments(argv: list[str]) -> list[str]:
    index = 0
    while index < len(argv) and re.fullmatch(r"[A-Z_]+=.*", argv[index]):
        index += 1
    return argv[index:]


def check_shell(text: str) -> list[str]:
    """Every problem with the block's commands (empty when each one exists as written)."""
    problems: list[str] = []
    for argv in commands(text):
        problems.extend(f"{shlex.join(argv)}: {problem}" for problem in check_command(argv))
    return problems


def check_command(argv: list[str]) -> list[str]:
    """Problems with one command."""
    name = argv[0]
    if name == "make":
        return _make(argv[1:])
    if name in ("security-groups", ".venv/bin/security-groups"):
        return _security_groups(argv[1:])
    if name == "pulumi":
        return _pulumi(argv[1:])
    if name == ".venv/bin/pre-commit":
        if not argv[1:] or argv[1] not in PRE_COMMIT:
            return [f"pre-commit has no subcommand these docs are checked for: {argv[1:2]}"]
        return _flags(argv[2:], dict.fromkeys(PRE_COMMIT[argv[1]]), f"pre-commit {argv[1]}")
    if name == "cd":
        return [] if (PROJECT_DIR / argv[1]).is_dir() else [f"no directory {argv[1]}"]
    if name == "source":
        return [] if argv[1:] == [".venv/bin/activate"] else ["only the project's venv is sourced"]
    if name == ".venv/bin/pytest":
        missing = [arg for arg in argv[1:] if not arg.startswith("-") and not (PROJECT_DIR / arg).exists()]
        return [f"no test path {arg}" for arg in missing]
    return [f"{name} is not a command these docs are checked for"]


def _make(args: list[str]) -> list[str]:
    problems = []
    for arg in args:
        if arg == "-s":
            continue
        if "=" in arg:
            if arg.split("=")[0] not in make_variables():
                problems.append(f"the Makefile reads no variable {arg.split('=')[0]}")
        elif arg not in make_targets():
            problems.append(f"the Makefile has no target {arg}")
    return problems


def _security_groups(args: list[str]) -> list[str]:
    if not args or args[0].startswith("-"):
        return []  # the script's own flags (--version, --help): test_doc_examples checks them on the script
    if args[0] not in SUBCOMMANDS:
        return [f"security-groups has no subcommand {args[0]}"]
    return _flags(args[1:], flags_of(usage(args[0])), f"security-groups {args[0]}")


def _pulumi(args: list[str]) -> list[str]:
    words = [arg for arg in args if not arg.startswith("-")]
    path = next((tuple(words[:n]) for n in (3, 2, 1) if tuple(words[:n]) in PULUMI), None)
    if path is None:
        return [f"pulumi {' '.join(words[:2])} is not in the table of Pulumi CLI commands"]
    known: dict[str, frozenset[str] | None] = dict.fromkeys(PULUMI[path])
    return _flags(args, known, f"pulumi {' '.join(path)}")


def _flags(args: list[str], known: dict[str, frozenset[str] | None], command: str) -> list[str]:
    problems = []
    for index, arg in enumerate(args):
        if not arg.startswith("-"):
            continue
        flag = arg.split("=")[0]
        if flag not in known and flag not in ("--help", "-h"):
            problems.append(f"{command} has no flag {flag}")
            continue
        choices = known.get(flag)
        value = arg.split("=", 1)[1] if "=" in arg else (args[index + 1] if index + 1 < len(args) else "")
        if choices is not None and value not in choices:
            problems.append(f"{command} {flag} takes one of {sorted(choices)}, not {value}")
    return problems

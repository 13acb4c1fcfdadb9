"""The `security-groups` command: `preview`, `adopt`, `audit` and `validate`, each with `--help` and `--version`.

    security-groups preview --stack dev
    security-groups adopt --region us-east-1 --group-id sg-0123456789abcdef0 --import-file adopt-import.json
    security-groups audit --region us-east-1 --policy-config stacks/policy-config.prod.json
    security-groups validate stacks/Pulumi.dev.yaml stacks/groups/web.yaml

Each subcommand keeps its own exit codes (its `--help` lists them); this dispatcher adds only 2 for a usage error
(no command, or one it does not know). It imports only the standard library and `interrupts` before it knows the
command, so a signal while the command's heavy imports load ends it with the command's own line and status.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from . import __version__, interrupts, phases

PROG: Final = "security-groups"
USAGE_ERROR: Final = 2
GRPC_VERBOSITY: Final = "GRPC_VERBOSITY"
"""gRPC's core logs below this level are dropped; its default prints INFO lines on stderr."""


@dataclass(frozen=True)
class Command:
    """A subcommand: its module, what it does, and how a signal during its start-up is reported."""

    module: str
    summary: str
    prefix: str = ""
    """Before `interrupted`/`terminated` in the one line a signal prints."""
    suffix: str = ""
    """After it: what was (not) done."""


COMMANDS: Final = {
    "preview": Command("preview", "preview a stack and its policy verdicts without AWS or the Pulumi CLI"),
    "adopt": Command(
        "adopt",
        "stack config and a `pulumi import` file that reproduce existing security groups",
        prefix="adopt: ",
        suffix="; no file was written",
    ),
    "audit": Command("audit", "judge live security groups with the policy pack's own policies", prefix="audit: "),
    "validate": Command(
        "validate", "check the stacks that changed files belong to (config errors; --preview: the offline preview)"
    ),
}


def version_line() -> str:
    """What `--version` prints, for the command and every subcommand."""
    return f"{PROG} {__version__}"


def prog(name: str) -> str:
    """A subcommand's name in its usage lines: `security-groups preview`."""
    return f"{PROG} {name}"


def parser(name: str, doc: str, *, description: str | None = None) -> argparse.ArgumentParser:
    """A subcommand's parser, with `security-groups <name>` in its usage and `--version`.

    `--help` shows the module docstring's first paragraph (or `description`) and, after the options, its last
    paragraph: the exit codes.
    """
    made = argparse.ArgumentParser(
        prog=prog(name),
        description=description or doc.split("\n\n", maxsplit=1)[0],
        epilog=doc.rsplit("\n\n", maxsplit=1)[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    made.add_argument("--version", action="version", version=version_line())
    return made


def usage() -> str:
    """The top-level help."""
    width = max(map(len, COMMANDS))
    lines = [
        f"usage: {PROG} [--version] [--help] <command> [<args>]",
        "",
        "EC2 security groups from reviewed config, guarded by a policy pack.",
        "",
        "commands:",
        *(f"  {name:<{width}}  {command.summary}" for name, command in COMMANDS.items()),
        "",
        f"Run `{PROG} <command> --help` for a command's options and exit codes.",
    ]
    return "\n".join(lines) + "\n"


def start(name: str) -> None:
    """Before a command's heavy imports: a signal while they load ends it as one at any later moment would."""
    command = COMMANDS[name]
    interrupts.install_for_startup(prefix=command.prefix, suffix=command.suffix)
    # Left to its default, gRPC's core now and then prints an INFO line of its own on stderr ("Got goaway",
    # when the pack's server stops just as the channel to it closes), between the lines a user and CI read.
    # gRPC reads the level once, when it loads: so here, before any import of it. A user's own setting wins.
    os.environ.setdefault(GRPC_VERBOSITY, "ERROR")
    phases.reached("imports")


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a subcommand; return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.stderr.write(usage())
        return USAGE_ERROR
    first, rest = args[0], args[1:]
    if first in ("-h", "--help"):
        sys.stdout.write(usage())
        return 0
    if first == "--version":
        print(version_line())
        return 0
    if first not in COMMANDS:
        return _unknown(first)
    start(first)
    module = importlib.import_module(f"{__package__}.{COMMANDS[first].module}")
    status: int = module.main(rest)
    return status


def _unknown(name: str) -> int:
    close = difflib.get_close_matches(name.lower(), COMMANDS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    what = "option" if name.startswith("-") else "command"
    print(
        f"{PROG}: unknown {what} {name!r}{hint}; commands: {', '.join(COMMANDS)}; see `{PROG} --help`",
        file=sys.stderr,
    )
    return USAGE_ERROR

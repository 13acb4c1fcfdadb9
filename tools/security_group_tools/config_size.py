"""Whether a stack's config fits the one environment variable the Pulumi CLI passes it in.

The Python language host puts the whole config in `PULUMI_CONFIG`, Go's `json.Marshal` of a map of key to text
(pulumi/pulumi `sdk/python/cmd/pulumi-language-python/main.go: constructConfig`), and the CLI passes the same
variable to policy packs. Linux refuses to start a process with one environment string longer than
MAX_ARG_STRLEN, 32 pages of 4 KiB, `NAME=value` and its terminating NUL included (measured here: a value of
131,057 bytes starts a process, 131,058 does not). Past that, `pulumi up` cannot run the program at all
(pulumi/pulumi#20402), so the offline preview refuses such a config with the way out instead of crashing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from security_groups_component.stack_yaml import go_json

VARIABLE: Final = "PULUMI_CONFIG"
MAX_ARG_STRLEN: Final = 32 * 4096
"""Linux's limit on one argument or environment string, in bytes, its terminating NUL included."""
LIMIT: Final = MAX_ARG_STRLEN - len(f"{VARIABLE}=") - 1
"""The longest `PULUMI_CONFIG` value a process can be started with: 131,057 bytes."""


def env_bytes(config: Mapping[str, str]) -> int:
    """How many bytes `PULUMI_CONFIG` holds for this config (keys and values as the CLI passes them)."""
    return len(go_json(dict(config)).encode())


def too_large(config: Mapping[str, str], stack_file: str) -> str | None:
    """Why the CLI could not start the program with this config, naming the biggest keys; None when it fits."""
    size = env_bytes(config)
    if size <= LIMIT:
        return None
    biggest = sorted(config, key=lambda key: len(go_json(config[key]).encode()), reverse=True)[:3]
    shown = ", ".join(f"{key} ({len(go_json(config[key]).encode()):,} bytes)" for key in biggest)
    return (
        f"{stack_file}: the stack's config is {size:,} bytes as the Pulumi CLI passes it to the program (one "
        f"environment variable, {VARIABLE}), and Linux starts no process with one over {LIMIT:,} bytes, so "
        f"`pulumi up` could not run this stack (pulumi/pulumi#20402). Largest: {shown}. Move groups into files under "
        "stacks/ named by security-groups:groupFiles, which the program reads itself (docs/config.md: Group files)"
    )

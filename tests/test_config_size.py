"""Where `security-groups:groups` stops: the one environment variable the CLI passes the whole config in.

Measured on this machine: Linux starts a process with a `PULUMI_CONFIG` of 131,057 bytes and refuses one byte
more (E2BIG, "Argument list too long"), which is about 460 groups of two rules each, or about 220 groups of
prod's size. The offline preview refuses such a config with the way out (group files) instead of crashing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_DIR, cli_config, stack_config
from security_group_tools.config_size import LIMIT, env_bytes, too_large
from security_group_tools.paths import command_beside
from security_group_tools.yaml_writer import dump


def group(index: int) -> dict[str, Any]:
    """An ordinary group: HTTPS from anywhere, and one port from the team's subnet."""
    return {
        "description": f"Web servers of team {index:04d}",
        "ingress": [
            {"rule": "https", "from": ["anywhere"], "description": "HTTPS from the internet"},
            {
                "protocol": "tcp",
                "ports": 8080,
                "from": [f"10.{index // 256}.{index % 256}.0/24"],
                "description": "App traffic from the team subnet",
            },
        ],
    }


def stack(count: int) -> dict[str, Any]:
    return {"aws:region": "eu-west-1", "security-groups:groups": {f"team-{i:04d}": group(i) for i in range(count)}}


def starts(value_bytes: int) -> bool:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PULUMI_CONFIG": "x" * value_bytes}
    try:
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    except OSError:
        return False
    return True


@pytest.mark.skipif(sys.platform != "linux", reason="MAX_ARG_STRLEN is Linux's limit")
def test_the_limit_is_what_linux_enforces() -> None:
    """A process starts with a PULUMI_CONFIG of LIMIT bytes and not with one more."""
    assert LIMIT == 131_057
    assert starts(LIMIT)
    assert not starts(LIMIT + 1)


def test_how_many_groups_fit_in_one_config_key() -> None:
    """461 ordinary groups fit in one config key (and so could run under the CLI); 462 do not. Groups the size
    of prod's (more rules, longer descriptions) stop between 200 and 240."""
    assert env_bytes(cli_config(stack(461))) <= LIMIT < env_bytes(cli_config(stack(462)))
    assert too_large(cli_config(stack(461)), "stack big") is None
    per_prod_group = (env_bytes(cli_config(stack_config("prod"))) - env_bytes(cli_config({}))) / 4
    assert 200 < LIMIT / per_prod_group < 240


def test_the_offline_preview_refuses_a_config_the_cli_could_not_pass(tmp_path: Path) -> None:
    """Exit 2 with the sizes and the way out, before the program or the pack starts; no traceback."""
    stack_file = tmp_path / "Pulumi.big.yaml"
    stack_file.write_text(dump({"config": stack(470)}))
    result = subprocess.run(
        [command_beside(sys.executable), "preview", "--stack", "dev", "--stack-file", str(stack_file)],
        check=False,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    config = cli_config(stack(470))
    expected = too_large(config, "stack dev")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"{expected}\n"
    assert expected is not None
    assert expected.startswith(
        f"stack dev: the stack's config is {env_bytes(config):,} bytes as the Pulumi CLI passes it to the program "
        "(one environment variable, PULUMI_CONFIG), and Linux starts no process with one over 131,057 bytes, so "
        "`pulumi up` could not run this stack (pulumi/pulumi#20402). Largest: security-groups:groups ("
    )
    assert expected.endswith(
        "Move groups into files under stacks/ named by security-groups:groupFiles, which the program reads "
        "itself (docs/config.md: Group files)"
    )

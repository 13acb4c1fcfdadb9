"""`make preview-offline`: every stack's resources and policy verdicts, without AWS or the Pulumi CLI.

Each stack is previewed once in-process (the program under mocks, the real pack over gRPC) and rendered in every
format, compared with reviewed golden files in tests/fixtures/preview/golden/ (after an intended change, run
`UPDATE_SNAPSHOTS=1 make test` and review the diff; that also refreshes the diagrams in docs/stacks.md). The
command also runs as a user runs it, as a subprocess in its own session, and afterwards nothing of that session is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import STACKS
from security_group_tools import child_processes, phases, preview
from security_group_tools.paths import command_beside
from security_group_tools.preview_model import Location, Preview
from stack_discovery import GOLDEN_EXTENSIONS, golden_file, skip_reason

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "preview"
DIAGRAMS = ROOT / "docs" / "stacks.md"
PREVIEW_DOC = ROOT / "docs" / "preview-offline.md"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
PROGRESS = "starting the policy pack…\n"
SSH_RULE = "ssh-walkthrough-ingress-tcp-22-0.0.0.0/0"


def session_members(session: int) -> list[str]:
    """Command lines of every live process in a session (the pack inherits the command's session)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # the process ended while we looked
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(cmdline)
    return found


def command(*args: str) -> list[str]:
    """The preview as a user runs it: the installed `security-groups` command."""
    return [command_beside(sys.executable), "preview", *args]


ENV = dict(os.environ)


def run_command(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run as a user would, in a new session; afterwards nothing of that session may be alive."""
    process = subprocess.Popen(
        child_processes.dies_with_parent(argv),  # dies with this test run, however it ends
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stdout, stderr = process.communicate(timeout=120)
    assert session_members(process.pid) == []
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def previews() -> dict[str, Preview]:
    """Every stack previewed once with its own policy config (the pack's defaults for a stack without one)."""
    return {stack: preview_of(stack) for stack in STACKS}


def preview_of(stack: str, stack_file: Path | None = None) -> Preview:
    """One stack previewed as the command previews it: config, where it was written, the stack's policy config."""
    config, source = preview.read_stack_file(stack, stack_file)
    return preview.run_preview(stack, config, preview.default_policy_config(stack), source)


def golden(stack: str, fmt: str) -> Path:
    return golden_file(stack, fmt)


def test_every_output_format_has_a_golden_file_extension() -> None:
    assert set(GOLDEN_EXTENSIONS) == set(preview.FORMATS)


@pytest.mark.parametrize("fmt", sorted(preview.FORMATS))
@pytest.mark.parametrize("stack", STACKS)
def test_output_matches_its_reviewed_golden_file(previews: dict[str, Preview], stack: str, fmt: str) -> None:
    """A stack without golden files skips here; test_stacks.py fails for it and says what to run."""
    path = golden(stack, fmt)
    if not UPDATE and not path.is_file():
        pytest.skip(skip_reason(stack))
    text = preview.FORMATS[fmt](previews[stack])
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


def test_dev_shows_exactly_the_walkthrough_ssh_findings(previews: dict[str, Preview]) -> None:
    """Dev's policy config is advisory: the open SSH rule is flagged once, by the SSH policy, at its peer's line."""
    assert [(f.policy, f.level, f.resource, f.location) for f in previews["dev"].findings] == [
        ("aws-ec2-securitygroup-disallow-public-ssh", "advisory", SSH_RULE, Location("stacks/Pulumi.dev.yaml", 18, 18)),
    ]
    assert previews["dev"].summary() == {
        "resources": 15,
        "findings": 1,
        "mandatory": 0,
        "advisory": 1,
        "passed": True,
    }


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_have_no_finding(previews: dict[str, Preview], stack: str) -> None:
    assert previews[stack].findings == ()


def test_ids_of_new_groups_reach_the_pack_as_unknowns(previews: dict[str, Preview]) -> None:
    """As in `pulumi preview` of a new stack, a rule's group id is unknown; its URN dependency names the group."""
    rule = next(r for r in previews["dev"].resources if r.name == SSH_RULE)
    prefix = "urn:pulumi:dev::security-groups::security-groups:index:SecurityGroup"
    assert rule.urn == f"{prefix}$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::{SSH_RULE}"
    assert rule.parent == f"{prefix}::ssh-walkthrough"
    assert rule.inputs["securityGroupId"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert rule.dependencies == {"securityGroupId": (f"{prefix}$aws:ec2/securityGroup:SecurityGroup::ssh-walkthrough",)}


@pytest.mark.parametrize(("stack", "fmt"), [("dev", "table"), ("prod", "json"), ("staging", "mermaid")])
def test_command_prints_the_golden_output(stack: str, fmt: str) -> None:
    result = run_command(command("--stack", stack, "--format", fmt))
    assert (result.returncode, result.stderr) == (0, PROGRESS)
    assert result.stdout == golden(stack, fmt).read_text()


def test_make_target_runs_the_command() -> None:
    result = run_command(["make", "--no-print-directory", "preview-offline", "STACK=prod", "FORMAT=json"])
    assert (result.returncode, result.stderr) == (0, PROGRESS)
    assert result.stdout == golden("prod", "json").read_text()


def test_ssh_open_to_anywhere_fails_under_the_prod_policy_config() -> None:
    """A candidate prod stack file with SSH from anywhere: mandatory findings, exit 1."""
    result = run_command(
        command("--stack", "prod", "--stack-file", str(FIXTURES / "prod-open-ssh.yaml"), "--format", "json")
    )
    assert (result.returncode, result.stderr) == (1, PROGRESS)
    document = json.loads(result.stdout)
    rule = "bastion-ingress-tcp-22-0.0.0.0/0"
    assert {(f["policy"], f["level"], f["resource"]) for f in document["findings"]} == {
        ("aws-ec2-securitygroup-disallow-public-ssh", "mandatory", rule),
    }
    assert document["summary"] == {
        "resources": 4,
        "findings": 1,
        "mandatory": 1,
        "advisory": 0,
        "passed": False,
        "suppressed": 0,
    }
    # Given as an absolute path inside the project, the file is named relative to it.
    location = {"path": "tests/fixtures/preview/prod-open-ssh.yaml", "line": 11, "column": 18}
    assert [f["location"] for f in document["findings"]] == [location]


def test_a_stack_file_outside_the_project_is_named_as_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The table names the file and line beside the resource; a file outside the project keeps the path given."""
    candidate = tmp_path / "candidate.yaml"
    candidate.write_bytes((FIXTURES / "prod-open-ssh.yaml").read_bytes())
    assert preview.main(["--stack", "prod", "--stack-file", str(candidate)]) == 1
    out, err = capsys.readouterr()
    assert err == PROGRESS
    assert f"            on bastion-ingress-tcp-22-0.0.0.0/0 at {candidate}:11:18\n" in out


def test_a_stack_without_its_own_policy_config_is_judged_under_the_packs_defaults() -> None:
    """A new environment is one file: no stacks/policy-config.<stack>.json needed, and the output says so."""
    result = run_command(command("--stack", "qa", "--stack-file", str(ROOT / "stacks" / "Pulumi.dev.yaml")))
    assert (result.returncode, result.stderr) == (0, PROGRESS)
    assert result.stdout.splitlines()[0] == (
        "Offline preview of stack qa with policy config the pack's defaults (no stacks/policy-config.qa.json)"
    )


def test_bad_stack_config_prints_the_programs_error_and_exits_2() -> None:
    result = run_command(command("--stack", "prod", "--stack-file", str(FIXTURES / "bad-config.yaml")))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "stacks/Pulumi.prod.yaml: config 'security-groups:': 2 problems. Nothing was created or changed; "
        "fix the config and run again.\n"
        "  - tests/fixtures/preview/bad-config.yaml:8:11: groups.web.ingress[0].rule: unknown preset 'postgres'; "
        "did you mean 'postgresql'?\n"
        "  - tests/fixtures/preview/bad-config.yaml:9:18: groups.web.ingress[0].from[0]: '10.0.0.1/16' has host bits "
        "set, so it is not a network address; "
        "did you mean '10.0.0.0/16'?\n"
        "(the config came from tests/fixtures/preview/bad-config.yaml; the program names the stack's own file)\n"
    )


BAD_POLICY_CONFIGS = {
    "unknown-policy": "aws-ec2-securitygroup-disallow-public-shh: no policy of that name in the pack; "
    "did you mean 'aws-ec2-securitygroup-disallow-public-ssh'?",
    "bad-level": "all: 'strict' is not a valid enforcement level; use one of advisory, mandatory, remediate, disabled",
    "bad-schema": "aws-ec2-securitygroup-disallow-public-unauthorized-ports.authorizedTcpPorts[0]: "
    "'http' is not valid under any of the given schemas",
}


@pytest.mark.parametrize("case", sorted(BAD_POLICY_CONFIGS))
def test_bad_policy_config_names_the_file_and_key_and_exits_2(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = f"tests/fixtures/preview/policy-config.{case}.json"
    with pytest.raises(SystemExit) as exit_info:
        preview.main(["--stack", "dev", "--policy-config", str(ROOT / path)])
    out, err = capsys.readouterr()
    assert (exit_info.value.code, out) == (2, "")
    progress = "" if case == "bad-level" else PROGRESS  # a bad level is caught before the pack starts
    assert err == f"{progress}{path}: {BAD_POLICY_CONFIGS[case]}\n"


def test_unknown_stack_lists_the_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        preview.main(["--stack", "no-such-stack"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        f"unknown stack 'no-such-stack': stacks/ has stack files for {', '.join(STACKS)}; "
        "pass --stack <one of them> (or --stack-file FILE to preview another stack file)\n"
    )


PACK_COMMAND = "-m pulumi.policy"
STOPPED = "; the policy pack was stopped"
PHASES = {
    # phase: what the preview printed on stderr before it paused there, and whether the pack is running then
    "imports": ("", False),
    "program": ("", False),
    "pack-start": (PROGRESS, True),
    "analysis": (PROGRESS, True),
}


@contextlib.contextmanager
def paused_preview(phase: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The prod preview as a user runs it, held at `phase` (phases.PAUSE_ENV); what it printed before pausing.

    On the way out, whatever is left of its session is killed, so a failing test leaves nothing behind either.
    """
    process = subprocess.Popen(
        child_processes.dies_with_parent(command("--stack", "prod")),  # dies with this test run, however it ends
        cwd=ROOT,
        env={**ENV, phases.PAUSE_ENV: phase},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stderr is not None
        before = []
        while (line := process.stderr.readline()) not in ("", f"paused at {phase}\n"):
            before.append(line)
        assert line == f"paused at {phase}\n", f"the preview never reached {phase}: {''.join(before)}"
        yield process, "".join(before)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the session's group: the preview and the pack it started
        process.communicate()


def pack_running(session: int) -> bool:
    return any(PACK_COMMAND in member for member in session_members(session))


def wait_until_gone(session: int, seconds: float = 20.0) -> list[str]:
    """Poll until nothing of the session is alive (or `seconds` pass); what is still alive."""
    deadline = time.monotonic() + seconds
    while (alive := session_members(session)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive


@pytest.mark.parametrize(
    ("phase", "signum"),
    [
        *(pytest.param(phase, signal.SIGINT, id=f"{phase}-SIGINT") for phase in PHASES),
        pytest.param("program", signal.SIGTERM, id="program-SIGTERM"),
        pytest.param("analysis", signal.SIGTERM, id="analysis-SIGTERM"),
    ],
)
def test_a_signal_in_any_phase_stops_the_preview_and_its_pack(phase: str, signum: signal.Signals) -> None:
    """Ctrl-C (or SIGTERM) to the preview's own pid: one line, 130 (143), and the pack stopped before the exit."""
    printed, pack = PHASES[phase]
    with paused_preview(phase) as (process, before):
        assert pack_running(process.pid) == pack
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
        assert session_members(process.pid) == []  # reaped by the preview itself, not by the clean-up above
    word, status = ("interrupted", 130) if signum == signal.SIGINT else ("terminated", 143)
    assert (before, process.returncode, stdout, stderr) == (printed, status, "", f"{word}{STOPPED * pack}\n")


@pytest.mark.parametrize("phase", ["pack-start", "analysis"])
def test_the_pack_never_outlives_a_killed_preview(phase: str) -> None:
    """SIGKILL cannot be handled: the pack sees its parent pipe close and stops by itself."""
    with paused_preview(phase) as (process, _):
        assert pack_running(process.pid)
        process.kill()
        process.communicate(timeout=60)
        assert wait_until_gone(process.pid) == []
    assert process.returncode == -signal.SIGKILL


MARKERS = re.compile(r"(<!-- mermaid:(\w+):start -->\n)(.*?)(<!-- mermaid:\2:end -->)", re.DOTALL)


def test_docs_show_each_stacks_current_diagram(previews: dict[str, Preview]) -> None:
    """docs/stacks.md's diagrams are the command's output for each stack (UPDATE_SNAPSHOTS=1 rewrites them)."""
    text = DIAGRAMS.read_text()

    def block(match: re.Match[str]) -> str:
        diagram = preview.FORMATS["mermaid"](previews[match.group(2)])
        return f"{match.group(1)}```mermaid\n{diagram}```\n{match.group(4)}"

    expected = MARKERS.sub(block, text)
    if UPDATE:
        DIAGRAMS.write_text(expected)
        text = expected
    # docs/stacks.md shows the three example environments; a stack added later needs no docs change.
    assert [m.group(2) for m in MARKERS.finditer(text)] == ["dev", "prod", "staging"]
    assert text == expected


def test_docs_show_the_current_dev_table(previews: dict[str, Preview]) -> None:
    """docs/preview-offline.md's example table is the command's table for dev, word for word."""
    table = preview.FORMATS["table"](previews["dev"])
    assert f"```text\n{table}```" in PREVIEW_DOC.read_text()


# --- stack files read as the Pulumi CLI reads them (security_groups_component.stack_yaml)

CLI_READ_STACK = """\
config:
  aws:region: us-east-1
  security-groups:groups:
    tools:
      description: Legacy ops tools
      tags:
        enabled: yes
        paged: on
      ingress:
        - protocol: tcp
          ports: 022
          from: [10.0.0.0/8]
          description: Legacy tool port, written as in an old runbook
        - protocol: tcp
          ports: 08
          from: [10.0.0.0/8]
          description: Another legacy port
"""


def preview_file(tmp_path: Path, content: str | bytes, *args: str) -> str:
    """Write a stack file and preview it in this process as the dev stack; the stack file's path."""
    path = tmp_path / "Pulumi.candidate.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    preview.main(["--stack", "dev", "--stack-file", str(path), *args])
    return str(path)


def test_unquoted_022_is_port_18_and_yes_on_stay_text_as_for_pulumi_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """go-yaml v3 reads `022` as octal 18 (Go's base-0 integers) and `08` as the float 8; `yes`/`on` are text."""
    preview_file(tmp_path, CLI_READ_STACK, "--format", "json")
    document = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r["inputs"] for r in document["resources"] if r["type"].startswith("aws:")}
    assert sorted(by_name) == [
        "tools",
        "tools-egress-all-0.0.0.0/0",
        "tools-ingress-tcp-18-10.0.0.0/8",
        "tools-ingress-tcp-8-10.0.0.0/8",
    ]
    assert (
        by_name["tools-ingress-tcp-18-10.0.0.0/8"]["fromPort"],
        by_name["tools-ingress-tcp-18-10.0.0.0/8"]["toPort"],
    ) == (18, 18)
    assert by_name["tools"]["tags"] == {"enabled": "yes", "paged": "on"}
    preview_file(tmp_path, CLI_READ_STACK)
    table = capsys.readouterr().out
    assert "tcp 18 " in table
    assert "tcp 22 " not in table


HOSTILE_STACK_FILES = {
    "date": (
        b"config:\n  security-groups:tags:\n    expires: 2024-12-31\n",
        "3:14: config.security-groups:tags.expires: `2024-12-31` is a timestamp to the Pulumi CLI, which passes it "
        "on rewritten in Go's date format (like `2024-01-01 00:00:00 +0000 UTC`), not as written; quote it "
        '("2024-12-31") to keep the text',
    ),
    "binary": (
        b"config:\n  security-groups:groups:\n    web:\n      description: !!binary V2Vi\n",
        "4:20: config.security-groups:groups.web.description: the tag !!binary makes the Pulumi CLI decode base64 "
        "into bytes instead of keeping the text; remove the tag (quote the value to keep it as text)",
    ),
    "non-text-key": (
        b"config:\n  security-groups:tags:\n    404: not found\n",
        "3:5: config.security-groups:tags.404: the key `404` is read as a number, not text (the Pulumi CLI passes "
        'it on changed, or refuses it); quote the key ("404")',
    ),
    "recursive-alias": (
        b"config:\n  security-groups:groups: &groups\n    web: *groups\n",
        "3:10: config.security-groups:groups.web.web: the alias *groups is inside the value anchored &groups, so "
        "it would never end; an anchor cannot contain an alias to itself: write the value out",
    ),
    "non-utf8": (
        b"config:\n  security-groups:tags:\n    team: \xff\xfe\n",
        "3:11: byte 0xff at offset 42 is not UTF-8 (invalid start byte); the Pulumi CLI reads stack files as UTF-8; "
        "save the file as UTF-8",
    ),
    "500-deep": (
        b"config:\n  security-groups:tags: " + b"[" * 500 + b"]" * 500 + b"\n",
        f"2:{25 + 62}: config.security-groups:tags{'[0]' * 62}: collections nested more than 64 levels deep; "
        "flatten the structure (stack config needs only a few levels)",
    ),
    "alias-bomb": (
        (
            "config:\n  security-groups:tags:\n    lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + "".join(
                f"    {n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
            )
        ).encode(),
        "6:20: aliases expand to too many values (4,654 of the first 4,701 come from aliases): this is how a YAML "
        "alias bomb works, and the Pulumi CLI refuses it too ('document contains excessive aliasing'); write the "
        "values out instead of nesting aliases",
    ),
    "secret": (
        b"config:\n  aws:region: us-east-1\n  security-groups:tags:\n    owner:\n      secure: AAABAKciphertext\n",
        "4:5: config.security-groups:tags.owner: a secret value (`secure:`), which the offline preview cannot "
        "decrypt; preview with `pulumi preview` (which has the stack's secrets provider), or pass --stack-file "
        "with a copy of the stack file that holds a placeholder instead",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_STACK_FILES))
def test_hostile_stack_files_are_bad_input_with_file_and_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, message = HOSTILE_STACK_FILES[case]
    with pytest.raises(SystemExit) as exit_info:
        preview_file(tmp_path, content)
    out, err = capsys.readouterr()
    assert (exit_info.value.code, out) == (2, "")
    assert err == f"{tmp_path / 'Pulumi.candidate.yaml'}:{message}\n"
    assert "AAAB" not in err


def test_an_alias_bomb_stops_the_command_with_exit_2(tmp_path: Path) -> None:
    """As a user runs it: one line on stderr, exit 2, nothing left running."""
    path = tmp_path / "Pulumi.bomb.yaml"
    path.write_bytes(HOSTILE_STACK_FILES["alias-bomb"][0])
    result = run_command(command("--stack", "dev", "--stack-file", str(path)))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"{path}:{HOSTILE_STACK_FILES['alias-bomb'][1]}\n"

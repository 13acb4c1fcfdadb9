"""excludeNames patterns are RE2's: linear time whatever the pattern, and refused at Configure when RE2 cannot
compile them, naming the policy, the entry and why, in the pack process, the offline preview and audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import grpc
import pytest
import re2  # type: ignore[import-untyped]
from pulumi_policy.policy import _PolicyAnalyzerServicer
from security_group_policies.analyzer import SDK_PACK_VERSION, ConfigRefusedError
from security_group_policies.catalogue import PACK_ENFORCEMENT_LEVEL, PACK_NAME, analyzer
from security_group_policies.config import EXCLUDE_NAMES
from security_group_policies.sdk import as_sdk_policies
from security_group_tools import audit, preview
from security_group_tools.audit_engine import InProcessPack
from security_group_tools.pack_runner import (
    ConfigError,
    Pack,
    analyze_request,
    configure_request,
    diagnostics,
    reconcile,
)
from security_group_tools.paths import PROJECT_DIR

from .pack_fixtures import SG, group, inline

SSH = "aws-ec2-securitygroup-disallow-public-ssh"
RDP = "aws-ec2-securitygroup-disallow-public-rdp"
OPEN_SSH = group(ingress=[inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"], description="SSH")])
REDOS = "(a+)+b"

REFUSED = {
    "(web)-\\1": "invalid escape sequence: \\1 (RE2 has no backreferences)",
    "(?!prod).*": "invalid perl operator: (?! (RE2 has no lookahead)",
    "(?<=x)y": "invalid perl operator: (?<= (RE2 has no lookbehind)",
    "web-[": "missing ]: [",
    "a{1001}": "invalid repetition size: {1001}",
    "[\\p{L}]{1000}": "pattern too large - compile failed (it needs more than RE2's memory budget of 8 MiB for "
                       "one pattern)",
}  # fmt: skip
BACKREFERENCE = REFUSED["(web)-\\1"]
LOOKAHEAD = REFUSED["(?!prod).*"]


def test_patterns_are_compiled_by_re2_and_the_redos_pattern_answers_at_once() -> None:
    """The work is RE2's (Python's backtracking `re` took seconds for this pattern on 28 letters, and would take
    longer than the universe on these 100,000); full-match semantics as before."""
    settings = EXCLUDE_NAMES.parse([REDOS, "bastion-.*"])
    assert settings is not None
    assert [type(pattern) for pattern in settings.patterns] == [re2._Regexp, re2._Regexp]
    assert settings.match("a" * 100_000) is False
    assert settings.match("a" * 100_000 + "b") is True
    assert (settings.match("bastion-1"), settings.match("my-bastion-1"), settings.match("bastion-1\n")) == (
        True,
        False,
        False,
    )


def test_the_redos_pattern_over_grpc_excludes_by_name(pack: Pack) -> None:
    pack.configure({SSH: {"excludeNames": [REDOS]}})
    try:
        response = pack.analyze(SG, "a" * 28 + "b", OPEN_SSH)
        assert [(n.policy_name, n.reason) for n in response.not_applicable] == [
            (SSH, "excluded by the policy config's excludeNames")
        ]
        assert SSH in {d.policy for d in diagnostics(pack.analyze(SG, "a" * 28, OPEN_SSH))}  # seconds with `re`
    finally:
        pack.configure(None)


def _request(patterns: list[str], policy: str = SSH) -> Any:
    servicer = analyzer()
    return configure_request(reconcile(servicer.GetAnalyzerInfo(None, None), {policy: {"excludeNames": patterns}}))


@pytest.mark.parametrize("pattern", sorted(REFUSED))
def test_configure_refuses_what_re2_cannot_compile_in_process(pattern: str) -> None:
    with pytest.raises(ConfigRefusedError) as refused:
        analyzer().Configure(_request(["ok-.*", pattern]), None)
    assert str(refused.value) == f"{SSH}.excludeNames[1]: not a pattern RE2 accepts: {REFUSED[pattern]}"


def test_every_refused_pattern_of_every_policy_is_named_once() -> None:
    servicer = analyzer()
    info = servicer.GetAnalyzerInfo(None, None)
    document = {SSH: {"excludeNames": ["(a)\\1", "fine"]}, RDP: {"excludeNames": ["x", "y", "(?=z)"]}}
    with pytest.raises(ConfigRefusedError) as refused:
        servicer.Configure(configure_request(reconcile(info, document)), None)
    assert str(refused.value).splitlines() == [
        f"{SSH}.excludeNames[0]: not a pattern RE2 accepts: invalid escape sequence: \\1 (RE2 has no backreferences)",
        f"{RDP}.excludeNames[2]: not a pattern RE2 accepts: invalid perl operator: (?= (RE2 has no lookahead)",
    ]


def test_configure_refuses_with_invalid_argument_over_grpc(pack: Pack) -> None:
    """What the CLI receives, and stops with before any resource is judged."""
    with pytest.raises(grpc.RpcError) as refused:
        pack.stub.Configure(_request(["(web)-\\1"]), timeout=30)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == f"{SSH}.excludeNames[0]: not a pattern RE2 accepts: {BACKREFERENCE}"
    with pytest.raises(ConfigError) as error:
        pack.configure({SSH: {"excludeNames": ["(?!prod).*"]}})
    assert error.value.problems == (f"{SSH}.excludeNames[0]: not a pattern RE2 accepts: {LOOKAHEAD}",)
    pack.configure(None)  # the pack kept its earlier config and still answers
    assert SSH in {d.policy for d in diagnostics(pack.analyze(SG, "web", OPEN_SSH))}


def test_the_offline_preview_exits_2_naming_the_policy_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = "tests/fixtures/preview/policy-config.bad-pattern.json"
    with pytest.raises(SystemExit) as exit_info:
        preview.main(["--stack", "dev", "--policy-config", str(PROJECT_DIR / path)])
    out, err = capsys.readouterr()
    assert (exit_info.value.code, out) == (2, "")
    assert err == (
        f"{preview.PROGRESS}\n"
        f"{path}: {SSH}.excludeNames[1]: not a pattern RE2 accepts: {BACKREFERENCE}\n"
        f"{path}: {SSH}.excludeNames[2]: not a pattern RE2 accepts: {LOOKAHEAD}\n"
    )


def test_audit_refuses_it_before_any_aws_call(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError) as error:
        InProcessPack().configure({SSH: {"excludeNames": ["web-["]}})
    assert error.value.problems == (f"{SSH}.excludeNames[0]: not a pattern RE2 accepts: missing ]: [",)
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({SSH: {"excludeNames": ["web-["]}}))
    # An endpoint nothing listens on: the refusal must come first.
    status = audit.main(["--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9", "--policy-config", str(path)])
    assert (status, capsys.readouterr().err) == (
        2,
        f"error: {path}: {SSH}.excludeNames[0]: not a pattern RE2 accepts: missing ]: [\n",
    )


def test_without_our_configure_a_refused_pattern_is_ignored_with_a_note() -> None:
    """A stock PolicyPack's servicer keeps the config; the policy ignores the pattern and every finding says so."""
    servicer = _PolicyAnalyzerServicer(PACK_NAME, SDK_PACK_VERSION, as_sdk_policies(), PACK_ENFORCEMENT_LEVEL)
    servicer.Configure(_request(["(web)-\\1", "w.b"]), None)
    found = [
        d for d in diagnostics(servicer.Analyze(analyze_request(SG, "bastion", OPEN_SSH), None)) if d.policy == SSH
    ]
    assert [d.finding for d in found] == ["ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"]
    assert found[0].message.endswith(
        "(policy config excludeNames[0] is not a valid regular expression and was ignored)"
    )
    excluded = servicer.Analyze(analyze_request(SG, "web", OPEN_SSH), None)
    assert [(n.policy_name, n.reason) for n in excluded.not_applicable] == [
        (SSH, "excluded by the policy config's excludeNames")
    ]

"""A recording fake of the AWS Config API on 127.0.0.1 (moto's PutEvaluations only works in its test mode).

It speaks Config's JSON protocol (`X-Amz-Target: StarlingDoveService.<Operation>`), records every call's
operation and decoded body (and, apart, the access key id that signed it), answers PutEvaluations with no
failures (or fails the ids it is told to), and GetResourceConfigHistory with the items it holds by resource
id, as the real API returns them: `configuration` as JSON text. Reached through
AWS_ENDPOINT_URL_CONFIG_SERVICE, so the handler's own boto3 client calls it.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from fake_endpoint import served


@dataclass
class FakeConfig:
    """A running fake: what it was asked, and what it answers."""

    url: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    access_keys: list[str] = field(default_factory=list)
    """The access key id in each call's SigV4 `Authorization` header, in the order of `calls`."""
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Resource id -> configuration items GetResourceConfigHistory returns (newest first)."""
    refuse: set[str] = field(default_factory=set)
    """Resource ids whose evaluations PutEvaluations reports as failed."""
    deny: set[str] = field(default_factory=set)
    """Operations answered with AccessDeniedException, as for a role without the permission."""

    def evaluations(self) -> list[list[dict[str, Any]]]:
        """The `Evaluations` of each PutEvaluations call, in order."""
        return [body["Evaluations"] for operation, body in self.calls if operation == "PutEvaluations"]

    def answer(self, operation: str, body: dict[str, Any], access_key: str = "") -> tuple[int, dict[str, Any]]:
        """The status and JSON body for one call."""
        self.calls.append((operation, body))
        self.access_keys.append(access_key)
        if operation in self.deny:
            return 400, {"__type": "AccessDeniedException", "message": f"not authorized to perform {operation}"}
        if operation == "PutEvaluations":
            failed = [e for e in body.get("Evaluations", []) if e["ComplianceResourceId"] in self.refuse]
            return 200, {"FailedEvaluations": failed}
        if operation == "GetResourceConfigHistory":
            return 200, {"configurationItems": self.history.get(body["resourceId"], [])}
        return 400, {"__type": "UnknownOperationException", "message": operation}


_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
"""`AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/<service>/aws4_request, ...`"""


@contextlib.contextmanager
def fake_config() -> Iterator[FakeConfig]:
    """Serve a FakeConfig on 127.0.0.1 and a free port until the block ends."""
    fake = FakeConfig()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the http.server API
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
            signed = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            status, answer = fake.answer(operation, body, signed.group(1) if signed else "")
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: Any) -> None:
            pass  # one line per request on stderr otherwise

    with served(Handler, "fake-config") as fake.url:
        yield fake


def aim_the_handler(
    monkeypatch: Any, tmp_path: Any, fake: FakeConfig, moto_url: str, *, region: str, services: tuple[str, ...]
) -> None:
    """Point the Config rule's handler at the fakes, as a new Lambda environment would start.

    Test keys only; Config at `fake`; each of `services` (EC2, SSM, STS) at moto; the handler's boto3 clients,
    session and identity made afresh.
    """
    from moto_server import isolated_aws_env
    from security_group_tools import config_rule

    isolated_aws_env(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)  # as Lambda sets it
    monkeypatch.setenv("AWS_ENDPOINT_URL_CONFIG_SERVICE", fake.url)
    for service in services:
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", moto_url)
    for name in ("_clients", "_session", "_home"):
        monkeypatch.setattr(config_rule, name, None)

"""A proxy on 127.0.0.1 in front of moto that plays the parts moto does not: IAM saying no, and a slow AWS.

moto enforces no IAM by default, and turning its enforcement on would need every account's users, roles and
policies modelled. The proxy forwards every request to moto unchanged, except:

- `denied_roles`: AssumeRole into a role of one of these accounts answers 403 AccessDenied, as STS does when
  the role does not trust the caller;
- `denied_units`: EC2's DescribeSecurityGroups in one of these (account, region) answers 403
  UnauthorizedOperation, as EC2 does where a service control policy denies a region;
- `gate`: the first DescribeSecurityGroups wait until `gate` of them are in flight at once (or `gate_timeout`
  passes; `gate_opened` says which), so a run that reads units one after another cannot pass a test of its
  concurrency;
- `held_regions`: DescribeSecurityGroups there is held, unanswered, until the proxy stops (for signals);
- `dropped`: a request for one of these actions (`AssumeRole`) has its connection closed without an answer, as
  a network that cannot reach the service does (botocore retries it, then raises ConnectionClosedError).

It learns which account each access key belongs to from AssumeRole's answers (the management account's keys are
`KEYS`), records the largest number of DescribeSecurityGroups in flight at once (`peak`), and every request's
(account, region, action) in `calls`.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

import requests
from fake_endpoint import served
from moto_server import KEYS

MANAGEMENT = "123456789012"
"""moto's default account: the one its default keys are in."""

_CREDENTIAL = re.compile(r"Credential=([^/]+)/[0-9]{8}/([^/]+)/([^/]+)/")
_ACCESS_KEY = re.compile(r"<AccessKeyId>([^<]+)</AccessKeyId>")


@dataclass
class Proxy:
    """The running proxy and what it saw."""

    url: str = ""
    denied_roles: set[str] = field(default_factory=set)
    denied_units: set[tuple[str, str]] = field(default_factory=set)
    gate: int = 0
    gate_timeout: float = 30.0
    gate_opened: bool = False
    """Set once `gate` requests were in flight together; from then on none waits."""
    held_regions: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    """(account, region, action) of every request, in the order received."""
    assumed: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(RoleArn, RoleSessionName, ExternalId) of every AssumeRole."""
    peak: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    """Set once a request is being held in one of `held_regions`."""
    keys: dict[str, str] = field(default_factory=lambda: {KEYS["aws_access_key_id"]: MANAGEMENT})
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _in_flight: int = 0
    _opened: threading.Condition = field(default_factory=threading.Condition)
    _release: threading.Event = field(default_factory=threading.Event)

    def accounts_called(self, action: str) -> list[tuple[str, str]]:
        """(account, region) of every request for `action`, sorted."""
        return sorted((account, region) for account, region, name in self.calls if name == action)


def dropped_line(service: str, url: str) -> str:
    """What audit and adopt say of STS or Organizations at this proxy when it drops their requests (`dropped`)."""
    variable = f"AWS_ENDPOINT_URL_{service.upper()}"
    return (
        f"the {service} endpoint {url}/ closed the connection without answering, 10 attempts in a row; check "
        f"--region, the network and any proxy (HTTPS_PROXY, NO_PROXY), and {variable} or AWS_ENDPOINT_URL if "
        "either is set (--endpoint-url moves only EC2)"
    )


def _error(code: str, message: str) -> bytes:
    return (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>proxy</RequestId></ErrorResponse>"
    ).encode()


def _ec2_error(code: str, message: str) -> bytes:
    return (
        f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
        "<RequestID>proxy</RequestID></Response>"
    ).encode()


@contextlib.contextmanager
def aws_proxy(moto_url: str) -> Iterator[Proxy]:
    """Serve the proxy on 127.0.0.1 and a free port until the block ends."""
    proxy = Proxy()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            form = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
            found = _CREDENTIAL.search(self.headers.get("Authorization", ""))
            key, region, service = found.groups() if found else ("", "", "")
            # Query services (EC2, STS) name the action in the form; JSON ones (Organizations) in a header.
            action = form.get("Action") or self.headers.get("X-Amz-Target", "").rpartition(".")[2]
            account = proxy.keys.get(key, "?")
            with proxy._lock:
                proxy.calls.append((account, region, action))
            if action in proxy.dropped:
                self.close_connection = True  # no status line: the client sees the connection closed
                return
            if service == "sts" and action == "AssumeRole":
                with proxy._lock:
                    proxy.assumed.append(
                        (form.get("RoleArn", ""), form.get("RoleSessionName", ""), form.get("ExternalId"))
                    )
                target = form.get("RoleArn", "").split(":")[4:5]
                if target and target[0] in proxy.denied_roles:
                    self._answer(
                        403, _error("AccessDenied", f"not authorized to perform sts:AssumeRole on {target[0]}")
                    )
                    return
            if service == "ec2" and action == "DescribeSecurityGroups":
                if (account, region) in proxy.denied_units:
                    self._answer(403, _ec2_error("UnauthorizedOperation", "denied by a service control policy"))
                    return
                self._through_gate(region)
                try:
                    status, headers, answer = self._forward(body)
                finally:
                    with proxy._opened:
                        proxy._in_flight -= 1
            else:
                status, headers, answer = self._forward(body)
            if service == "sts" and action == "AssumeRole" and status == 200:
                issued = _ACCESS_KEY.search(answer.decode("utf-8", "replace"))
                if issued:
                    proxy.keys[issued.group(1)] = form["RoleArn"].split(":")[4]
            self._answer(status, answer, headers.get("Content-Type", "text/xml"))

        def _through_gate(self, region: str) -> None:
            if region in proxy.held_regions:
                proxy.held.set()
                proxy._release.wait()
            with proxy._opened:
                proxy._in_flight += 1
                proxy.peak = max(proxy.peak, proxy._in_flight)
                proxy._opened.notify_all()
                if proxy._in_flight >= proxy.gate:
                    proxy.gate_opened = True
                if not proxy.gate_opened:
                    proxy._opened.wait_for(lambda: proxy.gate_opened, timeout=proxy.gate_timeout)

        def _forward(self, body: bytes) -> tuple[int, Any, bytes]:
            headers = {name: value for name, value in self.headers.items() if name.lower() != "host"}
            answer = requests.post(moto_url + self.path, data=body, headers=headers, timeout=60)
            return answer.status_code, answer.headers, answer.content

        def _answer(self, status: int, body: bytes, content_type: str = "text/xml") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    with served(Handler, "aws-proxy") as proxy.url:
        try:
            yield proxy
        finally:
            proxy._release.set()


@contextlib.contextmanager
def organisation_endpoints(moto_url: str, monkeypatch: Any, tmp_path: Any) -> Iterator[Proxy]:
    """The proxy in front of moto as the endpoint of STS and Organizations (environment; EC2 is --endpoint-url),
    in an environment with only moto's test keys, until the block ends."""
    from moto_server import isolated_aws_env

    isolated_aws_env(monkeypatch, tmp_path)
    with aws_proxy(moto_url) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", running.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", running.url)
        yield running

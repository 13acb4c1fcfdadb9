"""An AWS endpoint on 127.0.0.1 that answers as moto once answered, after a set wait, at little CPU cost of its own.

moto serves every region from one Python process on this machine's own cores, so against it, reading
account-regions at once has little to overlap (bench/BENCHMARKS.md, "The floor"). AWS answers from elsewhere: a
unit's time there is largely waiting for answers. This endpoint models only that wait. The first time it sees a
request (the same region, service and body), it forwards it to moto and keeps the answer. After `replay()` it
answers every request it has seen from memory, after `delay` seconds, on a thread per request, and never asks
moto again. An unseen request is still forwarded, and counted in `misses`, so a run that strays from the recorded
one is visible. The delay is a parameter, not a measurement of AWS: every figure taken through this endpoint is
stated with the delay that produced it.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final
from urllib.parse import urlsplit

_SCOPE: Final = re.compile(r"Credential=[^/]+/[0-9]{8}/([^/]+)/([^/]+)/")
"""SigV4's credential scope in the Authorization header: region and service."""

FORWARDED_HEADERS: Final = ("Content-Type", "Authorization", "X-Amz-Date", "X-Amz-Security-Token", "User-Agent")
"""What moto needs of a request to answer it as it answered the audit."""

Key = tuple[str, str, str, bytes]
"""(region, service, path, body): what makes two requests the same request."""


@dataclass(frozen=True)
class Answer:
    """One kept answer."""

    status: int
    content_type: str
    body: bytes


@dataclass
class ReplayEndpoint:
    """The running endpoint and what it has kept."""

    origin: str
    delay: float = 0.0
    """Seconds each replayed answer waits before it is sent."""
    wait: Callable[[float], None] = time.sleep
    url: str = ""
    answers: dict[Key, Answer] = field(default_factory=dict)
    replaying: bool = False
    misses: int = 0
    """Requests forwarded to moto after `replay()`: 0 when the measured runs asked only what was recorded."""
    cpu_seconds: float = 0.0
    """CPU time the endpoint's own threads spent answering (waits not counted; moto's time is moto's)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def replay(self, delay: float) -> None:
        """From now on, answer from memory after `delay` seconds (forwarding, and counting, only what is unseen)."""
        with self.lock:
            self.replaying, self.delay = True, delay

    def answer(self, key: Key, forward: Callable[[], Answer]) -> Answer:
        """The kept answer for `key` (after the delay, when replaying), else moto's, kept."""
        with self.lock:
            kept, replaying, delay = self.answers.get(key), self.replaying, self.delay
        if kept is not None and replaying:
            if delay > 0:
                self.wait(delay)
            return kept
        found = forward()
        with self.lock:
            if replaying:
                self.misses += 1
            if found.status < 300:  # an error is never kept: a retry must reach moto again
                self.answers.setdefault(key, found)
        return found


def key_of(path: str, authorization: str, body: bytes) -> Key:
    """What identifies a request: its region and service (from the signature's scope), path and body."""
    scope = _SCOPE.search(authorization)
    region, service = scope.groups() if scope else ("", "")
    return (region, service, path, body)


def _forwarder(origin: str) -> Callable[[str, dict[str, str], bytes], Answer]:
    parts = urlsplit(origin)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    def forward(path: str, headers: dict[str, str], body: bytes) -> Answer:
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, response.getheader("Content-Type", "text/xml"), response.read())
        finally:
            connection.close()

    return forward


@contextlib.contextmanager
def replay_endpoint(origin: str, wait: Callable[[float], None] = time.sleep) -> Iterator[ReplayEndpoint]:
    """Serve on 127.0.0.1 and a free port, in front of `origin` (moto's URL), until the block ends."""
    endpoint = ReplayEndpoint(origin, wait=wait)
    forward = _forwarder(origin)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as AWS: botocore's pooled connections are reused
        # Headers and body go out in two writes: with Nagle's algorithm the second waits for the client's
        # delayed ACK (40 ms on Linux), a wait per call that no AWS endpoint adds.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # the http.server API
            started = time.thread_time()
            try:
                self._answer()
            finally:
                spent = time.thread_time() - started
                with endpoint.lock:
                    endpoint.cpu_seconds += spent

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name: value for name in FORWARDED_HEADERS if (value := self.headers.get(name)) is not None}
            key = key_of(self.path, self.headers.get("Authorization", ""), body)
            found = endpoint.answer(key, lambda: forward(self.path, headers, body))
            self.send_response(found.status)
            self.send_header("Content-Type", found.content_type)
            self.send_header("Content-Length", str(len(found.body)))
            self.end_headers()
            self.wfile.write(found.body)

        def log_message(self, format: str, *args: object) -> None:  # the http.server API
            del format, args  # one line per request otherwise

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="replay-endpoint", daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

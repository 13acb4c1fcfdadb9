"""An HTTP server on 127.0.0.1 that misbehaves as an EC2 endpoint can: for tests of the tools' AWS error paths.

Behaviours: `html` (a proxy's HTML page, content type text/html, with the given status), `silent` (accepts the
request and never answers), `close` (reads the request, then closes the connection without a byte). The server
runs on a thread on a free port, records the requests it received, and is stopped (every held request released)
when the `fake_endpoint` block ends.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PROXY_PAGE = b"<!DOCTYPE html>\n<html><head><title>Proxy</title></head><body>Sign in to continue<br></body></html>"
"""Not well-formed XML (`<br>`): botocore's parser raised on it."""
XHTML_PAGE = b"<html><body><p>Access denied by the proxy.</p></body></html>"
"""Well-formed XML: botocore's parser read it as an empty EC2 answer, "no groups"."""


@dataclass
class Endpoint:
    """A running fake endpoint."""

    url: str
    received: threading.Event = field(default_factory=threading.Event)
    """Set once the first request has arrived."""
    requests: list[str] = field(default_factory=list)
    """The path of each request received, in order."""


@contextlib.contextmanager
def served(handler: type[BaseHTTPRequestHandler], name: str) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 and a free port, on a thread named `name`, until the block ends; its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def fake_endpoint(behaviour: str, status: int = 200, page: bytes = PROXY_PAGE) -> Iterator[Endpoint]:
    """Serve `behaviour` on 127.0.0.1 and a free port until the block ends (`page` for `html`)."""
    release = threading.Event()
    endpoint = Endpoint("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the http.server API
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            endpoint.requests.append(self.path)
            endpoint.received.set()
            if behaviour == "silent":
                release.wait()
                self.close_connection = True
            elif behaviour == "close":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

        def log_message(self, *_: Any) -> None:
            pass  # one line per request on stderr otherwise

    with served(Handler, "fake-endpoint") as endpoint.url:
        try:
            yield endpoint
        finally:
            release.set()  # before the server stops: a held request must end first

"""moto's EC2 API on 127.0.0.1, on a port chosen at run time, for tests of the tools that talk to AWS."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import requests
from moto.server import ThreadedMotoServer
from mypy_boto3_ec2 import EC2Client

REGION = "us-east-1"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
"""moto accepts any keys while authentication is off (its default)."""


@dataclass(frozen=True)
class Moto:
    """A running moto server."""

    url: str

    def client(self) -> EC2Client:
        """An EC2 client for setting up test groups."""
        return boto3.client("ec2", region_name=REGION, endpoint_url=self.url, **KEYS)

    def reset(self) -> None:
        """Forget every resource (moto keeps state for the whole server)."""
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def require_auth(self) -> None:
        """From now on, authenticate every request against moto's IAM (unknown keys fail with AuthFailure)."""
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()

    def allow_all(self) -> None:
        """Stop authenticating requests."""
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()


@contextlib.contextmanager
def moto_server() -> Iterator[Moto]:
    """Start moto in a thread on 127.0.0.1 and a free port; stop it on exit."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield Moto(f"http://{host}:{port}")
    finally:
        server.stop()

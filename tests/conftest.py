"""Fixtures that run the real program and component under Pulumi's mocks (see security_group_tools.program_runner)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from security_group_tools.paths import PROJECT_DIR
from security_group_tools.program_runner import (
    COMPONENT,
    EGRESS,
    INGRESS,
    SG,
    Pulumi,
    cli_config,
    registered_urns,
    registration_requests,
    resolve,
    stack_config,
    start_runtime,
)
from stack_discovery import STACKS

# A shell starts background jobs with SIGINT ignored, and an ignored signal stays ignored in every process
# started from here. The harness stops plugins with SIGINT, as the CLI does, and a test presses Ctrl-C on
# `preview-offline`: both need SIGINT to reach them as from a terminal, however the suite itself was started
# (`./.ci/run &`, nohup). A handler, unlike "ignore", is reset to the default in a child.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Every property test: derandomized by default so CI is reproducible; `HYPOTHESIS_PROFILE=explore make test`
# searches with fresh random examples and many more of them. No deadline: CI machines are shared.
settings.register_profile(
    "default", derandomize=True, deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", deadline=None, max_examples=2000, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

__all__ = [
    "COMPONENT",
    "EGRESS",
    "INGRESS",
    "PROJECT_DIR",
    "SG",
    "STACKS",
    "Pulumi",
    "cli_config",
    "registered_urns",
    "registration_requests",
    "resolve",
    "stack_config",
    "start_runtime",
]


def _start(stack: str, *, preview: bool) -> Iterator[Pulumi]:
    with start_runtime(stack, preview=preview) as runtime:
        yield runtime


@pytest.fixture
def pulumi_mocks() -> Iterator[Pulumi]:
    """A fresh runtime for stack `dev`, not in preview."""
    yield from _start("dev", preview=False)


@pytest.fixture
def pulumi_preview() -> Iterator[Pulumi]:
    """A fresh runtime for stack `dev` in preview mode: outputs the provider computes are unknown."""
    yield from _start("dev", preview=True)


@pytest.fixture
def runtime_factory() -> Iterator[Callable[..., Pulumi]]:
    """Start a runtime for any stack name (each call replaces the previous one)."""
    started: list[Iterator[Pulumi]] = []

    def start(stack: str = "dev", *, preview: bool = False) -> Pulumi:
        for gen in started:
            gen.close()
        started.clear()
        gen = _start(stack, preview=preview)
        started.append(gen)
        return next(gen)

    yield start
    for gen in started:
        gen.close()


@pytest.fixture(scope="module")
def moto() -> Iterator[Any]:
    """One moto EC2 server per test module, on a free port of 127.0.0.1, stopped after the module."""
    from moto_server import moto_server  # boto3 and moto load only for the modules that use them

    with moto_server() as server:
        yield server


@pytest.fixture
def ec2(moto: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """An empty moto account, and an environment in which only its test keys exist."""
    from moto_server import empty_account

    return empty_account(moto, monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def org(moto: Any) -> Any:
    """An organisation in moto (tests/moto_organization.py), made once per module: its tests only read it."""
    from moto_organization import organisation

    return organisation(moto)


@pytest.fixture
def proxy(moto: Any, org: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """The proxy in front of moto (tests/aws_proxy.py) as the endpoint of STS and Organizations, the organisation
    made; tests pass its url as --endpoint-url for EC2."""
    from aws_proxy import organisation_endpoints

    with organisation_endpoints(moto.url, monkeypatch, tmp_path) as running:
        yield running


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore retries at once: every attempt is made and can be counted, without its seconds of jittered
    waiting between them (up to 12.8 s before the last)."""
    import botocore.retries.standard  # here: most tests never load botocore

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda _self, _context: 0)

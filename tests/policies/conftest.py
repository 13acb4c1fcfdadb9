"""Policy-pack tests: the policies imported as a library (no server), and the pack run as the CLI runs it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def pack() -> Iterator[Any]:
    """One policy-pack process for the whole session, started as the CLI starts it, with a fake engine."""
    from security_group_tools.pack_runner import Engine, Pack

    engine = Engine.start()
    process = Pack.start(engine.address)
    try:
        yield process
    finally:
        process.stop()
        engine.stop()

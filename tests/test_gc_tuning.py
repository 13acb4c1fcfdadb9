"""audit and adopt read under the collector's batch tuning (tools/security_group_tools/gc_tuning.py), then undo it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_config, stack_config
from moto_server import REGION, Moto, walkthrough
from security_group_tools import adopt, audit, aws_inventory, gc_tuning
from security_group_tools.program_runner import RecordingMocks, start_runtime
from security_groups_component import collector


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    """Nothing frozen when a test starts, as in a fresh command; whatever an earlier test froze (the pack's
    analyzer freezes each converted stack in AnalyzeStack, and the pack's tests call it in this process) is frozen
    again afterwards."""
    frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    try:
        yield
    finally:
        if frozen:
            gc.freeze()


class _Node:
    """An object that can sit in a reference cycle and be watched through a weak reference."""

    other: _Node | None = None


def _is_frozen(witness: object) -> bool:
    """Frozen objects sit in the permanent generation, which `gc.get_objects()` leaves out. A witness is asked
    for rather than `gc.get_freeze_count()` compared: the count drops whenever any frozen object is freed, which
    other threads of the test process may do at any moment."""
    return not any(tracked is witness for tracked in gc.get_objects())


def test_within_the_block_what_exists_is_frozen_and_collections_are_rarer() -> None:
    before = gc.get_threshold()
    witness: list[object] = [object()]
    assert gc.get_freeze_count() == 0
    with gc_tuning.for_batch():
        assert gc.get_threshold() == (50_000, 50, 10)
        assert _is_frozen(witness)
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)
    assert not _is_frozen(witness)


def test_everything_is_put_back_when_the_block_ends_with_an_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(KeyboardInterrupt), gc_tuning.for_batch():
        raise KeyboardInterrupt
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


def test_what_a_caller_froze_stays_frozen() -> None:
    witness: list[object] = [object()]  # a list: the collector tracks it
    assert not _is_frozen(witness)
    gc.freeze()
    try:
        with gc_tuning.for_batch():
            assert _is_frozen(witness)
        assert _is_frozen(witness)
    finally:
        gc.unfreeze()
    assert not _is_frozen(witness)


def test_a_cycle_made_within_the_block_is_still_garbage_to_the_collector() -> None:
    """Freezing takes only what existed before the block: a cycle made inside it is collected as before."""
    with gc_tuning.for_batch():
        first, second = _Node(), _Node()
        first.other, second.other = second, first
        watched = weakref.ref(first)
        del first, second
        assert watched() is not None  # a cycle: reference counting alone never frees it
        gc.collect()
        assert watched() is None


def _watching(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[int, int, int], bool]]:
    """Record the collector's thresholds, and whether anything is frozen, each time groups are read."""
    seen: list[tuple[tuple[int, int, int], bool]] = []
    original: Callable[..., list[Any]] = aws_inventory._describe_groups

    def describe_groups(*args: Any, **kwargs: Any) -> list[Any]:
        seen.append((gc.get_threshold(), gc.get_freeze_count() > 0))
        return original(*args, **kwargs)

    monkeypatch.setattr(aws_inventory, "_describe_groups", describe_groups)
    return seen


def test_audit_reads_under_the_tuning_and_leaves_the_collector_as_it_found_it(
    ec2: Any, moto: Moto, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    walkthrough(ec2)
    seen = _watching(monkeypatch)
    before = gc.get_threshold()
    status = audit.main(["--region", REGION, "--endpoint-url", moto.url, "--format", "json"])
    capsys.readouterr()
    assert status == 1  # the walkthrough's SSH rule open to the world: a mandatory finding
    assert seen == [((50_000, 50, 10), True)]
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


def test_adopt_reads_under_the_tuning_and_leaves_the_collector_as_it_found_it(
    ec2: Any, moto: Moto, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    group_id = walkthrough(ec2).group_id
    seen = _watching(monkeypatch)
    before = gc.get_threshold()
    import_file = str(tmp_path / "import.json")
    status = adopt.main(
        ["--region", REGION, "--endpoint-url", moto.url, "--group-id", group_id, "--import-file", import_file]
    )
    capsys.readouterr()
    assert status == 0
    assert seen == [((50_000, 50, 10), True)]
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


def _thresholds_at_registration(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """Record the collector's thresholds each time the program registers a resource under the mocks."""
    seen: list[tuple[int, int, int]] = []
    original = RecordingMocks.new_resource

    def new_resource(self: RecordingMocks, args: Any) -> tuple[str, dict[str, Any]]:
        seen.append(gc.get_threshold())
        return original(self, args)

    monkeypatch.setattr(RecordingMocks, "new_resource", new_resource)
    return seen


def test_the_collector_helper_sets_the_thresholds_the_tools_share() -> None:
    before = gc.get_threshold()
    try:
        collector.tune()
        assert gc.get_threshold() == (50_000, 50, 10) == gc_tuning.THRESHOLDS
    finally:
        gc.set_threshold(*before)


def test_the_program_registers_under_the_tuned_collector_and_its_runner_puts_it_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The project's __main__.py tunes the collector before it builds; run in this process, the caller's
    thresholds come back afterwards (as after a program that fails)."""
    seen = _thresholds_at_registration(monkeypatch)
    before = gc.get_threshold()
    with start_runtime("dev") as runtime:
        run = runtime.run_program(cli_config(stack_config("dev")))
    assert run.error is None, run.error
    assert len(seen) == len(runtime.mocks.resources)
    assert set(seen) == {(50_000, 50, 10)}
    assert gc.get_threshold() == before
    with start_runtime("dev") as runtime:
        failed = runtime.run_program(cli_config({"security-groups:groups": "[]"}))
    assert failed.error is not None
    assert gc.get_threshold() == before


def test_the_package_alone_leaves_the_collector_as_the_program_set_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program of its own that builds a SecurityGroup without calling collector.tune() keeps its thresholds."""
    from security_groups_component import SecurityGroup

    seen = _thresholds_at_registration(monkeypatch)
    before = gc.get_threshold()
    with start_runtime("dev") as runtime:
        run = runtime.run(lambda: SecurityGroup("web", {"description": "Web servers", "ingress": [], "egress": []}))
    assert run.error is None, run.error
    assert len(seen) == len(runtime.mocks.resources) > 0
    assert set(seen) == {before}

"""The policy pack over gRPC, started as the CLI starts it, against a no-op pack and Pulumi's AWSGuard.

- start-up: from spawning the pack to its gRPC channel being ready (port printed, server answering);
- Analyze: calls per second, one client sending one resource after another, as the engine does;
- AnalyzeStack: seconds for one call over a whole stack, at two sizes (growth should be linear).

Every pack gets the same resources and the same fake engine; runs are alternated pack by pack.
"""

from __future__ import annotations

import compileall
import functools
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from security_group_tools.child_processes import ParentWatch
from security_group_tools.pack_runner import Engine, Pack, StackItem, analyze_request, stack_request
from security_group_tools.paths import PACK_DIR, PROJECT

from bench.stats import Sample, alternate
from bench.workloads import resource_mix

BENCH_DIR = Path(__file__).resolve().parent
NOOP_DIR = BENCH_DIR / "noop_pack"
AWSGUARD_DIR = BENCH_DIR / "awsguard"

OURS = "ours"
NOOP = "no-op"
NOOP_ONE_CONVERSION = "no-op, one conversion"
"""The no-op policies served by our analyzer: what is left of our pack's time is its policies' own."""
AWSGUARD = "AWSGuard"


@dataclass(frozen=True)
class PackKind:
    """How to start one pack the way the CLI would."""

    name: str
    start: Callable[[str], Pack]


def awsguard_installed() -> bool:
    """Whether `npm ci` has installed AWSGuard here and Node is on the PATH."""
    return shutil.which("node") is not None and (AWSGUARD_DIR / "node_modules" / "@pulumi" / "awsguard").is_dir()


def _node_launcher() -> list[str]:
    # The CLI's Node host runs the pulumi SDK's run-policy-pack from the pack's own node_modules.
    script = subprocess.run(
        ["node", "-p", "require.resolve('@pulumi/pulumi/cmd/run-policy-pack')"],
        cwd=AWSGUARD_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return ["node", script]


def pack_kinds(*, with_awsguard: bool, with_our_floor: bool = False) -> list[PackKind]:
    """Ours, the no-op floor, the no-op policies on our analyzer if asked for, and AWSGuard if asked for."""
    # The SDK's PolicyPack (the no-op pack) and the Node host watch no pipe, so they get the kernel's parent-death
    # signal, armed by a launcher that costs about 20 ms. Every kind starts that way, ours too, so start-up
    # ratios compare the packs and not the launcher.
    kinds = [
        PackKind(OURS, lambda engine: Pack.start(engine, watch=ParentWatch.SIGNAL)),
        PackKind(NOOP, lambda engine: Pack.start(engine, pack_dir=NOOP_DIR, watch=ParentWatch.SIGNAL)),
    ]
    if with_our_floor:
        floor_env = {"NOOP_ANALYZER": "one-conversion", "PYTHONPATH": str(PACK_DIR)}
        kinds.append(
            PackKind(
                NOOP_ONE_CONVERSION,
                lambda engine: Pack.start(engine, pack_dir=NOOP_DIR, extra_env=floor_env, watch=ParentWatch.SIGNAL),
            )
        )
    if with_awsguard:
        launcher = _node_launcher()
        # The Node host reads its project, stack, organization and dry-run flag from these copies.
        node_env = {
            "PULUMI_NODEJS_PROJECT": PROJECT,
            "PULUMI_NODEJS_STACK": "dev",
            "PULUMI_NODEJS_ORGANIZATION": "organization",
            "PULUMI_NODEJS_DRY_RUN": "true",
        }
        kinds.append(
            PackKind(
                AWSGUARD,
                lambda engine: Pack.start(
                    engine, pack_dir=AWSGUARD_DIR, launcher=launcher, extra_env=node_env, watch=ParentWatch.SIGNAL
                ),
            )
        )
    return kinds


def _start_seconds(kind: PackKind, engine: Engine) -> float:
    pack = kind.start(engine.address)
    try:
        return pack.ready_seconds
    finally:
        pack.stop()


def compile_our_pack() -> None:
    """Write our pack's bytecode, as a user's first run would, before any start-up is timed.

    The SDKs were compiled when pip installed them, and a user's Python writes our package's bytecode on the
    pack's first run. Shells with PYTHONDONTWRITEBYTECODE (this project's CI machines among them) never do, and
    would time compiling 30 modules from source on every start: a cost no user pays twice.
    """
    compileall.compile_dir(PACK_DIR / "security_group_policies", quiet=1)


def measure_startup(kinds: Sequence[PackKind], engine: Engine, repeats: int) -> dict[str, Sample]:
    """Seconds from spawn to a ready channel, per pack, alternated, with every pack's bytecode written."""
    compile_our_pack()
    for kind in kinds:
        _start_seconds(kind, engine)  # warm the OS file cache: every later start reads the same files
    return alternate({kind.name: functools.partial(_start_seconds, kind, engine) for kind in kinds}, repeats, "s")


@contextmanager
def running(kinds: Sequence[PackKind], engine: Engine) -> Iterator[dict[str, Pack]]:
    """Every pack started and configured with its defaults (the engine sends Configure before Analyze)."""
    packs: dict[str, Pack] = {}
    try:
        for kind in kinds:
            packs[kind.name] = kind.start(engine.address)
            packs[kind.name].configure(None)
        yield packs
    finally:
        for pack in packs.values():
            pack.stop()


def _calls_per_second(pack: Pack, requests: Sequence[object]) -> float:
    started = time.perf_counter()
    for request in requests:
        pack.stub.Analyze(request, timeout=60)
    return len(requests) / (time.perf_counter() - started)


def measure_analyze(packs: Mapping[str, Pack], items: Sequence[StackItem], repeats: int) -> dict[str, Sample]:
    """Analyze calls per second over every resource once, per pack, alternated, after one warm-up pass."""
    requests = [analyze_request(item.resource_type, item.name, item.props) for item in items]
    for pack in packs.values():
        _calls_per_second(pack, requests)
    return alternate(
        {name: functools.partial(_calls_per_second, pack, requests) for name, pack in packs.items()}, repeats, "calls/s"
    )


def _stack_seconds(pack: Pack, request: object) -> float:
    started = time.perf_counter()
    pack.stub.AnalyzeStack(request, timeout=600)
    return time.perf_counter() - started


def measure_analyze_stack(packs: Mapping[str, Pack], size: int, repeats: int) -> dict[str, Sample]:
    """Seconds for one AnalyzeStack over `size` resources, per pack, alternated, after one warm-up call."""
    request = stack_request(resource_mix(size))
    for pack in packs.values():
        _stack_seconds(pack, request)
    return alternate(
        {name: functools.partial(_stack_seconds, pack, request) for name, pack in packs.items()}, repeats, "s"
    )

"""Measure the policy pack as the CLI runs it: start-up to port-ready, and Analyze calls per second over gRPC.

Run by hand (not part of the test suite; nothing here asserts a time):

    .venv/bin/python tests/policies/bench_pack.py [--starts 5] [--calls 2000]

Start-up is measured from spawning `python -u -m pulumi.policy <engine> .` to reading the port on its first
stdout line, and to the gRPC channel being ready. Throughput is sequential unary calls from one client (the
engine's pattern per resource), then from 4 client threads at once, after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))

from pack_fixtures import SG, VPC_IN, group, inline, vpc_ingress
from security_group_tools.pack_runner import Engine, Pack, StackItem, analyze_request, stack_request


def measure_starts(engine: Engine, count: int) -> tuple[list[float], list[float]]:
    """Start and stop the pack `count` times; seconds to port, seconds to a ready channel."""
    ports, readies = [], []
    for _ in range(count):
        pack = Pack.start(engine.address)
        ports.append(pack.port_seconds)
        readies.append(pack.ready_seconds)
        pack.stop()
    return ports, readies


def rate(pack: Pack, request: object, calls: int, threads: int = 1) -> float:
    """Analyze calls per second for one request shape."""
    for _ in range(50):
        pack.stub.Analyze(request, timeout=30)
    started = time.perf_counter()
    if threads == 1:
        for _ in range(calls):
            pack.stub.Analyze(request, timeout=30)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: pack.stub.Analyze(request, timeout=30), range(calls)))
    return calls / (time.perf_counter() - started)


def summary(values: list[float]) -> str:
    """min / median / max in seconds."""
    return f"min {min(values):.3f}s  median {statistics.median(values):.3f}s  max {max(values):.3f}s"


def main() -> None:
    """Print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    options = parser.parse_args()

    engine = Engine.start()
    try:
        ports, readies = measure_starts(engine, options.starts)
        print(f"start-up to port on stdout ({options.starts} runs): {summary(ports)}")
        print(f"start-up to gRPC channel ready ({options.starts} runs): {summary(readies)}")

        pack = Pack.start(engine.address)
        try:
            pack.configure(None)
            shapes = {
                "vpc ingress rule (the component's shape)": analyze_request(VPC_IN, "web-in", vpc_ingress()),
                "group, 1 inline rule each way": analyze_request(SG, "web", group()),
                "group, 40 inline rules": analyze_request(
                    SG, "big", group(ingress=[inline(cidrBlocks=[f"10.0.{i}.0/24"]) for i in range(40)])
                ),
            }
            for label, request in shapes.items():
                print(f"Analyze, {label}: {rate(pack, request, options.calls):.0f} calls/s (1 client)")
            request = shapes["vpc ingress rule (the component's shape)"]
            print(f"Analyze, vpc ingress rule: {rate(pack, request, options.calls, threads=4):.0f} calls/s (4 clients)")

            items = [StackItem(SG, f"g{i}", group(id=f"sg-{i:017x}", ingress=[], egress=[])) for i in range(100)]
            items += [
                StackItem(
                    VPC_IN, f"g{i}-r{j}", vpc_ingress(cidrIpv4=f"10.{i}.{j}.0/24"), {"securityGroupId": [f"g{i}"]}
                )
                for i in range(100)
                for j in range(2)
            ]
            stack = stack_request(items)
            started = time.perf_counter()
            for _ in range(5):
                pack.stub.AnalyzeStack(stack, timeout=120)
            per_call = (time.perf_counter() - started) / 5
            print(f"AnalyzeStack, {len(items)} resources (100 groups, 200 rules): {per_call:.3f}s per call")
        finally:
            pack.stop()
    finally:
        engine.stop()


if __name__ == "__main__":
    main()

"""Profile the policy pack's Analyze or AnalyzeStack in this process, with cProfile, on the benchmark's resources.

    .venv/bin/python -m bench.profile_pack analyze [--size 1000] [--top 25]
    .venv/bin/python -m bench.profile_pack stack [--size 10000] [--top 25]

The gRPC server runs handlers on worker threads, which cProfile cannot see from outside; so this drives the
pack's own analyzer servicer directly (the object the pack serves), configured with the pack's defaults, with
the same requests the benchmark sends.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys

from security_group_tools.audit_engine import InProcessPack
from security_group_tools.pack_runner import analyze_request, stack_request

from bench.workloads import resource_mix


def main(argv: list[str] | None = None) -> None:
    """Print the top functions by cumulative time."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("call", choices=["analyze", "stack"])
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative")
    options = parser.parse_args(argv)
    items = resource_mix(options.size or (1000 if options.call == "analyze" else 10_000))
    pack = InProcessPack()
    pack.configure(None)  # the pack's defaults, reconciled as the engine reconciles them
    analyzer = pack.servicer
    profiler = cProfile.Profile()
    if options.call == "analyze":
        requests = [analyze_request(item.resource_type, item.name, item.props) for item in items]
        for request in requests:
            analyzer.Analyze(request, None)
        profiler.enable()
        for request in requests:
            analyzer.Analyze(request, None)
    else:
        request = stack_request(items)
        analyzer.AnalyzeStack(request, None)
        profiler.enable()
        analyzer.AnalyzeStack(request, None)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(options.sort).print_stats(options.top)


if __name__ == "__main__":
    main()

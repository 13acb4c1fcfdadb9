"""What the AWS Config rule costs: cold start (import to first evaluation) and per-item time when warm.

    .venv/bin/python -m bench.config_rule [--items 2000]

Cold start runs in a fresh interpreter, as a new Lambda environment does: import the handler, build and
configure the pack under prod's policy config, judge one configuration item (the walkthrough's group). Warm
time is the mean over `--items` items judged by the same environment. Nothing is sent anywhere: evaluations
are collected in memory. Figures are printed, never asserted (targets: 1.5 s cold, 5 ms per item warm, on the
machine that runs `make bench`; Lambda's own start-up and network calls come on top).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from security_group_tools import config_rule

PROD = Path(__file__).resolve().parents[1] / "stacks" / "policy-config.prod.json"

EVENT_ITEM: dict[str, Any] = {
    "configurationItemStatus": "OK",
    "resourceType": "AWS::EC2::SecurityGroup",
    "resourceId": "sg-0a11b22c33d44e55f",
    "configurationItemCaptureTime": "2026-03-02T09:15:27.123Z",
    "tags": {},
    "configuration": {
        "groupId": "sg-0a11b22c33d44e55f",
        "groupName": "launch-wizard-1",
        "description": "Allow SSH access from anywhere",
        "vpcId": "vpc-0a1b2c3d4e5f67890",
        "ownerId": "123456789012",
        "ipPermissions": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}]}],
        "ipPermissionsEgress": [{"ipProtocol": "-1", "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}]}],
        "tags": [],
    },
}

COLD = """
import json, sys, time
started = time.perf_counter()
from security_group_tools import config_rule
clients = config_rule.Clients(lambda entries, token: {}, None, None, None)
found = config_rule.evaluate(json.loads(sys.argv[1]), clients)
print(json.dumps({"seconds": time.perf_counter() - started, "compliance": found[0].compliance}))
"""


def event() -> dict[str, Any]:
    """A change notification for the walkthrough's group under prod's policy config."""
    invoking = {"messageType": "ConfigurationItemChangeNotification", "configurationItem": EVENT_ITEM}
    return {
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps({"policyConfig": PROD.read_text()}),
        "resultToken": "bench",
    }


def cold(runs: int) -> list[float]:
    """Seconds from the first import to the first evaluation, in fresh interpreters."""
    seconds = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", COLD, json.dumps(event())], capture_output=True, text=True, check=True
        )
        seconds.append(json.loads(done.stdout)["seconds"])
    return seconds


def warm(items: int) -> float:
    """Mean seconds per configuration item in one warm environment."""
    clients = config_rule.Clients(lambda entries, token: {}, None, None, None)  # type: ignore[arg-type]
    config_rule.evaluate(event(), clients)  # the first item builds and configures the pack
    started = time.perf_counter()
    for _ in range(items):
        config_rule.evaluate(event(), clients)
    return (time.perf_counter() - started) / items


def main(argv: list[str] | None = None) -> int:
    """Print the two figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args(argv)
    runs = sorted(cold(args.cold_runs))
    print(
        f"config rule cold start (import to first evaluation): median {runs[len(runs) // 2]:.3f} s "
        f"(min {runs[0]:.3f} s, max {runs[-1]:.3f} s, {len(runs)} runs)"
    )
    print(f"config rule per item, warm: {warm(args.items) * 1000:.2f} ms (mean of {args.items})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""5,000 groups end to end: group files, the real program under mocks in preview, every verdict of the real pack.

`bench/large_stack.py` builds the stack (10 group files under a temporary copy of the project; one group in a
hundred opens SSH to anywhere) and runs it as the offline preview does; here the outcome is checked exactly. Its
time and memory are recorded by `python -m bench.large_stack` (bench/BENCHMARKS.md), never asserted.
"""

from __future__ import annotations

from pathlib import Path

from bench.large_stack import SSH_EVERY, run


def test_five_thousand_groups_from_group_files(tmp_path: Path) -> None:
    """Every group, rule and component registered once, and exactly the 50 open SSH rules reported."""
    result = run(5000, 10, tmp_path)
    # The root Stack, 5,000 components and groups, one HTTPS rule each and 50 SSH rules.
    assert result.resources == 1 + 5000 + 5000 + 5000 + 5000 // SSH_EVERY
    assert [(f.policy, f.level, f.resource, f.message) for f in result.findings] == [
        (
            "aws-ec2-securitygroup-disallow-public-ssh",
            "advisory",
            f"team-{index:05d}-ingress-tcp-22-0.0.0.0/0",
            "this ingress rule allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4). Fix: allow SSH only from the CIDRs, "
            "security groups or prefix lists that need it, or use SSM Session Manager or EC2 Instance Connect "
            "Endpoint instead of opening port 22",
        )
        for index in range(0, 5000, SSH_EVERY)
    ]

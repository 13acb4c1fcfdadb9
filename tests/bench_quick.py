"""One part of the bench beside Prowler in quick mode, our side only, as the bench's smoke tests run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from security_group_tools.paths import PROJECT_DIR


def quick_part(part: str, out: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bench.prowler_compare --quick --no-prowler --part PART --out OUT`, to its end (exit 0 asserted)."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench.prowler_compare", "--quick", "--no-prowler"),
            *("--part", part, "--out", str(out)),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done

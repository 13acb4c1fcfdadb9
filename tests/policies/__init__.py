"""Policy-pack tests, a package so that this directory's conftest never shadows `tests/conftest.py`.

`policies/` is put on sys.path the way `pulumi.policy` does when it runs the pack's directory, so the tests
import exactly the modules the analyzer serves.
"""

import sys
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

"""Run an example program under the recording mocks and print, as JSON, what it registered and exported.

Built for the packaging test: it runs in a fresh virtualenv where the component comes from its wheel, with
only this package on PYTHONPATH (it needs nothing beyond what the wheel's dependencies install):

    PYTHONPATH=tools <venv>/bin/python -m security_group_tools.example_runner examples/python
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .program_runner import start_runtime


def run_example(program_dir: Path, stack: str = "dev") -> dict[str, Any]:
    """Run the program once; its resources (sorted), its exports, and where the component was imported from."""
    with start_runtime(stack) as runtime:
        run = runtime.run_program({}, program_dir=program_dir)
        if run.error is not None:
            raise SystemExit(f"{program_dir}: the program failed: {run.error}")
        component = sys.modules["security_groups_component"].__file__
        return {"component": component, "resources": run.mocks.listing(), "outputs": run.outputs}


def main(argv: list[str] | None = None) -> int:
    """Print the run of the program directory given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("program_dir", type=Path, help="a directory with a Pulumi program's __main__.py")
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args(argv)
    print(json.dumps(run_example(args.program_dir.resolve(), args.stack), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The component package's schema: inferred from the code, and the reviewed copy in components/schema.json.

`python -m security_group_tools.component_schema` (`make schema`) rewrites the copy; `--check` only compares.
The tests compare the copy with what the code infers and with what the running plugin serves, so any change
to the component's public API (an input, an output, a type, a description) shows up as a diff in review.
"""

from __future__ import annotations

import argparse
import difflib
import json
from typing import Any

from pulumi.provider.experimental.component import ComponentProvider
from security_groups_component import SecurityGroup, SecurityGroupGuard, __version__
from security_groups_component.component import PACKAGE_NAME, PACKAGE_NAMESPACE

from .paths import COMPONENTS_DIR, PROJECT_DIR

SCHEMA_FILE = COMPONENTS_DIR / "schema.json"


def inferred_schema() -> dict[str, Any]:
    """The schema the plugin serves, inferred in this process exactly as components/__main__.py sets it up."""
    provider = ComponentProvider(
        [SecurityGroup, SecurityGroupGuard], name=PACKAGE_NAME, namespace=PACKAGE_NAMESPACE, version=__version__
    )
    assert provider.schema is not None  # ComponentProvider always sets it
    schema: dict[str, Any] = json.loads(provider.schema)
    return schema


def render(schema: dict[str, Any]) -> str:
    """The schema as committed: indented, in the inference's own key order, readable Unicode."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite components/schema.json, or with --check report how it differs from the code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if the copy is out of date")
    args = parser.parse_args(argv)
    fresh = render(inferred_schema())
    committed = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
    shown = SCHEMA_FILE.relative_to(PROJECT_DIR)
    if fresh == committed:
        print(f"{shown} is up to date")
        return 0
    if args.check:
        diff = difflib.unified_diff(committed.splitlines(), fresh.splitlines(), str(shown), "inferred", lineterm="")
        print("\n".join(diff))
        print(f"{shown} is out of date: run `make schema` and review the diff")
        return 1
    SCHEMA_FILE.write_text(fresh)
    print(f"wrote {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

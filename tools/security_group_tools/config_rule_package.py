"""Build the Config rule's Lambda deployment package: the pack, the tools and their pinned runtime, as one zip.

    python -m security_group_tools.config_rule_package dist/config-rule.zip

The zip holds `security_group_policies/` and `security_group_tools/` (sources only) and every package of
`tools/config-rule-requirements.txt`, installed with pip for Lambda's runtime (`--no-deps`: the file pins the
whole closure, so nothing floats). Entries are sorted and dated 1980-01-01, so the same inputs give the same
bytes and the function's code hash changes only when the code does. An existing output is replaced only once
the new zip is complete (written beside it, then renamed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from .paths import PROJECT_DIR

REQUIREMENTS: Final = PROJECT_DIR / "tools" / "config-rule-requirements.txt"
SOURCES: Final = (
    PROJECT_DIR / "policies" / "security_group_policies",
    PROJECT_DIR / "tools" / "security_group_tools",
)
RUNTIME: Final = "python3.12"
"""The Lambda runtime the package is built for (and the component's default)."""
PYTHON_VERSION: Final = "3.12"
PLATFORMS: Final = ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
"""x86_64 wheels that Amazon Linux 2023 (glibc 2.34) loads."""
HANDLER: Final = "security_group_tools.config_rule.handler"
EPOCH: Final = (1980, 1, 1, 0, 0, 0)
LEFT_OUT: Final = frozenset({"__pycache__", "bin"})
"""pip's byte-code caches and console scripts: Lambda needs neither."""


class PackageError(Exception):
    """The package cannot be built; one line saying why."""


def install(target: Path, requirements: Path = REQUIREMENTS) -> None:
    """pip-install the pinned runtime into `target` for Lambda's platform."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-compile",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
        "--target",
        str(target),
        "-r",
        str(requirements),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
        raise PackageError(f"pip could not install {requirements.name}: {(errors or ['see pip output'])[-1]}")


def _files(root: Path) -> list[tuple[Path, str]]:
    found = []
    for directory, names, files in os.walk(root):
        names[:] = sorted(name for name in names if name not in LEFT_OUT)
        for name in sorted(files):
            path = Path(directory) / name
            if not name.endswith((".pyc", ".pyo")):
                found.append((path, path.relative_to(root).as_posix()))
    return found


def write_zip(output: Path, trees: Sequence[tuple[Path, str]]) -> None:
    """Zip each (directory, prefix in the zip) deterministically, replacing `output` only when complete."""
    entries: dict[str, Path] = {}
    for root, prefix in trees:
        for path, name in _files(root):
            entries[f"{prefix}{name}"] = path
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, EPOCH)
                mode = 0o755 if os.access(entries[name], os.X_OK) else 0o644
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, entries[name].read_bytes())
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


def build(output: Path, requirements: Path = REQUIREMENTS) -> Path:
    """Build the package at `output`; return it."""
    with tempfile.TemporaryDirectory(prefix="config-rule-") as scratch:
        site = Path(scratch) / "site"
        install(site, requirements)
        if (site / "pulumi_aws").exists():
            raise PackageError("pulumi_aws would be in the package; the handler must not need it")
        write_zip(output, [(site, ""), *((source, f"{source.name}/") for source in SOURCES)])
    return output


def main(argv: Sequence[str] | None = None) -> int:
    """Build the zip named on the command line."""
    parser = argparse.ArgumentParser(prog="python -m security_group_tools.config_rule_package", description=__doc__)
    parser.add_argument("output", type=Path, help="the zip to write, e.g. dist/config-rule.zip")
    args = parser.parse_args(argv)
    if args.output.is_dir():
        parser.error(f"{args.output} is a directory; name the zip to write")
    try:
        built = build(args.output)
    except PackageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    size = built.stat().st_size
    print(f"{built}: {size / 1e6:.1f} MB, handler {HANDLER}, runtime {RUNTIME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

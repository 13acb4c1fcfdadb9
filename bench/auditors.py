"""The two auditors as commands, and their findings read back as "which groups did it report, and why".

Ours is `security-groups audit` from .venv; Prowler is the `prowler` of .venv-prowler (built by `make bench`
from bench/prowler-requirements.txt), told to run only its security-group ingress checks. Both reach AWS only
through `AWS_ENDPOINT_URL`, with test keys and no shared AWS files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from security_group_tools.paths import PROJECT_DIR

from bench.prowler_checks import INGRESS_CHECKS

OURS_COMMAND: Final = PROJECT_DIR / ".venv" / "bin" / "security-groups"
PROWLER_VENV: Final = PROJECT_DIR / ".venv-prowler"
PROWLER_COMMAND: Final = PROWLER_VENV / "bin" / "prowler"
PROWLER_OUTPUT_NAME: Final = "prowler"

OUR_INGRESS_POLICIES: Final = frozenset(
    {
        "aws-ec2-securitygroup-disallow-public-ssh",
        "aws-ec2-securitygroup-disallow-public-rdp",
        "aws-ec2-securitygroup-disallow-public-all-traffic",
        "aws-ec2-securitygroup-disallow-public-high-risk-ports",
        "aws-ec2-securitygroup-disallow-public-unauthorized-ports",
        "aws-ec2-securitygroup-disallow-public-combined-cidrs",
    }
)
"""Our policies that judge ingress open to anywhere: the ones comparable with Prowler's ingress checks."""


def prowler_installed() -> bool:
    """Whether `make bench` has built Prowler's own virtualenv here."""
    return PROWLER_COMMAND.is_file()


def aws_env(base: Mapping[str, str], endpoint_url: str, empty_file: Path) -> dict[str, str]:
    """`base` with AWS reached only at `endpoint_url`, as test keys, whatever the user's own AWS setup is."""
    env = {key: value for key, value in base.items() if not key.startswith("AWS_")}
    return env | {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(empty_file),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty_file),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def ours_command(regions: Sequence[str], *, concurrency: int | None = None, listed: bool = False) -> list[str]:
    """Our audit of every group in `regions`, as JSON on stdout (one region as --region unless `listed`)."""
    one = len(regions) == 1 and concurrency is None and not listed
    where = ["--region", regions[0]] if one else ["--regions", ",".join(regions)]
    extra = [] if concurrency is None else ["--concurrency", str(concurrency)]
    return [str(OURS_COMMAND), "audit", *where, *extra, "--format", "json"]


def prowler_command(regions: Sequence[str], output_dir: Path) -> list[str]:
    """Prowler's ingress checks over `regions`, OCSF JSON into `output_dir`."""
    return [
        str(PROWLER_COMMAND),
        "aws",
        "--checks",
        *INGRESS_CHECKS,
        "--region",
        *regions,
        "--output-formats",
        "json-ocsf",
        "--output-directory",
        str(output_dir),
        "--output-filename",
        PROWLER_OUTPUT_NAME,
        "--no-banner",
        # Judge every group, as our audit does (Prowler's default judges only groups in use).
        "--scan-unused-services",
        # moto answers the EC2 calls it has not implemented with HTTP 500, which real AWS never does for
        # them; without this, Prowler would wait out its backoff on each (minutes), a cost AWS never charges.
        "--aws-retries-max-attempts",
        "0",
    ]


@dataclass(frozen=True)
class Reported:
    """Which groups one run reported as open, and by which policies or checks."""

    by_group: Mapping[str, frozenset[str]]
    other: int
    """Findings outside the comparison (our other policies; Prowler's PASS results are not findings)."""


def ours_reported(stdout: str) -> Reported:
    """Our audit's JSON: groups with a finding from an ingress-exposure policy."""
    document = json.loads(stdout)
    by_group: dict[str, set[str]] = {}
    other = 0
    for finding in document["findings"]:
        if finding["policy"] in OUR_INGRESS_POLICIES:
            by_group.setdefault(finding["group_id"], set()).add(finding["policy"])
        else:
            other += 1
    return Reported({group: frozenset(names) for group, names in by_group.items()}, other)


def prowler_reported(output_dir: Path) -> Reported:
    """Prowler's OCSF JSON: groups with a FAIL from any of the ingress checks."""
    document = json.loads((output_dir / f"{PROWLER_OUTPUT_NAME}.ocsf.json").read_text())
    by_group: dict[str, set[str]] = {}
    other = 0
    for finding in document:
        if finding["status_code"] != "FAIL":
            continue
        check = finding["metadata"]["event_code"]
        for resource in finding["resources"]:
            group_id = resource["uid"].rsplit("/", 1)[-1]
            if check in INGRESS_CHECKS:
                by_group.setdefault(group_id, set()).add(check)
            else:
                other += 1
    return Reported({group: frozenset(names) for group, names in by_group.items()}, other)

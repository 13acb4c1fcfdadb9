"""The Lambda package: built from the pins, without pulumi-aws, and it answers an event in a fresh Python.

The fresh interpreter is a new virtualenv of Python 3.12 (Lambda's python3.12 runtime) with nothing installed;
the unzipped package is put first on sys.path as Lambda puts /var/task, and `-I` keeps this machine's
environment and site-packages out. Config is the recording fake on 127.0.0.1.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from config_item_fixtures import CAPTURED_EPOCH, change_event, configuration, item, permission
from fake_config import fake_config
from security_group_tools import config_rule_package
from security_group_tools.paths import PROJECT_DIR, STACKS_DIR


def pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line."""
    found = {}
    for line in path.read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            found[name.lower().replace("_", "-")] = version
    return found


def test_the_packages_pins_are_the_projects() -> None:
    """Every package the project also pins has the same version in the Lambda's requirements."""
    lambda_pins = pins(config_rule_package.REQUIREMENTS)
    project = {**pins(PROJECT_DIR / "requirements.txt"), **pins(PROJECT_DIR / "policies" / "requirements.txt")}
    shared = sorted(set(lambda_pins) & set(project))
    assert shared == [
        "boto3",
        "botocore",
        "google-re2",
        "grpcio",
        "jsonschema",
        "protobuf",
        "pulumi",
        "pulumi-policy",
        "pyyaml",
    ]
    assert {name: lambda_pins[name] for name in shared} == {name: project[name] for name in shared}
    assert "pulumi-aws" not in lambda_pins


def python312() -> str | None:
    """A working Python 3.12 on this machine: a pyenv build, or one on PATH (a pyenv shim may not run)."""
    candidates = [*sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))]
    candidates += [found] if (found := shutil.which("python3.12")) else []
    for candidate in candidates:
        check = [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"]
        if subprocess.run(check, capture_output=True, text=True, check=False).stdout.strip() == "True":
            return candidate
    return None


PYTHON312 = python312()


ANSWER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from security_group_tools.config_rule import handler
print(json.dumps(handler(json.loads(sys.argv[2]), None)))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("pulumi_aws", "security_groups_component"))))
print(sys.modules["grpc"].__file__.startswith(sys.argv[1]))
"""


@pytest.mark.skipif(PYTHON312 is None, reason="no Python 3.12 on this machine (the Lambda runtime's version)")
def test_the_zip_imports_and_answers_in_a_fresh_python(tmp_path: Path) -> None:
    """Build, unzip, and run the documented handler string on one change event: one NON_COMPLIANT evaluation."""
    built = config_rule_package.build(tmp_path / "config-rule.zip")
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert not any(name.startswith("pulumi_aws/") for name in names)
        assert "security_group_tools/config_rule.py" in names
        assert "security_group_policies/catalogue.py" in names
        archive.extractall(tmp_path / "task")
    assert config_rule_package.build(tmp_path / "again.zip").read_bytes() == built.read_bytes()  # reproducible
    assert PYTHON312 is not None
    subprocess.run([PYTHON312, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    group = configuration(
        "sg-0a11b22c33d44e55f",
        "launch-wizard-1",
        "Allow SSH access from anywhere",
        [permission("tcp", 22, 22, v4=[("0.0.0.0/0", "SSH from anywhere")])],
    )
    event = change_event(item(group), {"policyConfig": (STACKS_DIR / "policy-config.prod.json").read_text()})
    with fake_config() as fake:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL_CONFIG_SERVICE": fake.url,
        }
        done = subprocess.run(
            [str(tmp_path / "venv" / "bin" / "python"), "-I", "-c", ANSWER, str(tmp_path / "task"), json.dumps(event)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['{"NON_COMPLIANT": 1}', "[]", "True"]
    [[evaluation]] = fake.evaluations()
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["OrderingTimestamp"] == CAPTURED_EPOCH
    assert evaluation["Annotation"].startswith("aws-ec2-securitygroup-disallow-public-ssh on ingress tcp 22 from ")

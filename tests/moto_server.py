"""moto's EC2 API on 127.0.0.1, on a port chosen at run time, for tests of the tools that talk to AWS."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests
from moto.server import ThreadedMotoServer
from mypy_boto3_ec2 import EC2Client

REGION = "us-east-1"
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
"""moto accepts any keys while authentication is off (its default)."""


@dataclass(frozen=True)
class Moto:
    """A running moto server."""

    url: str

    def client(self) -> EC2Client:
        """An EC2 client for setting up test groups."""
        return boto3.client("ec2", region_name=REGION, endpoint_url=self.url, **KEYS)

    def reset(self) -> None:
        """Forget every resource (moto keeps state for the whole server)."""
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def require_auth(self) -> None:
        """From now on, authenticate every request against moto's IAM (unknown keys fail with AuthFailure)."""
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()

    def allow_all(self) -> None:
        """Stop authenticating requests."""
        requests.post(f"{self.url}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()


@contextlib.contextmanager
def moto_server() -> Iterator[Moto]:
    """Start moto in a thread on 127.0.0.1 and a free port; stop it on exit."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield Moto(f"http://{host}:{port}")
    finally:
        server.stop()


def isolated_aws_env(monkeypatch: Any, tmp_path: Path, *, keys: bool = True) -> None:
    """No real AWS config reaches the tools: empty config files, test keys (or none), no instance metadata."""
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    if keys:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEYS["aws_access_key_id"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEYS["aws_secret_access_key"])
    else:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)


def empty_account(moto: Moto, monkeypatch: Any, tmp_path: Path) -> EC2Client:
    """Reset moto and isolate the environment; return a client for setting up groups."""
    moto.reset()
    isolated_aws_env(monkeypatch, tmp_path)
    return moto.client()


@dataclass(frozen=True)
class Walkthrough:
    """The console walkthrough's group: SSH 22 from 0.0.0.0/0 with a description, default outbound."""

    vpc_id: str
    group_id: str


def walkthrough(ec2: EC2Client) -> Walkthrough:
    """Create the walkthrough's group in a new VPC, as the console would."""
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(
        GroupName="launch-wizard-1", Description="Allow SSH access from anywhere", VpcId=vpc_id
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "SSH from anywhere"}],
            }
        ],
    )
    return Walkthrough(vpc_id, group_id)


@dataclass(frozen=True)
class Tiers:
    """Three tiers that reference each other, in one VPC."""

    vpc_id: str
    web: str
    app: str
    db: str
    prefix_list: str


def multi_tier(ec2: EC2Client, vpc_id: str) -> Tiers:
    """web <- internet (443 on IPv4 and IPv6, 80), app <- web 8080 and a prefix list, db <- app 5432 and itself."""
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="corp", MaxEntries=5, AddressFamily="IPv4", Entries=[{"Cidr": "10.20.0.0/16"}]
    )["PrefixList"]["PrefixListId"]
    web = ec2.create_security_group(
        GroupName="web-tier",
        Description="Public web tier",
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "team", "Value": "web"}]}],
    )["GroupId"]
    app = ec2.create_security_group(GroupName="app tier", Description="Application servers", VpcId=vpc_id)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="PostgreSQL", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTPS from the internet"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "HTTPS from the internet"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTP from the internet"}],
            },
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=app,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web}]},
            {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100, "PrefixListIds": [{"PrefixListId": prefix_list}]},
            {
                "IpProtocol": "icmp",
                "FromPort": 8,
                "ToPort": 0,
                "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "Ping from the VPC"}],
            },
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": db}]},
        ],
    )
    ec2.revoke_security_group_egress(
        GroupId=db, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    return Tiers(vpc_id, web, app, db, prefix_list)

"""The EC2 console's security-group rule "Type" list, as data.

Each entry is what the console fills in when you pick that Type: a protocol and a port range (or, for
ICMP, a type and code where -1 means all). No logic lives here; `parse.py` looks presets up by key and
the README's preset table is checked against this one by the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class Preset:
    """One console rule Type."""

    key: str
    """The name used in config (`rule: <key>`)."""
    label: str
    """The Type as the EC2 console shows it."""
    protocol: str
    """AWS `IpProtocol`: tcp, udp, icmp, icmpv6 or -1 (all)."""
    from_port: int | None
    """First port (tcp/udp) or ICMP type (-1 for all); None when the protocol has no ports."""
    to_port: int | None
    """Last port (tcp/udp) or ICMP code (-1 for all); None when the protocol has no ports."""


_ALL_PRESETS: Final = (
    Preset("ssh", "SSH", "tcp", 22, 22),
    Preset("smtp", "SMTP", "tcp", 25, 25),
    Preset("dns-udp", "DNS (UDP)", "udp", 53, 53),
    Preset("dns-tcp", "DNS (TCP)", "tcp", 53, 53),
    Preset("http", "HTTP", "tcp", 80, 80),
    Preset("pop3", "POP3", "tcp", 110, 110),
    Preset("imap", "IMAP", "tcp", 143, 143),
    Preset("ldap", "LDAP", "tcp", 389, 389),
    Preset("https", "HTTPS", "tcp", 443, 443),
    Preset("smb", "SMB", "tcp", 445, 445),
    Preset("smtps", "SMTPS", "tcp", 465, 465),
    Preset("imaps", "IMAPS", "tcp", 993, 993),
    Preset("pop3s", "POP3S", "tcp", 995, 995),
    Preset("mssql", "MSSQL", "tcp", 1433, 1433),
    Preset("oracle-rds", "Oracle-RDS", "tcp", 1521, 1521),
    Preset("nfs", "NFS", "tcp", 2049, 2049),
    Preset("elastic-graphics", "Elastic Graphics", "tcp", 2007, 2007),
    Preset("mysql-aurora", "MYSQL/Aurora", "tcp", 3306, 3306),
    Preset("rdp", "RDP", "tcp", 3389, 3389),
    Preset("postgresql", "PostgreSQL", "tcp", 5432, 5432),
    Preset("redshift", "Redshift", "tcp", 5439, 5439),
    Preset("winrm-http", "WinRM-HTTP", "tcp", 5985, 5985),
    Preset("winrm-https", "WinRM-HTTPS", "tcp", 5986, 5986),
    Preset("cqlsh", "CQLSH", "tcp", 9042, 9042),
    Preset("all-tcp", "All TCP", "tcp", 0, 65535),
    Preset("all-udp", "All UDP", "udp", 0, 65535),
    Preset("all-icmp-ipv4", "All ICMP - IPv4", "icmp", -1, -1),
    Preset("all-icmp-ipv6", "All ICMP - IPv6", "icmpv6", -1, -1),
    Preset("all-traffic", "All traffic", "-1", None, None),
)

PRESETS: Final[Mapping[str, Preset]] = MappingProxyType({p.key: p for p in _ALL_PRESETS})
"""Every preset by its config key, in the console's order (well-known ports first, catch-alls last)."""

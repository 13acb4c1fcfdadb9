"""The Prowler checks the comparison runs: every one of its AWS checks that judges security-group ingress.

Taken from Prowler 5.46.0's source (`prowler/providers/aws/services/ec2/`, one directory per check): the 18
`ec2_securitygroup_allow_ingress_from_internet_to_*` checks, and `ec2_securitygroup_allow_wide_open_public_ipv4`
(a public IPv4 range wider than /24 in a rule). Its other security-group checks judge something else: the
default group's rules, launch-wizard names, unused groups, rule counts.
"""

from __future__ import annotations

from typing import Final

INGRESS_CHECKS: Final = (
    "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
    "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
    "ec2_securitygroup_allow_ingress_from_internet_to_any_port_from_ip",
    "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_cassandra_7199_9160_8888",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_elasticsearch_kibana_9200_9300_5601",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_ftp_20_21",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_kafka_9092",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_memcached_11211",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mongodb_27017_27018",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_mysql_3306",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_oracle_1521_2483",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_postgres_5432",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_redis_6379",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_sql_server_1433_1434",
    "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_telnet_23",
    "ec2_securitygroup_allow_wide_open_public_ipv4",
)

CHECK_PREFIX: Final = "ec2_securitygroup_allow_"
"""What every name above starts with; the report shows the rest."""

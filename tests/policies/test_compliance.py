"""The compliance table: one entry per policy of the catalogue, consistent with the policies' own tags, published."""

from __future__ import annotations

from google.protobuf import empty_pb2
from security_group_policies.catalogue import METAS, analyzer
from security_group_policies.compliance import CIS_V3, CONTROLS, FRAMEWORKS, FSBP, SECURITY_HUB, controls_of


def test_every_policy_of_the_catalogue_has_an_entry_and_nothing_else_does() -> None:
    assert sorted(CONTROLS) == sorted(meta.name for meta in METAS)


def test_no_control_twice_and_frameworks_in_report_order() -> None:
    for policy, controls in CONTROLS.items():
        assert len(set(controls)) == len(controls), policy
        ranks = [FRAMEWORKS.index(control.framework) for control in controls]
        assert ranks == sorted(ranks), policy


def test_the_policies_own_control_tags_are_in_the_table() -> None:
    """A `security-hub:EC2.x` tag is an FSBP or Security Hub control of the table, `cis-aws-foundations:N` a CIS
    v3.0.0 one: the table and what each policy says of itself cannot drift apart."""
    for meta in METAS:
        mapped = {(control.framework, control.control_id) for control in CONTROLS[meta.name]}
        for tag in meta.tags:
            kind, _, control = tag.partition(":")
            if kind == "security-hub":
                assert {(FSBP, control), (SECURITY_HUB, control)} & mapped, (meta.name, tag)
            elif kind == "cis-aws-foundations" and control:
                assert (CIS_V3, control) in mapped, (meta.name, tag)


def test_get_analyzer_info_publishes_the_controls_as_tags() -> None:
    info = analyzer().GetAnalyzerInfo(empty_pb2.Empty(), None)
    tags = {policy.name: list(policy.tags) for policy in info.policies}
    assert tags["aws-ec2-securitygroup-disallow-public-ssh"] == [
        "network",
        "cis-aws-foundations",
        "aws-config:restricted-ssh",
        "security-hub:EC2.13",
        "cis-aws-foundations-v3.0.0:5.2",
        "cis-aws-foundations-v3.0.0:5.3",
        "cis-aws-foundations-v5.0.0:5.3",
        "cis-aws-foundations-v5.0.0:5.4",
        "aws-foundational-security-best-practices-v1.0.0:EC2.18",
        "aws-foundational-security-best-practices-v1.0.0:EC2.19",
        "aws-security-hub-control:EC2.13",
        "aws-security-hub-control:EC2.53",
        "aws-security-hub-control:EC2.54",
    ]
    assert tags["aws-ec2-securitygroup-missing-description"] == ["documentation", "operations"]


def test_a_policy_of_another_pack_maps_to_nothing() -> None:
    assert controls_of("aws-ec2-securitygroup-disallow-public-ssh-typo") == ()

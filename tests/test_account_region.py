"""One record names where a live group lives, for every report that says so."""

from security_group_tools.account_region import AccountRegion


def test_group_arn_uses_the_partition_region_and_account() -> None:
    place = AccountRegion("111111111111", "cn-north-1", "aws-cn")
    assert place.group_arn("sg-0123") == "arn:aws-cn:ec2:cn-north-1:111111111111:security-group/sg-0123"
    assert AccountRegion("222222222222", "eu-west-1").group_arn("sg-1") == (
        "arn:aws:ec2:eu-west-1:222222222222:security-group/sg-1"
    )


def test_label_names_the_account_only_when_known() -> None:
    assert AccountRegion("111111111111", "us-east-1", account_name="prod").label() == "111111111111 (prod) us-east-1"
    assert AccountRegion("111111111111", "us-east-1").label() == "111111111111 us-east-1"

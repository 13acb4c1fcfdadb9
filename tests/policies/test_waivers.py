"""Waivers that expire: `policy-waiver:<policy>` = `YYYY-MM-DD <reason>`, reported by report-waivers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from security_group_policies import waivers
from security_group_policies.catalogue import WAIVER_REPORT, analyzer, known_policies
from security_group_policies.checks.securitygroup_disallow_public_ssh import DEFINITION as SSH
from security_group_policies.checks.securitygroup_disallow_public_ssh import FIX as SSH_FIX
from security_group_policies.framework import Call, Memo, ResourcePolicyDef
from security_group_policies.rules import normalise
from security_group_policies.sdk import waiver_report_policy
from security_group_policies.waivers import WaivedFinding, WaiverState, read_waiver
from security_group_policies.wire import thaw_props
from security_group_tools.pack_runner import analyze_request

from .pack_fixtures import SG, TODAY, UNKNOWN, VPC_IN, group, inline, run, urn_of, vpc_ingress, waiver

POLICY = "aws-ec2-securitygroup-disallow-public-ssh"
OPEN = "ingress[0] allows tcp 22 from 0.0.0.0/0 (anywhere on IPv4)"


def open_ssh(tags: dict[str, Any]) -> dict[str, Any]:
    """A group with SSH open to anywhere and the given tags."""
    return group(ingress=[inline(fromPort=22, toPort=22, cidrBlocks=["0.0.0.0/0"])], tags=tags)


def waived(
    props: dict[str, Any],
    resource_type: str = SG,
    config: dict[str, Any] | None = None,
    definition: ResourcePolicyDef[Any] = SSH,
) -> tuple[WaivedFinding, ...]:
    """The findings a waiver turned into notes for the report-waivers policy, as the pack's analyzer collects them."""
    resource = normalise(resource_type, thaw_props(props))
    assert resource is not None
    settings = definition.read_settings(config or {})
    return definition.outcome(resource, settings, Call(None, "web", lambda: TODAY, Memo())).waived


@pytest.mark.parametrize(
    ("value", "state"),
    [
        ("2027-03-31 incident bastion, ticket OPS-42", WaiverState.VALID),
        (f"{TODAY.isoformat()} last day", WaiverState.VALID),
        ("2026-06-14 yesterday", WaiverState.EXPIRED),
        ("2027-03-31", WaiverState.MALFORMED),
        ("2027-03-31    ", WaiverState.MALFORMED),
        ("31/03/2027 reason", WaiverState.MALFORMED),
        ("2027-02-30 no such day", WaiverState.MALFORMED),
        ("forever because", WaiverState.MALFORMED),
        ("", WaiverState.MALFORMED),
        (UNKNOWN, WaiverState.UNKNOWN),
    ],
    ids=[
        "valid",
        "last-day",
        "expired",
        "no-reason",
        "blank-reason",
        "wrong-date-order",
        "impossible-date",
        "no-date",
        "empty",
        "unknown-value",
    ],
)
def test_waiver_parsing(value: str, state: WaiverState) -> None:
    """A waiver needs a real ISO date and a reason; it is valid through its date and expired the day after."""
    tags: dict[str, Any] = {f"policy-waiver:{POLICY}": value if value != UNKNOWN else waivers.Unknown.UNKNOWN}
    assert read_waiver(tags, POLICY, TODAY).state is state


def test_valid_waiver_turns_finding_into_a_note() -> None:
    """The waived policy reports nothing; report-waivers reports the finding with the quoted reason."""
    props = open_ssh(waiver(POLICY, "2026-08-31 incident bastion, ticket OPS-42"))
    assert run(SSH, SG, props).messages == []
    [note] = waived(props)
    assert note.describe(warn_days=14) == (
        f"{POLICY} is waived until 2026-08-31 (77 days left) by tag policy-waiver:{POLICY}, reason: "
        f'"incident bastion, ticket OPS-42". Waived finding: {OPEN}. Fix: allow SSH only from the CIDRs, '
        "security groups or prefix lists that need it, or use SSM Session Manager or EC2 Instance Connect "
        "Endpoint instead of opening port 22"
    )


def test_note_warns_when_expiry_is_near() -> None:
    """A waiver in its last days says so."""
    [note] = waived(open_ssh(waiver(POLICY, "2026-06-20 freeze")))
    assert "(5 days left)" in note.describe(warn_days=14)
    assert "It expires soon: plan the fix now." in note.describe(warn_days=14)
    assert "expires soon" not in note.describe(warn_days=2)


@pytest.mark.parametrize(
    ("tags", "config", "note"),
    [
        (
            waiver(POLICY, "2026-01-31 old incident"),
            {},
            f"(waiver tag policy-waiver:{POLICY} expired on 2026-01-31 and no longer applies)",
        ),
        (
            waiver(POLICY, "next week"),
            {},
            f"(waiver tag policy-waiver:{POLICY} is not in the form 'YYYY-MM-DD reason', so it was ignored)",
        ),
        (
            waiver(POLICY, "2026-08-31 incident"),
            {"allowWaivers": False},
            f"(tag policy-waiver:{POLICY} was ignored: this environment's policy config does not allow waivers here)",
        ),
    ],
    ids=["expired", "malformed", "waivers-switched-off"],
)
def test_unusable_waiver_keeps_the_finding_and_says_why(
    tags: dict[str, str], config: dict[str, Any], note: str
) -> None:
    """An expired or malformed waiver is ignored, and the finding says so (without quoting the tag value)."""
    result = run(SSH, SG, open_ssh(tags), config=config)
    assert result.heads == [OPEN]
    assert result.messages[0].endswith(note)
    assert waived(open_ssh(tags), config=config) == ()


def _too_long(expires: str, limit: int, latest: str) -> str:
    days = "1 day" if limit == 1 else f"{limit} days"
    return (
        f"waiver tag policy-waiver:{POLICY} was ignored: it expires on {expires}, more than {days} from today, the "
        f"longest this environment's policy config allows (maxWaiverDays); the latest expiry it accepts today is "
        f"{latest}"
    )


@pytest.mark.parametrize(
    ("expires", "config", "refusal"),
    [
        ("2026-09-13", {}, None),
        ("2026-09-14", {}, _too_long("2026-09-14", 90, "2026-09-13")),
        ("9999-12-31", {}, _too_long("9999-12-31", 90, "2026-09-13")),
        ("2026-07-15", {"maxWaiverDays": 30.0}, None),
        ("2026-07-16", {"maxWaiverDays": 30.0}, _too_long("2026-07-16", 30, "2026-07-15")),
        ("2026-06-16", {"maxWaiverDays": 1.0}, None),
        ("2026-06-17", {"maxWaiverDays": 1.0}, _too_long("2026-06-17", 1, "2026-06-16")),
        ("2026-06-15", {"maxWaiverDays": 0.0}, None),
        ("2026-06-16", {"maxWaiverDays": 0.0}, _too_long("2026-06-16", 0, "2026-06-15")),
    ],
    ids=[
        "default-exactly-90-days",
        "default-91-days",
        "default-forever",
        "exactly-30-days",
        "31-days-of-30",
        "exactly-1-day",
        "2-days-of-1",
        "today-of-0",
        "tomorrow-of-0",
    ],
)
def test_waiver_longer_than_max_waiver_days_is_refused(
    expires: str, config: dict[str, Any], refusal: str | None
) -> None:
    """A waiver may run `maxWaiverDays` days after today (90 by default) and no longer; past that it is ignored.

    The finding then stays at the policy's level and says why: the limit, and the latest expiry accepted today.
    """
    props = open_ssh(waiver(POLICY, f"{expires} planned migration"))
    result = run(SSH, SG, props, config=config)
    notes = waived(props, config=config)
    if refusal is None:
        assert result.messages == []
        assert [(note.waiver.expires, note.days_left) for note in notes] == [
            (date.fromisoformat(expires), (date.fromisoformat(expires) - TODAY).days)
        ]
    else:
        assert result.messages == [f"{OPEN}. Fix: {SSH_FIX} ({refusal})"]
        assert notes == ()


def test_waiver_for_another_policy_does_nothing() -> None:
    """A waiver names exactly one policy."""
    result = run(SSH, SG, open_ssh(waiver("aws-ec2-securitygroup-disallow-public-rdp", "2026-08-31 x")))
    assert result.heads == [OPEN]
    assert not result.messages[0].endswith(")")


def test_unknown_tags_defer_the_decision() -> None:
    """Tags not known until apply might hold a waiver: the finding becomes a preview note, not a failure."""
    result = run(SSH, SG, open_ssh(UNKNOWN))  # type: ignore[arg-type]
    assert result.messages == []
    assert result.preview_gap is not None
    assert result.preview_gap.startswith("could not check whether 1 finding is waived (tags):")


def test_waiver_on_a_rule_resource() -> None:
    """vpc rule resources carry tags (the component copies the group's), so they can be waived too."""
    props = vpc_ingress(fromPort=22, toPort=22, cidrIpv4="0.0.0.0/0", tags=waiver(POLICY, "2026-08-31 migration"))
    assert run(SSH, VPC_IN, props).messages == []
    assert len(waived(props, VPC_IN)) == 1


def _report(props: dict[str, Any], name: str = "web") -> list[str]:
    """What report-waivers says alone, as a stock `PolicyPack` runs it (`sdk.waiver_report_policy`)."""
    from pulumi_policy import ResourceValidationArgs
    from pulumi_policy.proxy import unknown_checking_proxy

    from .pack_fixtures import options

    policy = waiver_report_policy(WAIVER_REPORT, known_policies())
    found: list[str] = []
    args = ResourceValidationArgs(SG, unknown_checking_proxy(props), urn_of(SG, name), name, options(), None, None)
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def _served(*calls: tuple[str, dict[str, Any]]) -> list[list[tuple[str, str]]]:
    """(policy, message) of every diagnostic of each Analyze call, in order, through one pack analyzer."""
    served = analyzer(today=lambda: TODAY)
    return [
        [(d.policyName, d.message) for d in served.Analyze(analyze_request(SG, name, props), None).diagnostics]
        for name, props in calls
    ]


def test_the_analyzer_reports_a_waived_finding_under_report_waivers() -> None:
    """The waived policy says nothing; the loop reports its finding under report-waivers, at that policy's level."""
    props = open_ssh(waiver(POLICY, "2026-08-31 incident bastion, ticket OPS-42"))
    [diagnostics] = _served(("web", props))
    [note] = waived(props)
    assert diagnostics == [(WAIVER_REPORT.META.name, f"{WAIVER_REPORT.META.description}\n{note.describe(14)}")]
    assert note.describe(14).startswith(f"{POLICY} is waived until 2026-08-31")


def test_waived_findings_never_cross_to_another_resource() -> None:
    """A call's waived findings are reported in that call only: the next resource's reply does not carry them."""
    waived_call, other, again = _served(
        ("web", open_ssh(waiver(POLICY, "2026-08-31 incident"))), ("other", group()), ("other", group())
    )
    assert [policy for policy, _ in waived_call] == [WAIVER_REPORT.META.name]
    assert other == again == []


def test_a_stock_pack_reports_no_waived_findings() -> None:
    """Under a stock PolicyPack the waiver still silences the finding, and report-waivers has no note to report."""
    props = open_ssh(waiver(POLICY, "2026-08-31 incident"))
    assert run(SSH, SG, props).messages == []
    assert _report(props) == []


def test_waiver_tag_naming_no_policy_is_flagged() -> None:
    """A typo in a waiver tag waives nothing, and the report says so; a non-name suffix is not quoted."""
    tags = {
        "policy-waiver:aws-ec2-securitygroup-disallow-public-shh": "2027-01-01 typo",
        "policy-waiver:My Secret!": "x",
    }
    assert _report(group(tags=tags)) == [
        "tag policy-waiver:aws-ec2-securitygroup-disallow-public-shh names no policy of this pack, so it waives "
        "nothing. Fix: correct the policy name (see the catalogue in the README) or delete the tag",
        "a policy-waiver:… tag names no policy of this pack, so it waives nothing. Fix: correct the policy name "
        "(see the catalogue in the README) or delete the tag",
    ]


def test_reason_is_flattened_and_bounded() -> None:
    """Control characters cannot break the output and a long reason is cut."""
    reason = "line one\nline two\x1b[31m" + "x" * 300
    state = read_waiver({f"policy-waiver:{POLICY}": f"2027-01-01 {reason}"}, POLICY, date(2026, 1, 1))
    assert "\n" not in state.reason
    assert "\x1b" not in state.reason
    assert len(state.reason) == 200
    assert state.reason.endswith("…")

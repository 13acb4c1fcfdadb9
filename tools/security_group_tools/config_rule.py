"""An AWS Config custom rule: the pack's own policies judge every security group change, in process.

Lambda handler: `security_group_tools.config_rule.handler`.

- `ConfigurationItemChangeNotification`: the group in the event; `OversizedConfigurationItemChangeNotification`:
  the same item, fetched with GetResourceConfigHistory. The group is judged alone, as
  `security-groups audit --group-id` judges it.
- `ScheduledNotification`: every group of the account in the rule's region (DescribeSecurityGroups and
  DescribeSecurityGroupRules, as audit reads them), judged together as one stack.
- A deleted group, a resource that left the rule's scope, or another resource type: NOT_APPLICABLE.

Judging is audit's path, step for step: the item becomes the `LiveGroup` audit reads from EC2
(`config_items`), then `audit_resources.stack_items`, `audit_engine.InProcessPack` (the servicer the pack
process serves) and `audit_report.findings`. Results go back through PutEvaluations in batches of 100.

The pack is built and configured once per Lambda environment and policy config: a warm invocation judges
with the servicer it already has.

For an organisation rule, an event from a member account is answered as that member: every call for it
(PutEvaluations, GetResourceConfigHistory, EC2's reads) uses a session from sts:AssumeRole into the role the
`memberRoleName` parameter names (`config_rule_accounts`). SSM is read with the function's own credentials:
the policy config lives once, beside the function.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import boto3
import botocore.config
import botocore.exceptions

from .audit_engine import InProcessPack
from .audit_report import findings
from .audit_resources import stack_items
from .aws_inventory import LiveGroup, Selection, describe
from .aws_session import AwsOptions, ec2_client
from .config_evaluations import NOT_APPLICABLE, Evaluation, evaluations
from .config_items import GONE, RESOURCE_TYPE, ItemError, live_group
from .config_rule_accounts import AccountError, Home, home, is_account_id, member_session, role_arn
from .config_rule_params import ParameterError, Parameters, policy_config, policy_config_text, read
from .pack_runner import ConfigError

BATCH: Final = 100
"""PutEvaluations takes at most 100 evaluations per call."""

CHANGE: Final = "ConfigurationItemChangeNotification"
OVERSIZED: Final = "OversizedConfigurationItemChangeNotification"
SCHEDULED: Final = "ScheduledNotification"

_CLIENT_CONFIG: Final = botocore.config.Config(
    retries={"mode": "adaptive", "total_max_attempts": 10}, connect_timeout=10, read_timeout=30
)


class RuleError(Exception):
    """The invocation cannot be judged; the message says what to change (the invocation fails with it)."""


@dataclass
class Clients:
    """The AWS calls the rule makes; boto3's, or a test's."""

    put_evaluations: Callable[[list[dict[str, Any]], str], Mapping[str, Any]]
    get_resource_config_history: Callable[[str, str, datetime], Mapping[str, Any]]
    get_parameter: Callable[[str], str]
    describe_groups: Callable[[], list[LiveGroup]]


def aws_clients(region: str | None = None, session: boto3.session.Session | None = None) -> Clients:
    """Clients for this Lambda's region and role, or for `session`'s (AWS_ENDPOINT_URL_<SERVICE> move endpoints)."""
    if session is None:
        session = boto3.session.Session(region_name=region)
    config = session.client("config", config=_CLIENT_CONFIG)
    ssm = session.client("ssm", config=_CLIENT_CONFIG)
    options = AwsOptions(region=session.region_name)

    def put(entries: list[dict[str, Any]], token: str) -> Mapping[str, Any]:
        answer: Mapping[str, Any] = config.put_evaluations(Evaluations=entries, ResultToken=token)
        return answer

    def history(resource_type: str, resource_id: str, later: datetime) -> Mapping[str, Any]:
        answer: Mapping[str, Any] = config.get_resource_config_history(
            resourceType=resource_type, resourceId=resource_id, laterTime=later, limit=1
        )
        return answer

    def parameter(name: str) -> str:
        try:
            return str(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise RuleError(f"SSM parameter {name}: {code}; the function's role needs ssm:GetParameter on it") from None

    def groups() -> list[LiveGroup]:
        return describe(ec2_client(options, session=session), Selection(), options, lambda _: None)

    return Clients(put, history, parameter, groups)


class _Judge:
    """The in-process pack, configured for one policy config; kept while the config text stays the same."""

    def __init__(self) -> None:
        self.pack = InProcessPack()
        info = self.pack.info()
        self.policies = [policy.name for policy in info.policies]
        self.fixes = {policy.name: policy.remediation_steps for policy in info.policies}
        self.config_text: str | None = ""  # "" = not yet configured; None = the pack's defaults

    def configure(self, source: str, text: str | None) -> None:
        if text == self.config_text:
            return
        document = policy_config(source, text, self.policies)
        try:
            self.pack.configure(document)
        except ConfigError as error:
            raise ParameterError(f"{source}: {'; '.join(error.problems)}") from None
        self.config_text = text


_judge: _Judge | None = None


def judge() -> _Judge:
    """The pack of this Lambda environment, built on first use."""
    global _judge  # noqa: PLW0603  # one pack per Lambda environment, reused by warm invocations
    if _judge is None:
        _judge = _Judge()
    return _judge


def _time(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):  # GetResourceConfigHistory's times, as boto3 parses them
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise RuleError(f"{where}: expected an ISO 8601 time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RuleError(f"{where}: expected an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fetched_item(summary: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """An oversized item's full configuration item, from GetResourceConfigHistory (`configuration` is text there)."""
    captured = _time(
        summary.get("configurationItemCaptureTime"), "configurationItemSummary.configurationItemCaptureTime"
    )
    answer = clients.get_resource_config_history(
        str(summary.get("resourceType")), str(summary.get("resourceId")), captured
    )
    items = answer.get("configurationItems") or []
    if not items:
        raise RuleError(f"GetResourceConfigHistory returned no configuration item for {summary.get('resourceId')}")
    item = dict(items[0])
    if isinstance(item.get("configuration"), str):
        try:
            item["configuration"] = json.loads(item["configuration"])
        except (ValueError, RecursionError):
            raise RuleError("GetResourceConfigHistory: the item's configuration is not JSON") from None
    return item


def _judge_groups(groups: Sequence[LiveGroup], parameters: Parameters, timestamp: datetime) -> list[Evaluation]:
    current = judge()
    found = findings(groups, current.pack.analyze(stack_items(list(groups))))
    return evaluations(groups, found, fail_on=parameters.fail_on, fixes=current.fixes, timestamp=timestamp)


def _item_evaluations(item: Mapping[str, Any], parameters: Parameters, *, left_scope: bool) -> list[Evaluation]:
    resource_type = str(item.get("resourceType", RESOURCE_TYPE))
    resource_id = str(item.get("resourceId", ""))
    captured = _time(item.get("configurationItemCaptureTime"), "configurationItem.configurationItemCaptureTime")
    if left_scope or resource_type != RESOURCE_TYPE or item.get("configurationItemStatus") in GONE:
        return [Evaluation(resource_id, NOT_APPLICABLE, captured, resource_type=resource_type)]
    try:
        group = live_group(item)
    except ItemError as error:
        raise RuleError(f"{resource_id}: {error}") from None
    return _judge_groups([group], parameters, captured)


def _invoking(event: Mapping[str, Any]) -> dict[str, Any]:
    try:
        invoking = json.loads(event["invokingEvent"])
    except (KeyError, TypeError, ValueError, RecursionError):
        raise RuleError("invokingEvent: missing or not JSON; is this an AWS Config rule invocation?") from None
    if not isinstance(invoking, dict):
        raise RuleError("invokingEvent: not a JSON object")
    return invoking


def evaluate(event: Mapping[str, Any], clients: Clients, own: Clients | None = None) -> list[Evaluation]:
    """The evaluations for one invocation (nothing is sent); `clients` for the event's account, `own` for SSM."""
    invoking = _invoking(event)
    parameters = read(event.get("ruleParameters"))
    judge().configure(*policy_config_text(parameters, (own or clients).get_parameter))
    kind = invoking.get("messageType")
    left_scope = bool(event.get("eventLeftScope"))
    if kind == CHANGE:
        item = invoking.get("configurationItem")
        if not isinstance(item, dict):
            raise RuleError("invokingEvent.configurationItem: missing")
        return _item_evaluations(item, parameters, left_scope=left_scope)
    if kind == OVERSIZED:
        summary = invoking.get("configurationItemSummary")
        if not isinstance(summary, dict):
            raise RuleError("invokingEvent.configurationItemSummary: missing")
        if left_scope or summary.get("configurationItemStatus") in GONE:
            return _item_evaluations(summary, parameters, left_scope=True)
        return _item_evaluations(_fetched_item(summary, clients), parameters, left_scope=False)
    if kind == SCHEDULED:
        created = _time(invoking.get("notificationCreationTime"), "invokingEvent.notificationCreationTime")
        return _judge_groups(clients.describe_groups(), parameters, created)
    raise RuleError(f"invokingEvent.messageType: {str(kind)[:80]!r} is not one this rule answers")


def report(event: Mapping[str, Any], found: Sequence[Evaluation], clients: Clients) -> None:
    """PutEvaluations in batches of 100; raise RuleError when Config refuses any."""
    token = event.get("resultToken")
    if not isinstance(token, str):
        raise RuleError("resultToken: missing")
    entries = [evaluation.request() for evaluation in found]
    for start in range(0, len(entries), BATCH):
        answer = clients.put_evaluations(entries[start : start + BATCH], token)
        failed = answer.get("FailedEvaluations") or []
        if failed:
            ids = ", ".join(str(entry.get("ComplianceResourceId")) for entry in failed[:5])
            raise RuleError(f"PutEvaluations refused {len(failed)} evaluation(s): {ids}")


_clients: Clients | None = None
_session: boto3.session.Session | None = None
_home: Home | None = None


def account_clients(event: Mapping[str, Any], context: Any, own: Clients) -> Clients:
    """The clients for the event's account: `own` for the function's account, else the member role's session.

    Without a `memberRoleName` parameter every event is answered with the function's own credentials, as an
    account rule's are; an event from another account is then refused when the function knows its own account
    (in Lambda it always does), rather than reported where the result token does not belong.
    """
    global _session, _home  # noqa: PLW0603  # the function's own session and identity, once per environment
    account = event.get("accountId")
    if account is None:
        return own
    if not is_account_id(account):
        raise RuleError("accountId: not a 12-digit AWS account id")
    member_role = read(event.get("ruleParameters")).member_role
    if member_role is None and getattr(context, "invoked_function_arn", None) is None:
        return own  # nothing to enter, and no cheap way to know the function's account
    if _session is None:
        _session = boto3.session.Session()
    if _home is None:
        _home = home(context, _session)
    if account == _home.account:
        return own
    if member_role is None:
        raise RuleError(
            f"accountId: the event is from account {account}, the function runs in {_home.account}; an "
            "organisation rule needs the memberRoleName parameter naming the role to enter in member accounts"
        )
    return aws_clients(session=member_session(_session, role_arn(_home.partition, account, member_role), account))


def aws_refused(error: botocore.exceptions.ClientError, event: Mapping[str, Any]) -> str:
    """`account 111122223333: PutEvaluations refused: AccessDeniedException; ...`.

    AWS's error code only, never its message, which may quote the ARNs of other principals.
    """
    code = error.response.get("Error", {}).get("Code", "an error")
    account = event.get("accountId")
    where = f"account {account}: " if is_account_id(account) else ""
    return (
        f"{where}{error.operation_name} refused: {code}; the role this call ran as (the function's, or the member "
        "role for another account) needs that permission (docs/config-rule.md)"
    )


def handler(event: Mapping[str, Any], context: Any = None) -> dict[str, int]:
    """The Lambda entry point: judge, report, and return how many evaluations of each kind were sent."""
    global _clients  # noqa: PLW0603  # boto3 clients are made once per Lambda environment
    if _clients is None:
        _clients = aws_clients()
    try:
        clients = account_clients(event, context, _clients)
        found = evaluate(event, clients, _clients)
        report(event, found, clients)
    except (RuleError, ParameterError, AccountError) as error:
        # One line in the function's log; the invocation fails with the same text, which Config shows.
        print(f"error: {error}", file=sys.stderr, flush=True)
        raise RuleError(str(error)) from None
    except botocore.exceptions.ClientError as error:
        # A role without a permission, or a throttled call that outlived the retries: the same one line.
        message = aws_refused(error, event)
        print(f"error: {message}", file=sys.stderr, flush=True)
        raise RuleError(message) from None
    except botocore.exceptions.BotoCoreError as error:
        message = f"AWS could not be reached: {type(error).__name__}: {error}"
        print(f"error: {message}", file=sys.stderr, flush=True)
        raise RuleError(message) from None
    counts: dict[str, int] = {}
    for evaluation in found:
        counts[evaluation.compliance] = counts.get(evaluation.compliance, 0) + 1
    return counts

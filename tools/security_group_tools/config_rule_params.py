"""The Config rule's parameters (`InputParameters`): which policy config to judge by, and which levels fail.

    {"policyConfigParameter": "/security-groups/policy-config"}   the config in SSM Parameter Store
    {"policyConfig": "<the document as JSON text>"}                 the config inline (text, or an object)
    {"failOn": "advisory"}                                          advisory findings are NON_COMPLIANT too
    {"memberRoleName": "security-groups-config-rule-member"}       organisation rules: the role entered in each
                                                                    member account (config_rule_accounts)

The policy config is the same JSON document as `stacks/policy-config.<env>.json`, read with the same rules as
the tools read those files (UTF-8 JSON object, levels the engine knows, no NaN) and checked for names that
match no policy. Config limits `InputParameters` to 1,024 characters, so a whole environment's config belongs
in Parameter Store; a 4 KB standard parameter holds any of this project's.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from .config_evaluations import FAILING_LEVELS
from .policy_config import PolicyConfigError
from .policy_config import document as read_document

KNOWN: Final = ("policyConfig", "policyConfigParameter", "failOn", "memberRoleName")
ALL: Final = "all"
ROLE_NAME: Final = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")
"""IAM's role names: 1-64 of these characters (no path: the role ARN is built as arn:...:role/<name>)."""


class ParameterError(ValueError):
    """Rule parameters or a policy config the rule refuses: one line saying what to change."""


@dataclass(frozen=True)
class Parameters:
    """The rule's parameters, read."""

    inline: str | None = None
    """The policy config as JSON text."""
    ssm_name: str | None = None
    fail_on: str = "mandatory"
    member_role: str | None = None
    """The role the function enters in a member account for that account's events (organisation rules)."""


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def read(text: object) -> Parameters:
    """The event's `ruleParameters` (JSON text, absent when the rule has none)."""
    if not text:
        return Parameters()
    if not isinstance(text, str):  # a hand-written test event may hold the object itself
        raise ParameterError(f"ruleParameters: expected JSON text, as AWS Config sends it, got {type(text).__name__}")
    try:
        given = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ParameterError("ruleParameters: not a JSON object") from None
    if not isinstance(given, dict):
        raise ParameterError("ruleParameters: not a JSON object")
    unknown = sorted(key for key in given if key not in KNOWN)
    if unknown:
        raise ParameterError(f"ruleParameters: unknown key {unknown[0]!r}; the keys are {', '.join(KNOWN)}")
    inline = given.get("policyConfig")
    if isinstance(inline, dict):
        inline = json.dumps(inline)
    if inline is not None and not isinstance(inline, str):
        raise ParameterError("ruleParameters.policyConfig: JSON text of a policy config")
    ssm_name = given.get("policyConfigParameter")
    if ssm_name is not None and (not isinstance(ssm_name, str) or not ssm_name.strip()):
        raise ParameterError("ruleParameters.policyConfigParameter: the name of an SSM parameter")
    if inline is not None and ssm_name is not None:
        raise ParameterError("ruleParameters: give policyConfig or policyConfigParameter, not both")
    fail_on = given.get("failOn", "mandatory")
    if not isinstance(fail_on, str) or fail_on not in FAILING_LEVELS:
        raise ParameterError(f"ruleParameters.failOn: use one of {', '.join(FAILING_LEVELS)}")
    member_role = given.get("memberRoleName")
    if member_role is not None and not (isinstance(member_role, str) and ROLE_NAME.fullmatch(member_role)):
        raise ParameterError("ruleParameters.memberRoleName: an IAM role name (1-64 of A-Z a-z 0-9 +=,.@_-)")
    return Parameters(inline, ssm_name, fail_on, member_role)


def policy_config_text(parameters: Parameters, get_parameter: Callable[[str], str]) -> tuple[str, str | None]:
    """Where the policy config comes from (for messages) and its text; None when the pack's defaults apply."""
    if parameters.ssm_name is not None:
        return f"SSM parameter {parameters.ssm_name}", get_parameter(parameters.ssm_name)
    return "ruleParameters.policyConfig", parameters.inline


def policy_config(source: str, text: str | None, policies: Sequence[str]) -> Mapping[str, Any] | None:
    """The document, checked as the tools check a `--policy-config` file; raise ParameterError naming `source`."""
    if text is None:
        return None
    try:
        document = read_document(source, text)
    except PolicyConfigError as error:
        raise ParameterError("; ".join(error.problems)) from None
    for key in document:
        if key != ALL and key not in policies:
            close = difflib.get_close_matches(key, policies, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ParameterError(f"{source}: {key}: no policy of that name in the pack{hint}")
    return document

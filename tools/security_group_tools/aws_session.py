"""An EC2 client for the tools, and AWS errors turned into one line that says what to do.

Credentials come from boto3's usual chain (environment, `--profile` / AWS_PROFILE, shared files, SSO, instance
role). Throttling and transient failures are retried by botocore itself (adaptive mode: client-side rate
limiting plus backoff, `MAX_ATTEMPTS` attempts per call). Each attempt waits at most `CONNECT_TIMEOUT` to
connect and `READ_TIMEOUT` for an answer; `within_deadline` bounds the whole read, retries included, by
`--timeout`. An answer that is not the EC2 API's XML (a proxy's HTML page, a captive portal) is refused at
once, before botocore parses it: parsed as EC2's XML, an HTML page can read as "no groups at all".
"""

from __future__ import annotations

import argparse
import functools
import math
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeVar

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers

from . import aws_names
from .cli import progress

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

T = TypeVar("T")

MAX_ATTEMPTS: Final = 10
"""Attempts per API call, the first included; DescribeSecurityGroups is throttled hard on large accounts."""

CONNECT_TIMEOUT: Final = 10.0
"""Seconds one attempt waits for the TCP (and TLS) connection."""

READ_TIMEOUT: Final = 30.0
"""Seconds one attempt waits for the answer to start (and between its parts); a page of 1,000 groups takes
well under one."""

DEFAULT_TIMEOUT: Final = 300.0
"""Seconds for the whole read, every page and every retry; enough for accounts of many thousand groups."""

MAX_TIMEOUT: Final = 86400.0
"""The largest --timeout taken: a day."""

CHECK: Final = "check --endpoint-url, --region, the network and any proxy (HTTPS_PROXY, NO_PROXY)"

ENDPOINT_VARIABLES: Final = {"STS": "AWS_ENDPOINT_URL_STS", "Organizations": "AWS_ENDPOINT_URL_ORGANIZATIONS"}
"""What moves the endpoint of a service other than EC2: --endpoint-url is EC2's alone, and boto3 takes these
(or AWS_ENDPOINT_URL, or a profile's `services` section) for the others."""


class AwsError(Exception):
    """A failure talking to AWS, already explained in one line (no traceback is shown for it).

    `operation` names the call that failed as IAM does (`ec2:DescribeSecurityGroups`), and `code` is AWS's
    error code (`UnauthorizedOperation`), `Timeout` for --timeout, or botocore's exception name for a failure
    that never reached AWS; either is empty when not known. A multi-account run reports both per unit.
    """

    def __init__(self, message: str, *, operation: str = "", code: str = "") -> None:
        super().__init__(message)
        self.operation = operation
        self.code = code


@dataclass(frozen=True)
class AwsOptions:
    """Where and as whom to call AWS, and for how long."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    """Another EC2 endpoint, e.g. moto's server for tests (`http://127.0.0.1:5000`)."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds for the whole read (`within_deadline`)."""


def seconds(text: str) -> float:
    """An argparse type: a number of seconds, more than 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_TIMEOUT:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and {MAX_TIMEOUT:g}")
    return value


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    """Add --region, --profile, --endpoint-url and --timeout."""
    parser.add_argument(
        "--region",
        type=aws_names.region,
        help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)",
    )
    parser.add_argument("--profile", help="a profile of ~/.aws/config (default: AWS_PROFILE or the default chain)")
    parser.add_argument("--endpoint-url", help="another EC2 endpoint, such as a local moto server")
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=(
            f"give up reading AWS after this long, retries included (default {DEFAULT_TIMEOUT:g}); each attempt "
            f"waits at most {CONNECT_TIMEOUT:g} s to connect and {READ_TIMEOUT:g} s for an answer"
        ),
    )


def aws_options(args: argparse.Namespace) -> AwsOptions:
    """The AWS options from parsed arguments."""
    return AwsOptions(region=args.region, profile=args.profile, endpoint_url=args.endpoint_url, timeout=args.timeout)


class Attempts:
    """What one read's attempts went through, as botocore's events tell it: for the deadline's message."""

    def __init__(self, options: AwsOptions) -> None:
        self.options = options
        self.endpoint_url = options.endpoint_url or "(the region's)"
        self.last_failure: str | None = None
        """How the latest failed attempt failed: `closed the connection without answering`."""
        self.expired = False
        """Set when the deadline has passed: the next attempt is not sent."""
        self.last_operation = ""
        """The call last sent, as IAM names it (`ec2:DescribeSecurityGroups`): the one the deadline cut short."""

    def failed(self, failure: str) -> None:
        """Record a failed attempt; say so on stderr the first time, since retries can take a while."""
        if self.last_failure is None and not self.expired:  # once expired, the command has said why it stopped
            progress(
                f"the EC2 endpoint {self.endpoint_url} {failure}; retrying (up to {MAX_ATTEMPTS} attempts per call, "
                f"within --timeout {self.options.timeout:g} s)…"
            )
        self.last_failure = failure


def ec2_client(
    options: AwsOptions, attempts: Attempts | None = None, session: boto3.session.Session | None = None
) -> EC2Client:
    """An EC2 client with timeouts and retries; raise AwsError for a profile or region that cannot be used.

    It refuses any answer that is not the EC2 API's XML; with `attempts`, it records each failed attempt there
    and sends none once the deadline has passed. With `session` (credentials already chosen, as the config
    rule's for a member account), that session's credentials and region are used instead of the options'.
    """
    config = botocore.config.Config(
        retries={"mode": "adaptive", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    )
    try:
        if session is None:
            session = boto3.session.Session(profile_name=options.profile, region_name=options.region)
        client = session.client("ec2", endpoint_url=options.endpoint_url, config=config)
    except botocore.exceptions.BotoCoreError as error:
        raise explain(error, options) from error
    url = client.meta.endpoint_url
    client.meta.events.register("before-parse.ec2", functools.partial(_refuse_what_is_not_ec2, url))
    if attempts is not None:
        attempts.endpoint_url = url
        client.meta.events.register("before-send.ec2", functools.partial(_stop_after_deadline, attempts))
        client.meta.events.register("response-received.ec2", functools.partial(_note_failure, attempts))
    return client


def within_deadline(options: AwsOptions, work: Callable[[Attempts], T]) -> T:
    """Run `work` (every AWS call of a read) within `options.timeout` seconds, or raise AwsError saying why not.

    The calls run on a daemon thread while this one waits, so neither a socket that never answers nor botocore's
    retries can hold the command past the deadline, and a Ctrl-C here is handled at once. A thread left behind
    sends no further attempt (`Attempts.expired`) and ends with the process.
    """
    attempts = Attempts(options)
    outcome: list[T] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(work(attempts))
        except BaseException as error:  # noqa: BLE001  # handed to the waiting thread, which raises it
            failure.append(error)
        finally:
            done.set()

    threading.Thread(target=run, name="aws-read", daemon=True).start()
    if not done.wait(options.timeout):
        attempts.expired = True
        how = f"it {attempts.last_failure}" if attempts.last_failure else "it has not answered"
        raise AwsError(
            f"gave up on the EC2 endpoint {attempts.endpoint_url} after --timeout {options.timeout:g} s: {how}; "
            f"{CHECK}, or allow more time with --timeout",
            operation=attempts.last_operation,
            code="Timeout",
        )
    if failure:
        raise failure[0]
    return outcome[0]


_XML_ROOT: Final = re.compile(rb"\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:[\w.-]+:)?([\w.-]+)", re.DOTALL)
"""The name of the first element of an XML document (after any declaration and comments)."""

_ERROR_ROOTS: Final = frozenset({"Response", "ErrorResponse"})
"""How EC2 (and the AWS query protocol in general) wraps an error."""


def _refuse_what_is_not_ec2(url: str, operation_model: Any, response_dict: Mapping[str, Any], **_: Any) -> None:
    """For the `before-parse` event: raise AwsError unless the answer is the EC2 API's XML for this call."""
    status = int(response_dict.get("status_code") or 0)
    body: bytes = response_dict.get("body") or b""
    match = _XML_ROOT.match(body[:4096])
    root = match.group(1).decode("ascii", "replace") if match else None
    expected = {f"{operation_model.name}Response"} if status < 300 else _ERROR_ROOTS
    if root in expected:
        return
    content_type = str(response_dict.get("headers", {}).get("content-type", ""))
    if "html" in content_type.lower() or b"<html" in body[:4096].lower():
        what = "an HTML page"
    elif not body.strip():
        what = "an empty body"
    elif root is not None:
        what = f"an XML document <{root}>"
    else:
        what = f"a {content_type.split(';', maxsplit=1)[0]} document" if content_type else "something that is not XML"
    raise AwsError(
        f"the EC2 endpoint {url} answered HTTP {status} with {what}, not the EC2 API: something else (a proxy, "
        f"a captive portal, a wrong address) is answering; {CHECK}",
        operation=f"ec2:{operation_model.name}",
        code="NotTheEc2Api",
    )


def _stop_after_deadline(attempts: Attempts, event_name: str = "", **_: Any) -> None:
    """For the `before-send` event: after the deadline, send nothing more (the waiting thread has given up)."""
    if attempts.expired:
        raise AwsError("the deadline has passed", code="Timeout")
    # `before-send.ec2.DescribeSecurityGroups`
    attempts.last_operation = "ec2:" + event_name.rsplit(".", 1)[-1] if event_name.count(".") >= 2 else ""


def _note_failure(attempts: Attempts, exception: Exception | None = None, **kwargs: Any) -> None:
    """For the `response-received` event: record an attempt that failed in a way botocore retries."""
    if exception is not None:
        attempts.failed(_failure(exception))
        return
    response = kwargs.get("response_dict") or {}
    status = int(response.get("status_code") or 0)
    if status >= 500:
        code = (kwargs.get("parsed_response") or {}).get("Error", {}).get("Code")
        attempts.failed(f"answered HTTP {status}" + (f" ({code})" if code else ""))


def _failure(error: Exception) -> str:
    """How an attempt failed, as the end of a sentence starting `the <service> endpoint <url> `."""
    if isinstance(error, botocore.exceptions.ReadTimeoutError):
        return f"sent no answer within {READ_TIMEOUT:g} s"
    if isinstance(error, botocore.exceptions.ConnectTimeoutError):
        return f"did not accept a connection within {CONNECT_TIMEOUT:g} s"
    if isinstance(error, botocore.exceptions.ConnectionClosedError):
        return "closed the connection without answering"
    if isinstance(error, botocore.exceptions.EndpointConnectionError):
        return "could not be reached"
    return f"failed ({error})"


def unreachable(service: str, error: Exception) -> str | None:
    """One line for a service other than EC2 that botocore could not reach; None for any other error.

    `service` is a key of ENDPOINT_VARIABLES: the line names that service's endpoint and what moves it.

    EC2's own line (`explain`) points at --endpoint-url, which moves nothing but EC2: an STS that cannot be
    reached is not cured there, and calling its endpoint "the EC2 endpoint" sends the user to the wrong one.
    """
    if not isinstance(error, botocore.exceptions.HTTPClientError | botocore.exceptions.ConnectionError):
        return None
    url = error.kwargs.get("endpoint_url") or "(the region's)"
    return (
        f"the {service} endpoint {url} {_failure(error)}, {MAX_ATTEMPTS} attempts in a row; check --region, the "
        f"network and any proxy (HTTPS_PROXY, NO_PROXY), and {ENDPOINT_VARIABLES[service]} or AWS_ENDPOINT_URL "
        "if either is set (--endpoint-url moves only EC2)"
    )


_CLIENT_ERRORS: Final = {
    "InvalidGroup.NotFound": "{detail}; check the id and the region (groups belong to one region)",
    "InvalidGroupId.Malformed": "{detail}; a group id looks like sg-0123456789abcdef0",
    "UnauthorizedOperation": (
        "access denied ({detail}); the credentials need ec2:DescribeSecurityGroups and "
        "ec2:DescribeSecurityGroupRules in {region}"
    ),
    "AccessDenied": (
        "access denied ({detail}); the credentials need ec2:DescribeSecurityGroups and "
        "ec2:DescribeSecurityGroupRules in {region}"
    ),
    "AuthFailure": (
        "AWS rejected the credentials in {region} ({detail}); check the profile or keys, "
        "and that the region is enabled for the account"
    ),
    "InvalidClientTokenId": "AWS does not know these credentials ({detail}); check the access key or profile",
    "OptInRequired": "the account is not opted in to {region}; enable the region or choose another",
    "ExpiredToken": "the session token has expired; sign in again (for example `aws sso login`)",
    "RequestExpired": "the request expired; check this machine's clock, then retry",
    "Throttling": "AWS kept throttling the requests after {attempts} attempts; retry later or narrow the selection",
    "RequestLimitExceeded": (
        "AWS kept throttling the requests after {attempts} attempts; retry later or narrow the selection"
    ),
}


def explain(error: Exception, options: AwsOptions) -> AwsError:
    """One line for an AWS or botocore error, saying what to do about it; its code botocore's name when not AWS's."""
    explained = _explain(error, options)
    if not explained.code:
        explained.code = type(error).__name__
    return explained


def _explain(error: Exception, options: AwsOptions) -> AwsError:
    region = options.region or "this region"
    if isinstance(error, botocore.exceptions.ClientError):
        info = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        detail = str(info.get("Message", "")) or code
        operation = f"ec2:{error.operation_name}" if error.operation_name else ""
        template = _CLIENT_ERRORS.get(code)
        if template is None:
            return AwsError(f"AWS refused the request: {code}: {detail}", operation=operation, code=code)
        message = template.format(detail=detail, region=region, attempts=MAX_ATTEMPTS)
        return AwsError(message, operation=operation, code=code)
    if isinstance(error, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return AwsError(
            "no usable AWS credentials; set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or sign in with `aws sso login`"
        )
    if isinstance(error, botocore.exceptions.ProfileNotFound):
        return AwsError(f"{error}; list profiles with `aws configure list-profiles`")
    if isinstance(error, botocore.exceptions.NoRegionError):
        return AwsError("no AWS region; pass --region or set AWS_REGION")
    if isinstance(error, botocore.exceptions.HTTPClientError | botocore.exceptions.ConnectionError):
        url = error.kwargs.get("endpoint_url") or options.endpoint_url or "(the region's)"
        return AwsError(f"the EC2 endpoint {url} {_failure(error)}, {MAX_ATTEMPTS} attempts in a row; {CHECK}")
    if isinstance(error, botocore.parsers.ResponseParserError):
        return AwsError(f"the EC2 endpoint answered with XML botocore cannot read ({error}); {CHECK}")
    return AwsError(f"AWS call failed: {error}")

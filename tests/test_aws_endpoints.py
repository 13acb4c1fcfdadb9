"""adopt and audit against endpoints that misbehave: an HTML page, silence, a closed connection.

Each fake endpoint is an HTTP server on 127.0.0.1 (tests/fake_endpoint.py). The tools must end with one
`error:` line and status 2, never a traceback, never a report built from a page that is not EC2's, and never
after the default 5 minutes: the tests pass short deadlines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import botocore.exceptions
import pytest
from fake_endpoint import PROXY_PAGE, XHTML_PAGE, fake_endpoint
from moto_server import isolated_aws_env
from security_group_tools import adopt, audit
from security_group_tools.aws_session import AwsOptions, explain, seconds

CHECK = "check --endpoint-url, --region, the network and any proxy (HTTPS_PROXY, NO_PROXY)"
TOOLS: dict[str, Callable[[list[str]], int]] = {"adopt": adopt.main, "audit": audit.main}


@pytest.fixture(params=sorted(TOOLS))
def tool(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Each tool in turn, with test keys and no real AWS config."""
    isolated_aws_env(monkeypatch, tmp_path)
    return str(request.param)


def run(tool: str, url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the tool in this process against `url`; its status, stdout and stderr. adopt must write nothing."""
    extra = ["--import-file", str(tmp_path / "import.json"), "--vpc-id", "vpc-0123456789abcdef0"]
    status = TOOLS[tool](["--region", "us-east-1", "--endpoint-url", url, *(extra if tool == "adopt" else []), *args])
    out, err = capsys.readouterr()
    assert not (tmp_path / "import.json").exists()
    return status, out, err


@pytest.mark.parametrize("page", [PROXY_PAGE, XHTML_PAGE], ids=["malformed", "well-formed"])
@pytest.mark.parametrize("status", [200, 502])
def test_an_html_page_is_refused_at_once(
    tool: str, status: int, page: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A proxy's page is neither parsed (a traceback, or for well-formed XHTML "no groups" and a pass) nor retried."""
    with fake_endpoint("html", status, page) as endpoint:
        result = run(tool, endpoint.url, tmp_path, capsys)
    assert result == (
        2,
        "",
        f"error: the EC2 endpoint {endpoint.url} answered HTTP {status} with an HTML page, not the EC2 API: "
        f"something else (a proxy, a captive portal, a wrong address) is answering; {CHECK}\n",
    )
    assert endpoint.requests == ["/"]  # one request: a page is not a transient failure


def test_an_endpoint_that_never_answers_is_given_up_at_the_deadline(
    tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_endpoint("silent") as endpoint:
        started = time.monotonic()
        result = run(tool, endpoint.url, tmp_path, capsys, "--timeout", "0.5")
        took = time.monotonic() - started
    assert result == (
        2,
        "",
        f"error: gave up on the EC2 endpoint {endpoint.url} after --timeout 0.5 s: it has not answered; "
        f"{CHECK}, or allow more time with --timeout\n",
    )
    assert took < 30  # not the 30 s a single attempt may wait: the deadline, not the read timeout, ended it


def test_an_endpoint_that_closes_the_connection_is_retried_until_the_deadline(
    tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """botocore retries a closed connection; the first failure is said at once, the deadline ends the retries."""
    # 4 s, not less: on a loaded machine making the boto3 client alone can take over a second of the deadline.
    with fake_endpoint("close") as endpoint:
        result = run(tool, endpoint.url, tmp_path, capsys, "--timeout", "4")
    closed = "closed the connection without answering"
    assert result == (
        2,
        "",
        f"the EC2 endpoint {endpoint.url} {closed}; retrying (up to 10 attempts per call, within --timeout 4 s)…\n"
        f"error: gave up on the EC2 endpoint {endpoint.url} after --timeout 4 s: it {closed}; {CHECK}, "
        "or allow more time with --timeout\n",
    )
    assert len(endpoint.requests) >= 2  # retried


@pytest.mark.usefixtures("no_backoff")
def test_a_call_is_given_up_after_10_attempts(tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """ "Up to 10 attempts per call" is what botocore makes: its `max_attempts` counts retries, one more request
    than it says, so the client is configured with `total_max_attempts`."""
    with fake_endpoint("close") as endpoint:
        result = run(tool, endpoint.url, tmp_path, capsys)
    closed = "closed the connection without answering"
    assert result == (
        2,
        "",
        f"the EC2 endpoint {endpoint.url} {closed}; retrying (up to 10 attempts per call, within --timeout 300 s)…\n"
        f"error: the EC2 endpoint {endpoint.url}/ {closed}, 10 attempts in a row; {CHECK}\n",
    )
    assert endpoint.requests == ["/"] * 10


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(
            botocore.exceptions.ConnectionClosedError(endpoint_url="https://ec2.us-east-1.amazonaws.com"),
            "the EC2 endpoint https://ec2.us-east-1.amazonaws.com closed the connection without answering, "
            f"10 attempts in a row; {CHECK}",
            id="closed",
        ),
        pytest.param(
            botocore.exceptions.ReadTimeoutError(endpoint_url="https://ec2.us-east-1.amazonaws.com", error="t"),
            "the EC2 endpoint https://ec2.us-east-1.amazonaws.com sent no answer within 30 s, 10 attempts in a row; "
            f"{CHECK}",
            id="read-timeout",
        ),
        pytest.param(
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://ec2.us-east-7.amazonaws.com"),
            f"the EC2 endpoint https://ec2.us-east-7.amazonaws.com could not be reached, 10 attempts in a row; {CHECK}",
            id="unreachable",
        ),
    ],
)
def test_retries_that_run_out_before_the_deadline(error: Exception, message: str) -> None:
    """What botocore raises after its last attempt, when that comes before --timeout."""
    assert str(explain(error, AwsOptions(region="us-east-1"))) == message


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "86401", "five"])
def test_a_timeout_that_is_not_a_sane_number_of_seconds_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        audit.main(["--timeout", value])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"security-groups audit: error: argument --timeout: {value!r} is not a number of seconds between 0 and 86400"
    )
    with pytest.raises(Exception, match="not a number of seconds"):
        seconds(value)

"""The bench's replaying endpoint (bench/replay_endpoint.py): records moto's answers, then replays them after a wait."""

from __future__ import annotations

import http.client
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bench_quick import quick_part
from fake_endpoint import served

from bench.replay_endpoint import Key, key_of, replay_endpoint

SIGNED = (
    "AWS4-HMAC-SHA256 Credential=testing/20261201/eu-west-1/ec2/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, Signature=0123"
)


@dataclass
class _Origin:
    """A stand-in for moto: answers each request with its own number, and 500 for a body of `fail`."""

    url: str = ""
    count: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    seen: list[bytes] = field(default_factory=list)


@pytest.fixture
def origin() -> Iterator[_Origin]:
    running = _Origin()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            running.seen.append(body)
            answer = f"<answer>{next(running.count)}</answer>".encode()
            self.send_response(500 if body == b"fail" else 200)
            self.send_header("Content-Type", "text/xml;charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # the http.server API
            del format, args

    with served(Handler, "replay-origin") as running.url:
        yield running


def _post(url: str, body: bytes, authorization: str = SIGNED) -> tuple[int, str, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("POST", "/", body=body, headers={"Authorization": authorization})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_a_request_is_recorded_once_then_answered_from_memory_after_the_wait(origin: _Origin) -> None:
    waits: list[float] = []
    with replay_endpoint(origin.url, wait=waits.append) as endpoint:
        assert _post(endpoint.url, b"Action=DescribeVpcs") == (200, "text/xml;charset=utf-8", b"<answer>1</answer>")
        assert _post(endpoint.url, b"Action=DescribeVpcs") == (200, "text/xml;charset=utf-8", b"<answer>2</answer>")
        assert waits == []  # recording: every request reaches the origin, none waits
        endpoint.replay(0.25)
        assert _post(endpoint.url, b"Action=DescribeVpcs") == (200, "text/xml;charset=utf-8", b"<answer>1</answer>")
        assert waits == [0.25]
        assert (endpoint.misses, origin.seen) == (0, [b"Action=DescribeVpcs"] * 2)
        # An unseen request still reaches the origin, and is counted: the measured run strayed.
        assert _post(endpoint.url, b"Action=DescribeSubnets") == (200, "text/xml;charset=utf-8", b"<answer>3</answer>")
        assert endpoint.misses == 1
        assert waits == [0.25]
        assert endpoint.cpu_seconds > 0


def test_an_error_is_never_kept_so_a_retry_reaches_the_origin_again(origin: _Origin) -> None:
    with replay_endpoint(origin.url, wait=lambda _seconds: None) as endpoint:
        assert _post(endpoint.url, b"fail")[:1] == (500,)
        endpoint.replay(0.0)
        assert _post(endpoint.url, b"fail") == (500, "text/xml;charset=utf-8", b"<answer>2</answer>")
        assert (endpoint.misses, len(origin.seen)) == (1, 2)


def test_the_same_body_in_another_region_or_service_is_another_request(origin: _Origin) -> None:
    with replay_endpoint(origin.url, wait=lambda _seconds: None) as endpoint:
        _post(endpoint.url, b"Action=GetCallerIdentity")
        _post(endpoint.url, b"Action=GetCallerIdentity", SIGNED.replace("eu-west-1/ec2", "us-east-1/sts"))
        endpoint.replay(0.0)
        answers = [
            _post(endpoint.url, b"Action=GetCallerIdentity")[2],
            _post(endpoint.url, b"Action=GetCallerIdentity", SIGNED.replace("eu-west-1/ec2", "us-east-1/sts"))[2],
        ]
        assert (answers, endpoint.misses) == ([b"<answer>1</answer>", b"<answer>2</answer>"], 0)


@pytest.mark.parametrize(
    ("authorization", "key"),
    [
        (SIGNED, ("eu-west-1", "ec2", "/", b"x")),
        ("", ("", "", "/", b"x")),
        ("AWS4-HMAC-SHA256 Credential=k/2026/eu-west-1/ec2/aws4_request", ("", "", "/", b"x")),
    ],
    ids=["signed", "unsigned", "date-not-8-digits"],
)
def test_a_requests_key_is_its_signatures_region_and_service_path_and_body(authorization: str, key: Key) -> None:
    assert key_of("/", authorization, b"x") == key


def test_quick_latency_run_reports_each_wait_and_where_the_ratio_stands(tmp_path: Path) -> None:
    """`--quick --no-prowler --part units-latency`: a figure and a busy note per wait, then the ratios; no target."""
    quick_part("units-latency", tmp_path)
    results = json.loads((tmp_path / "prowler-units-latency.json").read_text())
    assert [figure["size"] for figure in results["figures"]] == [
        "8 region(s) x 3 groups, 0 ms per call",
        "8 region(s) x 3 groups, 50 ms per call",
    ]
    assert results["targets"] == []
    busy = (
        r"{wait} ms per call: the concurrent runs took \d+\.\d\d s and used \d+\.\d\d s of our CPU "
        r"\(\d+% of one core\) and \d+\.\d\d s of the endpoint's \(medians\)"
    )
    notes = results["notes"]
    assert len(notes) == 4
    assert re.fullmatch(busy.format(wait=0), notes[0])
    assert re.fullmatch(busy.format(wait=50), notes[1])
    assert re.fullmatch(
        r"ratio by wait per call: \d+\.\d\dx at 0 ms, \d+\.\d\dx at 50 ms; "
        r"(above 0\.35 at every wait measured|at most 0\.35 from (0|50) ms on)",
        notes[2],
    )
    assert notes[3].startswith("load average (1 min) ")


def test_the_crossing_names_the_first_wait_at_which_the_ratio_meets_the_target() -> None:
    from bench.prowler_compare import crossing_note

    assert crossing_note([(0.0, 1.1), (0.1, 0.66), (0.2, 0.34), (0.4, 0.3)]) == (
        "ratio by wait per call: 1.10x at 0 ms, 0.66x at 100 ms, 0.34x at 200 ms, 0.30x at 400 ms; "
        "at most 0.35 from 200 ms on"
    )
    assert crossing_note([(0.0, 1.1), (0.4, 0.36)]) == (
        "ratio by wait per call: 1.10x at 0 ms, 0.36x at 400 ms; above 0.35 at every wait measured"
    )


def test_a_section_without_targets_has_no_empty_verdict_table() -> None:
    from bench.report import Figure, markdown_table
    from bench.stats import Sample

    figure = Figure(
        "our audit wall time",
        "8 region(s) x 125 groups, 200 ms per call",
        Sample((3.6,), "s"),
        "--concurrency 1",
        Sample((7.2,), "s"),
    )
    assert markdown_table([figure], []).splitlines() == [
        "| Figure | Size | Ours: median [min–max] | Baseline: median [min–max] | Ratio |",
        "|---|---|---|---|---|",
        "| our audit wall time | 8 region(s) x 125 groups, 200 ms per call | 3.600 s [3.600–3.600] "
        "| --concurrency 1: 7.200 s [7.200–7.200] | 0.50× |",
    ]

"""The query API and `seclake query` against a real `seclake serve` on loopback."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_support import SeclakeServer

from seclake.control.scopes import BUCKETS_READ, INGEST, QUERY
from seclake.control.tokens import create_token
from seclake.dql.result import format_timestamp_ns

EXECUTE = "/platform/storage/query/v1/query:execute"
POLL = "/platform/storage/query/v1/query:poll"
NOW = datetime.now(UTC)
LEVELS = ["CRITICAL", "HIGH", "LOW"]


def _event(i: int, age: timedelta) -> dict[str, Any]:
    ns = int((NOW - age).timestamp()) * 1_000_000_000 + 123_456_789
    return {
        "timestamp": format_timestamp_ns(ns),
        "event.id": f"q-{i}",
        "event.kind": "SECURITY_EVENT",
        "event.type": "VULNERABILITY_FINDING",
        "event.provider": "Microsoft Defender for Cloud",
        "dt.security.risk.level": LEVELS[i % 3],
        "vulnerability.id": f"CVE-2024-{i % 7}",
        "container_image.tags": ["latest", f"v{i}"],
        "custom.note": f"note {i}",
    }


EVENTS = [_event(i, timedelta(minutes=i % 60)) for i in range(300)] + [_event(300, timedelta(hours=3))]


def _server(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str] | None = None) -> SeclakeServer:
    server = SeclakeServer(tmp_path_factory.mktemp("query-api"), env=env).start()
    response = httpx.post(
        server.url + "/platform/ingest/v1/security.events",
        content=orjson.dumps(EVENTS),
        headers=server.headers | {"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeclakeServer]:
    s = _server(tmp_path_factory)
    try:
        yield s
    finally:
        s.stop()
        s.kill()


def execute(server: SeclakeServer, query: str, token: str | None = None, **extra: Any) -> httpx.Response:
    headers = {"Authorization": f"Api-Token {token or server.admin_token}"}
    return httpx.post(server.url + EXECUTE, json={"query": query, **extra}, headers=headers, timeout=60)


def test_execute_answers_the_grail_shape(server: SeclakeServer) -> None:
    query = (
        'fetch security.events | filter dt.security.risk.level == "CRITICAL"'
        " | fields timestamp, event.id, dt.security.risk.level, container_image.tags, custom.note"
        " | sort timestamp desc, event.id"
    )
    response = execute(server, query)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "SUCCEEDED" and body["progress"] == 100
    records = body["result"]["records"]
    expected = sorted(
        (e for e in EVENTS[:300] if e["dt.security.risk.level"] == "CRITICAL"),
        key=lambda e: (
            -int(e["timestamp"][:19].replace("-", "").replace(":", "").replace("T", "")),
            e["event.id"],
        ),
    )
    assert [r["event.id"] for r in records] == [e["event.id"] for e in expected]
    assert records[0]["timestamp"] == expected[0]["timestamp"]  # nanoseconds and Z, as ingested
    assert records[0]["custom.note"] == expected[0]["custom.note"]  # a field kept in the attributes
    [bucket] = body["result"]["types"]
    assert bucket["indexRange"] == [0, len(records) - 1]
    assert bucket["mappings"]["timestamp"] == {"type": "timestamp"}
    assert bucket["mappings"]["container_image.tags"]["type"] == "array"
    grail = body["result"]["metadata"]["grail"]
    assert grail["query"] == query and grail["timezone"] == "Z"
    assert "filter" in grail["canonicalQuery"] and grail["scannedRecords"] == len(EVENTS)
    assert isinstance(grail["executionTimeMilliseconds"], int)


def test_default_timeframe_is_two_hours_unless_the_request_or_query_says_otherwise(
    server: SeclakeServer,
) -> None:
    def count(query: str, **extra: Any) -> int:
        response = execute(server, query, **extra)
        assert response.status_code == 200, response.text
        return int(response.json()["result"]["records"][0]["n"])

    assert count("fetch security.events | summarize n = count()") == 300
    assert count("fetch security.events, from: now() - 4h | summarize n = count()") == 301
    start = (NOW - timedelta(hours=4)).isoformat()
    assert count("fetch security.events | summarize n = count()", defaultTimeframeStart=start) == 301
    end = (NOW - timedelta(hours=2)).isoformat()
    assert (
        count(
            "fetch security.events | summarize n = count()",
            defaultTimeframeStart=start,
            defaultTimeframeEnd=end,
        )
        == 1
    )


def test_max_result_records_truncates_with_a_notification(server: SeclakeServer) -> None:
    body = execute(server, "fetch security.events | fields event.id", maxResultRecords=7).json()
    assert len(body["result"]["records"]) == 7
    [note] = body["result"]["metadata"]["grail"]["notifications"]
    assert note["notificationType"] == "RESULT_TRUNCATED"
    whole = execute(server, "fetch security.events | fields event.id").json()
    assert (
        len(whole["result"]["records"]) == 300 and whole["result"]["metadata"]["grail"]["notifications"] == []
    )


def test_bad_dql_is_a_400_with_the_position(server: SeclakeServer) -> None:
    response = execute(server, 'fetch security.events\n| filter cont(event.type, "x")')
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400 and "cont" in error["message"] and "^" in error["message"]
    details = error["details"]
    assert details["errorType"] in ("PARSE_ERROR", "SEMANTIC_ERROR")
    assert details["syntaxErrorPosition"]["start"] == {"line": 2, "column": 10}


def test_auth_and_scopes(server: SeclakeServer) -> None:
    anonymous = httpx.post(server.url + EXECUTE, json={"query": "fetch security.events"}, timeout=10)
    assert anonymous.status_code == 401
    ingest_only = create_token(server.data_dir, "ingest only", [INGEST])[1]
    assert execute(server, "fetch security.events", token=ingest_only).status_code == 403
    no_buckets = create_token(server.data_dir, "no buckets", [QUERY])[1]
    assert execute(server, "fetch security.events", token=no_buckets).status_code == 403
    reader = create_token(server.data_dir, "reader", [QUERY, BUCKETS_READ])[1]
    assert execute(server, "fetch security.events | limit 1", token=reader).status_code == 200


def test_slow_queries_answer_202_and_are_polled(server: SeclakeServer) -> None:
    first = execute(server, "fetch security.events | summarize n = count()", requestTimeoutMilliseconds=0)
    assert first.status_code == 202, first.text
    token = first.json()["requestToken"]
    assert first.json()["state"] == "RUNNING"
    deadline = time.monotonic() + 30
    while True:
        polled = httpx.get(
            server.url + POLL,
            params={"request-token": token, "request-timeout-milliseconds": 1000},
            headers=server.headers,
            timeout=30,
        )
        assert polled.status_code == 200, polled.text
        if polled.json()["state"] == "SUCCEEDED" or time.monotonic() > deadline:
            break
    assert polled.json()["result"]["records"] == [{"n": 300}]
    gone = httpx.get(server.url + POLL, params={"request-token": "nope"}, headers=server.headers, timeout=10)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == 410


def test_the_hard_timeout_cancels_a_query(tmp_path_factory: pytest.TempPathFactory) -> None:
    server = _server(tmp_path_factory, env={"SECLAKE_QUERY_TIMEOUT_MS": "50"})
    try:
        heavy = (
            "fetch security.events | join [fetch security.events], on: {left[event.type] == right[event.type]}"
            " | join [fetch security.events], on: {left[event.kind] == right[event.kind]} | summarize n = count()"
        )
        started = time.monotonic()
        response = execute(server, heavy)
        assert time.monotonic() - started < 20
        assert response.status_code == 400, response.text
        assert response.json()["error"]["details"]["errorType"] == "EXECUTION_ERROR"
        assert "timeout" in response.json()["error"]["message"]
    finally:
        server.stop()
        server.kill()


@given(
    st.text(max_size=80)
    | st.lists(
        st.sampled_from(
            [
                "fetch",
                "security.events",
                "|",
                "filter",
                "(",
                ")",
                "[",
                "]",
                "{",
                "}",
                "=",
                "==",
                '"',
                "summarize",
                "count()",
                ",",
                "by:",
                "1e999",
                "now()",
                "-",
                "7d",
                "@",
                "expand",
                "x",
            ]
        ),
        max_size=12,
    ).map(" ".join)
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_query_text_gives_a_500(server: SeclakeServer, text: str) -> None:
    response = execute(server, text)
    assert response.status_code in (200, 400), (text, response.status_code, response.text[:300])
    assert "error" in response.json() or response.json()["state"] == "SUCCEEDED"


@pytest.mark.parametrize(
    ("members", "named"),
    [
        ({"defaultTimeframeEnd": "0001-01-01T00:30:00Z"}, "defaultTimeframeEnd"),
        ({"defaultTimeframeStart": "0001-01-01T00:00:00+01:00"}, "defaultTimeframeStart"),
        ({"maxResultRecords": 100_001}, "maxResultRecords"),
    ],
)
def test_out_of_range_request_members_are_a_400(
    server: SeclakeServer, members: dict[str, Any], named: str
) -> None:
    response = execute(server, "fetch security.events", **members)
    assert response.status_code == 400, response.text
    assert named in response.json()["error"]["message"]


def _cli(server: SeclakeServer, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {"SECLAKE_URL": server.url, "SECLAKE_TOKEN": token or server.admin_token, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "seclake", "query", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_cli_formats_and_errors(server: SeclakeServer) -> None:
    query = "fetch security.events | summarize n = count(), by: {dt.security.risk.level} | sort dt.security.risk.level"
    as_json = _cli(server, query, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert orjson.loads(as_json.stdout) == [
        {"dt.security.risk.level": level, "n": 100} for level in sorted(LEVELS)
    ]
    as_csv = _cli(server, query, "--format", "csv")
    assert as_csv.stdout.splitlines() == ["dt.security.risk.level,n", "CRITICAL,100", "HIGH,100", "LOW,100"]
    table = _cli(server, query)
    assert table.returncode == 0 and "CRITICAL" in table.stdout and "3 record(s)" in table.stderr
    bad = _cli(server, "fetch security.events | filtr x")
    assert bad.returncode == 1 and "rejected" in bad.stderr and "^" in bad.stderr
    unknown = _cli(server, query, token="sl0c01.0000000000000000." + "A" * 43)
    assert unknown.returncode == 2 and "token" in unknown.stderr
    reader = create_token(server.data_dir, "ingest", [INGEST])[1]
    denied = _cli(server, query, token=reader)
    assert denied.returncode == 2 and "scope" in denied.stderr

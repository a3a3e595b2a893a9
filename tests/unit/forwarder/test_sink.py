"""The HTTP sink against a real loopback server answering scripted statuses."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from fwd_helpers import IngestStub, make_config

from seclake.forwarder.batching import Batch
from seclake.forwarder.metrics import Metrics
from seclake.forwarder.sink import (
    Action,
    DeliveryAbortedError,
    DeliveryGaveUpError,
    DeliveryRejectedError,
    Sink,
    classify,
    parse_retry_after,
)


def _batch(ids: list[str]) -> Batch:
    batch = Batch()
    for owner, event_id in enumerate(ids):
        batch.append(orjson.dumps({"event.id": event_id}), owner)
    return batch


def _sink(url: str, tmp_path: Path, **overrides: Any) -> tuple[Sink, Metrics, threading.Event]:
    metrics, abort = Metrics(), threading.Event()
    return Sink(make_config(url, tmp_path, **overrides), metrics, abort), metrics, abort


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (202, Action.DELIVERED),
        (200, Action.FATAL),
        (201, Action.FATAL),
        (204, Action.FATAL),
        (400, Action.REJECTED),
        (413, Action.REJECTED),
        (409, Action.REJECTED),
        (401, Action.FATAL),
        (403, Action.FATAL),
        (404, Action.FATAL),
        (429, Action.RETRY),
        (408, Action.RETRY),
        (500, Action.RETRY),
        (503, Action.RETRY),
        (599, Action.RETRY),
        (302, Action.FATAL),
    ],
)
def test_classification_table(status: int, action: Action) -> None:
    assert classify(status) is action


def test_retry_after_forms() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=7), usegmt=True), now=now) == 7.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=7), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_delivers_gzip_with_token_after_429_and_503(ingest_stub: IngestStub, tmp_path: Path) -> None:
    answers = {0: (503, {}, b"down"), 1: (429, {"Retry-After": "0.3"}, b"busy")}
    ingest_stub.script = lambda n, events: answers.get(n)
    sink, metrics, _ = _sink(ingest_stub.url, tmp_path)
    started = time.monotonic()
    outcomes = sink.send(_batch(["a", "b", "c"]))
    elapsed = time.monotonic() - started
    sink.close()
    assert [o.delivered for o in outcomes] == [True]
    assert ingest_stub.statuses() == [503, 429, 202]
    assert elapsed >= 0.3, "Retry-After was not honored"
    assert sorted(ingest_stub.stored) == ["a", "b", "c"]
    last = ingest_stub.requests[-1]
    assert last.headers["content-encoding"] == "gzip"
    assert last.headers["content-type"].startswith("application/json")
    assert metrics.get("seclake_forwarder_requests_retried_total") == 2
    assert metrics.get("seclake_forwarder_events_sent_total") == 3


def test_a_rejected_event_is_isolated_and_the_rest_delivered(ingest_stub: IngestStub, tmp_path: Path) -> None:
    def script(n: int, events: list[dict[str, Any]]) -> Any:
        if any(e["event.id"] == "poison" for e in events):
            return 400, {}, b'{"error":{"code":400,"message":"element 0: bad"}}'
        return None

    ingest_stub.script = script
    ids = [f"e{i}" for i in range(9)]
    ids.insert(5, "poison")
    sink, metrics, _ = _sink(ingest_stub.url, tmp_path)
    outcomes = sink.send(_batch(ids))
    sink.close()
    rejected = [o for o in outcomes if not o.delivered]
    assert len(rejected) == 1
    assert rejected[0].status == 400
    assert orjson.loads(rejected[0].batch.body()) == [{"event.id": "poison"}]
    assert "element 0" in rejected[0].answer
    assert sorted(ingest_stub.stored) == sorted(i for i in ids if i != "poison")
    assert all(count == 1 for count in ingest_stub.deliveries.values())
    assert metrics.get("seclake_forwarder_requests_retried_total") == 0, "a 400 must never be retried"


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failure_stops_with_a_clear_message(
    ingest_stub: IngestStub, tmp_path: Path, status: int
) -> None:
    ingest_stub.script = lambda n, events: (status, {}, b'{"error":{"code":%d,"message":"nope"}}' % status)
    sink, _, _ = _sink(ingest_stub.url, tmp_path)
    with pytest.raises(DeliveryRejectedError) as info:
        sink.send(_batch(["a"]))
    sink.close()
    assert info.value.status == status
    assert str(status) in str(info.value)
    assert ("token" in str(info.value)) and ("scope" in str(info.value) or status == 401)
    assert ingest_stub.statuses() == [status], "401/403 must not be retried"


@pytest.mark.parametrize("status", [200, 201])
def test_a_2xx_other_than_202_stops_and_points_at_the_url(
    ingest_stub: IngestStub, tmp_path: Path, status: int
) -> None:
    # a proxy or a login page answering 200 has not stored anything: only 202 is "durably stored"
    ingest_stub.script = lambda n, events: (status, {"Content-Type": "text/html"}, b"<html>Sign in</html>")
    sink, metrics, _ = _sink(ingest_stub.url, tmp_path)
    with pytest.raises(DeliveryRejectedError, match="--url") as info:
        sink.send(_batch(["a", "b"]))
    sink.close()
    assert info.value.status == status and "202" in str(info.value)
    assert ingest_stub.statuses() == [status], "not retried, not split"
    assert metrics.get("seclake_forwarder_events_sent_total") == 0


def test_wrong_token_is_a_401(ingest_stub: IngestStub, tmp_path: Path) -> None:
    sink, _, _ = _sink(ingest_stub.url, tmp_path, token="sl0c01.wrong.token")
    with pytest.raises(DeliveryRejectedError, match="401"):
        sink.send(_batch(["a"]))
    sink.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_retried_until_give_up(tmp_path: Path) -> None:
    sink, metrics, _ = _sink(f"http://127.0.0.1:{_free_port()}", tmp_path, give_up_after_s=0.3)
    with pytest.raises(DeliveryGaveUpError, match="ConnectError"):
        sink.send(_batch(["a"]))
    sink.close()
    assert metrics.get("seclake_forwarder_requests_retried_total") >= 2


def test_abort_interrupts_a_retry_wait(ingest_stub: IngestStub, tmp_path: Path) -> None:
    ingest_stub.script = lambda n, events: (503, {"Retry-After": "30"}, b"")
    sink, _, abort = _sink(ingest_stub.url, tmp_path)
    threading.Timer(0.2, abort.set).start()
    started = time.monotonic()
    with pytest.raises(DeliveryAbortedError):
        sink.send(_batch(["a"]))
    sink.close()
    assert time.monotonic() - started < 5
    assert ingest_stub.stored == {}

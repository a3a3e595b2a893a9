"""The query API's request validation, its bounds (records, concurrent jobs) and its pool's lifecycle.

The app runs in process with a store whose `query` blocks until the test releases it, so queued,
running and cancelled queries can be observed; DuckDB itself is exercised by the integration tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from api_support import MemoryStore, SyncClient, sync_client

from seclake.api.app import create_app
from seclake.api.query import EXECUTE_PATH, MAX_ACTIVE_JOBS, MAX_RESULT_RECORDS, parse_request
from seclake.control import scopes
from seclake.control.tokens import create_token
from seclake.errors import RequestError, StorageError
from seclake.settings import Settings

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
QUERY = "fetch security.events | fields event.id"


def _parse(**members: Any) -> Any:
    return parse_request(orjson.dumps({"query": QUERY, **members}), Settings(), now=NOW)


@pytest.mark.parametrize(
    ("members", "field_name"),
    [
        ({"defaultTimeframeEnd": "0001-01-01T00:30:00Z"}, "defaultTimeframeEnd"),  # end - 2 h underflows
        ({"defaultTimeframeStart": "0001-01-01T00:00:00+01:00"}, "defaultTimeframeStart"),  # astimezone
        ({"defaultTimeframeEnd": "9999-12-31T23:59:59-01:00"}, "defaultTimeframeEnd"),  # astimezone
        ({"defaultTimeframeStart": "not a time"}, "defaultTimeframeStart"),
        ({"maxResultRecords": MAX_RESULT_RECORDS + 1}, "maxResultRecords"),
        ({"maxResultRecords": 0}, "maxResultRecords"),
    ],
)
def test_out_of_range_members_are_a_400_naming_the_member(members: dict[str, Any], field_name: str) -> None:
    with pytest.raises(RequestError) as caught:
        _parse(**members)
    assert caught.value.status == 400
    assert str(caught.value).startswith(field_name), str(caught.value)


def test_edge_values_in_range_are_accepted() -> None:
    req = _parse(defaultTimeframeEnd="0001-01-01T02:00:00Z", maxResultRecords=MAX_RESULT_RECORDS)
    assert req.default_from == datetime(1, 1, 1, tzinfo=UTC) and req.max_records == MAX_RESULT_RECORDS
    assert _parse().max_records == min(Settings().query_max_records, MAX_RESULT_RECORDS)


@dataclass
class BlockingStore(MemoryStore):
    """A store whose queries wait for `release`; records when each ran and when the store closed."""

    release: threading.Event = field(default_factory=threading.Event)
    started: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)
    closed_at: float | None = None

    def misfit_fields(self) -> frozenset[str]:
        return frozenset()

    def query(self, sql: str, *, timeout_s: float | None = None) -> pa.Table:
        with self.lock:
            self.started.append(time.monotonic())
        self.release.wait(10)
        with self.lock:
            self.finished.append(time.monotonic())
        return pa.table({"event.id": pa.array([], pa.string())})

    def close(self) -> None:
        self.closed_at = time.monotonic()
        super().close()


@pytest.fixture
def blocking(tmp_path: Path) -> Iterator[tuple[SyncClient, BlockingStore, dict[str, str]]]:
    store = BlockingStore()
    _, token = create_token(tmp_path, "admin", sorted(scopes.ALL_SCOPES))
    try:
        with sync_client(create_app(Settings(data_dir=tmp_path), store=store)) as client:
            yield client, store, {"Authorization": f"Api-Token {token}"}
    finally:
        store.release.set()


def _start(client: SyncClient, headers: dict[str, str], **members: Any) -> Any:
    body = {"query": QUERY, "requestTimeoutMilliseconds": 0, **members}
    return client.post(EXECUTE_PATH, json=body, headers=headers)


def test_too_many_pending_queries_answer_429_with_retry_after(
    blocking: tuple[SyncClient, BlockingStore, dict[str, str]],
) -> None:
    client, store, headers = blocking
    for _ in range(MAX_ACTIVE_JOBS):
        assert _start(client, headers).status_code == 202
    busy = _start(client, headers)
    assert busy.status_code == 429, busy.text
    assert int(busy.headers["Retry-After"]) >= 1
    assert busy.json()["error"]["code"] == 429 and str(MAX_ACTIVE_JOBS) in busy.json()["error"]["message"]
    store.release.set()
    deadline = time.monotonic() + 10
    while _start(client, headers).status_code != 202:  # slots free up once the queries finish
        assert time.monotonic() < deadline, "the query pool never freed its slots"
        time.sleep(0.02)


def test_max_result_records_over_the_cap_is_a_400_over_http(
    blocking: tuple[SyncClient, BlockingStore, dict[str, str]],
) -> None:
    client, store, headers = blocking
    response = _start(client, headers, maxResultRecords=MAX_RESULT_RECORDS + 1)
    assert response.status_code == 400 and "maxResultRecords" in response.json()["error"]["message"]
    end = _start(client, headers, defaultTimeframeEnd="0001-01-01T00:30:00Z")
    assert end.status_code == 400 and "defaultTimeframeEnd" in end.json()["error"]["message"]
    assert store.started == []


def test_shutdown_cancels_queued_queries_and_closes_the_store_only_after_running_ones(
    tmp_path: Path,
) -> None:
    store = BlockingStore()
    _, token = create_token(tmp_path, "admin", sorted(scopes.ALL_SCOPES))
    headers = {"Authorization": f"Api-Token {token}"}
    app = create_app(Settings(data_dir=tmp_path), store=store)
    with sync_client(app) as client:
        for _ in range(6):  # 4 workers run, 2 wait in the queue
            assert _start(client, headers).status_code == 202
        deadline = time.monotonic() + 5
        while len(store.started) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        threading.Timer(0.3, store.release.set).start()  # the running queries end during shutdown
        jobs = app.state.query_jobs
    # the lifespan neither closes a store it was given nor lets a query outlive the app
    assert len(store.started) == 4, "queued queries must be cancelled, not run, on shutdown"
    assert len(store.finished) == 4, "shutdown must wait for running queries"
    assert jobs.active == 0
    with pytest.raises(StorageError, match="shutting down"):
        jobs.submit(store, None, query=QUERY, max_records=1, hard_timeout_s=1, started=0.0)


def test_an_owned_store_closes_only_after_the_running_queries_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = BlockingStore()
    monkeypatch.setattr("seclake.api.app.open_store", lambda settings: store)
    _, token = create_token(tmp_path, "admin", sorted(scopes.ALL_SCOPES))
    with sync_client(create_app(Settings(data_dir=tmp_path))) as client:
        assert _start(client, {"Authorization": f"Api-Token {token}"}).status_code == 202
        deadline = time.monotonic() + 5
        while not store.started and time.monotonic() < deadline:
            time.sleep(0.01)
        threading.Timer(0.3, store.release.set).start()
    assert store.closed_at is not None and len(store.finished) == 1
    assert store.finished[0] <= store.closed_at

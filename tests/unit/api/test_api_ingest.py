"""Ingest routes through the real app, pipeline and control DB (in-memory store for the write side)."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
import pytest
from api_support import Api
from starlette.requests import Request

from seclake.api.ingest import INGEST_PATH, LEGACY_PATH, custom_path, read_limited
from seclake.control import scopes
from seclake.control.tokens import create_token
from seclake.errors import RequestError


def _event(i: int) -> dict[str, Any]:
    return {
        "event.id": f"ev-{i}",
        "event.type": "VULNERABILITY_FINDING",
        "timestamp": "2025-01-02T03:04:05Z",
        "finding.title": f"CVE-{i}",
    }


def _post(api: Api, body: Any, path: str = INGEST_PATH, **kw: Any) -> Any:
    headers = {"Content-Type": "application/json"} | api.admin | kw.pop("headers", {})
    return api.client.post(path, content=orjson.dumps(body), headers=headers, **kw)


@pytest.mark.parametrize("path", [INGEST_PATH, LEGACY_PATH, custom_path("my-scanner")])
def test_accepted_events_are_stored_before_202(api: Api, path: str) -> None:
    events = [_event(i) for i in range(3)]
    response = _post(api, events, path)
    assert response.status_code == 202, response.text
    assert response.content == b""
    assert [e["event.id"] for e in api.store.events] == ["ev-0", "ev-1", "ev-2"]
    assert {e["dt.openpipeline.source"] for e in api.store.events} == {path}
    assert all(isinstance(e["timestamp"], int) for e in api.store.events)
    assert api.store.events[0]["timestamp"] == 1735787045 * 10**9


def test_single_object_gzip_and_query_params(api: Api) -> None:
    body = gzip.compress(orjson.dumps(_event(7)))
    headers = api.admin | {"Content-Type": "application/json; charset=utf-8", "Content-Encoding": "gzip"}
    response = api.client.post(INGEST_PATH, content=body, headers=headers, params={"team": "blue"})
    assert response.status_code == 202, response.text
    (stored,) = api.store.events
    assert stored["event.id"] == "ev-7" and stored["team"] == "blue"
    assert api.store.batches == [(None, len(body))]


def test_empty_array_is_accepted_and_stores_nothing(api: Api) -> None:
    assert _post(api, []).status_code == 202
    assert api.store.events == []


@pytest.mark.parametrize(
    ("content", "content_type", "status", "needle"),
    [
        (b"{not json", "application/json", 400, ""),
        (b"42", "application/json", 400, ""),
        (b'[{"a": 1}, 5]', "application/json", 400, "1"),
        (b'{"a": 1}', "text/plain", 415, ""),
    ],
)
def test_bad_bodies_get_json_errors(
    api: Api, content: bytes, content_type: str, status: int, needle: str
) -> None:
    response = api.client.post(
        INGEST_PATH, content=content, headers=api.admin | {"Content-Type": content_type}
    )
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status and error["message"]
    assert needle in error["message"]
    assert api.store.events == []


@pytest.mark.parametrize("api", [{"max_request_bytes": 2000}], indirect=True)
def test_over_the_limit_is_413_plain_and_gzip_bomb(api: Api) -> None:
    big = orjson.dumps([_event(i) for i in range(60)])
    assert len(big) > 2000
    assert _post(api, [_event(i) for i in range(60)]).status_code == 413
    bomb = gzip.compress(b"[" + b" " * 1_900_000 + b"]")
    assert len(bomb) < 2000
    headers = api.admin | {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    response = api.client.post(INGEST_PATH, content=bomb, headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == 413
    assert api.store.events == []


def test_overloaded_store_answers_429_with_retry_after(api: Api) -> None:
    api.store.mode = "overloaded"
    response = _post(api, [_event(1)])
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"  # ceil(2.5)
    assert "queue" in response.json()["error"]["message"]


def test_storage_failure_answers_503_and_counts_rejections(api: Api) -> None:
    api.store.mode = "failing"
    response = _post(api, [_event(1), _event(2)])
    assert response.status_code == 503
    assert "disk on fire" in response.json()["error"]["message"]
    metrics = api.client.get("/metrics").text
    assert 'seclake_ingest_rejected_events_total{reason="storage_failure"} 2.0' in metrics
    assert "seclake_ingest_stored_events_total 0.0" in metrics


def test_metrics_count_received_stored_and_rejected(api: Api) -> None:
    assert _post(api, [_event(i) for i in range(4)]).status_code == 202
    assert _post(api, [_event(9)], headers={"Content-Type": "text/csv"}).status_code == 415
    metrics = api.client.get("/metrics").text
    assert "seclake_ingest_received_events_total 4.0" in metrics
    assert "seclake_ingest_stored_events_total 4.0" in metrics
    assert 'seclake_ingest_rejected_requests_total{reason="unsupported_media_type"} 1.0' in metrics
    assert (
        'seclake_http_request_duration_seconds_count{route="/platform/ingest/v1/security.events"} 2.0'
        in metrics
    )
    assert "seclake_store_writer_queue_events 0.0" in metrics
    assert "seclake_ingest_validation_warnings_total" in metrics


def test_custom_path_needs_the_custom_scope_and_a_sane_name(api: Api) -> None:
    plain = api.auth(api.token(scopes.INGEST)) | {"Content-Type": "application/json"}
    assert api.client.post(custom_path("x"), content=b"[]", headers=plain).status_code == 403
    custom = api.auth(api.token(scopes.INGEST_CUSTOM)) | {"Content-Type": "application/json"}
    assert api.client.post(custom_path("x"), content=b"[]", headers=custom).status_code == 202
    assert api.client.post(INGEST_PATH, content=b"[]", headers=custom).status_code == 403
    bad = api.client.post(custom_path("-" * 3), content=b"[]", headers=custom)
    assert bad.status_code == 400 and "name" in bad.json()["error"]["message"]


async def _read_with_counting(chunks: list[bytes], limit: int, headers: list[tuple[bytes, bytes]]) -> int:
    served = 0

    async def receive() -> dict[str, Any]:
        nonlocal served
        served += 1
        more = served < len(chunks)
        return {"type": "http.request", "body": chunks[served - 1], "more_body": more}

    request = Request({"type": "http", "method": "POST", "headers": headers, "path": "/"}, receive)
    with pytest.raises(RequestError) as info:
        await read_limited(request, limit)
    assert info.value.status == 413
    return served


@pytest.mark.anyio
async def test_body_reading_stops_just_past_the_limit() -> None:
    chunks = [b"x" * 100] * 1000  # 100 kB offered, limit 250 bytes
    assert await _read_with_counting(chunks, 250, []) == 3  # 300 > 250: stop; 997 chunks never read
    declared = [(b"content-length", b"100000")]
    assert await _read_with_counting(chunks, 250, declared) == 0  # refused before reading anything


@pytest.mark.parametrize(
    ("sent_id", "stored_id"),
    [({"a": 1}, None), (["x"], None), (True, None), ("", None), (12, "12"), (1.5, "1.5"), ("e-1", "e-1")],
)
def test_event_ids_are_stored_as_strings_or_refused_with_400(
    tmp_path: Any, sent_id: object, stored_id: str | None
) -> None:
    from api_support import sync_client

    from seclake.api.app import create_app, open_store
    from seclake.settings import Settings

    settings = Settings(data_dir=tmp_path)
    store = open_store(settings)  # the real DuckDB store: it refuses non-string event ids
    token = create_token(tmp_path, "t", [scopes.INGEST])[1]
    body = orjson.dumps([{"event.id": "first"}, {"event.id": sent_id}])
    try:
        with sync_client(create_app(settings, store=store)) as client:
            headers = {"Authorization": f"Api-Token {token}", "Content-Type": "application/json"}
            response = client.post(INGEST_PATH, content=body, headers=headers)
        ids = store.query('SELECT "event.id" FROM security_events').column("event.id").to_pylist()
    finally:
        store.close()
    if stored_id is None:
        assert response.status_code == 400, response.text
        message = response.json()["error"]["message"]
        assert "element 1" in message and "event.id" in message
        assert ids == []  # nothing of a refused request is stored
    else:
        assert response.status_code == 202, response.text
        assert sorted(ids) == sorted(["first", stored_id])

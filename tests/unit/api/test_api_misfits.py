"""Values that did not fit their catalog column (F6) are queryable through the real ingest and query API.

The app runs in process with the real DuckDB store, control DB, ingest pipeline and DQL compiler.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from api_support import SyncClient, sync_client

from seclake.api.app import create_app
from seclake.api.ingest import INGEST_PATH
from seclake.api.query import EXECUTE_PATH
from seclake.control import scopes
from seclake.control.tokens import create_token
from seclake.dql.result import format_timestamp_ns
from seclake.settings import Settings
from seclake.store.duckdb import DB_FILE_NAME, DuckDBStore

NOW = datetime.now(UTC)
SCORES: dict[str, Any] = {"m-text": "high", "m-number": 2.5}  # event.id -> dt.security.risk.score


def _event(event_id: str, score: Any, minutes_ago: int) -> dict[str, Any]:
    ns = int((NOW - timedelta(minutes=minutes_ago)).timestamp() * 1_000_000) * 1_000
    return {
        "timestamp": format_timestamp_ns(ns),
        "event.id": event_id,
        "event.kind": "SECURITY_EVENT",
        "event.type": "VULNERABILITY_FINDING",
        "event.provider": "Microsoft Defender for Cloud",
        "dt.security.risk.score": score,
    }


class Client:
    def __init__(self, http: SyncClient, store: DuckDBStore, token: str) -> None:
        self.http, self.store = http, store
        self.headers = {"Authorization": f"Api-Token {token}"}

    def ingest(self, events: list[dict[str, Any]]) -> None:
        response = self.http.post(
            INGEST_PATH,
            content=orjson.dumps(events),
            headers=self.headers | {"Content-Type": "application/json"},
        )
        assert response.status_code == 202, response.text

    def records(self, dql: str) -> list[dict[str, Any]]:
        response = self.http.post(EXECUTE_PATH, json={"query": dql}, headers=self.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["state"] == "SUCCEEDED", body
        records: list[dict[str, Any]] = body["result"]["records"]
        return records


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    settings = Settings(data_dir=tmp_path)
    _, token = create_token(tmp_path, "admin", sorted(scopes.ALL_SCOPES))
    store = DuckDBStore(tmp_path / DB_FILE_NAME, settings=settings, run_retention=False)
    try:
        with sync_client(create_app(settings, store=store)) as http:
            yield Client(http, store, token)
    finally:
        store.close()


def test_a_string_in_the_double_risk_score_is_found_by_filter_and_shown_next_to_numbers(
    client: Client,
) -> None:
    client.ingest([_event(eid, score, i + 1) for i, (eid, score) in enumerate(SCORES.items())])
    assert client.store.misfit_fields() == {"dt.security.risk.score"}

    found = client.records(
        'fetch security.events | filter dt.security.risk.score == "high" | fields event.id'
    )
    assert [r["event.id"] for r in found] == [eid for eid, s in SCORES.items() if s == "high"]

    rows = client.records("fetch security.events | fields event.id, dt.security.risk.score")
    assert {r["event.id"]: r["dt.security.risk.score"] for r in rows} == SCORES

    numeric = client.records("fetch security.events | filter dt.security.risk.score > 2 | fields event.id")
    assert [r["event.id"] for r in numeric] == ["m-number"]


def test_without_misfits_the_typed_column_alone_answers(client: Client) -> None:
    """A well-typed store tracks nothing, and numbers stay numbers."""
    client.ingest([_event("w-1", 7.5, 1), _event("w-2", 1.0, 2)])
    assert client.store.misfit_fields() == frozenset()
    rows = client.records("fetch security.events | sort event.id | fields dt.security.risk.score")
    assert [r["dt.security.risk.score"] for r in rows] == [7.5, 1.0]

"""Connections in the control DB: created with an ingest-only token, listed, deleted (token revoked at
once, name freed, record kept), and their ingest stats read from a real DuckDB store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from seclake.control import scopes
from seclake.control.connections import (
    DAY_NS,
    STATE_ACTIVE,
    STATE_DELETED,
    ConnectionNotFoundError,
    connection_stats,
    create_connection,
    delete_connection,
    get_connection,
    list_connections,
    new_connection_id,
)
from seclake.control.db import control_path
from seclake.control.tokens import authenticate, create_token, list_tokens
from seclake.errors import InputError
from seclake.settings import Settings
from seclake.store.base import IngestStat
from seclake.store.duckdb import DuckDBStore

MINUTE_NS = 60_000_000_000


def _create(data_dir: Path, name: str = "prod") -> tuple[str, str]:
    record, token = create_connection(
        data_dir,
        connection_id=new_connection_id(),
        name=name,
        subscription_id="a5caac9c-5c04-49af-b3d0-e204f40345d5",
        resource_group="rg",
        location="westeurope",
        url="https://seclake.example.com",
        key_vault=None,
        resources={"namespace": "slk-prod"},
    )
    return record.id, token


def test_create_mints_an_ingest_only_token_bound_to_the_connection(tmp_path: Path) -> None:
    conn_id, token = _create(tmp_path)
    info = authenticate(tmp_path, token)
    assert info is not None
    assert info.scopes == frozenset({scopes.INGEST})
    assert (info.connection_id, info.connection_name) == (conn_id, "prod")
    record = get_connection(tmp_path, conn_id)
    assert record.token_id == info.id
    assert record.state == STATE_ACTIVE and record.deleted_at is None
    assert record.resources == {"namespace": "slk-prod"}
    assert record.to_json()["subscription_id"] == "a5caac9c-5c04-49af-b3d0-e204f40345d5"


def test_names_are_unique_among_active_connections(tmp_path: Path) -> None:
    conn_id, _ = _create(tmp_path)
    with pytest.raises(InputError, match=f"taken by connection {conn_id}"):
        _create(tmp_path)
    assert len(list_connections(tmp_path)) == 1
    assert len(list_tokens(tmp_path)) == 1  # the refused create minted nothing


def test_get_by_id_or_name(tmp_path: Path) -> None:
    conn_id, _ = _create(tmp_path, "by-name")
    assert get_connection(tmp_path, "by-name").id == conn_id
    assert get_connection(tmp_path, conn_id).name == "by-name"
    with pytest.raises(ConnectionNotFoundError, match="no connection with id or name 'nope'"):
        get_connection(tmp_path, "nope")


def test_delete_revokes_at_once_keeps_the_record_and_frees_the_name(tmp_path: Path) -> None:
    conn_id, token = _create(tmp_path)
    _, extra = create_token(tmp_path, "extra", [scopes.INGEST], connection_id=conn_id)
    _, other = create_token(tmp_path, "unrelated", [scopes.INGEST])
    record, revoked = delete_connection(tmp_path, "prod")
    assert record.id == conn_id and record.state == STATE_DELETED and record.deleted_at
    assert record.name == "prod"
    assert len(revoked) == 2
    assert authenticate(tmp_path, token) is None
    assert authenticate(tmp_path, extra) is None
    assert authenticate(tmp_path, other) is not None
    # deleted connections stay listed (their events stay queryable) but can be left out
    assert [r.id for r in list_connections(tmp_path)] == [conn_id]
    assert list_connections(tmp_path, include_deleted=False) == []
    # the name is free again; the deleted one is still found by id
    new_id, _ = _create(tmp_path)
    assert get_connection(tmp_path, "prod").id == new_id
    assert get_connection(tmp_path, conn_id).state == STATE_DELETED
    again, revoked_again = delete_connection(tmp_path, conn_id)
    assert again.deleted_at == record.deleted_at and revoked_again == []


def test_failed_token_creation_leaves_no_connection(tmp_path: Path) -> None:
    _create(tmp_path, "first")
    with sqlite3.connect(control_path(tmp_path)) as db:  # make token inserts fail
        db.execute("CREATE TRIGGER no_tokens BEFORE INSERT ON tokens BEGIN SELECT RAISE(ABORT, 'nope'); END")
    with pytest.raises(Exception, match="nope"):
        _create(tmp_path, "second")
    assert [r.name for r in list_connections(tmp_path)] == ["first"]


def test_stats_window_and_last_event(tmp_path: Path) -> None:
    conn_id, _ = _create(tmp_path)
    record = get_connection(tmp_path, conn_id)
    now = 1_900_000_000 * 1_000_000_000
    rows = [
        IngestStat(now - 2 * DAY_NS, 50, 5000),  # outside the 24 h window
        IngestStat(now - DAY_NS + 5 * MINUTE_NS, 7, 700),
        IngestStat(now - 3 * MINUTE_NS, 3, 300),
        IngestStat(now - MINUTE_NS, 0, 0),
    ]
    calls: list[tuple[str | None, int]] = []

    def fake(connection_id: str | None, since_ns: int) -> list[IngestStat]:
        calls.append((connection_id, since_ns))
        return [r for r in rows if r.minute_ns >= since_ns - since_ns % MINUTE_NS]

    stats = connection_stats(fake, record, now)
    # one call, from the connection's creation (earlier than the window start here) on
    assert len(calls) == 1 and calls[0][0] == conn_id and calls[0][1] < now - DAY_NS
    assert (stats.events_24h, stats.bytes_24h) == (10, 1000)
    assert stats.last_event_minute_ns == now - 3 * MINUTE_NS
    last = datetime.fromtimestamp((now - 3 * MINUTE_NS) / 1e9, tz=UTC)
    assert stats.to_json()["last_event_time"] == last.isoformat().replace("+00:00", "Z")


def test_stats_from_a_real_store_count_only_this_connection(tmp_path: Path) -> None:
    first, _ = _create(tmp_path, "first")
    second, _ = _create(tmp_path, "second")
    clock = [1_900_000_000 * 1_000_000_000]
    store = DuckDBStore(
        tmp_path / "events.duckdb",
        settings=Settings(data_dir=tmp_path),
        run_retention=False,
        clock=lambda: clock[0],
    )
    try:

        def events(n: int, tag: str) -> list[dict[str, object]]:
            return [
                {"event.id": f"{tag}-{i}", "timestamp": clock[0], "event.kind": "SECURITY_EVENT"}
                for i in range(n)
            ]

        store.append(events(4, "a"), connection_id=first, body_bytes=400)
        clock[0] += 10 * MINUTE_NS
        store.append(events(2, "b"), connection_id=first, body_bytes=250)
        store.append(events(5, "c"), connection_id=second, body_bytes=999)
        now = clock[0] + MINUTE_NS
        stats = connection_stats(store.ingest_stats, get_connection(tmp_path, first), now)
        later = connection_stats(store.ingest_stats, get_connection(tmp_path, first), now + DAY_NS)
    finally:
        store.close()
    assert (stats.events_24h, stats.bytes_24h) == (6, 650)
    assert stats.last_event_minute_ns == clock[0] - clock[0] % MINUTE_NS
    assert (later.events_24h, later.last_event_minute_ns) == (0, stats.last_event_minute_ns)

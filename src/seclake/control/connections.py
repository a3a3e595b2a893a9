"""Defender connections in the control database: one row per connection, its token bound to it.

A connection is one Azure subscription exporting to one Event Hub, feeding seclake through its own
ingest-only token (`create_token(..., connection_id=...)`). Rows live in the `connections` table of
`seclake.control.db` (id, name, created_at, details JSON); this module owns `details`:
subscription_id, resource_group, location, url, key_vault, token_id, state, deleted_at, resources (the
Azure resource names, kept so a teardown removes exactly what the setup created) and the original name.

Deleting a connection revokes its tokens at once (the next request with them gets 401), marks it
`deleted` (its events stay in the store and queryable) and frees its name for a new connection: the
unique `name` column becomes `<name> (deleted <id>)` while `details.name` keeps the name as given.

`connection_stats` turns the store's per-minute ingest statistics into what `connection list` shows:
the last minute in which events arrived and the events and bytes of the last 24 hours.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

from seclake.control.db import connect, transaction, utc_now
from seclake.control.scopes import INGEST
from seclake.control.tokens import create_token, revoke_connection_tokens
from seclake.errors import InputError, NotFoundError

__all__ = [
    "STATE_ACTIVE",
    "STATE_DELETED",
    "ConnectionNotFoundError",
    "ConnectionRecord",
    "ConnectionStats",
    "connection_stats",
    "create_connection",
    "delete_connection",
    "get_connection",
    "list_connections",
    "new_connection_id",
]

STATE_ACTIVE = "active"
STATE_DELETED = "deleted"
ID_BYTES = 8  # 16 hex characters, like token ids
DAY_NS = 86_400 * 1_000_000_000
_DETAIL_KEYS = ("subscription_id", "resource_group", "location", "url", "key_vault")


class ConnectionNotFoundError(NotFoundError):
    """No connection with that id (or active connection with that name)."""


@dataclass(frozen=True, slots=True)
class ConnectionRecord:
    """A connection as stored."""

    id: str
    name: str
    created_at: str
    state: str
    deleted_at: str | None
    token_id: str | None
    subscription_id: str
    resource_group: str
    location: str
    url: str
    key_vault: str | None
    resources: Mapping[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.state == STATE_ACTIVE

    def to_json(self) -> dict[str, Any]:
        """JSON-ready view (API answers, `connection list --format json`)."""
        return {
            "id": self.id,
            "name": self.name,
            "state": self.state,
            "created_at": self.created_at,
            "deleted_at": self.deleted_at,
            "token_id": self.token_id,
            "subscription_id": self.subscription_id,
            "resource_group": self.resource_group,
            "location": self.location,
            "url": self.url,
            "key_vault": self.key_vault,
            "resources": dict(self.resources),
        }


def new_connection_id() -> str:
    """A fresh random connection id (16 hex digits)."""
    return secrets.token_hex(ID_BYTES)


def _record(row: tuple[str, str, str, str]) -> ConnectionRecord:
    conn_id, column_name, created_at, details_text = row
    d: dict[str, Any] = orjson.loads(details_text or "{}")
    return ConnectionRecord(
        id=conn_id,
        name=str(d.get("name", column_name)),
        created_at=created_at,
        state=str(d.get("state", STATE_ACTIVE)),
        deleted_at=d.get("deleted_at"),
        token_id=d.get("token_id"),
        subscription_id=str(d.get("subscription_id", "")),
        resource_group=str(d.get("resource_group", "")),
        location=str(d.get("location", "")),
        url=str(d.get("url", "")),
        key_vault=d.get("key_vault"),
        resources={str(k): str(v) for k, v in dict(d.get("resources") or {}).items()},
    )


_SELECT = "SELECT id, name, created_at, details FROM connections"


def _find(conn: sqlite3.Connection, ref: str) -> tuple[str, str, str, str] | None:
    row = conn.execute(_SELECT + " WHERE id = ?", (ref,)).fetchone()
    if row is None:  # by name: only active connections keep their name in the unique column
        row = conn.execute(_SELECT + " WHERE name = ?", (ref,)).fetchone()
    return row  # type: ignore[no-any-return]


def _set_details(
    conn: sqlite3.Connection, conn_id: str, details: Mapping[str, Any], name: str | None
) -> None:
    text = orjson.dumps(dict(details), option=orjson.OPT_SORT_KEYS).decode()
    if name is None:
        conn.execute("UPDATE connections SET details = ? WHERE id = ?", (text, conn_id))
    else:
        conn.execute("UPDATE connections SET details = ?, name = ? WHERE id = ?", (text, name, conn_id))


def create_connection(
    data_dir: Path,
    *,
    connection_id: str,
    name: str,
    subscription_id: str,
    resource_group: str,
    location: str,
    url: str,
    key_vault: str | None = None,
    resources: Mapping[str, str] | None = None,
) -> tuple[ConnectionRecord, str]:
    """Record a connection and mint its ingest-only token; returns the record and the token text.

    InputError when an active connection already has the name. The values are stored as given
    (`seclake.azure.connection_plan.plan_connection` checks them against Azure's rules first).
    """
    name = name.strip()
    details: dict[str, Any] = {
        "name": name,
        "subscription_id": subscription_id,
        "resource_group": resource_group,
        "location": location,
        "url": url,
        "key_vault": key_vault,
        "resources": dict(resources or {}),
        "state": STATE_ACTIVE,
        "deleted_at": None,
        "token_id": None,
    }
    with connect(data_dir) as conn, transaction(conn):
        clash = conn.execute(
            "SELECT id FROM connections WHERE name = ? OR id = ?", (name, connection_id)
        ).fetchone()
        if clash is not None:
            raise InputError(
                f"connection name {name!r} or id {connection_id!r} is taken by connection {clash[0]}"
            )
        conn.execute(
            "INSERT INTO connections (id, name, created_at, details) VALUES (?, ?, ?, '{}')",
            (connection_id, name, utc_now()),
        )
        _set_details(conn, connection_id, details, None)
    try:
        token_record, token = create_token(
            data_dir, f"connection {name}", [INGEST], connection_id=connection_id
        )
    except BaseException:
        with connect(data_dir) as conn:
            conn.execute("DELETE FROM connections WHERE id = ?", (connection_id,))
        raise
    details["token_id"] = token_record.id
    with connect(data_dir) as conn, transaction(conn):
        _set_details(conn, connection_id, details, None)
        row = conn.execute(_SELECT + " WHERE id = ?", (connection_id,)).fetchone()
    return _record(row), token


def list_connections(data_dir: Path, *, include_deleted: bool = True) -> list[ConnectionRecord]:
    """Every connection, oldest first (deleted ones too unless `include_deleted=False`)."""
    with connect(data_dir) as conn:
        rows = conn.execute(_SELECT + " ORDER BY created_at, id").fetchall()
    records = [_record(row) for row in rows]
    return records if include_deleted else [r for r in records if r.active]


def get_connection(data_dir: Path, ref: str) -> ConnectionRecord:
    """A connection by id, or an active one by name; ConnectionNotFoundError otherwise."""
    with connect(data_dir) as conn:
        row = _find(conn, ref)
    if row is None:
        raise ConnectionNotFoundError(f"no connection with id or name {ref!r:.100}")
    return _record(row)


def delete_connection(data_dir: Path, ref: str) -> tuple[ConnectionRecord, list[str]]:
    """Revoke the connection's tokens, mark it deleted, free its name; returns it and the revoked ids.

    Deleting a deleted connection changes nothing (and revokes nothing).
    """
    record = get_connection(data_dir, ref)
    with connect(data_dir) as conn, transaction(conn):  # tokens and state change together, or not at all
        revoked = revoke_connection_tokens(conn, record.id)
        if not record.active:
            return record, revoked
        row = conn.execute(_SELECT + " WHERE id = ?", (record.id,)).fetchone()
        details: dict[str, Any] = orjson.loads(row[3] or "{}")
        details |= {"state": STATE_DELETED, "deleted_at": utc_now(), "name": record.name}
        _set_details(conn, record.id, details, f"{record.name} (deleted {record.id})")
        row = conn.execute(_SELECT + " WHERE id = ?", (record.id,)).fetchone()
    return _record(row), revoked


class IngestStatLike(Protocol):
    """What `EventStore.ingest_stats` returns per minute (seclake.store.base.IngestStat)."""

    @property
    def minute_ns(self) -> int: ...
    @property
    def events(self) -> int: ...
    @property
    def bytes(self) -> int: ...


StatsFn = Callable[[str | None, int], Sequence[IngestStatLike]]


@dataclass(frozen=True, slots=True)
class ConnectionStats:
    """Ingest through one connection: last minute with events, events and bytes of the last 24 h."""

    last_event_minute_ns: int | None
    events_24h: int
    bytes_24h: int

    def to_json(self) -> dict[str, Any]:
        last = self.last_event_minute_ns
        return {
            "last_event_time": None if last is None else _rfc3339(last),
            "events_24h": self.events_24h,
            "bytes_24h": self.bytes_24h,
        }


def _rfc3339(ns: int) -> str:
    return datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _created_ns(record: ConnectionRecord) -> int:
    try:
        created = datetime.fromisoformat(record.created_at.replace("Z", "+00:00"))
    except ValueError:
        return 0
    return int(created.timestamp()) * 1_000_000_000


def connection_stats(stats: StatsFn, record: ConnectionRecord, now_ns: int) -> ConnectionStats:
    """Stats of one connection from the store's `ingest_stats(connection_id, since_ns)` (one call)."""
    day_start = now_ns - DAY_NS
    rows = stats(record.id, min(day_start, _created_ns(record)))
    with_events = [r for r in rows if r.events > 0]
    recent = [r for r in rows if r.minute_ns >= day_start - day_start % 60_000_000_000]
    return ConnectionStats(
        last_event_minute_ns=max((r.minute_ns for r in with_events), default=None),
        events_24h=sum(r.events for r in recent),
        bytes_24h=sum(r.bytes for r in recent),
    )

"""The EventStore protocol every store engine implements, and the values it returns.

The ingest route calls `submit` and answers 202 only when the returned future resolves (the events
are committed and survive a crash); `OverloadedError` from `submit` means 429 + Retry-After, a future
failing with `StorageError` means 503. The query API calls `query` with SQL the DQL compiler produced
over the relation `seclake.store.schema.EVENTS_RELATION`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

__all__ = ["EventStore", "IngestStat"]


@dataclass(frozen=True, slots=True)
class IngestStat:
    """Ingest volume of one minute: events received and request bytes (as received) in it."""

    minute_ns: int  # start of the minute, nanoseconds since the epoch (UTC)
    events: int
    bytes: int

    @property
    def minute(self) -> datetime:
        """Start of the minute as an aware UTC datetime."""
        return datetime.fromtimestamp(self.minute_ns // 1_000_000_000, tz=UTC)


@runtime_checkable
class EventStore(Protocol):
    """Storage of security events (see contract 6 in DEVELOPERS.md / the store's modules)."""

    def submit(
        self, events: Sequence[dict[str, Any]], *, connection_id: str | None, body_bytes: int
    ) -> Future[None]:
        """Queue events for commit; the future resolves once they are durable.

        Raises OverloadedError at once when the writer's bounded queue is full; the future fails with
        StorageError when the commit fails. Events whose event.id is already stored are ignored.
        """
        ...

    def append(self, events: Sequence[dict[str, Any]], *, connection_id: str | None, body_bytes: int) -> None:
        """`submit(...).result()`: returns once the events are committed."""
        ...

    def query(self, sql: str, *, timeout_s: float | None = None) -> pa.Table:
        """Run one read-only SELECT; QueryError on bad SQL, a write statement or the timeout."""
        ...

    def ingest_stats(self, connection_id: str | None, since_ns: int) -> list[IngestStat]:
        """Per-minute ingest volume since `since_ns`, oldest first; None = all connections together."""
        ...

    def count(self) -> int:
        """Number of stored (visible) events."""
        ...

    def misfit_fields(self) -> frozenset[str]:
        """Catalog fields some stored event holds in `__attributes` (its value did not fit the column).

        A superset is allowed (deleted rows may leave names behind); the query API passes it to
        `compile_query(misfit_fields=...)` so such values can be queried. Cheap: no I/O.
        """
        ...

    def healthy(self) -> bool:
        """Whether the store can take writes and answer queries."""
        ...

    def queue_depth(self) -> int:
        """Events accepted by `submit` and not yet committed."""
        ...

    def close(self) -> None:
        """Commit what is queued, stop background work, release the files."""
        ...

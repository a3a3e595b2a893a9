"""Event storage: the EventStore protocol and its engines (DuckDB embedded; ClickHouse at scale)."""

from __future__ import annotations

from collections.abc import Callable

from seclake.errors import ConfigError
from seclake.settings import Settings
from seclake.store.base import EventStore, IngestStat
from seclake.store.duckdb import DB_FILE_NAME, DuckDBStore

__all__ = ["ENGINES", "EventStore", "IngestStat", "open_store"]


def _open_duckdb(settings: Settings) -> EventStore:
    return DuckDBStore(settings.data_dir / DB_FILE_NAME, settings=settings)


ENGINES: dict[str, Callable[[Settings], EventStore]] = {"duckdb": _open_duckdb}


def open_store(settings: Settings) -> EventStore:
    """The event store `settings.store` names, in `settings.data_dir` (DuckDB: events.duckdb)."""
    try:
        opener = ENGINES[settings.store]
    except KeyError:
        raise ConfigError(
            f"setting 'store': unknown engine {settings.store!r}; known: {', '.join(sorted(ENGINES))}"
        ) from None
    return opener(settings)

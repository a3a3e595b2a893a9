"""The `security.events` table layout, derived from the model's field catalog.

One typed column per catalog field, named exactly like the field (`"event.type"`), plus
ATTRIBUTES_COLUMN: a JSON object holding every other field of the event, so any field can be queried.
The DQL compiler and every store implementation read this module; nothing else lists columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from seclake.model import FIELDS, FieldType

EVENTS_RELATION = "security_events"  # the relation DQL's `fetch security.events` reads
ATTRIBUTES_COLUMN = "__attributes"  # JSON object text: fields that are not in the catalog

DUCKDB_TYPES: dict[FieldType, str] = {
    FieldType.STRING: "VARCHAR",
    FieldType.LONG: "BIGINT",
    FieldType.DOUBLE: "DOUBLE",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.TIMESTAMP: "TIMESTAMP_NS",  # UTC, nanoseconds
    FieldType.STRING_ARRAY: "VARCHAR[]",
}

CLICKHOUSE_TYPES: dict[FieldType, str] = {
    FieldType.STRING: "Nullable(String)",
    FieldType.LONG: "Nullable(Int64)",
    FieldType.DOUBLE: "Nullable(Float64)",
    FieldType.BOOLEAN: "Nullable(Bool)",
    FieldType.TIMESTAMP: "Nullable(DateTime64(9, 'UTC'))",
    FieldType.STRING_ARRAY: "Array(String)",
}


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # == the field name
    type: FieldType


COLUMNS: tuple[Column, ...] = tuple(Column(f.name, f.type) for f in FIELDS.values())
COLUMN_TYPES: dict[str, FieldType] = {c.name: c.type for c in COLUMNS}


def _duckdb_columns() -> str:
    """The typed catalog columns, one definition per line (shared by both DDL forms below)."""
    return ",\n  ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in COLUMNS)


def duckdb_ddl(relation: str = EVENTS_RELATION) -> str:
    """A plain table with the query-visible layout (tests and benchmarks insert hand-made rows into it)."""
    cols = _duckdb_columns()
    return f'CREATE TABLE IF NOT EXISTS "{relation}" (\n  {cols},\n  "{ATTRIBUTES_COLUMN}" JSON\n)'


# ── the embedded (DuckDB) store's physical layout ──
# The rows live in STORE_TABLE; EVENTS_RELATION is a view over it that shows exactly the columns above,
# so the hidden ID_HASH_COLUMN (a 64-bit hash of event.id that makes the writer's duplicate check a scan
# of one integer column, see store/duckdb.py) never reaches query results.
STORE_TABLE = "security_events_data"
ID_HASH_COLUMN = "__id_hash"  # UBIGINT: md5_number_lower(event.id), stable across DuckDB versions
INGEST_STATS_TABLE = "ingest_stats"  # one row per committed group and (connection, minute)
NO_CONNECTION = ""  # connection_id stored for events that came without a connection
# Catalog fields of which some stored row keeps a value in ATTRIBUTES_COLUMN instead of its typed column
# (a misfit, see store/rows.py; or a value stored before the field joined the catalog). Written in the
# commit that stores such a row; the query API hands the set to the DQL compiler (F6).
MISFIT_FIELDS_TABLE = "misfit_fields"
MISFIT_FIELDS_DDL = f'CREATE TABLE IF NOT EXISTS "{MISFIT_FIELDS_TABLE}" (name VARCHAR PRIMARY KEY)'


def store_column_names() -> tuple[str, ...]:
    """Every column of STORE_TABLE in order: catalog fields, attributes, id hash."""
    return (*(c.name for c in COLUMNS), ATTRIBUTES_COLUMN, ID_HASH_COLUMN)


def duckdb_store_ddl() -> tuple[str, ...]:
    """Statements that create the DuckDB store's table, view and statistics table (idempotent)."""
    view_cols = ", ".join(f'"{c.name}"' for c in COLUMNS)
    cols = _duckdb_columns()
    return (
        f'CREATE TABLE IF NOT EXISTS "{STORE_TABLE}" (\n  {cols},\n'
        f'  "{ATTRIBUTES_COLUMN}" JSON,\n  "{ID_HASH_COLUMN}" UBIGINT\n)',
        f'CREATE OR REPLACE VIEW "{EVENTS_RELATION}" AS '
        f'SELECT {view_cols}, "{ATTRIBUTES_COLUMN}" FROM "{STORE_TABLE}"',
        f'CREATE TABLE IF NOT EXISTS "{INGEST_STATS_TABLE}" ('
        "connection_id VARCHAR NOT NULL, minute_ns BIGINT NOT NULL, events BIGINT NOT NULL, "
        "bytes BIGINT NOT NULL)",
    )

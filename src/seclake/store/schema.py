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


def duckdb_ddl(relation: str = EVENTS_RELATION) -> str:
    """CREATE TABLE statement for the DuckDB store."""
    cols = ",\n  ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in COLUMNS)
    return f'CREATE TABLE IF NOT EXISTS "{relation}" (\n  {cols},\n  "{ATTRIBUTES_COLUMN}" JSON\n)'

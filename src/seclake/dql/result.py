"""Arrow result table → Grail-shaped query result: flat records plus `types` buckets. Pure.

(The per-value conversion lives in `result_values`; this module shapes records and describes types.)

Records are JSON-ready dicts keyed by the result's (dotted) column names in column order: timestamps
become RFC 3339 strings with nanoseconds and `Z`, durations integer nanoseconds, timeframes
`{"start", "end"}`, structs records, lists arrays. Columns the compiler marks as JSON (`variant`: fields
read from the attributes object, whose type may change per row) are decoded per value.

`types` is a list of buckets `{"indexRange": [first, last], "mappings": {field: descriptor}}`; a new bucket
starts where a field's type changes from one record to the next. Arrays describe their element types as
runs over element positions (`{"type": "array", "types": [{"indexRange": [0, n-1], "mappings":
{"element": ...}}]}`); records describe their fields (`{"type": "record", "types": [{"indexRange": [0, 0],
"mappings": {...}}]}`). A null value takes the type of its neighbours, so nulls never split a bucket.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa

from seclake.dql.result_values import TypeHint, column_values, format_timestamp_ns

__all__ = [
    "QueryResult",
    "TypeHint",
    "format_timestamp_ns",
    "hints_of",
    "shape",
    "to_result",
    "types_buckets",
]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The `result` object of the query API: records, their types buckets, and the column names."""

    records: list[dict[str, Any]]
    types: list[dict[str, Any]]
    columns: list[str]


# ── type descriptors: None (a null: fits anything), a scalar name, an array's runs, a record ──


@dataclass(frozen=True, slots=True)
class ArrDesc:
    runs: tuple[tuple[int, int, Desc], ...]  # (first, last, element type) over element positions


@dataclass(frozen=True, slots=True)
class RecDesc:
    fields: tuple[tuple[str, Desc], ...]


Desc = str | ArrDesc | RecDesc | None


class IncompatibleTypesError(Exception):
    """Two descriptors cannot describe the same bucket."""


def _runs(descs: Sequence[Desc]) -> tuple[tuple[int, int, Desc], ...]:
    runs: list[tuple[int, int, Desc]] = []
    for i, d in enumerate(descs):
        if runs and runs[-1][2] == d:
            runs[-1] = (runs[-1][0], i, d)
        else:
            runs.append((i, i, d))
    return tuple(runs)


def _at(runs: tuple[tuple[int, int, Desc], ...], pos: int) -> tuple[bool, Desc]:
    for first, last, d in runs:
        if first <= pos <= last:
            return True, d
    return False, None


def unify(a: Desc, b: Desc) -> Desc:
    """One descriptor covering both, or IncompatibleTypesError."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    if isinstance(a, ArrDesc) and isinstance(b, ArrDesc):
        cuts = sorted({p for f, la, _ in a.runs + b.runs for p in (f, la + 1)})
        merged: list[Desc] = []
        for lo, hi in itertools.pairwise(cuts):
            (in_a, da), (in_b, db) = _at(a.runs, lo), _at(b.runs, lo)
            if in_a or in_b:
                merged.extend([unify(da, db)] * (hi - lo))
        return ArrDesc(_runs(merged))
    if isinstance(a, RecDesc) and isinstance(b, RecDesc):
        fields = dict(a.fields)
        for name, d in b.fields:
            fields[name] = unify(fields.get(name), d)
        return RecDesc(tuple(fields.items()))
    raise IncompatibleTypesError(f"{render(a)} vs {render(b)}")


def render(desc: Desc) -> dict[str, Any]:
    """A descriptor as Grail's `{"type": ..., "types": [...]}` JSON."""
    if isinstance(desc, ArrDesc):
        types = [
            {"indexRange": [first, last], "mappings": {"element": render(d)}}
            for first, last, d in desc.runs
            if d is not None
        ]
        return {"type": "array", "types": types}
    if isinstance(desc, RecDesc):
        mappings = {name: render(d) for name, d in desc.fields if d is not None}
        return {"type": "record", "types": [{"indexRange": [0, 0], "mappings": mappings}]}
    return {"type": desc}


def describe_json(value: Any) -> Desc:
    """The descriptor of a decoded JSON value (a `json`-hinted column)."""
    if value is None:
        return None
    if isinstance(value, list):
        return ArrDesc(_runs([describe_json(v) for v in value]))
    if isinstance(value, dict):
        return RecDesc(tuple((str(k), describe_json(v)) for k, v in value.items()))
    return _JSON_SCALARS.get(type(value), "string")


_JSON_SCALARS: dict[type, str] = {bool: "boolean", int: "long", float: "double", str: "string"}

_ARROW_SCALARS: tuple[tuple[Callable[[pa.DataType], bool], str], ...] = (
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_integer, "long"),
    (pa.types.is_floating, "double"),
    (lambda t: pa.types.is_decimal(t) and t.scale == 0, "long"),
    (pa.types.is_decimal, "double"),
    (pa.types.is_timestamp, "timestamp"),
    (pa.types.is_date, "timestamp"),
    (pa.types.is_duration, "duration"),
    (lambda t: t == pa.month_day_nano_interval(), "duration"),
    (lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t), "binary"),
)


def describe_arrow(typ: pa.DataType, hint: TypeHint | None = None) -> Callable[[Any], Desc]:
    """value → descriptor for a column of arrow type `typ` (its converted python values)."""
    if hint in ("timeframe", "duration"):
        name = str(hint)
        return lambda _v: name
    if pa.types.is_dictionary(typ):
        return describe_arrow(typ.value_type, hint)
    if pa.types.is_map(typ):
        item = describe_arrow(typ.item_type)
        return lambda v: RecDesc(tuple((k, item(x)) for k, x in (v or {}).items()))
    if pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ):
        element = describe_arrow(typ.value_type)
        return lambda v: ArrDesc(_runs([element(x) for x in (v or ())]))
    if pa.types.is_struct(typ):
        children = [(typ.field(i).name, describe_arrow(typ.field(i).type)) for i in range(typ.num_fields)]
        return lambda v: RecDesc(tuple((n, d(None if v is None else v.get(n))) for n, d in children))
    if pa.types.is_null(typ):
        return lambda _v: None
    scalar = next((name for matches, name in _ARROW_SCALARS if matches(typ)), "string")
    return lambda _v: scalar


# ── types buckets ──


def types_buckets(row_descs: Sequence[Mapping[str, Desc]]) -> list[dict[str, Any]]:
    """Group consecutive rows whose field descriptors agree into `{"indexRange", "mappings"}` buckets."""
    buckets: list[dict[str, Any]] = []
    current: dict[str, Desc] = {}
    start = 0
    for index, row in enumerate(row_descs):
        merged = _unify_rows(current, row) if index > start else dict(row)
        if merged is None:
            buckets.append(_bucket(start, index - 1, current))
            start, merged = index, dict(row)
        current = merged
    if row_descs:
        buckets.append(_bucket(start, len(row_descs) - 1, current))
    return buckets


def _unify_rows(current: Mapping[str, Desc], row: Mapping[str, Desc]) -> dict[str, Desc] | None:
    merged = dict(current)
    try:
        for name, desc in row.items():
            merged[name] = unify(merged.get(name), desc)
    except IncompatibleTypesError:
        return None
    return merged


def _bucket(start: int, end: int, descs: Mapping[str, Desc]) -> dict[str, Any]:
    mappings = {name: render(desc) for name, desc in descs.items() if desc is not None}
    return {"indexRange": [start, end], "mappings": mappings}


def _merge_attributes(records: list[dict[str, Any]], texts: list[Any]) -> list[set[str]]:
    """Lift the keys of the attributes JSON into each record (where the record has no value); per row,
    the names whose value came from the attributes."""
    lifted: list[set[str]] = []
    for record, text in zip(records, texts, strict=True):
        attrs = orjson.loads(text) if isinstance(text, str | bytes) else text
        names = set()
        for key, value in (attrs or {}).items() if isinstance(attrs, dict) else ():
            if record.get(key) is None and value is not None:
                record[key] = value
                names.add(key)
        lifted.append(names)
    return lifted


def to_result(
    table: pa.Table,
    *,
    type_hints: Mapping[str, TypeHint] | None = None,
    attributes_column: str | None = None,
) -> QueryResult:
    """Shape an arrow result table as the query API's `result` (records + types).

    `type_hints`: column -> "json" | "timeframe" | "duration"; `attributes_column`: a JSON-object column
    whose keys become fields of the record (when the record has no value for them) and is dropped.
    """
    hints = type_hints or {}
    names = [n for n in table.column_names if n != attributes_column]
    columns = [column_values(table.column(name), hints.get(name)) for name in names]
    records = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)] if names else []
    if not names:
        records = [{} for _ in range(table.num_rows)]
    lifted: list[set[str]] = [set() for _ in records]
    if attributes_column is not None and attributes_column in table.column_names:
        texts = table.column(attributes_column).cast(pa.string()).to_pylist()
        lifted = _merge_attributes(records, texts)
    describe: dict[str, Callable[[Any], Desc]] = {
        name: describe_json
        if hints.get(name) == "json"
        else describe_arrow(table.schema.field(name).type, hints.get(name))
        for name in names
    }
    row_descs = [
        {
            name: (describe_json(v) if name in own or name not in describe else describe[name](v))
            for name, v in record.items()
        }
        for record, own in zip(records, lifted, strict=True)
    ]
    columns_seen = dict.fromkeys(names)
    for record in records:
        columns_seen.update(dict.fromkeys(record))
    return QueryResult(records=records, types=types_buckets(row_descs), columns=list(columns_seen))


def hints_of(compiled: Any) -> tuple[dict[str, TypeHint], str | None]:
    """(type hints, attributes column) from a `seclake.dql.CompiledQuery`."""
    attributes = getattr(compiled, "attributes_column", None)
    hints: dict[str, TypeHint] = {n: "json" for n in getattr(compiled, "json_columns", ()) if n != attributes}
    for name, typ in getattr(compiled, "output", ()):
        if typ in ("timeframe", "duration", "array<json>"):
            hints[name] = typ
    return hints, attributes


def shape(table: pa.Table, compiled: Any) -> QueryResult:
    """`to_result` with the hints a compiled query gives about its columns."""
    hints, attributes = hints_of(compiled)
    return to_result(table, type_hints=hints, attributes_column=attributes)

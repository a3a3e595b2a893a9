"""Arrow result values → JSON-ready Python values, one converter per arrow type family. Pure.

Timestamps become RFC 3339 strings with nanoseconds and `Z`, durations integer nanoseconds, timeframes
`{"start", "end"}`, structs records, lists arrays; columns the compiler marks as JSON are decoded per value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

TypeHint = str  # "timeframe" | "duration" | "json" | "array<json>"; else: infer from the arrow type
NS_PER_DAY = 86_400_000_000_000
_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def format_timestamp_ns(ns: int) -> str:
    """Nanoseconds since the epoch (UTC) → `2024-05-01T12:00:00.123456789Z`."""
    seconds, frac = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}Z"


# ── value conversion: one function per arrow type family, applied column-wise ──

Converter = Callable[[pa.Array], list[Any]]


def _timestamps(arr: pa.Array) -> list[Any]:
    factor = _UNIT_NS[arr.type.unit]
    ints = arr.cast(pa.int64()).to_pylist()
    return [None if v is None else format_timestamp_ns(v * factor) for v in ints]


def _durations(arr: pa.Array) -> list[Any]:
    factor = _UNIT_NS[arr.type.unit]
    return [None if v is None else v * factor for v in arr.cast(pa.int64()).to_pylist()]


def _intervals(arr: pa.Array) -> list[Any]:
    out: list[Any] = []
    for v in arr.to_pylist():
        # DuckDB INTERVAL → (months, days, nanoseconds); a month counts as 30 days, as DuckDB does.
        out.append(None if v is None else (v.months * 30 + v.days) * NS_PER_DAY + v.nanoseconds)
    return out


def _decimals(arr: pa.Array) -> list[Any]:
    # DuckDB's HUGEINT (e.g. sum of BIGINT) arrives as decimal(38, 0): a whole number stays a long
    as_number = int if arr.type.scale == 0 else float
    return [None if v is None else as_number(v) for v in arr.to_pylist()]


def _lists(arr: pa.Array) -> list[Any]:
    values = convert_array(arr.flatten())
    offsets = arr.offsets.to_pylist()
    valid = arr.is_valid().to_pylist()
    return [values[offsets[i] : offsets[i + 1]] if valid[i] else None for i in range(len(arr))]


def _structs(arr: pa.Array) -> list[Any]:
    names = [arr.type.field(i).name for i in range(arr.type.num_fields)]
    children = [convert_array(arr.field(i)) for i in range(len(names))]
    valid = arr.is_valid().to_pylist()
    return [
        dict(zip(names, (child[i] for child in children), strict=True)) if valid[i] else None
        for i in range(len(arr))
    ]


def _maps(arr: pa.Array) -> list[Any]:
    keys = convert_array(arr.keys)
    items = convert_array(arr.items)
    offsets = arr.offsets.to_pylist()
    valid = arr.is_valid().to_pylist()
    return [
        {str(keys[j]): items[j] for j in range(offsets[i], offsets[i + 1])} if valid[i] else None
        for i in range(len(arr))
    ]


def _json_values(arr: pa.Array) -> list[Any]:
    return [None if v is None else orjson.loads(v) for v in arr.cast(pa.string()).to_pylist()]


def _plain(arr: pa.Array) -> list[Any]:
    return list(arr.to_pylist())


_CONVERTERS: tuple[tuple[Callable[[pa.DataType], bool], Converter], ...] = (
    (pa.types.is_timestamp, _timestamps),
    (pa.types.is_date, lambda a: _timestamps(a.cast(pa.timestamp("s")))),
    (pa.types.is_duration, _durations),
    (lambda t: t == pa.month_day_nano_interval(), _intervals),
    (pa.types.is_decimal, _decimals),
    (pa.types.is_map, _maps),  # before lists: a map is a list of entries in arrow
    (lambda t: pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t), _lists),
    (pa.types.is_struct, _structs),
    (pa.types.is_dictionary, lambda a: convert_array(a.dictionary_decode())),
)


def convert_array(arr: pa.Array | pa.ChunkedArray) -> list[Any]:
    """An arrow array → JSON-ready python values (see the module docstring for the encodings)."""
    if isinstance(arr, pa.ChunkedArray):
        return [v for chunk in arr.chunks for v in convert_array(chunk)]
    if pa.types.is_fixed_size_list(arr.type):
        arr = arr.cast(pa.list_(arr.type.value_type))
    for matches, converter in _CONVERTERS:
        if matches(arr.type):
            return converter(arr)
    return _plain(arr)


def column_values(column: pa.ChunkedArray, hint: TypeHint | None) -> list[Any]:
    if hint == "json":
        return [v for chunk in column.chunks for v in _json_values(chunk)]
    values = convert_array(column)
    if hint == "array<json>":  # a list of JSON texts: decode each element
        return [None if v is None else [None if x is None else orjson.loads(x) for x in v] for v in values]
    return values

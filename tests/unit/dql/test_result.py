"""Result shaping: arrow tables (from a real DuckDB) → Grail records and types buckets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from golden_util import GOLDEN_ROOT, assert_golden_json
from seclake.dql.result import format_timestamp_ns, to_result

GOLDEN = GOLDEN_ROOT / "dql-api"


def _arrow(sql: str) -> pa.Table:
    con = duckdb.connect()
    try:
        return con.sql(sql).arrow().read_all()
    finally:
        con.close()


@given(st.integers(min_value=-(2**62), max_value=2**62))
@settings(max_examples=200, deadline=None)
def test_timestamps_round_trip_with_nanoseconds(ns: int) -> None:
    text = format_timestamp_ns(ns)
    assert text.endswith("Z") and len(text.split(".")[1]) == 10  # 9 digits + Z
    whole, frac = text[:-1].split(".")
    seconds = datetime.fromisoformat(whole).replace(tzinfo=UTC).timestamp()
    assert int(seconds) * 1_000_000_000 + int(frac) == ns


def test_records_keep_column_order_and_encode_every_type() -> None:
    table = _arrow(
        "SELECT 'a' AS \"event.type\", 42::BIGINT AS n, 1.5 AS d, true AS b, "
        "TIMESTAMP_NS '2024-05-01 12:00:00.123456789' AS ts, ['x', NULL] AS tags, "
        "{'k': 1, 'when': TIMESTAMP '2024-01-02 03:04:05'} AS rec, INTERVAL 90 MINUTE AS dur, "
        "1.25::DECIMAL(6,2) AS dec, NULL::VARCHAR AS missing"
    )
    result = to_result(table)
    assert result.columns == ["event.type", "n", "d", "b", "ts", "tags", "rec", "dur", "dec", "missing"]
    [record] = result.records
    assert list(record) == result.columns
    assert record["ts"] == "2024-05-01T12:00:00.123456789Z"
    assert record["rec"] == {"k": 1, "when": "2024-01-02T03:04:05.000000000Z"}
    assert record["dur"] == 90 * 60 * 1_000_000_000
    assert record["tags"] == ["x", None] and record["dec"] == 1.25 and record["missing"] is None
    [bucket] = result.types
    assert bucket["indexRange"] == [0, 0]
    mappings = bucket["mappings"]
    assert {k: v["type"] for k, v in mappings.items()} == {
        "event.type": "string",
        "n": "long",
        "d": "double",
        "b": "boolean",
        "ts": "timestamp",
        "tags": "array",
        "rec": "record",
        "dur": "duration",
        "dec": "double",
        "missing": "string",
    }
    assert mappings["rec"]["types"][0]["mappings"]["when"] == {"type": "timestamp"}
    orjson.dumps({"records": result.records, "types": result.types})  # JSON-ready


def test_typed_columns_give_one_bucket_however_nulls_and_lengths_vary() -> None:
    table = _arrow(
        "SELECT * FROM (VALUES (1, ['a']), (NULL, NULL), (3, ['a', 'b', 'c']), (4, [])) t(n, tags)"
    )
    result = to_result(table)
    assert len(result.types) == 1
    bucket = result.types[0]
    assert bucket["indexRange"] == [0, 3]
    assert bucket["mappings"]["n"] == {"type": "long"}
    # element types over the longest array seen in the bucket
    assert bucket["mappings"]["tags"]["types"] == [
        {"indexRange": [0, 2], "mappings": {"element": {"type": "string"}}}
    ]


def test_json_columns_start_a_bucket_where_the_type_changes() -> None:
    values = ['"a"', '"b"', "null", "7", "8", '"c"', '[1, "x"]', '{"k": true}']
    rows = ", ".join(f"({i}, '{v}')" for i, v in enumerate(values))
    table = _arrow(f"SELECT i, v::JSON AS v FROM (VALUES {rows}) t(i, v) ORDER BY i")
    result = to_result(table, type_hints={"v": "json"})
    assert [r["v"] for r in result.records] == ["a", "b", None, 7, 8, "c", [1, "x"], {"k": True}]
    ranges = [(b["indexRange"], b["mappings"]["v"]["type"]) for b in result.types]
    # the null joins its neighbours' bucket; every change of type starts a new one
    assert ranges == [
        ([0, 2], "string"),
        ([3, 4], "long"),
        ([5, 5], "string"),
        ([6, 6], "array"),
        ([7, 7], "record"),
    ]
    array_types = result.types[3]["mappings"]["v"]["types"]
    assert array_types == [
        {"indexRange": [0, 0], "mappings": {"element": {"type": "long"}}},
        {"indexRange": [1, 1], "mappings": {"element": {"type": "string"}}},
    ]


def test_timeframe_hint_and_empty_result() -> None:
    table = _arrow(
        "SELECT {'start': TIMESTAMP_NS '2024-05-01 00:00:00', 'end': TIMESTAMP_NS '2024-05-02 00:00:00'} AS timeframe,"
        ' INTERVAL 1 DAY AS interval, [1, NULL, 3]::BIGINT[] AS "count()"'
    )
    result = to_result(table, type_hints={"timeframe": "timeframe"})
    assert result.records[0]["timeframe"] == {
        "start": "2024-05-01T00:00:00.000000000Z",
        "end": "2024-05-02T00:00:00.000000000Z",
    }
    assert result.types[0]["mappings"]["timeframe"] == {"type": "timeframe"}
    assert result.types[0]["mappings"]["interval"] == {"type": "duration"}
    empty = to_result(_arrow("SELECT 1 AS a WHERE false"))
    assert empty.records == [] and empty.types == [] and empty.columns == ["a"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=2),
    max_leaves=6,
)


@given(st.lists(json_values, max_size=25))
@settings(max_examples=150, deadline=None)
def test_buckets_partition_the_records_and_agree_with_each_value(values: list[Any]) -> None:
    texts = pa.array([None if v is None else orjson.dumps(v).decode() for v in values], type=pa.string())
    result = to_result(pa.table({"v": texts}), type_hints={"v": "json"})
    assert [r["v"] for r in result.records] == values
    expected_start = 0
    for bucket in result.types:
        first, last = bucket["indexRange"]
        assert first == expected_start and last >= first
        expected_start = last + 1
        for value in values[first : last + 1]:
            if value is not None:
                assert bucket["mappings"]["v"]["type"] == _kind(value)
    assert expected_start == len(values)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {int: "long", str: "string", list: "array", dict: "record", float: "double"}[type(value)]


def test_result_golden() -> None:
    table = _arrow(
        "SELECT * FROM (VALUES ('CVE-1', 3, TIMESTAMP_NS '2024-05-01 10:00:00.5', ['sha256:a']),"
        " ('CVE-2', NULL, TIMESTAMP_NS '2024-05-01 11:00:00', ['sha256:b', 'sha256:c']))"
        ' t("vulnerability.id", images, "timestamp", digests) ORDER BY 1'
    )
    result = to_result(table)
    assert_golden_json(Path(GOLDEN / "result_basic.json"), {"records": result.records, "types": result.types})

"""The reference evaluator follows dql.md: each test states a rule and checks it on small data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from seclake.dql.reference import run_query, to_json_records, typed_records
from seclake.dql.result import format_timestamp_ns

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _ts(minutes_ago: float) -> str:
    ns = int((NOW - timedelta(minutes=minutes_ago)).timestamp() * 1e9)
    return format_timestamp_ns(ns)


def q(text: str, rows: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
    return to_json_records(run_query(text, typed_records(rows), now=NOW, **kw))


ROWS = [
    {"timestamp": _ts(10), "a": 1, "s": "Alpha", "b": True, "arr": [1, 2]},
    {"timestamp": _ts(20), "a": 2, "s": "beta", "b": False, "arr": []},
    {"timestamp": _ts(30), "a": None, "s": "alphabet", "b": None},
    {"timestamp": _ts(40), "a": "2", "s": None, "b": True, "arr": [3]},
]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("false and null", False),
        ("true or null", True),
        ("true and null", None),
        ("false or null", None),
        ("not null", None),
        ("null == null", None),
        ("1 == null", None),
        ("1 != null", None),
        ('1 == "1"', False),  # incompatible types: false
        ('1 != "1"', True),  # ... and != gives true
        ('1 < "2"', False),
        ("1 == 1.0", True),
        ("true xor false", True),
        ("true xor null", None),
        ('"a" == "A"', False),  # case-sensitive
        ("7 % 3", 1),
        ("1 / 0", None),
        ("2 * 3 + 1", 7),
        ('contains("Alpha", "alp")', False),
        ('contains("Alpha", "alp", caseSensitive: false)', True),
        ('matchesValue("Alpha", "alpha")', True),  # case-insensitive by default
        ('matchesValue("Alpha", "al*")', True),
        ('matchesValue("Alpha", "lph")', False),
        ('matchesPhrase("connection timed out", "TIMED out")', True),
        ('matchesPhrase("connection timed out", "med ou")', False),
        ('startsWith("Alpha", "Al")', True),
        ('endsWith("Alpha", "A")', False),
        ('in("b", {"a", "b"})', True),
        ('in("c", {"a", "b"})', False),
        ("in(null, {1})", None),
        ("coalesce(null, null, 3)", 3),
        ('if(1 > 2, "x", else: "y")', "y"),
        ('if(null, "x")', None),
        ("isTrueOrNull(null)", True),
        ("isFalseOrNull(true)", False),
        ('toLong("42")', 42),
        ('toDouble("2.5")', 2.5),
        ("toString(true)", "true"),
        ("round(2.5)", 3),
        ("round(-2.5)", -3),
        ("round(2.345, decimals: 2)", 2.35),
        ('concat("a", 1, null, "b")', "a1b"),
        ('splitString("a,b", ",")', ["a", "b"]),
        ("arraySize(array(1, 2, 3))", 3),
        ('jsonPath("{\\"a\\": {\\"b\\": [5, 6]}}", "$.a.b[1]")', 6),
        ("record(x = 1, y = 2)[y]", 2),
        ("array(10, 20)[1]", 20),
        ("iAny(array(1, 5)[] > 4)", True),
        ("iAll(array(1, 5)[] > 4)", False),
        ("iAny(array(1, null)[] > 4)", None),
        ('lower("AbC")', "abc"),
    ],
)
def test_expressions(expr: str, expected: Any) -> None:
    [row] = q(f"fetch security.events | limit 1 | fields v = {expr}", ROWS)
    assert row["v"] == expected


def test_filter_keeps_only_true_and_filter_out_drops_only_true() -> None:
    kept = q("fetch security.events | filter b", ROWS)
    dropped = q("fetch security.events | filterOut b", ROWS)
    assert [r["a"] for r in kept] == [1, "2"]
    assert [r["a"] for r in dropped] == [2, None]  # null is not TRUE: filterOut keeps it


def test_fetch_uses_the_query_timeframe_then_the_request_default() -> None:
    assert len(q("fetch security.events, from: now() - 25m", ROWS)) == 2
    assert len(q("fetch security.events, from: now() - 35m, to: now() - 15m", ROWS)) == 2
    narrow = q("fetch security.events", ROWS, default_from=NOW - timedelta(minutes=15), default_to=NOW)
    assert [r["a"] for r in narrow] == [1]
    old = [{"timestamp": _ts(60 * 3), "a": 9}]
    assert q("fetch security.events", old) == []  # default: the last 2 hours


def test_sort_ascending_by_default_and_nulls_last_both_ways() -> None:
    rows = [{"timestamp": _ts(i + 1), "k": k} for i, k in enumerate([2, None, 1, 3])]
    assert [r.get("k") for r in q("fetch security.events | sort k", rows)] == [1, 2, 3, None]
    assert [r.get("k") for r in q("fetch security.events | sort k desc", rows)] == [3, 2, 1, None]


def test_dedup_keeps_the_first_record_per_key_in_the_sort_order() -> None:
    rows = [
        {"timestamp": _ts(5), "id": "x", "state": "new"},
        {"timestamp": _ts(50), "id": "x", "state": "old"},
        {"timestamp": _ts(7), "id": None, "state": "n1"},
        {"timestamp": _ts(8), "id": None, "state": "n2"},
    ]
    latest = q("fetch security.events | dedup {id}, sort: {timestamp desc} | fields id, state", rows)
    assert sorted(latest, key=str) == sorted(
        [{"id": "x", "state": "new"}, {"id": None, "state": "n1"}], key=str
    )
    oldest = q(
        'fetch security.events | dedup id, sort: {timestamp asc} | filter id == "x" | fields state', rows
    )
    assert oldest == [{"state": "old"}]


def test_summarize_aggregations_and_groups() -> None:
    rows = [
        {"timestamp": _ts(i + 1), "g": g, "v": v}
        for i, (g, v) in enumerate([("a", 1), ("a", 3), ("b", None), (None, 5)])
    ]
    out = q(
        "fetch security.events | summarize {n = count(), s = sum(v), m = avg(v), d = countDistinctExact(v),"
        " big = countIf(v > 2), lo = min(v), hi = max(v)}, by: {g} | sort g",
        rows,
    )
    assert out == [
        {"g": "a", "n": 2, "s": 4, "m": 2.0, "d": 2, "big": 1, "lo": 1, "hi": 3},
        {"g": "b", "n": 1, "s": None, "m": None, "d": 0, "big": 0, "lo": None, "hi": None},
        {"g": None, "n": 1, "s": 5, "m": 5.0, "d": 1, "big": 1, "lo": 5, "hi": 5},
    ]
    assert q("fetch security.events | filter false | summarize n = count()", rows) == [{"n": 0}]
    assert q("fetch security.events | filter false | summarize n = count(), by: {g}", rows) == []


def test_fields_commands() -> None:
    rows = [{"timestamp": _ts(1), "a.x": 1, "a.y": 2, "b": 3}]
    assert q("fetch security.events | fields b, c = b + 1", rows) == [{"b": 3, "c": 4}]
    assert set(q("fetch security.events | fieldsRemove a.*", rows)[0]) == {"timestamp", "b"}
    assert q("fetch security.events | fieldsKeep a.*", rows) == [{"a.x": 1, "a.y": 2}]
    assert q("fetch security.events | fieldsKeep b | fieldsRename c = b", rows) == [{"c": 3}]
    assert q("fetch security.events | fieldsKeep b | fieldsAdd b = b * 2, d = 1", rows) == [{"b": 6, "d": 1}]


def test_expand_gives_one_row_per_element() -> None:
    out = q("fetch security.events | expand arr | fields a, arr", ROWS)
    assert out == [{"a": 1, "arr": 1}, {"a": 1, "arr": 2}, {"a": "2", "arr": 3}]
    assert len(q("fetch security.events | expand arr, limit: 1", ROWS)) == 2


def test_parse_json_lookup_join_append() -> None:
    rows = [
        {"timestamp": _ts(1), "k": "a", "raw": '{"x": {"y": 1}}'},
        {"timestamp": _ts(2), "k": "b", "raw": "not json"},
        {"timestamp": _ts(3), "k": "c", "v": 10},
    ]
    parsed = q('fetch security.events | parse raw, "JSON:j" | fields k, y = j[x][y]', rows)
    assert parsed[:2] == [{"k": "a", "y": 1}, {"k": "b", "y": None}]
    sub = "[fetch security.events | filter isNotNull(v) | fields key = k, v]"
    looked = q(f"fetch security.events | fields k | lookup {sub}, sourceField: k, lookupField: key", rows)
    assert looked == [{"k": "a"}, {"k": "b"}, {"k": "c", "lookup.key": "c", "lookup.v": 10}]
    joined = q(
        f"fetch security.events | fields k | join {sub}, on: {{left[k] == right[key]}}, fields: {{v}}", rows
    )
    assert joined == [{"k": "c", "right.v": 10}]
    outer = q(
        f"fetch security.events | fields k | join {sub}, on: {{left[k] == right[key]}}, kind: leftOuter", rows
    )
    assert len(outer) == 3
    appended = q("fetch security.events | fields k | append [fetch security.events | fields k]", rows)
    assert len(appended) == 6


def test_make_timeseries_bins_over_the_query_timeframe() -> None:
    rows = [{"timestamp": _ts(m), "g": g} for m, g in [(5, "a"), (65, "a"), (70, "b"), (200, "a")]]
    out = q(
        "fetch security.events, from: now() - 3h | makeTimeseries n = count(), by: {g}, interval: 1h | sort g",
        rows,
    )
    start = format_timestamp_ns(int((NOW - timedelta(hours=3)).timestamp() * 1e9))
    end = format_timestamp_ns(int(NOW.timestamp() * 1e9))
    assert out == [
        {
            "g": "a",
            "timeframe": {"start": start, "end": end},
            "interval": 3_600_000_000_000,
            "n": [None, 1, 1],
        },
        {
            "g": "b",
            "timeframe": {"start": start, "end": end},
            "interval": 3_600_000_000_000,
            "n": [None, 1, None],
        },
    ]


def test_the_docs_iany_example_shape() -> None:
    rows = [
        {"timestamp": _ts(m), "vulnerability.id": v, "object.id": o}
        for m, v, o in [(5, "CVE-1", "i1"), (60 * 30, "CVE-1", "i2"), (10, "CVE-2", "i3")]
    ]
    out = q(
        "fetch security.events, from: now() - 7d | summarize {n = count(), ev = collectArray(record(object.id = object.id,"
        " ingest_time = timestamp))}, by: {vulnerability.id} | filterOut iAny(ev[][ingest_time] < now() - 24h)"
        " | expand ev | sort ev[ingest_time] desc",
        rows,
    )
    assert [(r["vulnerability.id"], r["ev"]["object.id"]) for r in out] == [("CVE-2", "i3")]

"""Regressions for /tmp/dql-findings.md (F1-F10, A1, A3) and takeFirst/takeLast after a sort.

Every case runs the compiled SQL on a real DuckDB store (`DuckDBStore.append`, so misfit catalog
values land in `__attributes` exactly as the store puts them) and checks the decoded result.
Expected values are written out from the events below, by DQL's rules (see the module docstrings of
seclake.dql.functions_agg, seclake.dql.misfits and seclake.dql.commands_fields).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from seclake.dql import DQLError, compile_query
from seclake.settings import Settings
from seclake.store.duckdb import DuckDBStore

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _ts(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000000000Z")


EVENTS: list[dict[str, Any]] = [
    {
        "event.id": "e1",
        "timestamp": _ts(10),
        "event.type": "VULNERABILITY_FINDING",
        "object.id": "img1",
        "container_image.tags": ["a", "b"],
        "dt.security.risk.score": "high",  # a misfit: kept in __attributes by the store
        "dt.custom.note": "n1",
        "custom.mixed": [1, 2],
        "custom.n": 2,
        "custom.s": "b",
        "custom.t": "q",
    },
    {
        "event.id": "e2",
        "timestamp": _ts(20),
        "event.type": "DETECTION_FINDING",
        "object.id": "vm1",
        "container_image.tags": [],
        "dt.security.risk.score": 2.5,
        "custom.mixed": "x",
        "custom.n": 0.5,
        "custom.s": "A",
        "custom.t": None,  # an explicit JSON null
    },
    {
        "event.id": "e3",
        "timestamp": _ts(30),
        "event.type": "DETECTION_FINDING",
        "custom.n": "a",
    },
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBStore]:
    path = Path(tmp_path_factory.mktemp("dql_regressions")) / "events.duckdb"
    with DuckDBStore(path, settings=Settings(data_dir=path.parent), run_retention=False) as s:
        s.append(EVENTS, connection_id=None, body_bytes=1)
        yield s


def run(store: DuckDBStore, text: str, **kw: Any) -> list[dict[str, Any]]:
    """Compile, run, and decode JSON columns (the attributes column is dropped)."""
    cq = compile_query(
        text, dialect="duckdb", now=NOW, default_from=NOW - timedelta(hours=2), default_to=NOW, **kw
    )
    rows = store.query(cq.sql, timeout_s=30).to_pylist()
    out = []
    for row in rows:
        record = {}
        for name, raw in row.items():
            if name == cq.attributes_column:
                continue
            value = raw
            if name in cq.json_columns and raw is not None:
                value = json.loads(raw)
            elif dict(cq.output).get(name) == "array<json>" and raw is not None:
                value = [None if v is None else json.loads(v) for v in raw]
            record[name] = value
        out.append(record)
    return out


def attributes(store: DuckDBStore, text: str, **kw: Any) -> list[dict[str, Any]]:
    cq = compile_query(text, dialect="duckdb", now=NOW, default_from=None, default_to=None, **kw)
    assert cq.attributes_column is not None
    rows = store.query(cq.sql).to_pylist()
    return [json.loads(r[cq.attributes_column] or "{}") for r in rows]


# ── F1: fieldsRemove / fieldsKeep with wildcards, on typed columns and attributes ──


def test_f1_fields_remove_wildcard_drops_columns_and_attribute_keys(store: DuckDBStore) -> None:
    q = 'fetch security.events | filter event.id == "e1" | fieldsRemove dt.*, custom.mixed'
    cq = compile_query(q, dialect="duckdb", now=NOW, default_from=None, default_to=None)
    assert not [n for n, _ in cq.output if n.startswith("dt.")]
    (attrs,) = attributes(store, q)
    assert attrs == {"custom.n": 2, "custom.s": "b", "custom.t": "q"}  # dt.* misfit/custom keys gone


def test_f1_fields_keep_wildcard_keeps_matching_attribute_keys(store: DuckDBStore) -> None:
    q = 'fetch security.events | filter event.id == "e2" | fieldsKeep event.id, custom.m*'
    cq = compile_query(q, dialect="duckdb", now=NOW, default_from=None, default_to=None)
    assert [n for n, _ in cq.output] == ["event.id"]
    assert attributes(store, q) == [{"custom.mixed": "x"}]


# ── F2 countIf, A3 collect* over nothing ──


def test_f2_count_if_without_a_match_is_zero(store: DuckDBStore) -> None:
    rows = run(
        store,
        'fetch security.events | summarize {n = countIf(custom.s == "zz"), m = countIf(custom.nothing)}',
    )
    assert rows == [{"n": 0, "m": 0}]
    rows = run(store, 'fetch security.events | summarize n = countIf(custom.s == "b"), by: {event.type}')
    assert {r["event.type"]: r["n"] for r in rows} == {"VULNERABILITY_FINDING": 1, "DETECTION_FINDING": 0}


def test_a3_collect_over_no_values_is_an_empty_array(store: DuckDBStore) -> None:
    rows = run(
        store,
        "fetch security.events | summarize {a = collectArray(custom.none), d = collectDistinct(object.id)}, "
        "by: {event.type} | sort event.type",
    )
    assert rows == [
        {"event.type": "DETECTION_FINDING", "a": [], "d": ["vm1"]},
        {"event.type": "VULNERABILITY_FINDING", "a": [], "d": ["img1"]},
    ]


# ── F3, F4 expand ──


def test_f3_expand_of_a_mixed_attribute_keeps_non_arrays(store: DuckDBStore) -> None:
    rows = run(store, "fetch security.events | expand custom.mixed | fields event.id, custom.mixed")
    assert sorted((r["event.id"], json.dumps(r["custom.mixed"])) for r in rows) == [
        ("e1", "1"),
        ("e1", "2"),
        ("e2", '"x"'),
    ]  # e3 has no value: no row


def test_f4_expand_twice_passes_the_scalar_through(store: DuckDBStore) -> None:
    once = run(
        store, "fetch security.events | expand container_image.tags | fields event.id, container_image.tags"
    )
    twice = run(
        store,
        "fetch security.events | expand container_image.tags | expand container_image.tags "
        "| fields event.id, container_image.tags",
    )
    assert sorted(twice, key=str) == sorted(once, key=str)
    assert sorted(r["container_image.tags"] for r in once) == ["a", "b"]


# ── F5, F5b, F9: mixed branch types compile to JSON ──


def test_f5_if_and_coalesce_with_mixed_types(store: DuckDBStore) -> None:
    text = (
        "fetch security.events | fields event.id, v = if(isNull(object.id), 1, else: object.id), "
        'w = coalesce(custom.s, 2.5), x = if(event.type == "a", custom.s, else: "z"), '
        "y = coalesce(custom.n, object.id) | sort event.id"
    )
    cq = compile_query(text, dialect="duckdb", now=NOW, default_from=NOW - timedelta(hours=2), default_to=NOW)
    assert {"v", "w", "x", "y"} <= cq.json_columns
    assert run(store, text) == [
        {"event.id": "e1", "v": "img1", "w": "b", "x": "z", "y": 2},
        {"event.id": "e2", "v": "vm1", "w": "A", "x": "z", "y": 0.5},
        {"event.id": "e3", "v": 1, "w": 2.5, "x": "z", "y": "a"},
    ]


def test_same_type_branches_stay_typed(store: DuckDBStore) -> None:
    cq = compile_query(
        'fetch security.events | fields v = if(isNull(object.id), "none", else: object.id), n = coalesce(1, 2.5)',
        dialect="duckdb",
        now=NOW,
        default_from=None,
        default_to=None,
    )
    assert cq.output == [("v", "string"), ("n", "double")] and not cq.json_columns
    assert "TO_JSON" not in cq.sql.upper()


# ── F6: misfit catalog values ──


def test_f6_misfit_values_are_read_when_the_store_reports_them(store: DuckDBStore) -> None:
    misfits = store.misfit_fields()  # tracked by the store as it writes
    assert misfits == {"dt.security.risk.score"}
    rows = run(
        store,
        "fetch security.events | fields event.id, v = dt.security.risk.score | sort event.id",
        misfit_fields=misfits,
    )
    assert rows == [
        {"event.id": "e1", "v": "high"},
        {"event.id": "e2", "v": 2.5},
        {"event.id": "e3", "v": None},
    ]
    rows = run(
        store,
        'fetch security.events | filter dt.security.risk.score == "high" | fields event.id',
        misfit_fields=misfits,
    )
    assert rows == [{"event.id": "e1"}]
    rows = run(
        store,
        "fetch security.events | filter dt.security.risk.score > 1 | fields event.id",
        misfit_fields=misfits,
    )
    assert rows == [{"event.id": "e2"}]


def test_f6_fields_remove_of_a_misfit_field_drops_its_attribute_too(store: DuckDBStore) -> None:
    q = 'fetch security.events | filter event.id == "e1" | fieldsRemove dt.security.risk.score'
    (attrs,) = attributes(store, q, misfit_fields={"dt.security.risk.score"})
    assert "dt.security.risk.score" not in attrs and attrs["custom.s"] == "b"


def test_f6_without_misfits_the_sql_reads_typed_columns_only(store: DuckDBStore) -> None:
    text = (
        "fetch security.events | filter dt.security.risk.score > 1 | fields event.id, dt.security.risk.score"
    )
    cq = compile_query(text, dialect="duckdb", now=NOW, default_from=None, default_to=None)
    assert "__attributes" not in cq.sql and "JSON" not in cq.sql.upper()
    assert run(store, text) == [{"event.id": "e2", "dt.security.risk.score": 2.5}]


# ── F7 min/max/collectDistinct over attributes, F8 arraySize, F10 JSON null ──


def test_f7_min_max_over_mixed_attribute_values(store: DuckDBStore) -> None:
    rows = run(
        store,
        "fetch security.events | summarize {b = min(custom.n), c = max(custom.s), d = max(custom.n), "
        "e = collectDistinct(custom.s), f = min(custom.s)}",
    )
    (row,) = rows
    # numbers < strings (the order of `sort`); numbers compare numerically, strings case-sensitively
    assert (row["b"], row["c"], row["d"], row["f"]) == (0.5, "b", "a", "A")
    assert sorted(row["e"]) == ["A", "b"]


def test_f8_array_size_counts_elements_only(store: DuckDBStore) -> None:
    rows = run(
        store,
        "fetch security.events | fields event.id, m = arraySize(custom.mixed), t = arraySize(container_image.tags), "
        "s = arraySize(event.type) | sort event.id",
    )
    assert rows == [
        {"event.id": "e1", "m": 2, "t": 2, "s": None},
        {"event.id": "e2", "m": None, "t": 0, "s": None},
        {"event.id": "e3", "m": None, "t": None, "s": None},
    ]


def test_f10_explicit_json_null_is_null(store: DuckDBStore) -> None:
    rows = run(store, "fetch security.events | summarize n = count(), by: {custom.t}")
    assert sorted(rows, key=lambda r: str(r["custom.t"])) == [
        {"custom.t": None, "n": 2},
        {"custom.t": "q", "n": 1},
    ]
    assert run(store, "fetch security.events | filter isNull(custom.t) | summarize n = count()") == [{"n": 2}]


# ── A1 makeTimeseries empty bins ──


def test_a1_make_timeseries_empty_bins(store: DuckDBStore) -> None:
    (row,) = run(
        store,
        "fetch security.events | makeTimeseries {n = count(), m = max(dt.security.risk.score)}, interval: 30m",
    )
    assert row["n"] == [0, 0, 0, 3] and row["m"] == [None, None, None, 2.5]


# ── takeFirst / takeLast follow a preceding sort ──


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_take_first_and_last_follow_the_sort(store: DuckDBStore, direction: str) -> None:
    ids = sorted(e["event.id"] for e in EVENTS)
    ordered = ids if direction == "asc" else ids[::-1]
    rows = run(
        store,
        f"fetch security.events | sort event.id {direction} | summarize {{f = takeFirst(event.id), "
        f"l = takeLast(event.id), s = takeFirst(custom.s), a = collectArray(event.id)}}",
    )
    first_s = next(e.get("custom.s") for e in EVENTS if e["event.id"] == ordered[0])
    assert rows == [{"f": ordered[0], "l": ordered[-1], "s": first_s, "a": ordered}]


def test_take_first_after_sort_in_clickhouse_uses_row_numbers() -> None:
    cq = compile_query(
        "fetch security.events | sort timestamp desc | summarize f = takeFirst(event.id), by: {event.type}",
        dialect="clickhouse",
        now=NOW,
        default_from=None,
        default_to=None,
    )
    assert "ROW_NUMBER() OVER (ORDER BY" in cq.sql and 'argMin("event.id", "__rn")' in cq.sql
    sqlglot.parse_one(cq.sql, read="clickhouse")


# ── P1: dedup carries only the fields later commands read (DuckDB: GROUP BY + arg_max_null) ──


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("timestamp desc", {"VULNERABILITY_FINDING": ("e1", 2), "DETECTION_FINDING": ("e2", 0.5)}),
        ("timestamp asc", {"VULNERABILITY_FINDING": ("e1", 2), "DETECTION_FINDING": ("e3", "a")}),
        ("object.id desc", {"VULNERABILITY_FINDING": ("e1", 2), "DETECTION_FINDING": ("e2", 0.5)}),
        (
            "object.id asc",
            {"VULNERABILITY_FINDING": ("e1", 2), "DETECTION_FINDING": ("e2", 0.5)},
        ),  # nulls last
    ],
)
def test_p1_dedup_keeps_the_first_record_per_key(
    store: DuckDBStore, sort: str, expected: dict[str, tuple[str, object]]
) -> None:
    text = f"fetch security.events | dedup {{event.type}}, sort: {{{sort}}} | fields event.type, event.id, custom.n"
    cq = compile_query(text, dialect="duckdb", now=NOW, default_from=None, default_to=None)
    assert "ARG_M" in cq.sql and "ROW_NUMBER" not in cq.sql
    rows = run(store, text)
    assert {r["event.type"]: (r["event.id"], r["custom.n"]) for r in rows} == expected


def test_p1_dedup_then_sort_then_limit_keeps_the_order(store: DuckDBStore) -> None:
    rows = run(
        store,
        "fetch security.events | sort event.id desc | dedup {event.type}, sort: {timestamp desc} "
        "| fields event.id, event.type | limit 5",
    )
    assert [r["event.id"] for r in rows] == ["e2", "e1"]


def test_p1_dedup_takes_every_carried_field_from_one_record_when_sort_values_tie(store: DuckDBStore) -> None:
    text = (
        "fetch security.events | dedup {event.type}, sort: {event.type desc} "
        "| fields event.type, event.id, object.id, custom.n"
    )
    cq = compile_query(text, dialect="duckdb", now=NOW, default_from=None, default_to=None)
    assert "ARG_MAX_NULL({" in cq.sql  # several fields besides the key: one struct
    by_id = {e["event.id"]: e for e in EVENTS}
    rows = run(store, text)
    assert sorted(r["event.type"] for r in rows) == ["DETECTION_FINDING", "VULNERABILITY_FINDING"]
    for r in rows:
        event = by_id[r["event.id"]]
        assert (r["event.type"], r["object.id"], r["custom.n"]) == (
            event["event.type"],
            event.get("object.id"),
            event.get("custom.n"),
        )


# ── compile-time caches ──


def test_parse_cache_gives_the_same_result_and_never_caches_errors() -> None:
    text = "fetch security.events | summarize n = count(), by: {event.type}"
    first = compile_query(text, dialect="duckdb", now=NOW, default_from=None, default_to=None)
    again = compile_query(
        text, dialect="duckdb", now=NOW + timedelta(days=1), default_from=None, default_to=None
    )
    assert first.sql == again.sql and first.canonical == again.canonical
    for _ in range(2):
        with pytest.raises(DQLError, match="unknown command"):
            compile_query(
                "fetch security.events | sumarize n = count()",
                dialect="duckdb",
                now=NOW,
                default_from=None,
                default_to=None,
            )

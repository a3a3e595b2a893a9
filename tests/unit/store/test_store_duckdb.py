"""DuckDBStore against a real DuckDB file: layout, duplicates, back-pressure, failures, reads."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from store_support import BASE_NS, make_event

from seclake.errors import ConfigError, OverloadedError, QueryError, StorageError
from seclake.model import FIELDS
from seclake.settings import Settings
from seclake.store import EventStore, open_store
from seclake.store.duckdb import DB_FILE_NAME, DuckDBStore
from seclake.store.retention import DAY_NS, RetentionPolicy
from seclake.store.rows import parse_rfc3339_ns
from seclake.store.schema import ATTRIBUTES_COLUMN, ID_HASH_COLUMN, INGEST_STATS_TABLE, STORE_TABLE

MIN_NS = 60 * 1_000_000_000


def _rows(store: DuckDBStore, sql: str) -> list[dict[str, Any]]:
    table = store.query(sql)
    return [
        dict(zip(table.column_names, r, strict=True)) for r in zip(*table.to_pydict().values(), strict=True)
    ]


def test_the_relation_shows_exactly_the_catalog_columns_and_attributes(store: DuckDBStore) -> None:
    table = store.query("SELECT * FROM security_events LIMIT 0")
    assert table.column_names == [*FIELDS, ATTRIBUTES_COLUMN]
    assert isinstance(store, EventStore)


def test_typed_columns_round_trip_from_int_ns_and_rfc3339(store: DuckDBStore) -> None:
    piped = make_event(1)
    mapped = make_event(2, timestamp="2026-03-04T05:06:07.123456789Z", **{"dt.ingest.time": None})
    store.append([piped, mapped], connection_id="c1", body_bytes=100)
    rows = _rows(
        store,
        'SELECT "event.id", epoch_ns("timestamp") AS ts, epoch_ns("finding.time.created") AS created, '
        '"finding.score", "container_image.tags", "dt.ingest.time" IS NULL AS no_ingest_time, typeof("timestamp") AS t '
        'FROM security_events ORDER BY "event.id"',
    )
    assert [r["event.id"] for r in rows] == ["ev-00000001", "ev-00000002"]
    assert rows[0]["ts"] == piped["timestamp"]
    assert rows[1]["ts"] == parse_rfc3339_ns(mapped["timestamp"])
    assert rows[0]["created"] == piped["finding.time.created"]
    assert [r["finding.score"] for r in rows] == [piped["finding.score"], mapped["finding.score"]]
    assert rows[1]["container_image.tags"] == mapped["container_image.tags"]
    assert [r["no_ingest_time"] for r in rows] == [False, True]
    assert rows[0]["t"] == "TIMESTAMP_NS"


def test_attributes_keep_other_fields_and_mistyped_catalog_values_queryably(store: DuckDBStore) -> None:
    odd = make_event(3, **{"finding.score": "unknown", "custom.team": "payments", "custom.n": 4})
    store.append([odd, make_event(4)], connection_id=None, body_bytes=10)
    rows = _rows(
        store,
        'SELECT "event.id", "finding.score", __attributes ->> \'$."custom.team"\' AS team, '
        "__attributes ->> '$.\"finding.score\"' AS raw_score, __attributes FROM security_events "
        'ORDER BY "event.id"',
    )
    assert rows[0]["finding.score"] is None
    assert rows[0]["raw_score"] == "unknown"
    assert rows[0]["team"] == "payments"
    assert orjson.loads(rows[0][ATTRIBUTES_COLUMN]) == {
        "finding.score": "unknown",
        "custom.team": "payments",
        "custom.n": 4,
    }
    assert rows[1][ATTRIBUTES_COLUMN] is None


def test_duplicates_are_ignored_within_a_batch_and_across_batches_first_one_wins(store: DuckDBStore) -> None:
    first = [make_event(i) for i in range(50)]
    again = make_event(7, **{"finding.title": "second copy"})
    store.append([*first, again], connection_id=None, body_bytes=1)
    assert store.count() == 50
    redelivered = [make_event(i, **{"finding.title": "late copy"}) for i in range(40, 60)]
    store.append(redelivered, connection_id=None, body_bytes=1)
    store.append(redelivered, connection_id=None, body_bytes=1)
    assert store.count() == 60
    rows = _rows(
        store,
        'SELECT count(*) AS n, count(DISTINCT "event.id") AS d, '
        "count(*) FILTER (WHERE \"finding.title\" = 'late copy') AS late, "
        "count(*) FILTER (WHERE \"finding.title\" = 'second copy') AS second FROM security_events",
    )
    assert rows == [{"n": 60, "d": 60, "late": 10, "second": 0}]


def test_concurrent_group_commits_with_overlapping_ids_store_each_id_once(store: DuckDBStore) -> None:
    with store.hold_writer():  # make them share one group
        futures = [
            store.submit([make_event(i) for i in range(k, k + 30)], connection_id=None, body_bytes=1)
            for k in range(0, 100, 10)
        ]
    for f in futures:
        f.result(timeout=30)
    assert store.count() == 120


def test_full_writer_queue_answers_overloaded_at_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, writer_queue_events=10, writer_batch_events=10)
    with DuckDBStore(tmp_path / DB_FILE_NAME, settings=settings, run_retention=False) as store:
        with store.hold_writer():
            a = store.submit([make_event(i) for i in range(6)], connection_id=None, body_bytes=1)
            b = store.submit([make_event(i) for i in range(6, 10)], connection_id=None, body_bytes=1)
            assert store.queue_depth() == 10
            started = time.perf_counter()
            with pytest.raises(OverloadedError) as info:
                store.submit([make_event(99)], connection_id=None, body_bytes=1)
            assert time.perf_counter() - started < 1.0
            assert info.value.retry_after >= 1.0
        a.result(timeout=30)
        b.result(timeout=30)
        assert store.queue_depth() == 0
        assert store.count() == 10
        store.append([make_event(99)], connection_id=None, body_bytes=1)  # accepted again
        assert store.count() == 11


def test_a_failing_commit_fails_the_future_with_storage_error_and_stores_nothing(store: DuckDBStore) -> None:
    store.append([make_event(0)], connection_id=None, body_bytes=1)
    store._cursor().execute(f"DROP TABLE {INGEST_STATS_TABLE}")  # the commit's second statement fails
    future = store.submit([make_event(1), make_event(2)], connection_id=None, body_bytes=1)
    with pytest.raises(StorageError, match=INGEST_STATS_TABLE):
        future.result(timeout=30)
    assert store.count() == 1  # rolled back: nothing acknowledged, nothing stored
    assert store.healthy()  # the writer keeps going


def test_retention_deletes_old_events_only_in_their_bucket(settings: Settings) -> None:
    now = BASE_NS + 1000 * DAY_NS
    policy = RetentionPolicy.from_settings(settings, {"short_bucket": 10})
    old, recent = now - 366 * DAY_NS, now - 300 * DAY_NS
    events = [
        make_event(1, timestamp=old),
        make_event(2, timestamp=recent),
        make_event(3, timestamp=old, **{"dt.system.bucket": None}),  # no bucket: the default one
        make_event(4, timestamp=old, **{"dt.system.bucket": "other_bucket"}),  # no policy: kept
        make_event(5, timestamp=now - 11 * DAY_NS, **{"dt.system.bucket": "short_bucket"}),
        make_event(6, timestamp=now - 9 * DAY_NS, **{"dt.system.bucket": "short_bucket"}),
    ]
    path = settings.data_dir / DB_FILE_NAME
    with DuckDBStore(path, settings=settings, retention=policy, run_retention=False) as store:
        store.append(events, connection_id=None, body_bytes=1)
        deleted = store.enforce_retention(now)
        assert deleted == {"default_securityevents": 2, "short_bucket": 1}
        kept = [r["event.id"] for r in _rows(store, 'SELECT "event.id" FROM security_events ORDER BY 1')]
        assert kept == ["ev-00000002", "ev-00000004", "ev-00000006"]
        assert store.enforce_retention(now) == {"default_securityevents": 0, "short_bucket": 0}


def test_the_background_worker_enforces_retention_at_start(settings: Settings) -> None:
    path = settings.data_dir / DB_FILE_NAME
    with DuckDBStore(path, settings=settings, run_retention=False) as store:
        store.append([make_event(1, timestamp=0), make_event(2)], connection_id=None, body_bytes=1)
    with DuckDBStore(path, settings=settings, retention_interval_s=0.05) as store:
        deadline = time.monotonic() + 10
        while store.count() != 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert store.count() == 1


def test_ingest_stats_per_minute_and_connection(settings: Settings) -> None:
    t0 = BASE_NS + 17 * MIN_NS
    times = iter([t0 + 1, t0 + 59_000_000_000, t0 + MIN_NS + 5, t0 + 3 * MIN_NS, t0 + 3 * MIN_NS + 9])
    path = settings.data_dir / DB_FILE_NAME
    with DuckDBStore(path, settings=settings, run_retention=False, clock=lambda: next(times)) as store:
        sends = [("c1", 3, 300), ("c1", 2, 200), ("c2", 4, 400), ("c1", 1, 100), (None, 5, 500)]
        for n, (conn, count, size) in enumerate(sends):
            events = [make_event(n * 10 + i) for i in range(count)]
            store.append(events, connection_id=conn, body_bytes=size)
        c1 = [(s.minute_ns, s.events, s.bytes) for s in store.ingest_stats("c1", t0 + 30)]
        assert c1 == [(t0, 5, 500), (t0 + 3 * MIN_NS, 1, 100)]
        total = [(s.minute_ns, s.events, s.bytes) for s in store.ingest_stats(None, t0)]
        assert total == [(t0, 5, 500), (t0 + MIN_NS, 4, 400), (t0 + 3 * MIN_NS, 6, 600)]
        assert [s.events for s in store.ingest_stats(None, t0 + 2 * MIN_NS)] == [6]
        assert store.ingest_stats("c2", t0)[0].minute.isoformat() == "2026-01-01T00:18:00+00:00"


def test_readers_see_whole_commits_while_the_writer_writes(store: DuckDBStore) -> None:
    batches, size = 8, 100
    seen: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(
                    int(store.query("SELECT count(*) AS n FROM security_events").column(0)[0].as_py())
                )
                time.sleep(0.005)
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for r in readers:
        r.start()
    for k in range(batches):
        store.append([make_event(k * size + i) for i in range(size)], connection_id=None, body_bytes=1)
    done.set()
    for r in readers:
        r.join(10)
    assert not errors
    assert len(seen) > batches
    assert all(n % size == 0 for n in seen)  # never half a batch
    assert store.count() == batches * size


def test_query_is_read_only_single_statement_and_interruptible(store: DuckDBStore) -> None:
    store.append([make_event(1)], connection_id=None, body_bytes=1)
    for sql, match in [
        ("DELETE FROM security_events", "only SELECT"),
        ("SELECT 1; SELECT 2", "exactly one"),
        ("SELEC 1", "query failed"),
        ("SELECT nope FROM security_events", "nope"),
    ]:
        with pytest.raises(QueryError, match=match):
            store.query(sql)
    started = time.perf_counter()
    with pytest.raises(QueryError, match="timeout"):
        store.query("SELECT count(*) FROM range(1000000000000) a, range(1000) b", timeout_s=0.3)
    assert time.perf_counter() - started < 10
    assert store.count() == 1
    assert store.healthy()


def test_the_read_path_cannot_reach_files_and_the_writer_still_writes(
    store: DuckDBStore, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("name,value\nroot,hunter2\n")
    for sql in (
        "SELECT * FROM read_csv('/etc/passwd')",
        f"SELECT * FROM read_csv('{secret}')",
        f"SELECT * FROM read_text('{secret}')",
        f"SELECT * FROM '{secret}'",
    ):
        with pytest.raises(QueryError) as info:
            store.query(sql)
        assert "hunter2" not in str(info.value) and "root:" not in str(info.value)
    store.append([make_event(1), make_event(2)], connection_id="c", body_bytes=10)  # after the lock
    assert store.count() == 2
    assert store.query('SELECT count(*) AS n FROM security_events WHERE "__attributes" IS NULL').num_rows == 1


def test_open_store_uses_the_data_dir_and_reopens_what_was_stored(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    store = open_store(settings)
    store.append([make_event(1), make_event(2)], connection_id=None, body_bytes=1)
    store.close()
    assert not store.healthy()
    with pytest.raises(StorageError, match="closed"):
        store.submit([make_event(3)], connection_id=None, body_bytes=1)
    assert (tmp_path / "data" / DB_FILE_NAME).is_file()
    again = open_store(settings)
    try:
        assert again.count() == 2
        again.append([make_event(2)], connection_id=None, body_bytes=1)
        assert again.count() == 2
    finally:
        again.close()
    with pytest.raises(ConfigError, match="unknown engine 'nosuch'"):
        open_store(Settings(data_dir=tmp_path, store="nosuch"))


def test_a_hash_collision_does_not_drop_a_new_event(store: DuckDBStore) -> None:
    store.append([make_event(1)], connection_id=None, body_bytes=1)
    # forge a stored row whose id hash equals the hash of the id about to arrive
    store._cursor().execute(
        f'INSERT INTO "{STORE_TABLE}" ("event.id", "{ID_HASH_COLUMN}") '
        "SELECT 'someone-else', md5_number_lower('ev-00000002')"
    )
    store.append([make_event(2), make_event(1)], connection_id=None, body_bytes=1)
    ids = sorted(store.query('SELECT "event.id" FROM security_events').column(0).to_pylist())
    assert ids == ["ev-00000001", "ev-00000002", "someone-else"]


def test_reopening_adds_catalog_columns_the_file_lacks(settings: Settings) -> None:
    path = settings.data_dir / DB_FILE_NAME
    with DuckDBStore(path, settings=settings, run_retention=False) as store:
        store.append([make_event(1)], connection_id=None, body_bytes=1)
    raw = duckdb.connect(str(path))
    raw.execute('DROP VIEW security_events; ALTER TABLE security_events_data DROP COLUMN "k8s.pod.name"')
    raw.close()
    with DuckDBStore(path, settings=settings, run_retention=False) as store:
        store.append([make_event(2, **{"k8s.pod.name": "web-1"})], connection_id=None, body_bytes=1)
        rows = _rows(store, 'SELECT "event.id", "k8s.pod.name" FROM security_events ORDER BY 1')
        assert rows == [
            {"event.id": "ev-00000001", "k8s.pod.name": None},
            {"event.id": "ev-00000002", "k8s.pod.name": "web-1"},
        ]


def test_retention_below_one_day_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'default_securityevents' must be at least 1 day, got 0"):
        RetentionPolicy.from_settings(Settings(data_dir=tmp_path, retention_days=0))

"""The embedded event store: one DuckDB file (`<data_dir>/events.duckdb`), one writer thread.

Write path: `submit` converts the events to an Arrow table on the caller's thread (`rows.to_arrow`,
pure Python + pyarrow, so several request threads convert while the writer inserts) and queues it on
the `Writer`; the writer commits groups of batches in one transaction each and resolves their futures
after COMMIT. DuckDB writes every commit to its WAL before returning and checkpoints the WAL into the
file on its own, so a resolved future survives a SIGKILL (tests/unit/store/test_store_durability.py).

Duplicates (contract: exactly one row per event.id is visible). Median cost of committing 10 k new
events with 3 M rows stored, measured by `benchmarks/bench_store.py --dedup-rows 3000000` on the shared
2-core dev box (under load, so compare the ratios): no check 172 ms; PRIMARY KEY + ON CONFLICT DO
NOTHING 2107 ms (ART probes; also a 4.4x larger file); anti-join on the VARCHAR event.id 3436 ms (scans
every stored id); a dedup view (QUALIFY row_number() ... = 1) would add seconds to EVERY query instead.
- chosen (281 ms): a hidden UBIGINT column `__id_hash` = md5_number_lower(event.id) (md5: stable across
  DuckDB versions, unlike hash(); computed vectorized by DuckDB in the probe and the insert).
  The writer semi-joins the group's hashes against that one integer column (a fixed cost per commit,
  so its cost per event falls as groups grow under load); only when some hash matches (a real
  re-delivery, or a 64-bit collision) it fetches those rows' event.id and drops the exact matches.
  Duplicates inside a group keep their first occurrence. The view `security_events` hides the hash
  column. Everything runs inside the commit's transaction on the only write connection, so no
  concurrent insert can slip between the check and the insert.

Misfits (F6): a catalog value that does not fit its typed column is kept in `__attributes`; queries
read it back only for the fields the DQL compiler is told about. `rows.convert` names those fields per
batch; the commit that stores them also inserts their names into MISFIT_FIELDS_TABLE (nothing to write
in the common case: only names not yet known), and the in-memory set grows after COMMIT, so a rolled
back batch adds nothing. Opening reads that small table, O(1). Probing instead, i.e. scanning the JSON
of every row at open, took 0.25 s at 300 k rows with attributes on every row (linear in rows), so it
runs only once: when the table is created on an older file, or for fields the catalog just gained.

Read path: `query` runs one SELECT on its own cursor of the same database (DuckDB's MVCC: readers see
the last commit and never block the writer); a timer calls `interrupt()` on the timeout. External
access (files, network, extensions) is switched off for the whole database once it is open, so even a
SELECT cannot read `/etc/passwd` through `read_csv`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from seclake.errors import QueryError, StorageError
from seclake.logging import get_logger
from seclake.model import BUCKET
from seclake.settings import Settings
from seclake.store.base import IngestStat
from seclake.store.retention import RetentionPolicy, RetentionWorker, cutoffs
from seclake.store.rows import ARROW_SCHEMA, convert, first_per_id
from seclake.store.schema import (
    ATTRIBUTES_COLUMN,
    COLUMN_TYPES,
    COLUMNS,
    DUCKDB_TYPES,
    EVENTS_RELATION,
    ID_HASH_COLUMN,
    INGEST_STATS_TABLE,
    MISFIT_FIELDS_DDL,
    MISFIT_FIELDS_TABLE,
    NO_CONNECTION,
    STORE_TABLE,
    duckdb_store_ddl,
)
from seclake.store.writer import Batch, Writer

__all__ = ["DB_FILE_NAME", "DuckDBStore"]

log = get_logger("store.duckdb")
DB_FILE_NAME = "events.duckdb"
# WAL size at which DuckDB checkpoints on its own (its default: 16 MB). A commit is durable once in the
# WAL; the checkpoint moves the data into the file, compressed, rewriting the table's last, partly
# filled row group (122,880 rows) each time. At 16 MB (~7,000 events of ~1 KB) that rewrite happened
# every few commits: commits of 0.7-2 s, ~77 us of CPU per event. At 256 MB (about one row group of
# events) ~47 us and commits under 0.25 s (benchmarks/bench_ingest.py; the measurements are in the
# report of the ingest-perf change). The cost: up to ~256 MB of WAL to replay after a crash, and
# committed rows held in memory until the checkpoint.
CHECKPOINT_THRESHOLD = "256MB"
MINUTE_NS = 60 * 1_000_000_000
_COLUMNS_OF_SQL = "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
_BATCH_VIEW = "__seclake_batch"
_CANDIDATES_VIEW = "__seclake_candidates"
_ID_HASH = 'md5_number_lower("event.id")'  # see schema.ID_HASH_COLUMN
_COLS = ", ".join(f'"{name}"' for name in ARROW_SCHEMA.names)  # the batch's columns
_INSERT_SQL = (
    f'INSERT INTO "{STORE_TABLE}" ({_COLS}, "{ID_HASH_COLUMN}") SELECT {_COLS}, {_ID_HASH} FROM {_BATCH_VIEW}'
)
_PROBE_SQL = (
    f'SELECT DISTINCT d."{ID_HASH_COLUMN}" FROM "{STORE_TABLE}" d '
    f'SEMI JOIN (SELECT {_ID_HASH} AS h FROM {_BATCH_VIEW}) b ON d."{ID_HASH_COLUMN}" = b.h'
)
_CANDIDATE_IDS_SQL = (
    f'SELECT d."event.id" FROM "{STORE_TABLE}" d SEMI JOIN {_CANDIDATES_VIEW} c ON d."{ID_HASH_COLUMN}" = c.h'
)
_MISFIT_INSERT_SQL = f'INSERT INTO "{MISFIT_FIELDS_TABLE}" SELECT unnest(?::VARCHAR[]) ON CONFLICT DO NOTHING'
# Once per file (see the module docstring): the given catalog fields that have a value in the attributes.
_MISFIT_BACKFILL_SQL = (
    f'INSERT INTO "{MISFIT_FIELDS_TABLE}" SELECT DISTINCT k FROM (SELECT unnest(json_keys("{ATTRIBUTES_COLUMN}"))'
    f' AS k FROM "{STORE_TABLE}" WHERE "{ATTRIBUTES_COLUMN}" IS NOT NULL) WHERE list_contains(?::VARCHAR[], k)'
    " ON CONFLICT DO NOTHING"
)
_RETENTION_SQL = (
    f'DELETE FROM "{STORE_TABLE}" '
    'WHERE coalesce("dt.system.bucket", ?) = ? AND "timestamp" < make_timestamp_ns(?)'
)


@dataclass(frozen=True, slots=True)
class _Payload:
    table: pa.Table
    misfits: frozenset[str]  # catalog fields with a value in the attributes (rows.Converted.misfits)
    connection_id: str | None
    body_bytes: int
    received_ns: int


class DuckDBStore:
    """EventStore on one DuckDB file (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        *,
        settings: Settings,
        retention: RetentionPolicy | None = None,
        retention_interval_s: float = 3600.0,
        run_retention: bool = True,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.path = Path(path)
        self._clock = clock  # ns since the epoch; stamps the ingest statistics
        self._settings = settings
        self._policy = retention or RetentionPolicy.from_settings(settings)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = duckdb.connect(str(self.path), config={"checkpoint_threshold": CHECKPOINT_THRESHOLD})
            self._db.execute("LOAD json")  # the attributes column's type: loaded before the lock below
            self._migrate()
            rows = self._db.execute(f'SELECT name FROM "{MISFIT_FIELDS_TABLE}"').fetchall()
            self._misfits: frozenset[str] = frozenset(r[0] for r in rows)  # replaced, never mutated
            # Defense in depth for the read path (DQL is its only caller): no file, network or extension
            # access from SQL (read_csv('/etc/passwd'), COPY, ATTACH, INSTALL). The database's own file
            # and WAL, and Arrow batches registered by the writer, are unaffected. Cannot be undone.
            self._db.execute("SET enable_external_access = false")
        except duckdb.Error as exc:
            raise StorageError(f"cannot open the event store {self.path}: {exc}") from exc
        self._cursor_lock = threading.Lock()
        self._closed = False
        self._wconn = self._cursor()
        self._writer: Writer[_Payload] = Writer(
            self._commit,
            max_queue_events=settings.writer_queue_events,
            max_group_events=settings.writer_batch_events,
        )
        self._retention = RetentionWorker(self.enforce_retention, interval_s=retention_interval_s)
        if run_retention:
            self._retention.start()
        log.info("store_opened", path=str(self.path), events=self.count())

    # ── setup ──
    def _migrate(self) -> None:
        """Create the layout; add columns the catalog gained since the file was created (one transaction).

        Fields whose values older rows may hold in the attributes are probed once: every catalog field
        when MISFIT_FIELDS_TABLE is new, else the fields just added to the catalog.
        """
        db = self._db
        ddl = duckdb_store_ddl()
        db.execute("BEGIN TRANSACTION")
        try:
            have = {r[0] for r in db.execute(_COLUMNS_OF_SQL, [STORE_TABLE]).fetchall()}  # empty: new file
            db.execute(ddl[0])
            probe = [c.name for c in COLUMNS if have and c.name not in have]
            for name in probe:
                db.execute(
                    f'ALTER TABLE "{STORE_TABLE}" ADD COLUMN "{name}" {DUCKDB_TYPES[COLUMN_TYPES[name]]}'
                )
            for stmt in ddl[1:]:
                db.execute(stmt)
            if not db.execute(_COLUMNS_OF_SQL, [MISFIT_FIELDS_TABLE]).fetchall():
                db.execute(MISFIT_FIELDS_DDL)
                probe = [c.name for c in COLUMNS] if have else []
            if probe:
                db.execute(_MISFIT_BACKFILL_SQL, [probe])
            db.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                db.execute("ROLLBACK")
            raise

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._cursor_lock:
            if self._closed:
                raise StorageError(f"the event store {self.path} is closed")
            return self._db.cursor()

    # ── writes ──
    def submit(
        self, events: Sequence[dict[str, Any]], *, connection_id: str | None, body_bytes: int
    ) -> Future[None]:
        """Queue events for commit (see EventStore.submit)."""
        received_ns = self._clock()
        self._writer.ensure_room(len(events))  # refuse before paying for the conversion
        if not events:
            done: Future[None] = Future()
            done.set_result(None)
            return done
        converted = convert(events)
        payload = _Payload(converted.table, converted.misfits, connection_id, body_bytes, received_ns)
        return self._writer.submit(payload, len(events))

    def append(self, events: Sequence[dict[str, Any]], *, connection_id: str | None, body_bytes: int) -> None:
        """submit(...).result()."""
        self.submit(events, connection_id=connection_id, body_bytes=body_bytes).result()

    def _commit(self, group: Sequence[Batch[_Payload]]) -> None:
        """One transaction for a group of batches (runs on the writer thread)."""
        w = self._wconn
        table = first_per_id(pa.concat_tables([b.payload.table for b in group])).combine_chunks()
        new_misfits = frozenset().union(*(b.payload.misfits for b in group)) - self._misfits
        w.execute("BEGIN TRANSACTION")
        try:
            w.register(_BATCH_VIEW, table)
            existing = self._stored_ids(w)
            if existing:
                keep = pc.invert(pc.is_in(table.column("event.id"), value_set=pa.array(existing)))
                w.unregister(_BATCH_VIEW)
                w.register(_BATCH_VIEW, table.filter(keep))
            w.execute(_INSERT_SQL)
            if new_misfits:
                w.execute(_MISFIT_INSERT_SQL, [sorted(new_misfits)])
            stats = _stats_rows(group)
            values = ", ".join(["(?, ?, ?, ?)"] * len(stats))
            w.execute(
                f'INSERT INTO "{INGEST_STATS_TABLE}" VALUES {values}', [v for row in stats for v in row]
            )
            w.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # a failed statement may have ended it already
                w.execute("ROLLBACK")
            raise
        finally:
            w.unregister(_BATCH_VIEW)
        if new_misfits:  # only the writer thread replaces the set; readers see the old or the new one
            self._misfits = self._misfits | new_misfits
            log.info("misfit_fields_added", fields=sorted(new_misfits))

    @staticmethod
    def _stored_ids(w: duckdb.DuckDBPyConnection) -> list[str]:
        """event.ids of the batch that are stored already (hash probe, then exact check)."""
        hashes = [r[0] for r in w.execute(_PROBE_SQL).fetchall()]
        if not hashes:
            return []
        w.register(_CANDIDATES_VIEW, pa.table({"h": pa.array(hashes, type=pa.uint64())}))
        try:
            return [r[0] for r in w.execute(_CANDIDATE_IDS_SQL).fetchall()]
        finally:
            w.unregister(_CANDIDATES_VIEW)

    def enforce_retention(self, now_ns: int | None = None) -> dict[str, int]:
        """Delete events older than their bucket's retention; returns deleted rows per bucket."""
        limits = cutoffs(self._policy, self._clock() if now_ns is None else now_ns)
        return self._writer.run(lambda: self._delete_old(limits)).result()

    def _delete_old(self, limits: Mapping[str, int]) -> dict[str, int]:
        w = self._wconn
        deleted: dict[str, int] = {}
        w.execute("BEGIN TRANSACTION")
        try:
            for bucket, cutoff_ns in limits.items():
                row = w.execute(_RETENTION_SQL, [BUCKET, bucket, cutoff_ns]).fetchone()
                deleted[bucket] = int(row[0]) if row else 0
            oldest = limits.get(BUCKET)
            if oldest is not None:
                w.execute(f'DELETE FROM "{INGEST_STATS_TABLE}" WHERE minute_ns < ?', [oldest])
            w.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # keep the first error, not "no transaction"
                w.execute("ROLLBACK")
            raise
        return deleted

    # ── reads ──
    def query(self, sql: str, *, timeout_s: float | None = None) -> pa.Table:
        """Run one read-only SELECT (see EventStore.query); None = settings.query_timeout_ms."""
        cur = self._cursor()
        timeout = self._settings.query_timeout_ms / 1000 if timeout_s is None else timeout_s
        timer = threading.Timer(timeout, cur.interrupt)
        timer.daemon = True
        try:
            _check_read_only(cur, sql)
            timer.start()
            return cur.sql(sql).to_arrow_table()
        except duckdb.InterruptException as exc:
            raise QueryError(f"query exceeded its timeout of {timeout:g} s and was interrupted") from exc
        except duckdb.Error as exc:
            raise QueryError(f"query failed: {exc}") from exc
        finally:
            timer.cancel()
            cur.close()

    def ingest_stats(self, connection_id: str | None, since_ns: int) -> list[IngestStat]:
        """Per-minute events and bytes since `since_ns` (its minute included), oldest first."""
        sql = (
            f'SELECT minute_ns, sum(events), sum(bytes) FROM "{INGEST_STATS_TABLE}" WHERE minute_ns >= ?'
            + ("" if connection_id is None else " AND connection_id = ?")
            + " GROUP BY minute_ns ORDER BY minute_ns"
        )
        params: list[Any] = [since_ns - since_ns % MINUTE_NS]
        if connection_id is not None:
            params.append(connection_id)
        rows = self._read(sql, params)
        return [IngestStat(int(m), int(e), int(b)) for m, e, b in rows]

    def count(self) -> int:
        rows = self._read(f'SELECT count(*) FROM "{EVENTS_RELATION}"', [])
        return int(rows[0][0])

    def misfit_fields(self) -> frozenset[str]:
        """Catalog fields some stored event holds in the attributes (see the module docstring)."""
        return self._misfits

    def healthy(self) -> bool:
        if self._closed or not self._writer.alive():
            return False
        try:
            return self._read("SELECT 1", []) == [(1,)]
        except StorageError:
            return False

    def queue_depth(self) -> int:
        return self._writer.queue_depth()

    def commit_stats(self) -> tuple[int, int]:
        """(groups committed, events in them) since the store opened: events per commit for metrics."""
        return self._writer.groups_committed, self._writer.events_committed

    def _read(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        cur = self._cursor()
        try:
            return cur.execute(sql, params).fetchall()
        except duckdb.Error as exc:
            raise StorageError(f"{self.path}: {exc}") from exc
        finally:
            cur.close()

    # ── lifecycle ──
    def hold_writer(self) -> Any:
        """Context manager: the writer starts no new commit while inside (for tests and tools)."""
        return self._writer.hold()

    def close(self) -> None:
        if self._closed:
            return
        self._retention.stop()
        stopped = self._writer.close()
        with self._cursor_lock:
            self._closed = True
            if not stopped:
                # Never pull the connection from under a commit: its futures still resolve when it ends.
                log.error("store_close_writer_still_running", path=str(self.path))
                return
            self._wconn.close()
            self._db.close()
        log.info("store_closed", path=str(self.path))

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_read_only(cur: duckdb.DuckDBPyConnection, sql: str) -> None:
    try:
        statements = cur.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {exc}") from exc
    if len(statements) != 1:
        raise QueryError(f"expected exactly one SQL statement, got {len(statements)}")
    if statements[0].type != duckdb.StatementType.SELECT:
        raise QueryError(f"only SELECT is allowed on the event store, got {statements[0].type.name}")


def _stats_rows(group: Sequence[Batch[_Payload]]) -> list[tuple[str, int, int, int]]:
    """(connection, minute_ns, events, bytes) per connection and minute of the group (pure)."""
    events: Counter[tuple[str, int]] = Counter()
    body: Counter[tuple[str, int]] = Counter()
    for b in group:
        received = b.payload.received_ns
        key = (b.payload.connection_id or NO_CONNECTION, received - received % MINUTE_NS)
        events[key] += b.events
        body[key] += b.payload.body_bytes
    return [(conn, minute, events[(conn, minute)], body[(conn, minute)]) for conn, minute in events]

"""Store ingest throughput vs DuckDB's own bulk load of the same events (the practical ceiling).

    python benchmarks/bench_store.py [--events 30000] [--threads 8] [--group 1000] [--dedup-rows 0]

Prints, from one run:
- `append`: events/s of DuckDBStore.append in groups of `--group` events from `--threads` threads
  (conversion on the callers' threads, group commit on the writer thread, duplicate check included);
- `read_json`: events/s of `INSERT INTO <same schema> SELECT ... FROM read_json(NDJSON temp file)`;
- their ratio (the HTTP path must reach >= 0.5 of read_json, so this one must be well above that);
- the two conversion strategies considered for the append path, each end to end into DuckDB:
  `arrow` (events -> Arrow columns per catalog field in Python, what rows.py does) and `json_transform`
  (events -> JSON text, DuckDB extracts typed columns vectorized; an upper bound: no misfit handling);
- with `--dedup-rows N`: the cost per commit of each duplicate-check strategy with N stored rows.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from seclake.logging import configure_logging
from seclake.model import FieldType
from seclake.settings import Settings
from seclake.store.duckdb import DB_FILE_NAME, DuckDBStore
from seclake.store.rows import to_arrow
from seclake.store.schema import COLUMNS, DUCKDB_TYPES, duckdb_ddl

BASE_NS = 1_767_225_600_000_000_000
TIMESTAMP_FIELDS = [c.name for c in COLUMNS if c.type is FieldType.TIMESTAMP]


def make_event(i: int, rng: random.Random) -> dict[str, Any]:
    """A ~1 KB VULNERABILITY_FINDING as the ingest pipeline hands it to the store."""
    img, cve = rng.randrange(500), f"CVE-2025-{rng.randrange(10_000, 99_999)}"
    sev = rng.choice(["Critical", "High", "Medium", "Low"])
    ts = BASE_NS + i * 1_000_003
    event: dict[str, Any] = {
        "timestamp": ts,
        "event.id": f"{rng.getrandbits(128):032x}",
        "event.kind": "SECURITY_EVENT",
        "event.type": "VULNERABILITY_FINDING",
        "event.provider": "Microsoft Defender for Cloud",
        "product.vendor": "Microsoft",
        "product.name": "Microsoft Defender for Cloud",
        "finding.id": f"{rng.getrandbits(64):016x}",
        "finding.title": f"{cve} in openssl",
        "finding.type": "VULNERABILITY",
        "finding.severity": sev,
        "finding.score": round(rng.uniform(0, 10), 1),
        "finding.time.created": ts - 3_600_000_000_000,
        "dt.security.risk.level": sev.upper(),
        "dt.security.risk.score": round(rng.uniform(0, 10), 1),
        "object.id": f"contoso.azurecr.io/app{img}@sha256:{img:064x}",
        "object.name": f"contoso.azurecr.io/app{img}",
        "object.type": "CONTAINER_IMAGE",
        "component.name": rng.choice(["openssl", "libc6", "zlib1g", "curl", "libxml2"]),
        "component.version": f"1.{rng.randrange(20)}.{rng.randrange(20)}",
        "scan.id": f"{rng.getrandbits(64):016x}",
        "vulnerability.id": cve,
        "vulnerability.references.cve": [cve],
        "vulnerability.cvss.base_score": round(rng.uniform(0, 10), 1),
        "vulnerability.remediation.status": "AVAILABLE",
        "vulnerability.resolution.status": "OPEN",
        "container_image.digest": f"sha256:{img:064x}",
        "container_image.repository": f"app{img}",
        "container_image.tags": ["latest"],
        "dt.system.bucket": "default_securityevents",
        "dt.ingest.time": ts,
    }
    if i % 10 == 0:
        event["custom.team"] = "payments"  # a field outside the catalog now and then
    return event


def make_events(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_event(i, rng) for i in range(n)]


def _rfc3339(ns: int) -> str:
    seconds, frac = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench_append(events: Sequence[dict[str, Any]], threads: int, group: int, work: Path) -> float:
    """Events/s of DuckDBStore.append, `threads` threads each appending groups of `group` events."""
    settings = Settings(data_dir=work)
    with DuckDBStore(work / DB_FILE_NAME, settings=settings, run_retention=False) as store:
        chunks = [events[k : k + group] for k in range(0, len(events), group)]

        def worker(mine: Sequence[Sequence[dict[str, Any]]]) -> None:
            for chunk in mine:
                store.append(chunk, connection_id="bench", body_bytes=len(chunk) * 1000)

        pool = [threading.Thread(target=worker, args=(chunks[t::threads],)) for t in range(threads)]

        def run() -> None:
            for t in pool:
                t.start()
            for t in pool:
                t.join()

        elapsed = _timed(run)
        assert store.count() == len(events)
        groups, _ = store.commit_stats()
        print(f"  (append: {groups} commits, {len(events) / max(groups, 1):,.0f} events per commit)")
    return len(events) / elapsed


def bench_read_json(events: Sequence[dict[str, Any]], work: Path) -> float:
    """Events/s of DuckDB's read_json bulk load of the same events as NDJSON (timestamps RFC 3339)."""
    ndjson = work / "events.ndjson"
    with ndjson.open("wb") as f:
        for e in events:
            row = {**e, **{k: _rfc3339(e[k]) for k in TIMESTAMP_FIELDS if k in e}}
            f.write(orjson.dumps(row) + b"\n")
    db = duckdb.connect(str(work / "read_json.duckdb"))
    db.execute(duckdb_ddl())
    spec = "{" + ", ".join(f"'{c.name}': '{DUCKDB_TYPES[c.type]}'" for c in COLUMNS) + "}"
    sql = (
        f"INSERT INTO security_events SELECT *, NULL FROM read_json('{ndjson}', "
        f"format = 'newline_delimited', columns = {spec})"
    )
    elapsed = _timed(lambda: db.execute(sql))
    db.close()
    return len(events) / elapsed


def bench_strategies(events: Sequence[dict[str, Any]], group: int, work: Path) -> dict[str, float]:
    """Events/s of the two conversion strategies, each converting and inserting one group at a time."""
    db = duckdb.connect(str(work / "strategies.duckdb"))
    db.execute(duckdb_ddl("arrow_t"))
    db.execute(duckdb_ddl("json_t"))
    chunks = [events[k : k + group] for k in range(0, len(events), group)]

    def arrow_path() -> None:
        for chunk in chunks:
            batch = to_arrow(chunk)  # noqa: F841 - read by DuckDB by name
            db.execute("INSERT INTO arrow_t SELECT * FROM batch")

    spec = {c.name: "BIGINT" if c.type is FieldType.TIMESTAMP else DUCKDB_TYPES[c.type] for c in COLUMNS}
    select = ", ".join(
        f'make_timestamp_ns(s."{c.name}")' if c.type is FieldType.TIMESTAMP else f's."{c.name}"'
        for c in COLUMNS
    )
    sql = (
        f"INSERT INTO json_t SELECT {select}, NULL FROM "
        f"(SELECT json_transform(j, '{orjson.dumps(spec).decode()}') AS s FROM texts)"
    )

    def json_path() -> None:
        for chunk in chunks:
            texts = pa.table({"j": [orjson.dumps(e).decode() for e in chunk]})  # noqa: F841
            db.execute(sql)

    out = {"arrow": len(events) / _timed(arrow_path), "json_transform": len(events) / _timed(json_path)}
    db.close()
    return out


_H = "md5_number_lower(id)"  # the store's ID hash (schema.ID_HASH_COLUMN)
DEDUP_STRATEGIES: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (table columns, statements run per commit; `b` is the new batch of ids)
    "none (no check)": ("id VARCHAR, h UBIGINT", (f"INSERT INTO t SELECT id, {_H} FROM b",)),
    "primary key": (
        "id VARCHAR PRIMARY KEY, h UBIGINT",
        (f"INSERT INTO t SELECT id, {_H} FROM b ON CONFLICT DO NOTHING",),
    ),
    "anti-join varchar": (
        "id VARCHAR, h UBIGINT",
        (f"INSERT INTO t SELECT id, {_H} FROM b WHERE id NOT IN (SELECT id FROM t)",),
    ),
    "hash probe (chosen)": (
        "id VARCHAR, h UBIGINT",
        (
            f"SELECT DISTINCT t.h FROM t SEMI JOIN (SELECT {_H} AS h FROM b) x ON t.h = x.h",
            f"INSERT INTO t SELECT id, {_H} FROM b",
        ),
    ),
}


def bench_dedup(rows: int, work: Path, batch: int = 10_000, rounds: int = 3) -> dict[str, float]:
    """Median milliseconds per commit of `batch` new events for each duplicate check, `rows` stored."""
    rng = random.Random(3)
    out: dict[str, float] = {}
    for name, (cols, statements) in DEDUP_STRATEGIES.items():
        db = duckdb.connect(str(work / f"dedup_{len(out)}.duckdb"))
        db.execute(f"CREATE TABLE t ({cols})")
        db.execute(
            f"INSERT INTO t SELECT id, {_H} FROM (SELECT md5(i::VARCHAR) || md5(i::VARCHAR) AS id FROM range({rows}) r(i))"
        )
        db.execute("CHECKPOINT")
        times = []
        for _ in range(rounds):
            db.register("b", pa.table({"id": [f"{rng.getrandbits(256):064x}" for _ in range(batch)]}))

            def commit(db: duckdb.DuckDBPyConnection = db, statements: tuple[str, ...] = statements) -> None:
                db.execute("BEGIN TRANSACTION")
                for sql in statements:
                    db.execute(sql).fetchall()
                db.execute("COMMIT")

            times.append(_timed(commit))
            db.unregister("b")
        out[name] = 1000 * sorted(times)[len(times) // 2]
        db.close()
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--group", type=int, default=1_000)
    parser.add_argument("--dedup-rows", type=int, default=0, help="also measure duplicate checks at N rows")
    args, _ = parser.parse_known_args(argv)  # `python -m benchmarks store` leaves "store" in sys.argv
    configure_logging("WARNING")  # keep the store's info lines out of the figures
    events = make_events(args.events)
    size = sum(len(orjson.dumps(e)) for e in events) / len(events)
    print(f"bench_store: {len(events)} events, {size:.0f} bytes each as JSON")
    with tempfile.TemporaryDirectory(prefix="bench_store_") as tmp:
        work = Path(tmp)
        (work / "a").mkdir()
        append = bench_append(events, args.threads, args.group, work / "a")
        ceiling = bench_read_json(events, work)
        print(f"  append ({args.threads} threads x groups of {args.group}): {append:,.0f} events/s")
        print(f"  read_json bulk load (ceiling):                {ceiling:,.0f} events/s")
        print(f"  ratio append / read_json: {append / ceiling:.2f}")
        for name, rate in bench_strategies(events, args.group, work).items():
            print(f"  strategy {name:<15} (1 thread, groups of {args.group}): {rate:,.0f} events/s")
        if args.dedup_rows:
            for name, ms in bench_dedup(args.dedup_rows, work).items():
                print(f"  dedup {name:<18} at {args.dedup_rows:,} rows: {ms:,.0f} ms per 10k-event commit")


if __name__ == "__main__":
    main()

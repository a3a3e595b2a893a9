"""Ingest pipeline throughput: `process_ingest` on 1,000-event bodies of ~1 KB Semantic-Dictionary events.

Prints events/s of process_ingest for plain and gzip bodies, next to the bare cost of reading the same
bodies (orjson.loads, gzip.decompress + orjson.loads), and the ratio; and, as the yardstick of the HTTP
ingest target (>= 0.5x), DuckDB's read_json bulk load of the same events into a table. Two event shapes: as the Defender
mapper sends them (event.id and dt.raw_data given) and bare (the pipeline hashes ids and keeps raw data).
Run: `.venv/bin/python -m benchmarks.bench_pipeline`.
"""

from __future__ import annotations

import gzip
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import orjson

from seclake.pipeline import process_ingest

EVENTS_PER_BODY = 1_000
NOW_NS = 1_714_564_800_000_000_000
SOURCE = "/platform/ingest/v1/security.events"
SEVERITIES = ("Critical", "High", "Medium", "Low")


def make_event(i: int, *, mapper_like: bool) -> dict[str, Any]:
    """One ~1 KB VULNERABILITY_FINDING event shaped like the Defender mapper's output."""
    digest = f"sha256:{i // 40:040x}"
    repo = f"team{i % 7}/service-{i % 13}"
    cve = f"CVE-2024-{10000 + i % 5000}"
    event: dict[str, Any] = {
        "timestamp": f"2024-05-01T11:{i % 60:02d}:{(i * 7) % 60:02d}.{i:09d}Z",
        "event.type": "VULNERABILITY_FINDING",
        "event.provider": "Microsoft Defender for Cloud",
        "product.vendor": "Microsoft",
        "product.name": "Microsoft Defender for Cloud",
        "finding.id": f"{i:032x}",
        "finding.title": f"{cve} in openssl",
        "finding.type": "VULNERABILITY",
        "finding.severity": SEVERITIES[i % 4],
        "finding.score": 9.8 - (i % 4) * 2.5,
        "finding.time.created": "2024-05-01T10:00:00Z",
        "object.id": f"contoso.azurecr.io/{repo}@{digest}",
        "object.name": f"contoso.azurecr.io/{repo}",
        "object.type": "CONTAINER_IMAGE",
        "component.name": "openssl",
        "component.version": "3.0.2-0ubuntu1.10",
        "scan.id": f"scan-{i // 40:08x}",
        "vulnerability.id": cve,
        "vulnerability.references.cve": [cve],
        "vulnerability.remediation.status": "AVAILABLE",
        "vulnerability.remediation.fix_versions": ["3.0.2-0ubuntu1.15"],
        "vulnerability.resolution.status": "OPEN",
        "container_image.digest": digest,
        "container_image.tags": ["latest", f"v1.{i % 9}"],
    }
    if mapper_like:
        event["event.id"] = f"{i:032x}"
        event["dt.security.risk.level"] = event["finding.severity"].upper()
        event["dt.security.risk.score"] = event["finding.score"]
        event["dt.raw_data"] = orjson.dumps(
            {"id": event["finding.id"], "severity": event["finding.severity"]}
        ).decode()
    return event


def make_body(*, mapper_like: bool) -> bytes:
    return orjson.dumps([make_event(i, mapper_like=mapper_like) for i in range(EVENTS_PER_BODY)])


def events_per_second(run: Callable[[], object], *, repeat: int = 7, number: int = 3) -> float:
    """Best of `repeat` timings of `number` runs (the least disturbed by other work on the machine)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, (time.perf_counter() - start) / number)
    return EVENTS_PER_BODY / best


def measure(body: bytes, encoding: str | None) -> tuple[float, float]:
    """(process_ingest events/s, bare read events/s) for one body."""
    wire = gzip.compress(body, 6) if encoding == "gzip" else body

    def pipeline() -> object:
        return process_ingest(
            wire,
            content_type="application/json",
            content_encoding=encoding,
            params={},
            source=SOURCE,
            connection_id="conn-1",
            connection_name="prod",
            now_ns=NOW_NS,
            max_bytes=10_000_000,
        )

    def bare() -> object:
        return orjson.loads(gzip.decompress(wire) if encoding == "gzip" else wire)

    return events_per_second(pipeline), events_per_second(bare)


def duckdb_read_json(body: bytes, copies: int = 20) -> float:
    """Events/s of DuckDB loading `copies` bodies' events with read_json into a table (one bulk load)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.json"
        path.write_bytes(b"[" + b",".join(body[1:-1] for _ in range(copies)) + b"]")
        con = duckdb.connect()
        try:
            con.execute(f"CREATE TABLE events AS SELECT * FROM read_json('{path}') LIMIT 0")
            best = float("inf")
            for _ in range(3):
                con.execute("DELETE FROM events")
                start = time.perf_counter()
                con.execute(f"INSERT INTO events SELECT * FROM read_json('{path}')")
                best = min(best, time.perf_counter() - start)
        finally:
            con.close()
    return copies * EVENTS_PER_BODY / best


def main() -> None:
    print(f"bench_pipeline: process_ingest, {EVENTS_PER_BODY} events per body")
    for shape, mapper_like in (("mapper-like", True), ("bare", False)):
        body = make_body(mapper_like=mapper_like)
        for encoding in (None, "gzip"):
            pipeline, bare = measure(body, encoding)
            baseline = "gzip.decompress+orjson.loads" if encoding else "orjson.loads"
            print(
                f"  {shape:<11} {encoding or 'plain':<5} {len(body) / EVENTS_PER_BODY:6.0f} B/event  "
                f"process_ingest {pipeline:10,.0f} ev/s   {baseline} {bare:10,.0f} ev/s   "
                f"ratio {pipeline / bare:.2f}"
            )
        reference = duckdb_read_json(body)
        plain, _ = measure(body, None)
        print(
            f"  {shape:<11} duckdb read_json bulk load {reference:10,.0f} ev/s   "
            f"process_ingest (plain) / read_json {plain / reference:.2f}"
        )


if __name__ == "__main__":
    main()

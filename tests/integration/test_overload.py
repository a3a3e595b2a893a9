"""Sustained overload: a tiny writer queue and many concurrent clients → 429s with Retry-After, bounded RSS.

Every request is answered 202 or 429 (never 5xx, never a hang); what got 202 is stored; the server's
peak RSS (sampled with psutil) stays under a generous bound and is printed for the report.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import duckdb
import httpx
import orjson

from seclake.api.app import EVENTS_FILE
from seclake.api.ingest import INGEST_PATH

CLIENTS = 24
DURATION_S = 8.0
BATCH = 1000
RSS_BOUND_BYTES = 1_500 * 1024 * 1024


def _body(client_no: int, seq: int) -> bytes:
    pad = "x" * 600
    return orjson.dumps(
        [
            {
                "event.id": f"o{client_no}-{seq}-{i}",
                "event.type": "VULNERABILITY_FINDING",
                "finding.title": f"overload {pad}",
                "timestamp": int(time.time() * 1000),
            }
            for i in range(BATCH)
        ]
    )


def test_overload_answers_429_and_memory_stays_bounded(server_factory: Any) -> None:
    server = server_factory(
        env={"SECLAKE_WRITER_QUEUE_EVENTS": "2000", "SECLAKE_WRITER_BATCH_EVENTS": "1000"}
    )
    statuses: Counter[int] = Counter()
    retry_after: set[str] = set()
    acked = 0
    lock = threading.Lock()
    stop = threading.Event()
    peak = [server.rss_bytes()]
    headers = server.headers | {"Content-Type": "application/json"}

    def client(no: int) -> None:
        nonlocal acked
        with httpx.Client(base_url=server.url, headers=headers, timeout=60.0) as http:
            seq = 0
            while not stop.is_set():
                response = http.post(INGEST_PATH, content=_body(no, seq))
                seq += 1
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 202:
                        acked += BATCH
                    elif response.status_code == 429:
                        retry_after.add(response.headers.get("Retry-After", ""))

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], server.rss_bytes())
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=sample))
    for t in threads:
        t.start()
    time.sleep(DURATION_S)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    metrics = httpx.get(server.url + "/metrics").text
    assert server.stop(), server.log_tail()

    print(f"\noverload: {dict(statuses)}; peak server RSS {peak[0] / 2**20:.0f} MiB; acked {acked} events")
    assert set(statuses) <= {202, 429}, statuses
    assert statuses[429] > 0, "no 429 under overload: is the writer queue bounded?"
    assert statuses[202] > 0, "nothing accepted under overload"
    assert retry_after and all(v.isdigit() and int(v) >= 1 for v in retry_after), retry_after
    assert 'seclake_ingest_rejected_requests_total{reason="overloaded"}' in metrics
    assert peak[0] < RSS_BOUND_BYTES, f"peak RSS {peak[0] / 2**20:.0f} MiB"
    with duckdb.connect(str(server.data_dir / EVENTS_FILE), read_only=True) as db:
        row = db.execute("SELECT count(*) FROM security_events").fetchone()
    assert row is not None and row[0] >= acked

"""Crash test: SIGKILL the server mid-stream; every event acknowledged with 202 is stored, none twice.

Several client threads ingest batches with unique event ids into a real `seclake serve`; the server is
killed (no shutdown code runs) while requests are in flight, restarted on the same data directory, sent
some acknowledged batches again (re-delivery, as an at-least-once forwarder does), and stopped. Then the
DuckDB file is read directly.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import duckdb
import httpx
import orjson

from seclake.api.app import EVENTS_FILE
from seclake.api.ingest import INGEST_PATH

CLIENTS = 4
BATCH = 200


def _batch(client_no: int, seq: int) -> list[dict[str, Any]]:
    return [
        {
            "event.id": f"c{client_no}-b{seq}-e{i}",
            "event.type": "DETECTION_FINDING",
            "finding.title": "crash test",
        }
        for i in range(BATCH)
    ]


def test_acknowledged_events_survive_sigkill_exactly_once(seclake_server: Any) -> None:
    acked: list[list[str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    headers = seclake_server.headers | {"Content-Type": "application/json"}

    def client(no: int) -> None:
        with httpx.Client(base_url=seclake_server.url, headers=headers, timeout=10.0) as http:
            seq = 0
            while not stop.is_set():
                batch = _batch(no, seq)
                seq += 1
                try:
                    response = http.post(INGEST_PATH, content=orjson.dumps(batch))
                except httpx.TransportError:
                    continue  # the server is gone (or restarting): not acknowledged
                if response.status_code == 202:
                    with lock:
                        acked.append([e["event.id"] for e in batch])

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and len(acked) < 40:
        time.sleep(0.05)
    seclake_server.kill()  # mid-stream: clients are still posting
    stop.set()
    for t in threads:
        t.join(timeout=15)
    acked_before_kill = [eid for batch in acked for eid in batch]
    assert len(acked) >= 40, "too few acknowledged batches before the kill"

    seclake_server.start()
    redelivered = acked[:5]
    with httpx.Client(base_url=seclake_server.url, headers=headers, timeout=10.0) as http:
        for ids in redelivered:
            body = [e | {"event.id": eid} for e, eid in zip(_batch(0, 0), ids, strict=True)]
            assert http.post(INGEST_PATH, content=orjson.dumps(body)).status_code == 202
    assert seclake_server.stop(), seclake_server.log_tail()

    with duckdb.connect(str(seclake_server.data_dir / EVENTS_FILE), read_only=True) as db:
        rows = db.execute('SELECT "event.id", count(*) FROM security_events GROUP BY 1').fetchall()
    counts = dict(rows)
    missing = [eid for eid in acked_before_kill if eid not in counts]
    assert missing == [], f"{len(missing)} acknowledged events lost, e.g. {missing[:3]}"
    twice = {eid: n for eid, n in counts.items() if n != 1}
    assert twice == {}, f"events stored more than once: {list(twice.items())[:3]}"
    assert len(counts) >= len(acked_before_kill)
    unacked_extra = len(counts) - len(acked_before_kill)
    assert unacked_extra <= CLIENTS * BATCH * 2  # at most the batches in flight at the kill

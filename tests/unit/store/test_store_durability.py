"""Crash safety: every acknowledged event survives a SIGKILL of the writing process, none twice.

A real subprocess streams batches into a DuckDBStore (re-delivering some, as an at-least-once
forwarder does) and prints a batch number only after its future resolved (= when the ingest route
would answer 202). The test SIGKILLs it mid-stream, reopens the file and checks what it holds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from store_support import make_event

from seclake.settings import Settings
from seclake.store.duckdb import DB_FILE_NAME, DuckDBStore

BATCH = 50
KILL_AFTER_ACKS = 25

CHILD = textwrap.dedent(
    """
    import sys, threading, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from store_support import make_event
    from seclake.errors import OverloadedError
    from seclake.logging import configure_logging
    from seclake.settings import Settings
    from seclake.store.duckdb import DuckDBStore

    configure_logging("WARNING", json=True)  # logs to stderr; stdout carries only acknowledgements
    path = Path(sys.argv[1])
    settings = Settings(data_dir=path.parent, writer_queue_events=1000, writer_batch_events=300)
    store = DuckDBStore(path, settings=settings, run_retention=False)
    store._db.execute("SET checkpoint_threshold = '256KB'")  # checkpoint mid-stream too
    lock = threading.Lock()

    def acked(k):
        def callback(future):
            if future.exception() is None:
                with lock:
                    sys.stdout.write(f"{k}\\n")
                    sys.stdout.flush()
        return callback

    k = 0
    while True:
        ids = range(k * BATCH, (k + 1) * BATCH)
        if k % 4 == 3:  # re-deliver an earlier batch, as a retrying forwarder would
            ids = range((k - 2) * BATCH, (k - 1) * BATCH)
        try:
            future = store.submit([make_event(i) for i in ids], connection_id="c1", body_bytes=1000)
        except OverloadedError:
            time.sleep(0.005)
            continue
        future.add_done_callback(acked(k))
        k += 1
    """
).replace("BATCH", str(BATCH))


def _expected_ids(k: int) -> set[str]:
    first = (k - 2) if k % 4 == 3 else k
    return {make_event(i)["event.id"] for i in range(first * BATCH, (first + 1) * BATCH)}


def test_acknowledged_events_survive_sigkill_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE_NAME
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    acked: list[int] = []
    deadline = time.monotonic() + 60
    try:
        assert child.stdout is not None
        while len(acked) < KILL_AFTER_ACKS and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            acked.append(int(line))
        assert len(acked) >= KILL_AFTER_ACKS, f"the writer process acknowledged only {len(acked)} batches"
        os.kill(child.pid, signal.SIGKILL)
        # acknowledgements printed before the kill landed count too
        acked.extend(int(line) for line in child.stdout.read().split())
    finally:
        child.kill()
        child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    settings = Settings(data_dir=tmp_path)
    with DuckDBStore(path, settings=settings, run_retention=False) as store:
        stored = set(store.query('SELECT "event.id" FROM security_events').column(0).to_pylist())
        total = store.count()
        assert total == len(stored), "an event.id appears twice after the restart"
        missing = {k: len(_expected_ids(k) - stored) for k in acked if _expected_ids(k) - stored}
        assert not missing, f"acknowledged batches lost events: {missing}"
        # a forwarder that retries after the crash still creates no duplicates
        store.append([make_event(i) for i in range(2 * BATCH)], connection_id="c1", body_bytes=1)
        assert store.count() == total
        assert total >= KILL_AFTER_ACKS // 2 * BATCH

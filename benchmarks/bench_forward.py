"""Forwarder end to end vs its two halves, measured in one run on the same generated export.

1. mapper alone: every Event Hub body of a generated export through seclake.sources.defender.map_body;
2. ingest alone: the mapped events, pre-encoded and gzip'd in batches, POSTed by several concurrent
   clients to a real `seclake serve` (fresh data dir);
3. forwarder: `forward_files` on the export files into another fresh server (mapping thread + sender
   threads, progress journal, everything a real run does).
All three are reported as Defender records per second; target: forwarder >= 0.7 x the slower half.
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from seclake.control.scopes import ALL_SCOPES
from seclake.control.tokens import create_token
from seclake.forwarder.batching import batches, encode_all
from seclake.forwarder.config import INGEST_PATH, ForwarderConfig
from seclake.forwarder.files import expand_inputs, manifest_times
from seclake.forwarder.metrics import Metrics
from seclake.forwarder.runner import forward_files
from seclake.sources.defender import map_body
from seclake.synthetic import write_export

IMAGES = int(os.environ.get("SECLAKE_BENCH_FORWARD_IMAGES", "150"))
CLIENTS = 3
BATCH_EVENTS = 2_000
TARGET = 0.7


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A `seclake serve` subprocess on a fresh data dir with an all-scopes token."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True)
        self.token = create_token(data_dir, "bench", sorted(ALL_SCOPES))[1]
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "seclake",
            "serve",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
        ]
        env = os.environ | {"SECLAKE_LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("seclake serve did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def load_bodies(export: Path) -> list[tuple[bytes, datetime | None]]:
    out = []
    for name in expand_inputs([str(export)]):
        path = Path(name)
        out.append((path.read_bytes(), manifest_times(str(path.parent)).get(path.name)))
    return out


def bench_mapper(bodies: list[tuple[bytes, datetime | None]]) -> tuple[float, int, list[dict[str, object]]]:
    started = time.perf_counter()
    records, events = 0, []
    for body, enqueued in bodies:
        result = map_body(body, enqueued_time=enqueued)
        records += result.records
        events.extend(result.events)
    return time.perf_counter() - started, records, events


def bench_ingest(events: list[dict[str, object]], server: Server) -> float:
    payloads = [
        gzip.compress(batch.body(), compresslevel=1)
        for batch in batches(encode_all(events, 0), BATCH_EVENTS, 4_000_000)
    ]
    headers = {
        "Authorization": f"Api-Token {server.token}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    todo = list(payloads)
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            while True:
                with lock:
                    if not todo:
                        return
                    payload = todo.pop()
                while http.post(INGEST_PATH, content=payload).status_code != 202:
                    time.sleep(0.05)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def bench_forwarder(export: Path, server: Server, work: Path) -> tuple[float, dict[str, int]]:
    config = ForwarderConfig(
        url=server.url,
        token=server.token,
        state_dir=work / "state",
        batch_max_events=BATCH_EVENTS,
        senders=CLIENTS,
    )
    started = time.perf_counter()
    result = forward_files(config, [str(export)], metrics=Metrics())
    elapsed = time.perf_counter() - started
    if not result.drained:
        raise RuntimeError("forwarder did not deliver everything")
    return elapsed, result.metrics


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="seclake-bench-forward-") as tmp:
        work = Path(tmp)
        export = work / "export"
        stats = write_export(export, IMAGES, 7, now=datetime(2025, 6, 1, tzinfo=UTC))
        bodies = load_bodies(export)
        map_s, records, events = bench_mapper(bodies)
        print(
            f"export: {IMAGES} images, {stats.bodies:,} bodies, {records:,} records -> {len(events):,} events"
        )
        first = Server(work / "data-ingest")
        try:
            ingest_s = bench_ingest(events, first)
        finally:
            first.stop()
        second = Server(work / "data-forward")
        try:
            forward_s, metrics = bench_forwarder(export, second, work)
        finally:
            second.stop()
        rates = {
            "mapper alone": records / map_s,
            "ingest alone": records / ingest_s,
            "forwarder": records / forward_s,
        }
        for name, rate in rates.items():
            print(f"{name:>14}: {rate:>10,.0f} records/s")
        print(
            f"{'':>14}  ({len(events) / ingest_s:,.0f} events/s ingest alone, {len(events) / forward_s:,.0f} events/s forwarded)"
        )
        slower = min(rates["mapper alone"], rates["ingest alone"])
        ratio = rates["forwarder"] / slower
        print(
            f"forwarder / slower half = {ratio:.2f} (target >= {TARGET}) {'OK' if ratio >= TARGET else 'BELOW TARGET'}"
        )
        print(
            f"sent {metrics['seclake_forwarder_events_sent_total']:,} events in {metrics['seclake_forwarder_requests_sent_total']} requests, retried {metrics['seclake_forwarder_requests_retried_total']}"
        )


if __name__ == "__main__":
    main()

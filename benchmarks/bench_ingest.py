"""Ingest over HTTP vs DuckDB's own bulk load, measured in one run on the same events.

A real `seclake serve` (subprocess, temp data dir) takes ~1 KB Semantic-Dictionary events, 1,000 per
request, from several concurrent clients on loopback; each 202 comes only after the commit. Printed:
events/s, p50/p99 request latency, peak server RSS; then DuckDB `read_json` of the same events as NDJSON
into a fresh database file, and the ratio (target >= 0.5).

    python -m benchmarks ingest
    python -m benchmarks.bench_ingest [--events N] [--clients C] [--switch-interval S] [--profile]

`--profile` samples the server with py-spy (if installed in the venv: `pip install py-spy`; it is not a
project dependency) during the HTTP phase and prints where its CPU time goes, by function.
The defaults are the figures reported: 100,000 events, 8 clients (enough requests in flight for the
writer to commit several per transaction on 2 cores; fewer leave it waiting on fsync).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb
import httpx
import orjson
import psutil

from seclake.control.scopes import ALL_SCOPES
from seclake.control.tokens import create_token

EVENTS = int(os.environ.get("SECLAKE_BENCH_EVENTS", "100000"))
PER_REQUEST = 1_000
CLIENTS = 8
INGEST = "/platform/ingest/v1/security.events"


def make_events(n: int) -> list[dict[str, Any]]:
    """~1 KB vulnerability findings with the fields a Defender mapping produces."""
    now_ms = int(time.time() * 1000)
    return [
        {
            "event.id": str(uuid.uuid4()),
            "event.kind": "SECURITY_EVENT",
            "event.type": "VULNERABILITY_FINDING",
            "event.provider": "Microsoft Defender for Cloud",
            "event.description": "Container image vulnerability detected by Microsoft Defender Vulnerability Management",
            "product.vendor": "Microsoft",
            "product.name": "Microsoft Defender for Cloud",
            "timestamp": now_ms - i,
            "finding.time.created": now_ms - 3_600_000 - i,
            "finding.id": f"finding-{i % 20000:06d}",
            "finding.title": f"CVE-2024-{10000 + i % 9000} in libssl3 3.0.{i % 15}",
            "finding.type": "VULNERABILITY",
            "finding.severity": ("CRITICAL", "HIGH", "MEDIUM", "LOW")[i % 4],
            "vulnerability.id": f"CVE-2024-{10000 + i % 9000}",
            "vulnerability.title": "OpenSSL: excessive time spent checking DSA keys and parameters",
            "vulnerability.references.cve": [f"CVE-2024-{10000 + i % 9000}"],
            "component.name": "libssl3",
            "component.version": f"3.0.{i % 15}-1~deb12u1",
            "scan.id": f"scan-{i % 500:04d}-{i // 5000}",
            "object.type": "CONTAINER_IMAGE",
            "object.id": f"sha256:{i % 500:064x}",
            "object.name": f"contosoacr.azurecr.io/app/service-{i % 500}:1.{i % 7}.0",
            "azure.subscription": "00000000-1111-2222-3333-444444444444",
            "azure.resource.group": "rg-prod-weu",
            "dt.security.risk.score": round((i % 100) / 10, 1),
        }
        for i in range(n)
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data_dir: Path, port: int, switch_interval: float | None) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "seclake", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    if switch_interval is not None:
        cmd += ["--switch-interval", str(switch_interval)]
    env = os.environ | {"SECLAKE_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def _profile(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server (collapsed stacks, GIL-holding or running threads only), if installed."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        print("py-spy not installed: no profile (pip install py-spy into the venv)")
        return None
    cmd = [spy, "record", "-p", str(pid), "-r", "97", "-f", "raw", "-o", str(out), "--nonblocking"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile_summary(collapsed: Path, top: int = 25) -> list[str]:
    """Share of samples per function: self time, and inclusive time of the ingest hot path's parts."""
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        total += int(count)
        own[re.sub(r":\d+\)$", ")", stack.split(";")[-1])] += int(count)
    return [f"{100 * n / max(total, 1):5.1f}%  {name}" for name, n in own.most_common(top)]


def bench_http(
    bodies: list[bytes], data_dir: Path, clients: int, switch_interval: float | None, profile: Path | None
) -> tuple[float, list[float], int, float, float]:
    port = _free_port()
    token = create_token(data_dir, "bench", sorted(ALL_SCOPES))[1]
    proc = _start(data_dir, port, switch_interval)
    spy = _profile(proc.pid, profile) if profile is not None else None
    peak = [0]
    done = threading.Event()
    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(enumerate(bodies))
    headers = {"Authorization": f"Api-Token {token}", "Content-Type": "application/json"}

    def sampler() -> None:
        p = psutil.Process(proc.pid)
        while not done.is_set():
            peak[0] = max(peak[0], p.memory_info().rss)
            time.sleep(0.02)

    def client() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    _, body = queue.pop()
                while True:
                    t0 = time.perf_counter()
                    response = http.post(INGEST, content=body)
                    if response.status_code == 202:
                        break
                    if response.status_code != 429:
                        raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
                    time.sleep(float(response.headers.get("Retry-After", "1")))
                with lock:
                    latencies.append(time.perf_counter() - t0)

    server = psutil.Process(proc.pid)
    cpu_before = sum(server.cpu_times()[:2])
    threading.Thread(target=sampler, daemon=True).start()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu = sum(server.cpu_times()[:2]) - cpu_before
    done.set()
    if spy is not None:
        spy.send_signal(signal.SIGINT)  # py-spy writes its samples on SIGINT
        spy.wait(timeout=60)
    stopping = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    return elapsed, latencies, peak[0], cpu, time.perf_counter() - stopping


def bench_duckdb(events: list[dict[str, Any]], work: Path) -> float:
    ndjson = work / "events.ndjson"
    ndjson.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    with duckdb.connect(str(work / "bulk.duckdb")) as db:
        started = time.perf_counter()
        db.execute(f"CREATE TABLE bulk AS SELECT * FROM read_json('{ndjson}', format='newline_delimited')")
        db.execute("CHECKPOINT")
        elapsed = time.perf_counter() - started
        row = db.execute("SELECT count(*) FROM bulk").fetchone()
    assert row is not None and row[0] == len(events)
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--switch-interval", type=float, default=None, help="the server's (default: serve's)")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="",
        default=None,
        metavar="FILE",
        help="sample the server with py-spy (keep the collapsed stacks in FILE)",
    )
    args, _ = parser.parse_known_args(argv)  # `python -m benchmarks ingest` leaves "ingest" in sys.argv
    events = make_events(args.events)
    bodies = [orjson.dumps(events[i : i + PER_REQUEST]) for i in range(0, len(events), PER_REQUEST)]
    size = sum(len(b) for b in bodies) / len(events)
    with tempfile.TemporaryDirectory(prefix="seclake-bench-") as tmp:
        work = Path(tmp)
        profile = None if args.profile is None else Path(args.profile or work / "profile.txt")
        elapsed, latencies, peak, cpu, shutdown = bench_http(
            bodies, work / "data", args.clients, args.switch_interval, profile
        )
        bulk = bench_duckdb(events, work)
        hot = profile_summary(profile) if profile is not None and profile.exists() else []
    http_rate = len(events) / elapsed
    bulk_rate = len(events) / bulk
    q = statistics.quantiles(latencies, n=100)
    print(f"events: {len(events)} of {size:.0f} B, {PER_REQUEST}/request, {args.clients} clients")
    print(f"HTTP ingest (202 after commit): {http_rate:,.0f} events/s ({elapsed:.2f} s)")
    print(f"request latency: p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms")
    print(f"peak server RSS: {peak / 2**20:.0f} MiB")
    print(f"server CPU: {cpu:.1f} s ({cpu / elapsed:.2f} cores, {cpu / len(events) * 1e6:.0f} us per event)")
    print(
        f"server shutdown (final WAL checkpoint): {shutdown:.2f} s; "
        f"counting it: {len(events) / (elapsed + shutdown):,.0f} events/s"
    )
    print(f"DuckDB read_json bulk load: {bulk_rate:,.0f} events/s ({bulk:.2f} s)")
    print(f"ratio HTTP / bulk load: {http_rate / bulk_rate:.2f} (target >= 0.5)")
    if hot:
        print("server CPU profile (py-spy, share of samples by function, self time):")
        print("\n".join("  " + line for line in hot))


if __name__ == "__main__":
    main()

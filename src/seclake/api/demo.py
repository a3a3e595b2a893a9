"""`seclake serve --demo`: load a synthetic Defender export through the real mapper and ingest API.

`run_demo(settings)` is the one entry point (called in a thread once the server listens): it creates an
admin token, prints the URL and the token, then `load_demo` turns every Event Hub body of
`seclake.synthetic.generate_export` into events with `seclake.sources.defender.map_body` and POSTs them,
gzip-compressed, 1,000 per request, to the server's own ingest endpoint over HTTP, exactly as a
forwarder would; the summary comes from `seclake.synthetic.summary.render_summary`.
To switch the demo to the forwarder later, replace the body of `load_demo`.
"""

from __future__ import annotations

import gzip
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx
import orjson
from rich.console import Console

from seclake.api.ingest import INGEST_PATH
from seclake.control.scopes import ALL_SCOPES
from seclake.control.tokens import create_token
from seclake.logging import get_logger
from seclake.settings import Settings

__all__ = ["DemoStats", "load_demo", "run_demo", "server_url"]

log = get_logger("demo")

BATCH_EVENTS = 1_000
MAX_ATTEMPTS = 20
WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


@dataclass
class DemoStats:
    """What the demo sent."""

    bodies: int = 0
    records: int = 0
    events: int = 0
    requests: int = 0
    retries: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    mapping_errors: int = 0
    seconds: float = 0.0
    sent: list[dict[str, Any]] = field(default_factory=list, repr=False)  # for the summary


def server_url(settings: Settings) -> str:
    """The base URL a local client uses to reach the server of `settings`."""
    host = WILDCARD_HOSTS.get(settings.host, settings.host)
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"


def _batches(images: int, seed: int, stats: DemoStats) -> Iterator[list[dict[str, Any]]]:
    from seclake.sources.defender import map_body  # noqa: PLC0415 - demo-only dependencies
    from seclake.synthetic import generate_export  # noqa: PLC0415

    pending: list[dict[str, Any]] = []
    for generated in generate_export(images, seed):
        result = map_body(generated.body, enqueued_time=generated.enqueued_time)
        stats.bodies += 1
        stats.records += result.records
        stats.skipped.update(result.skipped)
        stats.mapping_errors += len(result.errors)
        pending.extend(result.events)
        while len(pending) >= BATCH_EVENTS:
            yield pending[:BATCH_EVENTS]
            pending = pending[BATCH_EVENTS:]
    if pending:
        yield pending


def _post(client: httpx.Client, body: bytes, stats: DemoStats) -> None:
    for _ in range(MAX_ATTEMPTS):
        response = client.post(INGEST_PATH, content=body)
        stats.requests += 1
        if response.status_code == 202:
            return
        if response.status_code not in (429, 503):
            raise RuntimeError(f"demo ingest refused: {response.status_code} {response.text[:300]}")
        stats.retries += 1
        time.sleep(float(response.headers.get("Retry-After", "1")))
    raise RuntimeError(f"demo ingest still refused after {MAX_ATTEMPTS} attempts")


def load_demo(url: str, token: str, *, images: int, seed: int) -> DemoStats:
    """Generate, map and POST a synthetic export to `url`; returns what was sent (all of it acknowledged)."""
    stats = DemoStats()
    started = time.perf_counter()
    headers = {
        "Authorization": f"Api-Token {token}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    with httpx.Client(base_url=url, headers=headers, timeout=120.0) as client:
        for batch in _batches(images, seed, stats):
            _post(client, gzip.compress(orjson.dumps(batch), compresslevel=5), stats)
            stats.events += len(batch)
            stats.sent.extend(batch)
    stats.seconds = time.perf_counter() - started
    return stats


def _summary(stats: DemoStats, images: int, seed: int, stream: TextIO) -> None:
    from seclake.synthetic.summary import render_summary  # noqa: PLC0415 - demo-only dependency

    print(
        f"demo: {stats.events} events from {stats.records} records in {stats.bodies} Event Hub bodies "
        f"({images} images, seed {seed}) sent in {stats.requests} requests, {stats.seconds:.1f}s",
        file=stream,
    )
    if stats.skipped:
        skipped = ", ".join(f"{k}={v}" for k, v in sorted(stats.skipped.items()))
        print(f"skipped records: {skipped}", file=stream)
    render_summary(stats.sent, Console(file=stream))
    stream.flush()


def run_demo(settings: Settings, *, images: int, seed: int, out: TextIO | None = None) -> DemoStats | None:
    """Create an admin token, print URL and token, load the demo export, print a summary."""
    stream = out or sys.stdout
    _, token = create_token(settings.data_dir, "demo admin", sorted(ALL_SCOPES))
    url = server_url(settings)
    print(f"seclake is running at {url}  (API docs: {url}/docs)", file=stream, flush=True)
    print(f"admin token (all scopes, shown once): {token}", file=stream, flush=True)
    try:
        stats = load_demo(url, token, images=images, seed=seed)
    except Exception as exc:  # the server keeps running; say what went wrong
        log.error("demo_load_failed", error=str(exc), error_type=type(exc).__name__)
        print(f"demo data could not be loaded: {exc}", file=stream, flush=True)
        return None
    _summary(stats, images, seed, stream)
    return stats

"""`seclake serve --demo`: load a synthetic Defender export through the real forwarder path.

`run_demo(settings)` is the one entry point (called in a thread once the server listens): it creates an
admin token, prints the URL and the token, then `load_demo` writes a synthetic continuous export
(`seclake.synthetic.write_export`) into `<data_dir>/demo-export/` and hands that directory to the real
forwarder (`seclake.forwarder.forward_files`: Defender mapper → batches → gzip POST to the server's own
ingest endpoint, retries, checkpoints), exactly as `seclake forward` would. The summary is rendered
from the very events the forwarder mapped (`seclake.synthetic.summary.render_summary`).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from seclake.control.scopes import ALL_SCOPES
from seclake.control.tokens import create_token
from seclake.logging import get_logger
from seclake.settings import Settings

__all__ = ["DemoStats", "load_demo", "run_demo", "server_url"]

log = get_logger("demo")

WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
DEMO_EXPORT_DIR = "demo-export"
DEMO_STATE_DIR = "demo-forwarder"


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


def load_demo(url: str, token: str, *, images: int, seed: int, work_dir: Path) -> DemoStats:
    """Generate an export under `work_dir` and forward it to `url`; every sent event was acknowledged."""
    # demo-only dependencies: the server itself never imports the forwarder or the generator
    from seclake.forwarder import ForwarderConfig, forward_files  # noqa: PLC0415
    from seclake.sources.defender import MapResult, map_body  # noqa: PLC0415
    from seclake.synthetic import write_export  # noqa: PLC0415

    stats = DemoStats()
    started = time.perf_counter()
    export_dir = work_dir / DEMO_EXPORT_DIR
    write_export(export_dir, images, seed)

    def recording_map(body: bytes | str, *, enqueued_time: datetime | None = None) -> MapResult:
        result = map_body(body, enqueued_time=enqueued_time)
        stats.bodies += 1
        stats.records += result.records
        stats.skipped.update(result.skipped)
        stats.mapping_errors += len(result.errors)
        stats.sent.extend(result.events)
        return result

    # A new export each run (its times follow the clock): start the forwarder's journal afresh too.
    shutil.rmtree(work_dir / DEMO_STATE_DIR, ignore_errors=True)
    config = ForwarderConfig(url=url, token=token, state_dir=work_dir / DEMO_STATE_DIR)
    result = forward_files(config, [str(export_dir)], map_fn=recording_map)
    stats.events = result.metrics.get("seclake_forwarder_events_sent_total", 0)
    stats.requests = result.metrics.get("seclake_forwarder_requests_sent_total", 0)
    stats.retries = result.metrics.get("seclake_forwarder_requests_retried_total", 0)
    stats.seconds = time.perf_counter() - started
    if not result.drained:
        raise RuntimeError("the forwarder stopped before every demo event was acknowledged")
    return stats


def _summary(stats: DemoStats, images: int, seed: int, stream: TextIO) -> None:
    from seclake.synthetic.summary import render_summary  # noqa: PLC0415 - demo-only dependency

    print(
        f"demo: {stats.events} events from {stats.records} records in {stats.bodies} Event Hub bodies "
        f"({images} images, seed {seed}) forwarded in {stats.requests} requests, {stats.seconds:.1f}s",
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
        stats = load_demo(url, token, images=images, seed=seed, work_dir=settings.data_dir)
    except Exception as exc:  # the server keeps running; say what went wrong
        log.error("demo_load_failed", error=str(exc), error_type=type(exc).__name__)
        print(f"demo data could not be loaded: {exc}", file=stream, flush=True)
        return None
    _summary(stats, images, seed, stream)
    return stats

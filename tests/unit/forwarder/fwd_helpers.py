"""Helpers of the forwarder's unit tests: a real HTTP ingest stub on loopback and a tiny mapper.

The stub is a real `http.server` on 127.0.0.1 (not a mock of httpx): it checks the token, inflates the
gzip body, parses the JSON array and answers from a script, so the sink's retry and split logic runs over
real sockets. The tiny mapper stands in for seclake.sources.defender in unit tests (the integration tests
use the real one): a body is a JSON array of {"id": ...}; records with "skip" are skipped, "bad" fails.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from seclake.errors import MappingError
from seclake.forwarder.config import INGEST_PATH, ForwarderConfig

TOKEN = "sl0c01.test.secret"
Answer = tuple[int, dict[str, str], bytes]
Script = Callable[[int, list[dict[str, Any]]], Answer | None]


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    events: list[dict[str, Any]]
    status: int


@dataclass
class IngestStub:
    """A scripted ingest endpoint; `script(n, events)` may return an answer, else 202 and store."""

    script: Script | None = None
    requests: list[Request] = field(default_factory=list)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        if headers.get("authorization") != f"Api-Token {TOKEN}":
            return 401, {}, b'{"error":{"code":401,"message":"no token"}}'
        if path != INGEST_PATH:
            return 404, {}, b'{"error":{"code":404,"message":"not found"}}'
        body = gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw
        events = json.loads(body)
        with self.lock:
            n = len(self.requests)
        answer = self.script(n, events) if self.script else None
        if answer is None:
            answer = (202, {}, b"")
            with self.lock:
                for event in events:
                    self.stored[event["event.id"]] = event
                    self.deliveries[event["event.id"]] += 1
        with self.lock:
            self.requests.append(Request(path, headers, events, answer[0]))
        return answer

    def statuses(self) -> list[int]:
        with self.lock:
            return [r.status for r in self.requests]


def _handler_for(stub: IngestStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, body = stub.handle(self.path, headers, raw)
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def ingest_stub() -> Iterator[IngestStub]:
    stub = IngestStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(stub))
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()
    thread.join()


def make_config(url: str, tmp_path: Path, **overrides: Any) -> ForwarderConfig:
    values: dict[str, Any] = {
        "url": url,
        "token": TOKEN,
        "state_dir": tmp_path / "state",
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "linger_s": 0.02,
        "request_timeout_s": 5.0,
        "drain_timeout_s": 5.0,
    }
    values.update(overrides)
    return ForwarderConfig(**values)


@dataclass
class TinyResult:
    events: list[dict[str, Any]]
    skipped: Counter[str]
    errors: list[MappingError]
    records: int


def tiny_map(body: bytes | str, *, enqueued_time: datetime | None = None) -> TinyResult:
    """Stand-in mapper: [{"id": "a"}, ...] → [{"event.id": "a", ...}]."""
    try:
        records = json.loads(body)
    except ValueError as exc:
        return TinyResult([], Counter(), [MappingError(f"invalid JSON: {exc}", path="$")], 0)
    events, skipped, errors = [], Counter[str](), []
    for index, record in enumerate(records):
        if record.get("skip"):
            skipped["unsupported"] += 1
        elif record.get("bad"):
            errors.append(MappingError("bad record", index=index, path="$.bad"))
        else:
            event = {"event.id": record["id"], "pad": record.get("pad", "")}
            if enqueued_time is not None:
                event["timestamp"] = enqueued_time.isoformat()
            events.append(event)
    return TinyResult(events, skipped, errors, len(records))


def body_of(ids: list[str], **extra: Any) -> bytes:
    return json.dumps([{"id": i, **extra} for i in ids]).encode()

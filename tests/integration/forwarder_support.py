"""Helpers of the forwarder's integration tests: ground truth from the real mapper, the stored events
read from the DuckDB file, the `seclake forward` subprocess, and a flaky loopback proxy."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import httpx

from seclake.api.app import EVENTS_FILE
from seclake.forwarder.files import expand_inputs, manifest_times
from seclake.sources.defender import map_body

FINDING_TYPES = frozenset({"VULNERABILITY_FINDING", "DETECTION_FINDING"})


def expected_events(inputs: list[Path]) -> dict[str, str]:
    """event.id → event.type of every event the real mapper produces for the input files."""
    out: dict[str, str] = {}
    for name in expand_inputs([str(p) for p in inputs]):
        path = Path(name)
        enqueued = manifest_times(str(path.parent)).get(path.name)
        for event in map_body(path.read_bytes(), enqueued_time=enqueued).events:
            out[event["event.id"]] = event["event.type"]
    return out


def stored_events(server: Any) -> Counter[str]:
    """event.id → rows, read from the DuckDB file after stopping the server (it owns the file)."""
    server.stop()
    with duckdb.connect(str(server.data_dir / EVENTS_FILE), read_only=True) as db:
        rows = db.execute('SELECT "event.id", count(*) FROM security_events GROUP BY 1').fetchall()
    return Counter({str(event_id): int(n) for event_id, n in rows})


def forward_cmd(url: str, token: str, inputs: list[Path], state_dir: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "seclake",
        "forward",
        *[str(p) for p in inputs],
        "--url",
        url,
        "--state-dir",
        str(state_dir),
        "--no-progress",
        *extra,
    ]


def start_forwarder(
    url: str, token: str, inputs: list[Path], state_dir: Path, *extra: str, log: Path
) -> subprocess.Popen[bytes]:
    """`seclake forward` as a subprocess; the token travels in SECLAKE_TOKEN (not on the command line)."""
    env = os.environ | {"SECLAKE_TOKEN": token, "SECLAKE_LOG_LEVEL": "INFO"}
    with log.open("ab") as out:
        return subprocess.Popen(
            forward_cmd(url, token, inputs, state_dir, *extra), stdout=out, stderr=subprocess.STDOUT, env=env
        )


@dataclass
class FlakyProxy:
    """A real HTTP proxy on loopback: the first answers come from `script` (e.g. 503, 429), then it
    forwards to `upstream`. Counts the statuses it gave."""

    upstream: str
    script: list[tuple[int, dict[str, str]]]
    port: int = 0
    answered: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            scripted = self.script.pop(0) if self.script else None
        if scripted is not None:
            status, extra = scripted
            payload = b'{"error":{"code":%d,"message":"scripted by the test proxy"}}' % status
        else:
            keep = {
                k: v
                for k, v in headers.items()
                if k.lower() in {"authorization", "content-type", "content-encoding"}
            }
            response = httpx.request(method, self.upstream + path, content=body, headers=keep, timeout=30.0)
            status, extra, payload = response.status_code, dict(response.headers), response.content
            extra = {k: v for k, v in extra.items() if k.lower() in {"retry-after", "content-type"}}
        with self.lock:
            self.answered[status] += 1
        return status, extra, payload

    def start(self) -> FlakyProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, extra, payload = proxy._answer("POST", self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def journal_lines(state_dir: Path) -> list[str]:
    path = state_dir / "files-progress.jsonl"
    return path.read_text().splitlines() if path.exists() else []


def wait_exit(process: subprocess.Popen[bytes], timeout: float, log: Path) -> int:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"forwarder did not finish in {timeout}s:\n{log.read_text()[-3000:]}") from None


def iter_findings(expected: dict[str, str]) -> Iterator[str]:
    return (event_id for event_id, kind in expected.items() if kind in FINDING_TYPES)

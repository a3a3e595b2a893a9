"""`seclake serve --demo` (what `make run` starts): the demo export goes through the real forwarder
into the real server, the printed token works, and every mapped event is queryable exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
from server_support import free_port

from seclake.sources.defender import map_body

DEMO_TIMEOUT_S = 120.0


def _wait_for(path: Path, pattern: str, proc: subprocess.Popen[bytes]) -> re.Match[str]:
    deadline = time.monotonic() + DEMO_TIMEOUT_S
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        if match := re.search(pattern, text):
            return match
        assert proc.poll() is None, f"demo server exited with {proc.returncode}:\n{text[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"no {pattern!r} in the demo output after {DEMO_TIMEOUT_S}s")


def test_demo_loads_through_the_forwarder_and_is_queryable(tmp_path: Path) -> None:
    data_dir, port, out = tmp_path / "data", free_port(), tmp_path / "demo.out"
    cmd = [sys.executable, "-m", "seclake", "serve", "--demo", "--demo-images", "3"]
    cmd += ["--port", str(port), "--data-dir", str(data_dir)]
    env = os.environ | {"SECLAKE_LOG_LEVEL": "WARNING"}
    with out.open("wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, env=env)
    try:
        token = _wait_for(out, r"admin token \(all scopes, shown once\): (sl0c01\.\S+)", proc).group(1)
        sent = int(_wait_for(out, r"demo: (\d+) events", proc).group(1))
        assert (
            "Open vulnerability findings by risk level"
            in _wait_for(out, r"Top \d+ most affected images", proc).string
        )

        # Ground truth, computed here from the export the demo wrote: the distinct mapped events.
        manifest = orjson.loads((data_dir / "demo-export" / "manifest.json").read_bytes())
        enqueued = manifest.get("enqueued_times", {})
        expected: set[str] = set()
        mapped = 0
        for body in sorted((data_dir / "demo-export").glob("[0-9]*.json")):
            result = map_body(body.read_bytes())
            assert not result.errors, result.errors
            mapped += len(result.events)
            expected.update(e["event.id"] for e in result.events)
        assert enqueued, "the demo export carries enqueued times"
        assert sent == mapped > 0

        query = "fetch security.events, from: now() - 90d | summarize {n = count(), ids = countDistinctExact(event.id)}"
        response = httpx.post(
            f"http://127.0.0.1:{port}/platform/storage/query/v1/query:execute",
            json={"query": query},
            headers={"Authorization": f"Api-Token {token}"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        record = response.json()["result"]["records"][0]
        assert record["n"] == record["ids"] == len(expected)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

"""The server is down when the forwarder starts, then answers 503 and 429 for a while (a real proxy on
loopback scripts those answers, then forwards to the real server): everything arrives, nothing is stored
twice, and no checkpoint moves before the events it covers were accepted."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forwarder_support import (
    FlakyProxy,
    expected_events,
    journal_lines,
    start_forwarder,
    stored_events,
    wait_exit,
)
from server_support import free_port

from seclake.sources.defender import map_body
from seclake.synthetic import write_export


def _checkpointed(state: Path) -> set[str]:
    return {json.loads(line)[0] for line in journal_lines(state)}


def test_down_then_overloaded_then_everything_arrives(
    server_factory: Callable[..., Any], tmp_path: Path
) -> None:
    export = tmp_path / "export"
    write_export(export, 8, 5, now=datetime(2025, 6, 1, tzinfo=UTC))
    expected = expected_events([export])
    # bodies whose records are all skipped (no events) are done at once; all others need a 202 first
    carrying = {str(p.resolve()) for p in export.glob("0*.json") if map_body(p.read_bytes()).events}
    assert carrying
    server = server_factory(start=False)
    proxy = FlakyProxy(
        server.url,
        script=[
            (503, {}),
            (503, {"Retry-After": "0.2"}),
            (429, {"Retry-After": "0.5"}),
            (429, {}),
            (503, {}),
        ],
        port=free_port(),
    )
    state, log = tmp_path / "state", tmp_path / "forward.log"
    process = start_forwarder(
        proxy.url, server.admin_token, [export], state, "--batch-events", "200", "--max-backoff", "1", log=log
    )
    try:
        time.sleep(2.0)  # nothing listens: connection refused, retried with backoff
        assert process.poll() is None, log.read_text()[-2000:]
        assert not _checkpointed(state) & carrying, "a checkpoint moved while nothing was accepted"
        server.start()
        proxy.start()
        deadline = time.monotonic() + 10
        while sum(proxy.answered[s] for s in (429, 503)) < 5 and time.monotonic() < deadline:
            assert not _checkpointed(state) & carrying, "a checkpoint moved before any 202"
            time.sleep(0.01)
        assert wait_exit(process, 120, log) == 0, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        proxy.stop()
    assert proxy.answered[503] == 3 and proxy.answered[429] == 2
    assert proxy.answered[202] >= 1
    assert "seclake_forwarder_requests_retried_total" in log.read_text()
    stored = stored_events(server)
    assert set(stored) == set(expected)
    assert max(stored.values()) == 1

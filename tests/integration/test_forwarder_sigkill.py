"""The forwarder is killed with SIGKILL mid-stream and restarted from its progress journal: every event
the mapper produces arrives, none is stored twice (the server dedups re-delivered event ids)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forwarder_support import expected_events, journal_lines, start_forwarder, stored_events, wait_exit

from seclake.synthetic import write_export


def test_sigkill_then_restart_loses_nothing(seclake_server: Any, tmp_path: Path) -> None:
    export = tmp_path / "export"
    stats = write_export(export, 25, 21, now=datetime(2025, 6, 1, tzinfo=UTC))
    expected = expected_events([export])
    state, log = tmp_path / "state", tmp_path / "forward.log"
    args = ("--batch-events", "40", "--senders", "1")
    process = start_forwarder(seclake_server.url, seclake_server.admin_token, [export], state, *args, log=log)
    deadline = time.monotonic() + 60
    while len(journal_lines(state)) < stats.bodies // 5 and time.monotonic() < deadline:
        assert process.poll() is None, (
            "finished before the kill: make the export bigger\n" + log.read_text()[-2000:]
        )
        time.sleep(0.005)
    process.kill()
    process.wait()
    done_at_kill = len(journal_lines(state))
    assert 0 < done_at_kill < stats.bodies, "the kill did not land mid-stream"

    process = start_forwarder(seclake_server.url, seclake_server.admin_token, [export], state, *args, log=log)
    assert wait_exit(process, 120, log) == 0, log.read_text()[-3000:]
    assert "seclake_forwarder_bodies_already_done_total" in log.read_text()
    stored = stored_events(seclake_server)
    missing = set(expected) - set(stored)
    assert not missing, f"{len(missing)} events lost, e.g. {sorted(missing)[:3]}"
    assert max(stored.values()) == 1

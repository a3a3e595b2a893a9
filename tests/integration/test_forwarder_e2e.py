"""End to end: `seclake generate` output → `seclake forward` (subprocess) → a real `seclake serve`.

The stored finding events (read from the DuckDB file) are exactly the finding events the real mapper
produces for the same input: nothing lost, nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forwarder_support import (
    expected_events,
    iter_findings,
    journal_lines,
    start_forwarder,
    stored_events,
    wait_exit,
)

from seclake.synthetic import write_export

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def test_generated_export_arrives_complete(seclake_server: Any, tmp_path: Path) -> None:
    export = tmp_path / "export"
    stats = write_export(export, 25, 11, now=NOW)
    expected = expected_events([export])
    findings = set(iter_findings(expected))
    assert len(findings) > 500, "the export is too small to prove anything"

    log = tmp_path / "forward.log"
    process = start_forwarder(
        seclake_server.url,
        seclake_server.admin_token,
        [export],
        tmp_path / "state",
        "--batch-events",
        "500",
        log=log,
    )
    assert wait_exit(process, 120, log) == 0, log.read_text()[-3000:]
    output = log.read_text()
    assert "seclake_forwarder_events_sent_total" in output, "no summary printed at the end of the file run"
    assert seclake_server.admin_token not in output, "the token leaked into the output"
    assert len(journal_lines(tmp_path / "state")) == stats.bodies

    stored = stored_events(seclake_server)
    stored_findings = {
        eid for eid in stored if expected.get(eid) in {"VULNERABILITY_FINDING", "DETECTION_FINDING"}
    }
    assert len(stored_findings) == len(findings)
    assert set(stored) == set(expected), "stored events differ from what the mapper produces"
    assert max(stored.values()) == 1, "an event is stored twice"

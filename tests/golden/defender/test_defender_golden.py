"""Golden tests: each `<case>.input.json` (an Event Hub body) maps to `<case>.events.json`.

The expected file holds the whole MapResult: record count, skip reasons, errors (index, path, reason)
and the events. Refresh with `SECLAKE_UPDATE_GOLDEN=1` (`make golden`) and review the diff.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from golden_util import UPDATE, assert_golden_json
from seclake.model import validate_event
from seclake.sources.defender import MapResult, map_body

HERE = Path(__file__).parent
CASES = sorted(p.name.removesuffix(".input.json") for p in HERE.glob("*.input.json"))
# Cases mapped with a known Event Hub enqueued time (the rest have none).
ENQUEUED: dict[str, datetime] = {
    "single_object_enqueued_later": datetime(2024, 5, 24, 6, 5, 30, 250000, tzinfo=UTC),
    "lifecycle_delete": datetime(2024, 5, 20, 5, 59, tzinfo=UTC),  # earlier than timeGenerated: ignored
}


def as_golden(result: MapResult) -> dict[str, Any]:
    return {
        "records": result.records,
        "skipped": dict(sorted(result.skipped.items())),
        "errors": [{"index": e.index, "path": e.path, "reason": e.reason} for e in result.errors],
        "events": result.events,
    }


def test_every_case_has_an_expected_file() -> None:
    assert len(CASES) >= 15
    if not UPDATE:
        missing = [c for c in CASES if not (HERE / f"{c}.events.json").exists()]
        assert not missing, f"run `make golden`: no expected events for {missing}"


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    body = (HERE / f"{case}.input.json").read_bytes()
    result = map_body(body, enqueued_time=ENQUEUED.get(case))
    for event in result.events:
        assert validate_event(event) == [], event
    assert not [e for e in result.errors if e.reason.startswith("internal error")]
    again = map_body(body, enqueued_time=ENQUEUED.get(case))
    assert as_golden(again) == as_golden(result), "mapping is not deterministic"
    assert_golden_json(HERE / f"{case}.events.json", as_golden(result))

"""The Defender mapper's expected events (its golden files) pass the pipeline untouched but for ingest fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from pipeline_samples import run

from seclake.model import FIELDS, FieldType
from seclake.pipeline.timestamps import to_ns

DEFENDER_GOLDEN = Path(__file__).parents[2] / "golden" / "defender"
TIMESTAMP_FIELDS = {name for name, f in FIELDS.items() if f.type is FieldType.TIMESTAMP}
INGEST_FIELDS = {name for name, f in FIELDS.items() if f.origin == "ingest"}


def mapper_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for path in sorted(DEFENDER_GOLDEN.glob("*.events.json")):
        events.extend(orjson.loads(path.read_bytes())["events"])
    return events


EVENTS = mapper_events()


def test_there_are_mapper_events_to_check() -> None:
    assert len(EVENTS) >= 20, f"expected the Defender golden files under {DEFENDER_GOLDEN}"


@pytest.mark.parametrize("chunk", range(4))
def test_mapper_events_pass_without_warnings(chunk: int) -> None:
    sent = EVENTS[chunk::4]
    now_ns = max(to_ns(e["timestamp"]) or 0 for e in sent) + 3600 * 10**9  # received an hour later
    batch = run(sent, connection_id="conn-1", connection_name="defender", now_ns=now_ns)
    assert not batch.warnings
    assert len(batch.events) == len(sent)
    for original, event in zip(sent, batch.events, strict=True):
        for name, value in original.items():
            if name in TIMESTAMP_FIELDS:
                expected = to_ns(value)
                assert expected is not None
                assert event[name] == expected
            elif name not in INGEST_FIELDS or name == "dt.raw_data":
                assert event[name] == value, name
        assert event["dt.security.connection.id"] == "conn-1"
        assert event["dt.ingest.time"] == now_ns

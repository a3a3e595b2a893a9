"""A generated export through the real Defender mapper: the mapped findings match the manifest."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from seclake.sources.defender import map_body
from seclake.synthetic import plan_export
from seclake.synthetic.summary import summarize, timestamp_ns

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def mapped() -> tuple[Any, list[dict[str, Any]], Counter[str]]:
    plan = plan_export(60, 21, now=NOW)
    events: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    for body in plan:
        result = map_body(body.body, enqueued_time=body.enqueued_time)
        assert result.errors == [], (body.name, result.errors[:3])
        events.extend(result.events)
        skipped.update(result.skipped)
    return plan.stats, events, skipped


def test_every_finding_record_maps_to_one_finding_event(mapped: Any) -> None:
    stats, events, _ = mapped
    findings = [e for e in events if e["event.type"] == "VULNERABILITY_FINDING"]
    assert len(findings) == stats.finding_records
    assert len({e["finding.id"] for e in findings}) == stats.distinct_findings
    assert all(e["object.type"] == "CONTAINER_IMAGE" and e["container_image.registry"] for e in findings)


def test_current_state_matches_manifest(mapped: Any) -> None:
    stats, events, _ = mapped
    latest: dict[str, tuple[int, dict[str, Any]]] = {}
    for e in events:
        if e["event.type"] == "VULNERABILITY_FINDING":
            ts = timestamp_ns(e["timestamp"])
            if e["finding.id"] not in latest or ts >= latest[e["finding.id"]][0]:
                latest[e["finding.id"]] = (ts, e)
    current = [e for _, e in latest.values()]
    resolution = Counter(e["vulnerability.resolution.status"] for e in current)
    assert resolution == {"OPEN": stats.open_findings, "RESOLVED": stats.resolved_findings}
    muted = sum(e["vulnerability.mute.status"] == "MUTED" for e in current)
    assert muted == stats.muted_findings
    summary = summarize(events)
    assert (summary.open, summary.resolved, summary.muted) == (
        stats.open_findings,
        stats.resolved_findings,
        stats.muted_findings,
    )


def test_non_finding_records_are_skipped_or_mapped_not_lost(mapped: Any) -> None:
    stats, events, skipped = mapped
    kinds = stats.records_by_kind
    alerts = sum(e["event.type"] == "DETECTION_FINDING" for e in events)
    assert alerts == kinds["alert"]
    must_skip = sum(
        kinds[k] for k in ("compliance", "secure_score", "other_subassessment", "other_assessment")
    )
    assert sum(skipped.values()) >= must_skip

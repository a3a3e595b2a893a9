"""The fast validity screen: agrees with the model on each kind of problem; bounded shape cache."""

from __future__ import annotations

from typing import Any

import pytest
from pipeline_samples import finding, run, scan

from seclake.model import Problem, validate_event
from seclake.pipeline import checks
from seclake.pipeline.checks import metric_key, problems_of, screen, surely_valid


def processed(event: dict[str, Any]) -> dict[str, Any]:
    out = run([event]).events[0]
    out.pop("dt.ingest.warnings", None)
    return out


@pytest.mark.parametrize(
    "event",
    [
        finding(**{"event.type": "NOPE"}),
        finding(**{"event.type": ["VULNERABILITY_FINDING"]}),
        finding(**{"finding.id": None}),
        finding(**{"finding.score": True}),
        finding(**{"finding.score": "7"}),
        finding(**{"vulnerability.references.cve": ["CVE-1", 2]}),
        finding(**{"vulnerability.references.cve": "CVE-1"}),
        finding(**{"vulnerability.resolution.status": "open"}),
        finding(**{"dt.security.risk.score": 10.5}),
        finding(**{"dt.security.risk.score": -0.1}),
        finding(**{"scan.status": None, "event.type": "VULNERABILITY_SCAN"}),
        scan(**{"finding.id": None}),
        scan(**{"vulnerability.anything": 1}),
        scan(**{"scan.status": "DONE"}),
        scan(**{"scan.time.started": "not a time"}),
        {"event.type": "DETECTION_FINDING"},
    ],
)
def test_the_screen_sends_each_kind_of_problem_to_the_model(event: dict[str, Any]) -> None:
    event = processed(event)
    assert not surely_valid(event)
    assert validate_event(event) != []
    assert problems_of(event) == validate_event(event)


@pytest.mark.parametrize(
    "event",
    [
        finding(),
        finding(**{"vulnerability.resolution.status": "RESOLVED", "finding.score": 3}),
        finding(**{"component.version": None}),
        finding(**{"custom.attribute": {"any": ["thing"]}, "finding.score": 7}),
        finding(**{"container_image.tags": []}),
        scan(),
        scan(**{"custom": 1}),
    ],
)
def test_the_screen_passes_valid_events_of_any_shape(event: dict[str, Any]) -> None:
    event = processed(event)
    assert validate_event(event) == []
    assert surely_valid(event)
    assert surely_valid(dict(event))  # the cached shape answers the same


def test_metric_keys_leave_the_value_out() -> None:
    assert metric_key(Problem("finding.score", "expected double, got str 'secret'")) == (
        "finding.score: expected double"
    )
    assert (
        metric_key(Problem("finding.id", "required for X but missing"))
        == "finding.id: required for X but missing"
    )


def test_the_shape_cache_is_bounded_and_never_holds_large_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "_plans", {})
    monkeypatch.setattr(checks, "_MAX_SHAPES", 8)
    huge = processed(finding(**{"x" * 20_000: 1}))
    assert surely_valid(huge)
    assert checks._plans == {}
    for i in range(20):
        assert surely_valid(processed(finding(**{f"custom.{i}": i})))
        assert 1 <= len(checks._plans) <= 8


@pytest.mark.parametrize(
    "event",
    [
        finding(**{"scan.id": ..., "finding.time.created": None}),
        finding(**{"component.name": ..., "scan.status": "COMPLETED"}),
        scan(**{"object.id": ..., "finding.title": "t", "vulnerability.x": 1}),
    ],
)
def test_structural_problems_are_answered_from_the_cached_shape(event: dict[str, Any]) -> None:
    event = processed(event)
    expected = validate_event(event)
    assert expected  # a shape that is always wrong, whatever its values
    assert not surely_valid(event)
    assert screen(event) == tuple(expected)
    assert screen(dict(event)) == tuple(expected)  # from the cache, the same words in the same order
    assert problems_of(event) == expected

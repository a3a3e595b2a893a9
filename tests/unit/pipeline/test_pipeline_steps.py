"""The ordered steps: timestamps, ids, kind, risk, query parameters, ingest fields, warnings."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pipeline_samples import NOW_NS, SOURCE, finding, run, scan

from seclake.model import BUCKET, EVENT_KIND, TABLE, normalize_risk, validate_event
from seclake.pipeline.steps import STEPS
from seclake.pipeline.timestamps import MAX_FUTURE_NS, NS_PER_SECOND, to_ns


def one(event: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    batch = run([event], **kwargs)
    assert len(batch.events) == 1
    return batch.events[0]


def test_steps_run_in_the_documented_order() -> None:
    names = [name for name, _ in STEPS]
    assert names.index("keep_raw") < names.index("normalize_timestamps")
    assert names.index("assign_event_id") < names.index("normalize_timestamps")
    assert names[-1] == "validate"
    assert (
        names.index("normalize_risk") < names.index("add_query_parameters") < names.index("add_ingest_fields")
    )


def test_a_valid_event_passes_with_ingest_fields_and_no_warnings() -> None:
    sent = finding(3)
    event = one(sent, connection_id="c-1", connection_name="prod")
    assert "dt.ingest.warnings" not in event
    assert event["timestamp"] == to_ns(sent["timestamp"])
    assert event["finding.time.created"] == to_ns(sent["finding.time.created"])
    assert event["dt.ingest.time"] == NOW_NS
    assert event["event.kind"] == EVENT_KIND
    assert (event["dt.system.bucket"], event["dt.system.table"]) == (BUCKET, TABLE)
    assert event["dt.openpipeline.source"] == SOURCE
    assert (event["dt.security.connection.id"], event["dt.security.connection.name"]) == ("c-1", "prod")
    assert orjson.loads(event["dt.raw_data"]) == sent
    assert event["event.id"] == sent["event.id"]
    assert validate_event(event) == []


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (..., NOW_NS),
        (None, NOW_NS),
        (1_714_564_000, 1_714_564_000 * NS_PER_SECOND),
        (1_714_564_000_123, 1_714_564_000_123_000_000),
        ("2024-05-01T11:00:00.000000001Z", 1_714_561_200_000_000_001),
        ("1714564000", 1_714_564_000 * NS_PER_SECOND),
        (NOW_NS + MAX_FUTURE_NS, NOW_NS + MAX_FUTURE_NS),
        (NOW_NS + MAX_FUTURE_NS + 1, NOW_NS + MAX_FUTURE_NS),
        ("2030-01-01T00:00:00Z", NOW_NS + MAX_FUTURE_NS),
        ("not a time", NOW_NS),
        (True, NOW_NS),
    ],
)
def test_timestamp_rules(sent: object, expected: int) -> None:
    event = one(finding(timestamp=sent))
    assert event["timestamp"] == expected
    warnings = event.get("dt.ingest.warnings", [])
    adjusted = sent not in (..., None) and to_ns(sent) != expected
    assert [w for w in warnings if w.startswith("timestamp:")] == ([warnings[0]] if adjusted else [])


def test_other_timestamp_fields_convert_or_stay_with_a_warning() -> None:
    event = one(scan(**{"scan.time.started": "soon", "scan.time.completed": 1_714_564_000.5}))
    assert event["scan.time.completed"] == 1_714_564_000_500_000_000
    assert event["scan.time.started"] == "soon"
    assert event["dt.ingest.warnings"] == [
        "scan.time.started: unreadable timestamp, kept as sent, got 'soon'"
    ]


def test_unreadable_other_timestamp_is_warned_once_even_when_the_model_also_objects() -> None:
    event = one(finding(**{"finding.time.created": {"at": 1}}))
    flagged = [w for w in event["dt.ingest.warnings"] if w.startswith("finding.time.created")]
    assert len(flagged) == 1


def test_missing_event_ids_are_deterministic_per_element_endpoint_and_connection() -> None:
    bare = finding(1, **{"event.id": ...})
    first = one(bare, connection_id="c-1")["event.id"]
    reordered = dict(reversed(list(bare.items())))
    assert one(reordered, connection_id="c-1")["event.id"] == first  # a retry, keys in any order
    assert one(bare, connection_id="c-1", now_ns=NOW_NS + 10**9)["event.id"] == first
    assert one(finding(1, **{"event.id": None}), connection_id="c-1")["event.id"] != first
    assert one(bare, connection_id="c-2")["event.id"] != first
    assert (
        one(bare, connection_id="c-1", source="/platform/ingest/custom/security.events/x")["event.id"]
        != first
    )
    assert one(finding(2, **{"event.id": ...}), connection_id="c-1")["event.id"] != first
    assert isinstance(first, str)
    assert len(first) == 32


def test_event_kind_is_always_security_event() -> None:
    assert one(finding(**{"event.kind": "OTHER"}))["event.kind"] == EVENT_KIND
    assert one(finding(**{"event.kind": ...}))["event.kind"] == EVENT_KIND


@pytest.mark.parametrize(
    "severity", ["critical", "BLOCKER", "Major", "warning", "minor", "Info", "bogus", None]
)
@pytest.mark.parametrize("score", [9.5, 2.0, None])
def test_risk_is_derived_when_absent(severity: str | None, score: float | None) -> None:
    event = one(
        finding(
            **{
                "finding.severity": severity,
                "finding.score": score,
                "dt.security.risk.level": ...,
                "dt.security.risk.score": ...,
            }
        )
    )
    level, risk_score = normalize_risk(severity, score)
    assert (event["dt.security.risk.level"], event["dt.security.risk.score"]) == (level.value, risk_score)


def test_sent_risk_is_kept_and_a_missing_score_follows_the_level() -> None:
    kept = one(finding(**{"finding.severity": "Low", "dt.security.risk.level": "CRITICAL"}))
    assert (kept["dt.security.risk.level"], kept["dt.security.risk.score"]) == ("CRITICAL", 7.5)
    scored = one(finding(**{"dt.security.risk.level": "CRITICAL", "dt.security.risk.score": ...}))
    assert scored["dt.security.risk.score"] == 9.0  # finding.score 7.5 clamped into CRITICAL's band


def test_scans_get_no_risk_fields() -> None:
    event = one(scan())
    assert not [name for name in event if name.startswith("dt.security.risk")]
    assert "dt.ingest.warnings" not in event


def test_query_parameters_become_attributes_without_overriding() -> None:
    params = {"team": "blue", "finding.title": "from the query", "dt.system.bucket": "elsewhere"}
    event = one(finding(), params=params)
    assert event["team"] == "blue"
    assert event["finding.title"] == finding()["finding.title"]
    assert event["dt.system.bucket"] == BUCKET


def test_ingest_owned_fields_cannot_be_spoofed() -> None:
    sent = finding(
        **{
            "dt.security.connection.id": "spoofed",
            "dt.security.connection.name": "spoofed",
            "dt.ingest.warnings": ["fake"],
            "dt.ingest.time": 1,
            "dt.openpipeline.source": "/elsewhere",
        }
    )
    anonymous = one(sent)
    assert "dt.security.connection.id" not in anonymous
    assert "dt.security.connection.name" not in anonymous
    assert "dt.ingest.warnings" not in anonymous
    assert (anonymous["dt.ingest.time"], anonymous["dt.openpipeline.source"]) == (NOW_NS, SOURCE)
    assert one(sent, connection_id="c-9")["dt.security.connection.id"] == "c-9"


def test_sent_raw_data_is_kept_and_raw_data_is_the_element_as_received() -> None:
    assert one(finding(**{"dt.raw_data": "<vendor record>"}))["dt.raw_data"] == "<vendor record>"
    sent = finding(**{"timestamp": 1_714_564_000, "event.id": ...})
    raw = one(sent, params={"p": "v"})["dt.raw_data"]
    assert raw == orjson.dumps(sent).decode()  # compact, in the sender's key order, before enrichment


def test_invalid_events_are_kept_with_warnings_and_counted() -> None:
    events = [
        finding(0),
        finding(1, **{"finding.id": ..., "finding.score": "high"}),
        finding(2, **{"finding.id": ...}),
        scan(**{"finding.id": "x"}),
    ]
    batch = run(events)
    assert len(batch.events) == 4
    assert "dt.ingest.warnings" not in batch.events[0]
    for event in batch.events[1:]:
        stripped = {k: v for k, v in event.items() if k != "dt.ingest.warnings"}
        assert event["dt.ingest.warnings"] == [str(p) for p in validate_event(stripped)]
    assert batch.warnings["finding.id: required for VULNERABILITY_FINDING but missing"] == 2
    assert batch.warnings["finding.score: expected double"] == 1
    assert batch.warnings["finding.id: not allowed on VULNERABILITY_SCAN"] == 1
    assert sum(batch.warnings.values()) == sum(len(e.get("dt.ingest.warnings", [])) for e in batch.events)

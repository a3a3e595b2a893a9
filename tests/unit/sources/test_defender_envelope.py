"""Event Hub body → records, case-insensitive keys, timestamps, ids, classification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from seclake.errors import MappingError
from seclake.sources.defender import RecordKind, classify, decode_body, map_body
from seclake.sources.defender.access import FieldProblem, ci, opt_num, opt_str
from seclake.sources.defender.classify import CONTAINER_KEYS, assessment_key
from seclake.sources.defender.identity import event_id, scan_id
from seclake.sources.defender.times import format_ns, from_datetime, parse_timestamp

RECORD = {"type": "Microsoft.Security/secureScores", "id": "/x"}


@pytest.mark.parametrize(
    "body",
    [
        orjson.dumps([RECORD, RECORD]),
        orjson.dumps({"records": [RECORD, RECORD]}),
        orjson.dumps({"Records": [RECORD, RECORD]}),
        b"\xef\xbb\xbf" + orjson.dumps([RECORD, RECORD]),
        "\ufeff" + orjson.dumps([RECORD, RECORD]).decode(),
        orjson.dumps([RECORD, RECORD]).decode(),
    ],
)
def test_body_shapes_give_the_records(body: bytes | str) -> None:
    assert decode_body(body) == [RECORD, RECORD]
    result = map_body(body)
    assert result.records == 2
    assert result.skipped == {"secure_score": 2}


def test_a_single_object_is_one_record_and_records_beside_other_keys_is_not_a_wrapper() -> None:
    assert decode_body(orjson.dumps(RECORD)) == [RECORD]
    odd = {"records": [RECORD], "type": "Microsoft.Security/secureScores"}
    assert decode_body(orjson.dumps(odd)) == [odd]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"42", "array or object"),
    ],
)
def test_unusable_bodies_are_one_error_at_the_root(body: bytes, reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        decode_body(body)
    result = map_body(body)
    assert result.events == [] and result.records == 0
    [error] = result.errors
    assert error.index is None and error.path == "$" and reason in error.reason


def test_keys_are_found_in_any_casing_exact_spelling_first() -> None:
    assert ci({"alertType": 1}, "alertType") == 1
    assert ci({"AlertType": 2}, "alertType") == 2
    assert ci({"ALERTTYPE": 3}, "alertType") == 3
    assert ci({"alerttype": 4, "AlertType": 5}, "alertType") == 5
    assert ci({"other": 1}, "alertType") is None


def test_typed_reads_name_the_path_and_accept_numeric_text() -> None:
    with pytest.raises(FieldProblem) as info:
        opt_str({"Name": 3}, "name", "$.properties")
    assert info.value.path == "$.properties.name"
    assert opt_num({"score": "7.5"}, "score", "$") == 7.5
    for bad in ("high", float("nan"), True, [1]):
        with pytest.raises(FieldProblem):
            opt_num({"score": bad}, "score", "$")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-09-12T13:36:15.0772799Z", "2023-09-12T13:36:15.0772799Z"),
        ("2020-08-04T00:00:00", "2020-08-04T00:00:00Z"),
        ("2023-05-23T00:00:00+00:00", "2023-05-23T00:00:00Z"),
        ("2023-01-01T10:00:00.5-02:30", "2023-01-01T12:30:00.5Z"),
        ("2023-01-01 10:00:00.123456789123Z", "2023-01-01T10:00:00.123456789Z"),
    ],
)
def test_timestamps_normalize_to_utc_z(text: str, expected: str) -> None:
    parsed = parse_timestamp(text)
    assert parsed is not None
    assert parsed[1] == expected
    reference = datetime.fromisoformat(expected.replace("Z", "+00:00"))  # microsecond precision
    assert abs(parsed[0] - int(reference.timestamp() * 1e9)) < 1000
    assert format_ns(parsed[0]) == expected


@pytest.mark.parametrize(
    "text", ["yesterday", "2023-02-30T00:00:00Z", "2023-01-01T24:00:00Z", "2023-01-01", ""]
)
def test_non_timestamps_are_rejected(text: str) -> None:
    assert parse_timestamp(text) is None


def test_enqueued_datetimes_of_any_zone_convert_to_utc() -> None:
    aware = datetime(2024, 5, 1, 14, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2)))
    assert from_datetime(aware)[1] == "2024-05-01T12:00:00.25Z"
    assert from_datetime(datetime(2024, 5, 1, 12))[1] == "2024-05-01T12:00:00Z"
    assert from_datetime(datetime(2024, 5, 1, 12, tzinfo=UTC))[0] == 1714564800 * 10**9


def test_ids_are_deterministic_and_sensitive_to_every_part() -> None:
    base = event_id("f", "Insert", "2024-01-01T00:00:00Z")
    assert base == event_id("f", "insert", "2024-01-01T00:00:00Z")
    assert (
        len(
            {
                base,
                event_id("g", "Insert", "2024-01-01T00:00:00Z"),
                event_id("f", "Delete", "2024-01-01T00:00:00Z"),
                event_id("f", "Insert", "2024-01-01T00:00:01Z"),
            }
        )
        == 4
    )
    assert scan_id("r/a@sha256:1", "t") != scan_id("r/a@sha256:2", "t")
    assert scan_id("a", "bc") != scan_id("ab", "c")


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        ({"type": "Microsoft.Security/assessments/subAssessments"}, RecordKind.SUB_ASSESSMENT),
        ({"Type": "microsoft.security/assessments/subassessments"}, RecordKind.SUB_ASSESSMENT),
        ({"type": "Microsoft.Security/assessments"}, RecordKind.ASSESSMENT),
        ({"type": "Microsoft.Security/secureScores/secureScoreControls"}, RecordKind.SECURE_SCORE),
        (
            {
                "type": "Microsoft.Security/regulatoryComplianceStandards/regulatoryComplianceControls/"
                "regulatoryComplianceAssessments"
            },
            RecordKind.COMPLIANCE,
        ),
        ({"type": "Microsoft.Security/attackPaths"}, RecordKind.ATTACK_PATH),
        ({"AlertType": "K8S_X", "SystemAlertId": "1"}, RecordKind.ALERT),
        ({"type": 3}, RecordKind.UNKNOWN),
        ({}, RecordKind.UNKNOWN),
    ],
)
def test_classify(record: dict[str, object], kind: RecordKind) -> None:
    assert classify(record) == kind


def test_assessment_key_is_the_segment_after_assessments() -> None:
    key = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5"
    assert key in CONTAINER_KEYS
    assert (
        assessment_key(
            f"/subscriptions/s/providers/Microsoft.Security/assessments/{key.upper()}/subAssessments/x"
        )
        == key
    )
    assert assessment_key(f"/x/providers/Microsoft.Security/assessments/{key}") == key
    assert assessment_key("/subscriptions/s/no-key") is None

"""rows.to_arrow: typed columns, attributes for everything else, RFC 3339 parsing (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_support import make_event

from seclake.errors import InputError
from seclake.model import FIELDS
from seclake.store.rows import ARROW_SCHEMA, first_per_id, parse_rfc3339_ns, to_arrow
from seclake.store.schema import ATTRIBUTES_COLUMN

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _row(event: dict[str, Any]) -> dict[str, Any]:
    table = to_arrow([event])
    assert table.schema == ARROW_SCHEMA
    return {name: table.column(name)[0] for name in table.column_names}


def test_every_catalog_field_has_a_column_in_catalog_order() -> None:
    assert ARROW_SCHEMA.names == [*FIELDS, ATTRIBUTES_COLUMN]


def test_fitting_values_land_in_typed_columns_and_nothing_in_attributes() -> None:
    event = make_event(5, **{"finding.score": 7, "scan.time.started": "2026-01-02T03:04:05.123456789Z"})
    row = _row(event)
    assert row["event.id"].as_py() == "ev-00000005"
    assert row["timestamp"].value == event["timestamp"]  # int ns kept exactly
    assert row["scan.time.started"].value == parse_rfc3339_ns("2026-01-02T03:04:05.123456789Z")
    assert row["finding.score"].as_py() == 7.0  # a long fits a double column
    assert row["container_image.tags"].as_py() == event["container_image.tags"]
    assert row["finding.url"].as_py() is None  # absent field: NULL
    assert row[ATTRIBUTES_COLUMN].as_py() is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("finding.score", "high"),  # string in a double column
        ("finding.score", True),  # bool is not a number here
        ("dt.security.risk.score", 2**70),  # beyond 64 bits
        ("timestamp", "yesterday"),  # unparseable timestamp
        ("timestamp", 1.5),  # a float is not ns
        ("finding.time.created", "2026-02-30T00:00:00Z"),  # no such day
        ("container_image.tags", ["a", 1]),  # non-string element
        ("container_image.tags", "latest"),  # a string is not a list
        ("event.type", 3),  # number in a string column
        ("vulnerability.cvss.version", {"v": "3.1"}),  # object in a string column
    ],
)
def test_mistyped_catalog_value_goes_to_attributes_and_the_column_is_null(field: str, value: Any) -> None:
    row = _row(make_event(1, **{field: value}))
    assert row[field].as_py() is None
    attributes = orjson.loads(row[ATTRIBUTES_COLUMN].as_py()) if value != 2**70 else None
    if attributes is not None:
        assert attributes == {field: value}
    else:  # orjson refuses 2**70 on the way back too; the text still holds it exactly
        assert row[ATTRIBUTES_COLUMN].as_py() == f'{{"{field}":{2**70}}}'


def test_non_catalog_fields_are_kept_in_attributes_with_their_json_types() -> None:
    extra = {"custom.team": "payments", "tenant": {"id": 7, "tags": ["x"]}, "n": None, "flag": False}
    row = _row(make_event(2, **extra))
    assert orjson.loads(row[ATTRIBUTES_COLUMN].as_py()) == extra


def test_a_mixed_batch_only_moves_the_misfits() -> None:
    events = [make_event(i) for i in range(5)]
    events[3]["finding.score"] = "n/a"
    table = to_arrow(events)
    assert table.column("finding.score").to_pylist() == [e["finding.score"] for e in events[:3]] + [
        None,
        events[4]["finding.score"],
    ]
    assert table.column(ATTRIBUTES_COLUMN).to_pylist() == [None, None, None, '{"finding.score":"n/a"}', None]


@pytest.mark.parametrize("bad", [None, "", 17])
def test_event_id_must_be_a_non_empty_string(bad: Any) -> None:
    events = [make_event(0), make_event(1, **{"event.id": bad})]
    with pytest.raises(InputError, match=r"event 1: event\.id"):
        to_arrow(events)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000000001Z", 1),
        ("2026-01-01T01:00:00+01:00", 1_767_225_600_000_000_000),
        ("2026-01-01t00:00:00.5z", 1_767_225_600_500_000_000),
        ("1969-12-31T23:59:59.999999999Z", -1),
    ],
)
def test_parse_rfc3339_examples(text: str, expected: int) -> None:
    assert parse_rfc3339_ns(text) == expected


@pytest.mark.parametrize("text", ["", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "now"])
def test_parse_rfc3339_rejects(text: str) -> None:
    assert parse_rfc3339_ns(text) is None


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1700, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
    st.integers(0, 999),
    st.integers(-14 * 60, 14 * 60),
)
def test_parse_rfc3339_agrees_with_datetime(moment: datetime, extra_ns: int, offset_min: int) -> None:
    tz_moment = moment.astimezone(timezone(timedelta(minutes=offset_min)))
    sign = "+" if offset_min >= 0 else "-"
    off = f"{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}"
    text = tz_moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{tz_moment.microsecond:06d}{extra_ns:03d}" + off
    delta = moment - EPOCH
    expected = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000 + extra_ns
    assert parse_rfc3339_ns(text) == expected


def test_first_per_id_keeps_the_first_occurrence_in_order() -> None:
    ids = ["a", "b", "a", "c", "b", "d"]
    events = [make_event(i, **{"event.id": e}) for i, e in enumerate(ids)]
    table = first_per_id(to_arrow(events))
    assert table.column("event.id").to_pylist() == ["a", "b", "c", "d"]
    assert table.column("finding.title").to_pylist() == [events[i]["finding.title"] for i in (0, 1, 3, 5)]
    unique = to_arrow(events[:2])
    assert first_per_id(unique) is unique

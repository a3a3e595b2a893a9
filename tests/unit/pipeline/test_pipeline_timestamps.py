"""Timestamp reading: the number rule, RFC 3339 with nanoseconds (DuckDB as the oracle), numeric strings."""

from __future__ import annotations

import calendar
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seclake.pipeline.timestamps import NS_PER_SECOND, to_ns

INT64_MAX = 2**63 - 1
# (upper bound of the magnitude, nanoseconds per unit) as interfaces.md states the rule.
UNITS = ((10**11, 10**9), (10**14, 10**6), (10**17, 10**3), (INT64_MAX, 1))

# Generous to a loaded machine: no per-example deadline, no slow-data health check.
ROBUST: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


def unit_of(value: int) -> int:
    return next(unit for bound, unit in UNITS if abs(value) <= bound)


@pytest.fixture(scope="module")
def duck() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.mark.parametrize(
    "value",
    [0, 1, -1, 10**11, 10**11 + 1, 10**14, 10**14 + 1, 10**17, 10**17 + 1, 1_714_564_800, -(10**11)],
)
def test_integer_boundaries_follow_the_number_rule(value: int) -> None:
    ns = value * unit_of(value)
    expected = ns if abs(ns) <= INT64_MAX else None  # 1e11 s is past 2262: out of range
    assert to_ns(value) == expected
    assert to_ns(str(value)) == expected


@given(st.integers(min_value=-(10**18), max_value=9 * 10**18))
@settings(max_examples=200, **ROBUST)
def test_integers_and_their_strings_agree(value: int) -> None:
    expected = value * unit_of(value)
    assert to_ns(value) == (expected if abs(expected) <= INT64_MAX else None)
    assert to_ns(str(value)) == to_ns(value)


@given(st.integers(min_value=0, max_value=4_000_000_000), st.integers(min_value=0, max_value=999_999_999))
@settings(max_examples=200, **ROBUST)
def test_decimal_seconds_strings_are_exact(seconds: int, nanos: int) -> None:
    text = f"{seconds}.{nanos:09d}"
    assert to_ns(text) == seconds * NS_PER_SECOND + nanos
    assert to_ns("-" + text) == -(seconds * NS_PER_SECOND + nanos)
    as_float = to_ns(float(text))
    assert as_float is not None
    assert abs(as_float - (seconds * NS_PER_SECOND + nanos)) <= 1_000  # a double holds ~microseconds


def test_fractional_milliseconds() -> None:
    assert to_ns("1714564800123.456") == 1_714_564_800_123_456_000
    assert to_ns(1714564800123.5) == 1_714_564_800_123_500_000


@pytest.mark.parametrize(
    "value",
    [None, True, False, "", "abc", "yesterday", "1e9", "2024-05-01", "2024-02-30T00:00:00Z",
     "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z", "2024-05-01T12:00:00+25:00", "0001-01-01T00:00:00Z",
     "9999-12-31T23:59:59Z", 10**19, -(10**19), math.nan, math.inf, -math.inf, [1], {"a": 1}, "12_000"],
)  # fmt: skip
def test_unreadable_values_are_none(value: object) -> None:
    assert to_ns(value) is None


@given(
    st.datetimes(min_value=datetime(1678, 1, 1), max_value=datetime(2261, 12, 31)),
    st.integers(min_value=0, max_value=999_999_999),
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
    st.sampled_from(["T", "t", " "]),
)
@settings(max_examples=100, **ROBUST)
def test_rfc3339_keeps_nanoseconds_and_applies_the_offset(  # noqa: PLR0917 - hypothesis draws
    duck: duckdb.DuckDBPyConnection, moment: datetime, nanos: int, digits: int, offset_min: int, sep: str
) -> None:
    fraction = f"{nanos:09d}"[:digits]
    local = f"{moment:%Y-%m-%d}{sep}{moment:%H:%M:%S}.{fraction}"
    sign = "+" if offset_min >= 0 else "-"
    offset = f"{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}"
    (duck_ns,) = duck.execute(  # DuckDB reads the wall-clock time; it ignores offsets for TIMESTAMP_NS
        "SELECT epoch_ns(CAST(? AS TIMESTAMP_NS))", [local.replace(sep, "T")]
    ).fetchone() or (None,)
    expected = duck_ns - offset_min * 60 * NS_PER_SECOND
    assert expected == (
        calendar.timegm(moment.timetuple()) * NS_PER_SECOND
        + int(fraction.ljust(9, "0"))
        - offset_min * 60 * NS_PER_SECOND
    )
    if not -(2**63) <= expected <= INT64_MAX:
        return
    assert to_ns(local + offset) == expected
    assert to_ns(local + "Z") == duck_ns
    assert to_ns(local) == duck_ns  # no offset: read as UTC
    assert to_ns(local + offset.replace(":", "")) == expected


def test_more_than_nine_fraction_digits_are_truncated() -> None:
    assert to_ns("2024-05-01T12:00:00.1234567891234Z") == 1_714_564_800_123_456_789
    long_form = "2024-05-01T14:00:00." + "123456789" * 5 + "+02:00"  # longer than the parse cache keeps
    assert to_ns(long_form) == 1_714_564_800_123_456_789
    assert to_ns(" " * 100 + "1714564800") == 1_714_564_800 * NS_PER_SECOND


def test_leap_second_rolls_into_the_next_minute() -> None:
    at = datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC) + timedelta(seconds=1)
    assert to_ns("2016-12-31T23:59:60Z") == int(at.timestamp()) * NS_PER_SECOND

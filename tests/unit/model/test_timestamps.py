from __future__ import annotations

import pytest

from seclake.model.timestamps import rfc3339_to_ns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000000001Z", 1),
        ("1970-01-01T00:00:00.1234567891234Z", 123_456_789),  # past 9 digits: cut
        ("1970-01-01T01:00:00+01:00", 0),
        ("1970-01-01T01:00:00+0100", 0),
        ("1969-12-31T23:59:59.999999999Z", -1),
        ("1970-01-01 00:00:01z", 1_000_000_000),
    ],
)
def test_examples(text: str, expected: int) -> None:
    assert rfc3339_to_ns(text) == expected
    assert rfc3339_to_ns(text, require_offset=True) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "now",
        "2026-13-01T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+01:60",
    ],
)
def test_rejects(text: str) -> None:
    assert rfc3339_to_ns(text) is None


def test_offset_is_optional_unless_required() -> None:
    assert rfc3339_to_ns("1970-01-01T00:00:02") == 2_000_000_000  # read as UTC
    assert rfc3339_to_ns("1970-01-01T00:00:02", require_offset=True) is None


def test_out_of_int64_is_none() -> None:
    assert rfc3339_to_ns("2300-01-01T00:00:00Z") is None

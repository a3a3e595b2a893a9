from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seclake.model import RISK_BANDS, RiskLevel, level_for_severity, normalize_risk, score_for_level


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        ("Critical", RiskLevel.CRITICAL),
        ("critical", RiskLevel.CRITICAL),
        (" HIGH ", RiskLevel.HIGH),
        ("Medium", RiskLevel.MEDIUM),
        ("Low", RiskLevel.LOW),
        ("BLOCKER", RiskLevel.CRITICAL),
        ("major", RiskLevel.HIGH),
        ("Warning", RiskLevel.MEDIUM),
        ("minor", RiskLevel.LOW),
        ("Info", RiskLevel.LOW),
        ("Informational", RiskLevel.LOW),
        ("Unknown", RiskLevel.NONE),
        ("None", RiskLevel.NONE),
        ("", RiskLevel.NONE),
        ("bogus", RiskLevel.NONE),
        (None, RiskLevel.NONE),
        (7, RiskLevel.NONE),
    ],
)
def test_level_for_severity(severity: object, level: RiskLevel) -> None:
    assert level_for_severity(severity) == level


@pytest.mark.parametrize(
    ("severity", "score", "expected"),
    [
        ("Critical", 9.8, (RiskLevel.CRITICAL, 9.8)),
        ("Critical", None, (RiskLevel.CRITICAL, 10.0)),
        ("High", None, (RiskLevel.HIGH, 8.9)),
        ("Medium", None, (RiskLevel.MEDIUM, 6.9)),
        ("Low", None, (RiskLevel.LOW, 3.9)),
        ("Unknown", 5.0, (RiskLevel.NONE, 0.0)),
        ("High", 7.5, (RiskLevel.HIGH, 7.5)),
        ("High", 9.9, (RiskLevel.HIGH, 8.9)),  # clamped into the level's band
        ("Low", 0.0, (RiskLevel.LOW, 0.1)),
        ("High", "7.5", (RiskLevel.HIGH, 8.9)),  # not a number: top of the band
        ("High", True, (RiskLevel.HIGH, 8.9)),
        ("High", float("nan"), (RiskLevel.HIGH, 8.9)),
    ],
)
def test_normalize_risk(severity: object, score: object, expected: tuple[RiskLevel, float]) -> None:
    assert normalize_risk(severity, score) == expected


@given(st.sampled_from(list(RISK_BANDS)), st.floats(allow_nan=True, allow_infinity=True) | st.none())
def test_score_always_within_band(level: RiskLevel, score: float | None) -> None:
    band = RISK_BANDS[level]
    assert band.low <= score_for_level(level, score) <= band.high

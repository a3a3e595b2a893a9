"""Severity → normalized risk level and score (semantic-dictionary.md, "Severity and score normalization").

One table drives both the mapper and the ingest pipeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seclake.model.types import RiskLevel


@dataclass(frozen=True, slots=True)
class RiskBand:
    level: RiskLevel
    low: float
    high: float  # also the score used when the vendor gives none


RISK_BANDS: dict[RiskLevel, RiskBand] = {
    RiskLevel.CRITICAL: RiskBand(RiskLevel.CRITICAL, 9.0, 10.0),
    RiskLevel.HIGH: RiskBand(RiskLevel.HIGH, 7.0, 8.9),
    RiskLevel.MEDIUM: RiskBand(RiskLevel.MEDIUM, 4.0, 6.9),
    RiskLevel.LOW: RiskBand(RiskLevel.LOW, 0.1, 3.9),
    RiskLevel.NONE: RiskBand(RiskLevel.NONE, 0.0, 0.0),
}

# Vendor severities (upper-cased) → level. Synonyms as the Semantic Dictionary lists them.
SEVERITY_LEVELS: dict[str, RiskLevel] = {
    "CRITICAL": RiskLevel.CRITICAL,
    "BLOCKER": RiskLevel.CRITICAL,
    "HIGH": RiskLevel.HIGH,
    "MAJOR": RiskLevel.HIGH,
    "MEDIUM": RiskLevel.MEDIUM,
    "MODERATE": RiskLevel.MEDIUM,
    "WARNING": RiskLevel.MEDIUM,
    "LOW": RiskLevel.LOW,
    "MINOR": RiskLevel.LOW,
    "INFO": RiskLevel.LOW,
    "INFORMATIONAL": RiskLevel.LOW,
    "UNKNOWN": RiskLevel.NONE,
    "NONE": RiskLevel.NONE,
}


def level_for_severity(severity: object) -> RiskLevel:
    """The normalized level of a vendor severity; anything unrecognized or missing is NONE."""
    if not isinstance(severity, str):
        return RiskLevel.NONE
    return SEVERITY_LEVELS.get(severity.strip().upper(), RiskLevel.NONE)


def score_for_level(level: RiskLevel, vendor_score: object = None) -> float:
    """The normalized score: the vendor's score clamped into the level's band, else the band's top."""
    band = RISK_BANDS.get(level)
    if band is None:
        return 0.0
    if isinstance(vendor_score, bool) or not isinstance(vendor_score, int | float):
        return band.high
    score = float(vendor_score)
    if math.isnan(score) or math.isinf(score):
        return band.high
    return round(min(max(score, band.low), band.high), 1)


def normalize_risk(severity: object, vendor_score: object = None) -> tuple[RiskLevel, float]:
    """`(dt.security.risk.level, dt.security.risk.score)` for a vendor severity and optional score."""
    level = level_for_severity(severity)
    return level, score_for_level(level, vendor_score)

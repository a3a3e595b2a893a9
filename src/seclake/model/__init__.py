"""The security-event model: field catalog, event types, risk normalization, validation.

Imports nothing else of seclake; everything else imports it.
"""

from __future__ import annotations

from seclake.model.fields import FIELDS, Field, forbidden_fields, required_fields
from seclake.model.risk import (
    RISK_BANDS,
    SEVERITY_LEVELS,
    level_for_severity,
    normalize_risk,
    score_for_level,
)
from seclake.model.types import (
    ALL_TYPES,
    BUCKET,
    EVENT_KIND,
    FINDING_TYPES,
    SCAN_TYPES,
    TABLE,
    EventType,
    FieldType,
    RiskLevel,
)
from seclake.model.validate import Problem, validate_event

__all__ = [
    "ALL_TYPES",
    "BUCKET",
    "EVENT_KIND",
    "FIELDS",
    "FINDING_TYPES",
    "RISK_BANDS",
    "SCAN_TYPES",
    "SEVERITY_LEVELS",
    "TABLE",
    "EventType",
    "Field",
    "FieldType",
    "Problem",
    "RiskLevel",
    "forbidden_fields",
    "level_for_severity",
    "normalize_risk",
    "required_fields",
    "score_for_level",
    "validate_event",
]

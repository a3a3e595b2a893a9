"""Event types, field types and the small enums the Semantic Dictionary fixes."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """The `event.type` values of security events."""

    VULNERABILITY_FINDING = "VULNERABILITY_FINDING"
    VULNERABILITY_SCAN = "VULNERABILITY_SCAN"
    DETECTION_FINDING = "DETECTION_FINDING"
    COMPLIANCE_FINDING = "COMPLIANCE_FINDING"
    COMPLIANCE_SCAN = "COMPLIANCE_SCAN"


FINDING_TYPES: frozenset[EventType] = frozenset(
    {EventType.VULNERABILITY_FINDING, EventType.DETECTION_FINDING, EventType.COMPLIANCE_FINDING}
)
SCAN_TYPES: frozenset[EventType] = frozenset({EventType.VULNERABILITY_SCAN, EventType.COMPLIANCE_SCAN})
ALL_TYPES: frozenset[EventType] = FINDING_TYPES | SCAN_TYPES


class FieldType(StrEnum):
    """Value types of catalog fields; names follow DQL's type names."""

    STRING = "string"
    LONG = "long"
    DOUBLE = "double"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    STRING_ARRAY = "array<string>"


class RiskLevel(StrEnum):
    """Normalized `dt.security.risk.level`."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    NONE = "NONE"
    NOT_AVAILABLE = "NOT_AVAILABLE"


EVENT_KIND = "SECURITY_EVENT"
BUCKET = "default_securityevents"
TABLE = "security.events"

"""Validate one security event against the catalog, reporting every problem with its field name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from seclake.model.fields import FIELDS, forbidden_fields, required_fields
from seclake.model.types import SCAN_TYPES, EventType, FieldType

# Namespaces a scan event must never carry, catalog field or not.
SCAN_FORBIDDEN_PREFIXES: tuple[str, ...] = ("finding.", "vulnerability.", "component.", "dt.security.risk.")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an event: which field, and why."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _is_timestamp(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    return False


TYPE_CHECKS: dict[FieldType, Callable[[Any], bool]] = {
    FieldType.STRING: lambda v: isinstance(v, str),
    FieldType.LONG: lambda v: isinstance(v, int) and not isinstance(v, bool),
    FieldType.DOUBLE: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    FieldType.BOOLEAN: lambda v: isinstance(v, bool),
    FieldType.TIMESTAMP: _is_timestamp,
    FieldType.STRING_ARRAY: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


def validate_event(event: Mapping[str, Any]) -> list[Problem]:
    """Every problem of `event`, in catalog order; an empty list means the event is valid."""
    problems: list[Problem] = []
    raw_type = event.get("event.type")
    try:
        event_type: EventType | None = EventType(raw_type) if isinstance(raw_type, str) else None
    except ValueError:
        event_type = None
    if event_type is None:
        problems.append(
            Problem("event.type", f"must be one of {', '.join(sorted(EventType))}, got {raw_type!r}")
        )
    else:
        problems.extend(
            Problem(f.name, f"required for {event_type} but missing")
            for f in required_fields(event_type)
            if event.get(f.name) is None
        )
        if event_type in SCAN_TYPES:
            problems.extend(
                Problem(name, f"not allowed on {event_type}")
                for name in event
                if name.startswith(SCAN_FORBIDDEN_PREFIXES)
            )
        else:
            problems.extend(
                Problem(f.name, f"not allowed on {event_type}")
                for f in forbidden_fields(event_type)
                if f.name in event
            )
    for name, value in event.items():
        spec = FIELDS.get(name)
        if spec is None or value is None:
            continue
        if not TYPE_CHECKS[spec.type](value):
            problems.append(Problem(name, f"expected {spec.type}, got {type(value).__name__} {value!r:.60}"))
        elif spec.allowed and value not in spec.allowed and name != "event.type":
            problems.append(Problem(name, f"must be one of {', '.join(spec.allowed)}, got {value!r:.60}"))
    score = event.get("dt.security.risk.score")
    if isinstance(score, int | float) and not isinstance(score, bool) and not 0.0 <= score <= 10.0:
        problems.append(Problem("dt.security.risk.score", f"must be within 0–10, got {score}"))
    return problems

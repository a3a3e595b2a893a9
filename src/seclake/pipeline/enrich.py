"""Pure per-event helpers of the pipeline steps: deterministic ids, risk normalization, ingest fields.

Decisions (documented here, relied on by the forwarder and the store):

- `event.id`, when the sender gives none (missing or null), is a hash — SHA-256 cut to 128 bits, hex — of the
  element's canonical JSON as received (keys sorted, compact), the ingest endpoint and the connection.
  A sender that retries a request (at-least-once delivery) gets the same ids again, and the store shows
  each event once. The flip side: two identical elements sent to the same endpoint by the same
  connection are one event; a sender that means two must make them differ (an id, a timestamp).
- Ingest-owned fields (`dt.openpipeline.source`, `dt.system.*`, `dt.ingest.*`, `dt.security.connection.*`)
  always carry the pipeline's values; a sender cannot set or spoof them. `dt.raw_data` is the exception:
  the sender's value is kept (the Defender mapper sends the vendor's original record).
- Risk: see `risk_fields`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson

from seclake.model import BUCKET, RISK_BANDS, SCAN_TYPES, TABLE, RiskLevel, normalize_risk, score_for_level

__all__ = ["OWNED_FIELDS", "event_id", "id_salt", "ingest_fields", "risk_fields"]

RISK_LEVEL = "dt.security.risk.level"
RISK_SCORE = "dt.security.risk.score"
CONNECTION_ID = "dt.security.connection.id"
CONNECTION_NAME = "dt.security.connection.name"
INGEST_WARNINGS = "dt.ingest.warnings"
# Ingest-owned fields that are removed from a sender's event unless the pipeline sets them.
OWNED_FIELDS: tuple[str, ...] = (INGEST_WARNINGS, CONNECTION_ID, CONNECTION_NAME)
_SCAN_TYPE_NAMES = frozenset(str(t) for t in SCAN_TYPES)


def id_salt(source: str, connection_id: str | None) -> bytes:
    """What besides the element goes into a generated id (NUL never occurs in compact JSON)."""
    return f"\0{source}\0{connection_id or ''}".encode()


def event_id(element: Mapping[str, Any], salt: bytes) -> str:
    """Deterministic `event.id` of an element as received (see the module docstring)."""
    canonical = orjson.dumps(element, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical + salt).hexdigest()[:32]


@lru_cache(maxsize=1024, typed=True)
def _normalize_cached(severity: str | None, score: float | None) -> tuple[str, float]:
    level, normalized = normalize_risk(severity, score)
    return level.value, normalized


_CACHEABLE_SCORES = frozenset({int, float, type(None)})


def _normalize(severity: object, score: object) -> tuple[str, float]:
    """`normalize_risk` as plain values; the few (severity, score) pairs of a feed are cached."""
    short_severity = severity is None or (type(severity) is str and len(severity) <= 32)
    if short_severity and type(score) in _CACHEABLE_SCORES:
        return _normalize_cached(severity, score)
    level, normalized = normalize_risk(severity, score)
    return level.value, normalized


def risk_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """The risk fields to add to `event` (empty when it has them, or is a scan, which must not).

    When `dt.security.risk.level` is absent it is derived from `finding.severity` with the model's table
    (synonyms included); when `dt.security.risk.score` is absent it is the vendor's `finding.score`
    clamped into the level's band, else the band's top (also for a sender-given level).
    """
    event_type = event.get("event.type")
    if type(event_type) is str and event_type in _SCAN_TYPE_NAMES:
        return {}
    level = event.get(RISK_LEVEL)
    if level is None:
        new_level, score = _normalize(event.get("finding.severity"), event.get("finding.score"))
        if event.get(RISK_SCORE) is None:
            return {RISK_LEVEL: new_level, RISK_SCORE: score}
        return {RISK_LEVEL: new_level}
    if event.get(RISK_SCORE) is None and type(level) is str and level in RISK_BANDS:
        return {RISK_SCORE: score_for_level(RiskLevel(level), event.get("finding.score"))}
    return {}


def ingest_fields(
    *, source: str, now_ns: int, connection_id: str | None, connection_name: str | None
) -> dict[str, Any]:
    """The fields every event of one request gets, overriding whatever the sender put there."""
    fields: dict[str, Any] = {
        "dt.openpipeline.source": source,
        "dt.system.bucket": BUCKET,
        "dt.system.table": TABLE,
        "dt.ingest.time": now_ns,
    }
    if connection_id is not None:
        fields[CONNECTION_ID] = connection_id
        if connection_name is not None:
            fields[CONNECTION_NAME] = connection_name
    return fields

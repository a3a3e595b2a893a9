"""Pieces every Defender mapper shares: constants, the enrichment action, event times, raw data."""

from __future__ import annotations

import json
from typing import Any

import orjson

from seclake.model import EVENT_KIND, EventType
from seclake.sources.defender.access import ci, opt_dict, opt_str
from seclake.sources.defender.times import Timestamp

__all__ = [
    "PRODUCT",
    "VENDOR",
    "base_event",
    "cloud_provider",
    "enrichment_action",
    "event_time",
    "lower_id",
    "raw_json",
]

PRODUCT = "Microsoft Defender for Cloud"
VENDOR = "Microsoft"

_COMMON: dict[str, Any] = {
    "event.kind": EVENT_KIND,
    "event.provider": PRODUCT,
    "product.vendor": VENDOR,
    "product.name": PRODUCT,
}
_BASES: dict[EventType, dict[str, Any]] = {
    EventType.VULNERABILITY_FINDING: {
        "event.type": str(EventType.VULNERABILITY_FINDING),
        "event.category": "VULNERABILITY_MANAGEMENT",
        "event.name": "Vulnerability finding event",
        **_COMMON,
        "finding.type": "VULNERABILITY",
        "object.type": "CONTAINER_IMAGE",
    },
    EventType.VULNERABILITY_SCAN: {
        "event.type": str(EventType.VULNERABILITY_SCAN),
        "event.category": "VULNERABILITY_MANAGEMENT",
        "event.name": "Vulnerability scan event",
        **_COMMON,
        "object.type": "CONTAINER_IMAGE",
    },
    EventType.DETECTION_FINDING: {
        "event.type": str(EventType.DETECTION_FINDING),
        "event.name": "Detection finding event",
        **_COMMON,
    },
}


def base_event(event_type: EventType) -> dict[str, Any]:
    """A new event holding the constant fields of `event_type` (a fresh dict each call)."""
    return _BASES[event_type].copy()


# Enrichment blocks that carry `action` (Insert / Delete / Write), most specific first.
_ENRICHMENTS = (
    "subAssessmentEventDataEnrichment",
    "assessmentEventDataEnrichment",
    "securityEventDataEnrichment",
)


def enrichment_action(record: dict[str, Any]) -> str | None:
    """The export action of a record (`Insert`, `Delete`, …), from its enrichment block."""
    for block_name in _ENRICHMENTS:
        block = opt_dict(record, block_name, "$")
        if block:
            action = opt_str(block, "action", f"$.{block_name}")
            if action:
                return action
    return None


def event_time(generated: Timestamp, enqueued: Timestamp | None) -> str:
    """`timestamp`: the later of the evaluation time and the Event Hub enqueued time (when known)."""
    if enqueued is not None and enqueued[0] > generated[0]:
        return enqueued[1]
    return generated[1]


_PROVIDERS = {"azure": "azure", "aws": "aws", "gcp": "gcp", "amazon": "aws", "google": "gcp"}


def cloud_provider(source: Any, default: str) -> str:
    """`cloud.provider` from `resourceDetails.source` (Azure / Aws / Gcp), else the key table's answer."""
    if type(source) is str:
        return _PROVIDERS.get(source.strip().lower(), default)
    return default


def raw_json(record: Any) -> str:
    """The original record as compact JSON text, key order and casing as received."""
    try:
        return orjson.dumps(record).decode("utf-8")
    except TypeError:  # integers beyond 64 bits, non-string keys: only from hand-built records
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str)


def lower_id(record: dict[str, Any]) -> str | None:
    """The record `id`, lowercased (None when absent or not text)."""
    value = ci(record, "id")
    return value.lower() if type(value) is str and value else None

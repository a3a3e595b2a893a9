"""Microsoft Defender for Cloud continuous export → security events (pure: bytes/records → events).

    map_body(body, *, enqueued_time=None) -> MapResult      one Event Hub body
    map_records(records, *, enqueued_time=None) -> MapResult already-parsed records

Modules: `envelope` (body → records, or each record's original text), `classify` (record kind,
container assessment keys), `subassessments` (VULNERABILITY_FINDING), `scans` (VULNERABILITY_SCAN),
`alerts` (DETECTION_FINDING), `images` (image / Kubernetes / Azure context), `identity` (deterministic
ids), `access` (case-insensitive typed reads), `times` (timestamps), `memo` (memoized derived fields),
`mapper` (dispatch and MapResult). The fast path for the common shapes, which gives the same events:
`schema` (msgspec structs), `fastread` (decode, shared facts), `fastfinding` and `fastscan` (the
events), `fastpath` (dispatch).
"""

from __future__ import annotations

from seclake.sources.defender.classify import RecordKind, classify
from seclake.sources.defender.envelope import decode_body
from seclake.sources.defender.mapper import SKIP_REASONS, MapResult, map_body, map_records

__all__ = ["SKIP_REASONS", "MapResult", "RecordKind", "classify", "decode_body", "map_body", "map_records"]

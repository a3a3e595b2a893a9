"""Deterministic identities: the same record always yields the same `event.id`, `finding.id`, `scan.id`.

Every id is a BLAKE2b-128 hex digest over a short kind tag and the parts that define the thing, joined
with a separator that cannot occur in them (`\\x1f`). No clock, no randomness, no process state: a
re-delivered Event Hub message maps to byte-identical events, and the store's one-row-per-`event.id`
rule turns the re-delivery into a no-op.
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import blake2b
from typing import Any

__all__ = ["digest_id", "event_id", "finding_id_fallback", "scan_event_id", "scan_id"]

_SEP = "\x1f"


_PREFIXES: dict[str, Any] = {}  # kind → a BLAKE2b state that has absorbed `kind + _SEP` (copied per id)


def _hasher(kind: str) -> Any:
    state = _PREFIXES.get(kind)
    if state is None:
        state = _PREFIXES[kind] = blake2b((kind + _SEP).encode("utf-8", "surrogatepass"), digest_size=16)
    return state.copy()


def digest_id(kind: str, *parts: str | None) -> str:
    """32 hex characters identifying `parts` under `kind`: BLAKE2b-128 of `kind␟part␟part…` (UTF-8)."""
    state = _hasher(kind)
    state.update(_SEP.join("" if p is None else p for p in parts).encode("utf-8", "surrogatepass"))
    hexdigest: str = state.hexdigest()
    return hexdigest


_EVENT = _hasher("event")


def event_id(finding_id: str, action: str | None, time_generated: str) -> str:
    """`event.id` of a finding event: one per (finding, action, evaluation time).

    Insert and Delete of the same evaluation differ; a weekly snapshot re-sending an unchanged finding
    carries the same `timeGenerated` and therefore the same id as the streamed record it repeats.
    """
    # digest_id("event", finding_id, action.lower(), time_generated), spelled out: one per record, hot
    state = _EVENT.copy()
    state.update(
        f"{finding_id}{_SEP}{(action or '').lower()}{_SEP}{time_generated}".encode("utf-8", "surrogatepass")
    )
    hexdigest: str = state.hexdigest()
    return hexdigest


def finding_id_fallback(
    object_id: str, vulnerability_id: str, component: str | None, version: str | None
) -> str:
    """`finding.id` for a sub-assessment without a record id: a hash of what the finding is about."""
    return digest_id("finding", object_id, vulnerability_id, component, version)


def scan_id(image_ref: str, scan_time: str) -> str:
    """`scan.id` of one scan of one image.

    A scan is identified by the image it looked at (`<registry>/<repository>@<digest>`, so the same
    content pushed to two registries is two scans, as Defender scans them) and by the exact evaluation
    time Defender stamps on every result of that scan (`properties.timeGenerated` of its
    sub-assessments and of the per-image assessment, normalized to RFC 3339 UTC). Truncating that time
    to the day would merge an on-push scan with the daily re-scan of the same image; keeping full
    precision makes each evaluation its own scan, and the findings and the scan event of one evaluation
    share the id because they share the stamp.
    """
    return digest_id("scan", image_ref, scan_time)


@lru_cache(maxsize=4096)  # a scan is implied again by every body holding one of its findings
def scan_event_id(scan: str) -> str:
    """`event.id` of the VULNERABILITY_SCAN event of a scan: one event per scan, however it is reported."""
    return digest_id("scan-event", scan)

"""Forwarder counters with fixed names (Vector's component spec: received / sent / dropped).

Every stage increments the same thread-safe `Metrics` object; `summary()` gives the figures printed at
the end of a file run and logged on shutdown. Skipped records are counted per reason.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping

__all__ = ["COUNTERS", "Metrics"]

# name -> help; the only counters the forwarder keeps (plus skipped-by-reason).
COUNTERS: Mapping[str, str] = {
    "seclake_forwarder_bodies_received_total": "Event Hub bodies read from the source",
    "seclake_forwarder_records_received_total": "Defender records found in the bodies",
    "seclake_forwarder_events_mapped_total": "security events produced by the mapper",
    "seclake_forwarder_records_skipped_total": "records the mapper skipped (any reason)",
    "seclake_forwarder_mapping_errors_total": "records the mapper could not map",
    "seclake_forwarder_events_sent_total": "events the server accepted (202)",
    "seclake_forwarder_requests_sent_total": "ingest requests answered 202",
    "seclake_forwarder_bytes_sent_total": "compressed request bytes answered 202",
    "seclake_forwarder_requests_retried_total": "requests retried after 429, 5xx or a connection error",
    "seclake_forwarder_events_dead_lettered_total": "events written to the dead-letter directory",
    "seclake_forwarder_bodies_dead_lettered_total": "bodies written to the dead-letter directory",
    "seclake_forwarder_bodies_already_done_total": "bodies skipped because a checkpoint covers them",
}
SKIPPED_PREFIX = "seclake_forwarder_records_skipped_total"


class Metrics:
    """Thread-safe counters; names must be in COUNTERS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter({name: 0 for name in COUNTERS})
        self._skipped: Counter[str] = Counter()

    def inc(self, name: str, amount: int = 1) -> None:
        """Add `amount` to the counter `name`."""
        if name not in COUNTERS:
            raise KeyError(f"unknown forwarder counter {name!r}")
        with self._lock:
            self._counts[name] += amount

    def skipped(self, reasons: Mapping[str, int]) -> None:
        """Count skipped records by reason."""
        total = sum(reasons.values())
        with self._lock:
            self._skipped.update(reasons)
            self._counts[SKIPPED_PREFIX] += total

    def get(self, name: str) -> int:
        """The current value of a counter."""
        with self._lock:
            return self._counts[name]

    def summary(self) -> dict[str, int]:
        """All counters, plus `seclake_forwarder_records_skipped_total{reason="..."}` per reason."""
        with self._lock:
            out = dict(self._counts)
            for reason, count in sorted(self._skipped.items()):
                out[f'{SKIPPED_PREFIX}{{reason="{reason}"}}'] = count
        return out

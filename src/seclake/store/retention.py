"""Retention per bucket, enforced in the background.

A `RetentionPolicy` maps a bucket (`dt.system.bucket`) to the days its events are kept; the default
bucket `default_securityevents` keeps `settings.retention_days` (365 unless configured), and events
without a bucket count as the default bucket. Events of buckets the policy does not name are kept.
An event's age is its `timestamp` (event time, as Grail does). `cutoffs` is pure; the
`RetentionWorker` thread asks the store to enforce the policy at start and then every `interval_s`;
the deletes run on the writer thread, so they never race the ingest path for the write connection.
The per-minute ingest statistics are pruned with the default bucket's cutoff.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from seclake.errors import ConfigError
from seclake.logging import get_logger
from seclake.model import BUCKET
from seclake.settings import Settings

__all__ = ["DAY_NS", "RetentionPolicy", "RetentionWorker", "cutoffs"]

log = get_logger("store.retention")
DAY_NS = 86_400 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days kept per bucket."""

    days_by_bucket: Mapping[str, int] = field(default_factory=lambda: {BUCKET: 365})

    @classmethod
    def from_settings(cls, settings: Settings, extra: Mapping[str, int] | None = None) -> RetentionPolicy:
        """The default bucket from `settings.retention_days`, plus any other buckets given."""
        days = {BUCKET: settings.retention_days, **(extra or {})}
        for bucket, d in days.items():
            if d < 1:
                raise ConfigError(f"retention of bucket {bucket!r} must be at least 1 day, got {d}")
        return cls(days)


def cutoffs(policy: RetentionPolicy, now_ns: int) -> dict[str, int]:
    """Bucket -> timestamp (ns since the epoch) before which its events are deleted."""
    return {bucket: now_ns - days * DAY_NS for bucket, days in sorted(policy.days_by_bucket.items())}


class RetentionWorker:
    """Calls `enforce(now_ns)` at start and then every `interval_s` seconds until stopped."""

    def __init__(self, enforce: Callable[[int], Mapping[str, int]], *, interval_s: float) -> None:
        self._enforce = enforce
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="seclake-retention", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                deleted = self._enforce(time.time_ns())
                if any(deleted.values()):
                    log.info("retention_deleted", **{b.replace(".", "_"): n for b, n in deleted.items()})
            except Exception as exc:  # keep trying on the next round; the store reports health itself
                if self._stop.is_set():
                    return
                log.warning("retention_failed", error=repr(exc))
            self._stop.wait(self._interval_s)

"""The dead-letter directory: what could not be delivered, with the reason, kept for a human.

Each entry is two files written atomically (temp file + rename): `<name>.payload` holds the exact bytes
(the original Event Hub body, or the JSON array of rejected events) and `<name>.json` the metadata
(reason, HTTP status and answer, source position, errors). The metadata file is written last, so an
entry is complete when its `.json` exists.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from seclake.logging import get_logger

if TYPE_CHECKING:
    from seclake.forwarder.metrics import Metrics
    from seclake.forwarder.sink import Outcome

__all__ = ["DeadLetterEntry", "DeadLetters", "atomic_write"]

log = get_logger("forwarder.deadletter")


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so readers see the old file or the whole new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True, slots=True)
class DeadLetterEntry:
    """One dead letter as read back."""

    meta: dict[str, Any]
    payload: bytes
    path: Path

    @property
    def reason(self) -> str:
        return str(self.meta["reason"])


class DeadLetters:
    """Writes and lists dead letters in one directory (created on first write)."""

    _counter = itertools.count()

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def write(self, reason: str, payload: bytes, meta: Mapping[str, Any]) -> Path:
        """Store one dead letter; returns the metadata path."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        with self._lock:
            seq = next(self._counter)
        name = f"{stamp}-{os.getpid()}-{seq:06d}-{reason}"
        record = {"reason": reason, "written": stamp, "payload_file": name + ".payload", **meta}
        atomic_write(self.directory / (name + ".payload"), payload)
        meta_path = self.directory / (name + ".json")
        atomic_write(meta_path, orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        log.warning("dead_lettered", reason=reason, file=str(meta_path), payload_bytes=len(payload))
        return meta_path

    def rejected_events(
        self, payload: bytes, *, status: int, answer: str, events: int, sources: Sequence[str]
    ) -> Path:
        """Events the server rejected (400/413/...), with its answer."""
        return self.write(
            f"rejected-{status}",
            payload,
            {"status": status, "answer": _json_or_text(answer), "events": events, "sources": list(sources)},
        )

    def rejected_outcome(self, outcome: Outcome, sources: Sequence[str], metrics: Metrics) -> Path:
        """Dead-letter the events of a rejected sink outcome and count them (engine and Function)."""
        path = self.rejected_events(
            outcome.batch.body(),
            status=outcome.status,
            answer=outcome.answer,
            events=len(outcome.batch),
            sources=sources,
        )
        metrics.inc("seclake_forwarder_events_dead_lettered_total", len(outcome.batch))
        return path

    def bad_body(self, payload: bytes, *, source: str, errors: Sequence[str], events_mapped: int) -> Path:
        """A body (or some of its records) the mapper could not read."""
        return self.write(
            "mapping-error",
            payload,
            {
                "source": source,
                "errors": list(errors)[:100],
                "error_count": len(errors),
                "events": events_mapped,
            },
        )

    def entries(self) -> Iterator[DeadLetterEntry]:
        """Every complete dead letter, oldest first."""
        if not self.directory.is_dir():
            return
        for meta_path in sorted(self.directory.glob("*.json")):
            meta = orjson.loads(meta_path.read_bytes())
            payload = (self.directory / meta["payload_file"]).read_bytes()
            yield DeadLetterEntry(meta, payload, meta_path)


def _json_or_text(answer: str) -> Any:
    try:
        return orjson.loads(answer)
    except orjson.JSONDecodeError:
        return answer

"""Pure batching: security events → request batches bounded by event count and by JSON bytes.

Events are encoded once (compact JSON, orjson) so their size is known exactly; a batch's request body is
the JSON array of its encoded events. Every event carries an `owner` (the id of the source body it came
from) so acknowledgements can be traced back to bodies and checkpoints. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["Batch", "Batcher", "batches", "encode_all"]


@dataclass(slots=True)
class Batch:
    """Encoded events of one request and the body id each event came from."""

    events: list[bytes] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    nbytes: int = 0

    def __len__(self) -> int:
        return len(self.events)

    def body(self) -> bytes:
        """The request body: a JSON array of the events."""
        return b"[" + b",".join(self.events) + b"]"

    def body_size(self) -> int:
        """len(self.body()) without building it."""
        return self.nbytes + max(len(self.events) - 1, 0) + 2

    def append(self, encoded: bytes, owner: int) -> None:
        """Add one encoded event."""
        self.events.append(encoded)
        self.owners.append(owner)
        self.nbytes += len(encoded)

    def split(self) -> tuple[Batch, Batch]:
        """The two halves of a batch of at least two events (used to isolate a rejected event)."""
        if len(self.events) < 2:
            raise ValueError("cannot split a batch of fewer than two events")
        mid = len(self.events) // 2
        return self._slice(0, mid), self._slice(mid, len(self.events))

    def _slice(self, start: int, stop: int) -> Batch:
        events = self.events[start:stop]
        return Batch(events, self.owners[start:stop], sum(len(e) for e in events))


class Batcher:
    """Accumulates encoded events; hands out a batch when the next event would break a limit.

    An event larger than `max_bytes` on its own becomes a batch of one (the server decides; a 413 then
    sends it to the dead-letter directory instead of blocking the stream).
    """

    def __init__(self, max_events: int, max_bytes: int) -> None:
        if max_events < 1 or max_bytes < 3:
            raise ValueError(f"batch limits too small: {max_events} events, {max_bytes} bytes")
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._current = Batch()

    @property
    def pending(self) -> int:
        """Events waiting in the open batch."""
        return len(self._current)

    def add(self, encoded: bytes, owner: int) -> list[Batch]:
        """Add an event; returns the batches that became complete (zero, one or two)."""
        done: list[Batch] = []
        current = self._current
        if current.events and (
            len(current) + 1 > self.max_events or current.body_size() + len(encoded) + 1 > self.max_bytes
        ):
            done.append(current)
            current = self._current = Batch()
        current.append(encoded, owner)
        if len(current) >= self.max_events or current.body_size() >= self.max_bytes:
            done.append(current)
            self._current = Batch()
        return done

    def flush(self) -> Batch | None:
        """The open batch, if it holds anything."""
        if not self._current.events:
            return None
        batch, self._current = self._current, Batch()
        return batch


def batches(items: Iterable[tuple[bytes, int]], max_events: int, max_bytes: int) -> Iterator[Batch]:
    """All batches of `(encoded event, owner)` pairs, in order."""
    batcher = Batcher(max_events, max_bytes)
    for encoded, owner in items:
        yield from batcher.add(encoded, owner)
    last = batcher.flush()
    if last is not None:
        yield last


def encode_all(events: Sequence[dict[str, Any]], owner: int) -> list[tuple[bytes, int]]:
    """Encode the events of one body, each tagged with the body's id."""
    return [(orjson.dumps(event), owner) for event in events]

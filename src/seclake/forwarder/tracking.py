"""Acknowledgement tracking: which source bodies are fully answered, and how far a checkpoint may move.

A body is registered with the number of events it mapped to; every answered event (202, or written to
the dead-letter directory) counts down its body; at zero the body's callback runs. `OrderedProgress`
turns "these bodies are done" into "the checkpoint may move to here" for ordered sources (an Event Hub
partition): it only ever advances over a prefix of finished bodies, so nothing is checkpointed early.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["AckTracker", "OrderedProgress"]

T = TypeVar("T")


@dataclass(slots=True)
class _Ticket:
    source: str
    remaining: int
    on_done: Callable[[], None] | None


class AckTracker:
    """Counts outstanding events per body; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tickets: dict[int, _Ticket] = {}
        self._next = 0

    def register(self, source: str, events: int, on_done: Callable[[], None] | None) -> int:
        """A body with `events` events to answer; a body with none is done at once."""
        with self._lock:
            body_id = self._next
            self._next += 1
            if events > 0:
                self._tickets[body_id] = _Ticket(source, events, on_done)
        if events <= 0 and on_done is not None:
            on_done()
        return body_id

    def ack(self, owners: Iterable[int]) -> int:
        """Answer events (by owning body id); runs callbacks of finished bodies; returns how many."""
        finished: list[Callable[[], None] | None] = []
        with self._lock:
            for body_id, count in Counter(owners).items():
                ticket = self._tickets[body_id]
                ticket.remaining -= count
                if ticket.remaining <= 0:
                    finished.append(self._tickets.pop(body_id).on_done)
        for callback in finished:
            if callback is not None:
                callback()
        return len(finished)

    def sources(self, owners: Iterable[int]) -> list[str]:
        """Human-readable source positions of the given bodies (for dead letters)."""
        with self._lock:
            return sorted({self._tickets[o].source for o in set(owners) if o in self._tickets})

    def outstanding(self) -> int:
        """Bodies not yet fully answered."""
        with self._lock:
            return len(self._tickets)


class OrderedProgress(Generic[T]):
    """Positions handed out in order; `commit(token)` runs for the newest finished prefix."""

    def __init__(self, commit: Callable[[T], None]) -> None:
        self._commit = commit
        self._lock = threading.Lock()
        self._pending: deque[tuple[int, T]] = deque()
        self._done: set[int] = set()
        self._next = 0

    def add(self, token: T) -> int:
        """Register the next position (e.g. an Event Hub event); returns it."""
        with self._lock:
            position = self._next
            self._next += 1
            self._pending.append((position, token))
            return position

    def done(self, position: int) -> None:
        """Mark a position finished; commits when the finished prefix grows."""
        with self._lock:
            self._done.add(position)
            last: T | None = None
            advanced = False
            while self._pending and self._pending[0][0] in self._done:
                pos, last = self._pending.popleft()
                self._done.discard(pos)
                advanced = True
            if advanced:
                self._commit(last)  # type: ignore[arg-type]  # set together with `advanced`

    def pending(self) -> int:
        """Positions not yet covered by a commit."""
        with self._lock:
            return len(self._pending)

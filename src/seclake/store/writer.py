"""The writer thread: a bounded queue of batches, group commit, one future per batch.

One thread owns the store's write connection. Producers (`submit`) put a prepared batch on a queue
bounded in EVENTS (not requests): when accepting a batch would exceed `max_queue_events`, `submit`
raises `OverloadedError` at once (the ingest route answers 429 + Retry-After) instead of queueing
without bound. A batch larger than the whole bound is still accepted when the queue is empty, so no
request is refused forever.

The thread takes as many queued batches as fit in `max_group_events` (at least one) and hands them to
`commit(group)` in one call, i.e. one transaction: under load many requests share one commit, which is
what makes small requests cheap. A batch's future resolves only after its group committed. When a group
fails, each of its batches is retried alone, so one bad batch cannot fail its neighbours; the futures
of batches that still fail get `StorageError` naming the cause.

`run(task)` executes any other write (retention) on the same thread, between groups.
`hold()` keeps the thread from starting the next group (tests use it to fill the queue).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from seclake.errors import OverloadedError, StorageError
from seclake.logging import get_logger

__all__ = ["Batch", "Writer"]

log = get_logger("store.writer")
T = TypeVar("T")
P = TypeVar("P")


@dataclass(slots=True)
class Batch(Generic[P]):
    """One submitted unit: its payload (e.g. an Arrow table), its size in events, its future."""

    payload: P
    events: int
    future: Future[None] = field(default_factory=Future)


@dataclass(slots=True)
class _Task:
    fn: Callable[[], Any]
    future: Future[Any]


class Writer(Generic[P]):
    """A single writer thread with a bounded queue (see the module docstring)."""

    def __init__(
        self,
        commit: Callable[[Sequence[Batch[P]]], None],
        *,
        max_queue_events: int,
        max_group_events: int,
        name: str = "seclake-writer",
    ) -> None:
        self._commit = commit
        self._max_queue = max(1, max_queue_events)
        self._max_group = max(1, max_group_events)
        self._queue: deque[Batch[P] | _Task] = deque()
        self._queued_events = 0  # waiting or being committed
        self._cond = threading.Condition()
        self._held = 0
        self._closing = False
        self._failed: BaseException | None = None
        self._rate = 0.0  # events/s of recent groups, for Retry-After
        self.groups_committed = 0  # counters for metrics and benchmarks
        self.events_committed = 0
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    # ── producer side ──
    def submit(self, payload: P, events: int) -> Future[None]:
        """Queue a batch; its future resolves after commit. Raises OverloadedError when full."""
        batch: Batch[P] = Batch(payload, events)
        with self._cond:
            self._ensure_room_locked(events)
            self._queue.append(batch)
            self._queued_events += events
            self._cond.notify_all()
        return batch.future

    def ensure_room(self, events: int) -> None:
        """Raise OverloadedError (or StorageError when closed) if `submit(events)` would be refused now."""
        with self._cond:
            self._ensure_room_locked(events)

    def _ensure_room_locked(self, events: int) -> None:
        self._check_open()
        if self._queued_events and self._queued_events + events > self._max_queue:
            raise OverloadedError(
                f"writer queue full: {self._queued_events} events waiting, limit {self._max_queue}",
                retry_after=self.retry_after(),
            )

    def run(self, fn: Callable[[], T]) -> Future[T]:
        """Run `fn` on the writer thread between groups (not bounded: for maintenance work)."""
        future: Future[T] = Future()
        with self._cond:
            self._check_open()
            self._queue.append(_Task(fn, future))
            self._cond.notify_all()
        return future

    def retry_after(self) -> float:
        """Seconds a refused producer should wait: the queue's drain time at the recent rate, >= 1."""
        rate = self._rate
        return 1.0 if rate <= 0 else max(1.0, round(self._queued_events / rate, 1))

    def queue_depth(self) -> int:
        """Events accepted and not yet committed."""
        with self._cond:
            return self._queued_events

    def alive(self) -> bool:
        return self._thread.is_alive() and self._failed is None and not self._closing

    @contextmanager
    def hold(self) -> Iterator[None]:
        """While inside, the thread starts no new group (the one in progress finishes)."""
        with self._cond:
            self._held += 1
        try:
            yield
        finally:
            with self._cond:
                self._held -= 1
                self._cond.notify_all()

    def close(self, timeout_s: float = 60.0) -> bool:
        """Commit what is queued, then stop the thread; False when it is still committing after the wait."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _check_open(self) -> None:
        if self._closing:
            raise StorageError("the event store is closed")
        if self._failed is not None:
            raise StorageError(f"the event store's writer stopped: {self._failed!r}")

    # ── the thread ──
    def _take(self) -> list[Batch[P]] | _Task | None:
        with self._cond:
            while not self._queue or (self._held and not self._closing):
                if self._closing and not self._queue:
                    return None
                self._cond.wait()
            first = self._queue.popleft()
            if isinstance(first, _Task):
                return first
            group, total = [first], first.events
            while self._queue and isinstance(self._queue[0], Batch):
                nxt = self._queue[0]
                assert isinstance(nxt, Batch)
                if total + nxt.events > self._max_group:
                    break
                self._queue.popleft()
                group.append(nxt)
                total += nxt.events
            return group

    def _loop(self) -> None:
        try:
            while (work := self._take()) is not None:
                if isinstance(work, _Task):
                    self._run_task(work)
                else:
                    self._commit_group(work)
        except BaseException as exc:  # pragma: no cover - a bug in the loop itself
            log.exception("writer_stopped")
            self._failed = exc
            self._fail_all(exc)

    def _run_task(self, task: _Task) -> None:
        try:
            task.future.set_result(task.fn())
        except Exception as exc:
            task.future.set_exception(exc)

    def _commit_group(self, group: list[Batch[P]]) -> None:
        events = sum(b.events for b in group)
        started = time.perf_counter()
        try:
            self._commit(group)
        except Exception as exc:
            if len(group) == 1:
                self._settle(group, exc)
                return
            log.warning("group_commit_failed_retrying_alone", batches=len(group), error=repr(exc))
            for batch in group:
                try:
                    self._commit([batch])
                except Exception as one_exc:
                    self._settle([batch], one_exc)
                else:
                    self._settle([batch], None)
            return
        elapsed = max(time.perf_counter() - started, 1e-6)
        self._rate = events / elapsed if self._rate <= 0 else 0.8 * self._rate + 0.2 * events / elapsed
        self.groups_committed += 1
        self.events_committed += events
        self._settle(group, None)

    def _settle(self, group: Sequence[Batch[P]], exc: BaseException | None) -> None:
        with self._cond:
            self._queued_events -= sum(b.events for b in group)
        for batch in group:
            if exc is None:
                batch.future.set_result(None)
            else:
                error = exc if isinstance(exc, StorageError) else StorageError(f"commit failed: {exc}")
                if error is not exc:
                    error.__cause__ = exc
                batch.future.set_exception(error)

    def _fail_all(self, exc: BaseException) -> None:  # pragma: no cover - see _loop
        with self._cond:
            pending, self._queue = list(self._queue), deque()
            self._queued_events = 0
        for item in pending:
            item.future.set_exception(StorageError(f"the event store's writer stopped: {exc!r}"))

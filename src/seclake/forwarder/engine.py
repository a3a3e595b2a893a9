"""The delivery engine: a mapping thread and a few sender threads behind bounded queues.

    source ──submit()──▶ [bodies queue] ──mapper thread──▶ [batches queue] ──sender threads──▶ HTTP
                           (bounded)       map, encode,       (bounded)        gzip, POST, retry
                                           batch, linger                        ack → body callbacks

Both queues are bounded, so a slow or absent server blocks `submit()` (back-pressure to the consumer)
instead of growing memory. A body's `on_done` callback — which moves a checkpoint — runs only after every
event of the body was answered 202 or written to the dead-letter directory. A fatal answer (401/403)
sets `fatal`, aborts all retries and leaves everything unacknowledged.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import cast

import httpx

from seclake.errors import DeliveryError
from seclake.forwarder.batching import Batch, Batcher, encode_all
from seclake.forwarder.config import ForwarderConfig
from seclake.forwarder.deadletter import DeadLetters
from seclake.forwarder.files import SourceBody
from seclake.forwarder.mapping import MapFn, default_map_fn, map_source_body
from seclake.forwarder.metrics import Metrics
from seclake.forwarder.sink import DeliveryAbortedError, Sink, make_client
from seclake.forwarder.tracking import AckTracker
from seclake.logging import get_logger

__all__ = ["Forwarder", "ForwarderStoppedError"]

log = get_logger("forwarder.engine")
_STOP = object()
_POLL_S = 0.1


class ForwarderStoppedError(DeliveryError):
    """submit() after the forwarder failed or was stopped."""


class Forwarder:
    """Map, batch and deliver bodies with bounded memory; thread-safe `submit()`."""

    def __init__(
        self, config: ForwarderConfig, *, metrics: Metrics | None = None, map_fn: MapFn | None = None
    ) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        self.map_fn = map_fn or default_map_fn()
        self.dead_letters = DeadLetters(config.dead_letters)
        self.tracker = AckTracker()
        self.abort = threading.Event()
        self.fatal: DeliveryError | None = None
        self._bodies: queue.Queue[object] = queue.Queue(maxsize=config.body_queue)
        self._batches: queue.Queue[object] = queue.Queue(maxsize=config.senders * 2)
        self._threads: list[threading.Thread] = []
        self._client: httpx.Client | None = None
        self._closed = False

    def start(self) -> Forwarder:
        self._client = make_client(self.config)
        self._threads = [threading.Thread(target=self._map_loop, name="forwarder-mapper", daemon=True)]
        self._threads += [
            threading.Thread(
                target=self._send_loop, args=(self._client,), name=f"forwarder-sender-{i}", daemon=True
            )
            for i in range(self.config.senders)
        ]
        for thread in self._threads:
            thread.start()
        return self

    # -- the source side -------------------------------------------------------------------------
    def submit(self, body: SourceBody, on_done: Callable[[], None] | None = None) -> None:
        """Queue a body; blocks while the queue is full. Raises ForwarderStoppedError after a failure."""
        item = (body, on_done)
        while True:
            if self.abort.is_set() or self._closed:
                raise ForwarderStoppedError(str(self.fatal) if self.fatal else "forwarder is stopping")
            try:
                self._bodies.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def drain(self, deadline: Callable[[], float | None] = lambda: None) -> bool:
        """Wait until every submitted body is answered. `deadline()` (monotonic time or None) may
        change while waiting (a SIGTERM shortens it). False when aborted or past the deadline."""
        while not self.abort.is_set():
            if self._bodies.unfinished_tasks == 0 and self.tracker.outstanding() == 0:
                return True
            limit = deadline()
            if limit is not None and time.monotonic() >= limit:
                return False
            time.sleep(0.02)
        return False

    def close(self, *, abort: bool = False) -> None:
        """Stop the threads; `abort` interrupts retries first. Unanswered bodies stay unacknowledged
        (their checkpoints do not move)."""
        if self._closed:
            return
        self._closed = True
        if abort:
            self.abort.set()
        while True:
            try:
                self._bodies.put(_STOP, timeout=_POLL_S)
                break
            except queue.Full:
                self.abort.set()  # nobody drains: the caller gave up waiting
        for thread in self._threads:
            thread.join()
        if self._client is not None:
            self._client.close()

    # -- the mapping thread ----------------------------------------------------------------------
    def _map_loop(self) -> None:
        batcher = Batcher(self.config.batch_max_events, self.config.batch_max_bytes)
        while True:
            try:
                item = self._bodies.get(timeout=self.config.linger_s)
            except queue.Empty:
                self._emit(batcher.flush())
                continue
            try:
                if item is _STOP:
                    self._emit(batcher.flush())
                    for _ in range(self.config.senders):
                        self._put_batch(_STOP, force=True)
                    return
                body, on_done = cast(tuple[SourceBody, Callable[[], None] | None], item)
                self._map_one(batcher, body, on_done)
            except Exception as exc:  # a bug must stop the run loudly, not hang it with a dead thread
                log.exception("mapper_thread_failed")
                self._fail(DeliveryError(f"mapping thread failed: {exc!r}"))
            finally:
                self._bodies.task_done()

    def _map_one(self, batcher: Batcher, body: SourceBody, on_done: Callable[[], None] | None) -> None:
        events = map_source_body(body, self.map_fn, self.metrics, self.dead_letters)
        owner = self.tracker.register(body.source, len(events), on_done)
        for encoded, tag in encode_all(events, owner):
            for batch in batcher.add(encoded, tag):
                self._emit(batch)

    def _emit(self, batch: Batch | None) -> None:
        if batch is not None:
            self._put_batch(batch)

    def _put_batch(self, item: object, *, force: bool = False) -> None:
        while True:
            if self.abort.is_set() and not force:
                return  # dropped unacknowledged: its bodies never complete, so no checkpoint moves
            try:
                self._batches.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    # -- the sender threads ----------------------------------------------------------------------
    def _send_loop(self, client: httpx.Client) -> None:
        sink = Sink(self.config, self.metrics, self.abort, client=client)
        while True:
            item = self._batches.get()
            if item is _STOP:
                return
            assert isinstance(item, Batch)
            self._deliver(sink, item)

    def _fail(self, error: DeliveryError) -> None:
        if self.fatal is None:
            self.fatal = error
            log.error("delivery_stopped", error=str(error))
        self.abort.set()

    def _deliver(self, sink: Sink, batch: Batch) -> None:
        if self.abort.is_set():
            return
        try:
            self._deliver_once(sink, batch)
        except DeliveryAbortedError:
            return
        except DeliveryError as exc:
            self._fail(exc)
        except Exception as exc:  # a bug must stop the run loudly, not hang it with a dead thread
            log.exception("sender_failed")
            self._fail(DeliveryError(f"sender failed: {exc!r}"))

    def _deliver_once(self, sink: Sink, batch: Batch) -> None:
        for outcome in sink.send(batch):
            if not outcome.delivered:
                sources = self.tracker.sources(outcome.batch.owners)
                self.dead_letters.rejected_outcome(outcome, sources, self.metrics)
            self.tracker.ack(outcome.batch.owners)

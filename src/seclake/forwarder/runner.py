"""The forwarder's loops: files → engine and Event Hubs → engine, with checkpoints and clean shutdown.

Files: every delivered body is recorded in `<state_dir>/files-progress.jsonl`; a restarted run skips
them. Event Hubs: per partition, the checkpoint moves (through the SDK's `PartitionContext`) to the
newest event whose predecessors are all delivered. SIGTERM/SIGINT stop reading, flush what is queued,
wait up to `drain_timeout_s` for answers (checkpointing them) and return; what is still unanswered is
simply not checkpointed and comes again next time.
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from seclake.forwarder.checkpoints import FileProgress
from seclake.forwarder.config import ForwarderConfig
from seclake.forwarder.engine import Forwarder, ForwarderStoppedError
from seclake.forwarder.files import SourceBody, expand_inputs, iter_file_bodies
from seclake.forwarder.mapping import MapFn
from seclake.forwarder.metrics import Metrics
from seclake.forwarder.tracking import OrderedProgress
from seclake.logging import get_logger

__all__ = ["ConsumerLike", "RunResult", "StopFlag", "forward_eventhub", "forward_files", "stop_on_signals"]

log = get_logger("forwarder.runner")
PROGRESS_FILE = "files-progress.jsonl"


class StopFlag:
    """A stop request with the moment it came, so draining can be bounded from then on."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.at: float | None = None

    def set(self) -> None:
        if self.at is None:
            self.at = time.monotonic()
        self.event.set()

    def is_set(self) -> bool:
        return self.event.is_set()

    def deadline(self, drain_timeout_s: float) -> Callable[[], float | None]:
        return lambda: None if self.at is None else self.at + drain_timeout_s


@contextmanager
def stop_on_signals(
    flag: StopFlag, signals: Sequence[int] = (signal.SIGTERM, signal.SIGINT)
) -> Iterator[None]:
    """Set `flag` on SIGTERM/SIGINT while inside (main thread only); restores the old handlers."""
    previous = {sig: signal.getsignal(sig) for sig in signals}

    def handler(signum: int, _frame: Any) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name)
        flag.set()

    for sig in signals:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a run ended and its counters."""

    metrics: dict[str, int]
    drained: bool  # every body read was answered (and checkpointed)
    interrupted: bool  # a stop request ended reading early


def _finish(fwd: Forwarder, flag: StopFlag, interrupted: bool) -> RunResult:
    drained = fwd.drain(flag.deadline(fwd.config.drain_timeout_s))
    fwd.close(abort=not drained)
    if fwd.fatal is not None:
        raise fwd.fatal
    summary = fwd.metrics.summary()
    log.info("forwarder_finished", drained=drained, interrupted=interrupted, **_log_safe(summary))
    return RunResult(summary, drained, interrupted)


def _log_safe(summary: dict[str, int]) -> dict[str, int]:
    return {k.replace('{reason="', ".").rstrip('"}'): v for k, v in summary.items()}


def forward_files(
    config: ForwarderConfig,
    inputs: Sequence[str],
    *,
    metrics: Metrics | None = None,
    map_fn: MapFn | None = None,
    stop: StopFlag | None = None,
    on_file: Callable[[int], None] | None = None,
) -> RunResult:
    """Forward Event Hub bodies from files/directories/stdin ("-"), resuming from the progress journal."""
    flag = stop or StopFlag()
    files = expand_inputs(inputs)
    progress = FileProgress(config.state_dir / PROGRESS_FILE)
    fwd = Forwarder(config, metrics=metrics, map_fn=map_fn).start()
    skipped = functools.partial(fwd.metrics.inc, "seclake_forwarder_bodies_already_done_total")
    interrupted = False
    try:
        for body in iter_file_bodies(files, progress, on_skip=skipped, on_file=on_file):
            if flag.is_set():
                interrupted = True
                break
            done = functools.partial(progress.mark_done, *body.key) if body.key else None
            fwd.submit(body, done)
    except ForwarderStoppedError:
        pass
    finally:
        try:
            result = _finish(fwd, flag, interrupted)
        finally:
            progress.close()
    return result


class ConsumerLike(Protocol):
    """The part of azure.eventhub.EventHubConsumerClient the forwarder uses."""

    def receive_batch(self, on_event_batch: Callable[[Any, list[Any]], None], **kwargs: Any) -> None: ...

    def close(self) -> None: ...


def _checkpoint(context: Any, event: Any) -> None:
    try:
        context.update_checkpoint(event)
    except Exception:  # a failed checkpoint only means re-delivery later; keep delivering
        log.exception("checkpoint_failed", partition=context.partition_id)


def forward_eventhub(
    config: ForwarderConfig,
    client: ConsumerLike,
    body_of: Callable[[Any], bytes],
    *,
    metrics: Metrics | None = None,
    map_fn: MapFn | None = None,
    stop: StopFlag | None = None,
    receive_options: Mapping[str, Any],
) -> RunResult:
    """Receive from Event Hubs until stopped; checkpoint each partition after delivery.

    `receive_options` are passed to `receive_batch` as they are (starting position, batch size, wait):
    `EventHubOptions.receive_options()` is where they come from.
    """
    flag = stop or StopFlag()
    fwd = Forwarder(config, metrics=metrics, map_fn=map_fn).start()
    partitions: dict[str, OrderedProgress[Any]] = {}
    lock = threading.Lock()

    def progress_of(context: Any) -> OrderedProgress[Any]:
        with lock:
            if context.partition_id not in partitions:
                commit = functools.partial(_checkpoint, context)
                partitions[context.partition_id] = OrderedProgress(commit)
            return partitions[context.partition_id]

    def on_event_batch(context: Any, events: list[Any]) -> None:
        progress = progress_of(context)
        for event in events:
            if flag.is_set() or fwd.abort.is_set():
                return  # not submitted, so never checkpointed: received again after a restart
            position = progress.add(event)
            body = SourceBody(
                body_of(event),
                f"partition {context.partition_id} sequence {event.sequence_number}",
                event.enqueued_time,
            )
            try:
                fwd.submit(body, functools.partial(progress.done, position))
            except ForwarderStoppedError:
                return

    def on_partition_close(context: Any, reason: Any) -> None:
        log.info("partition_closed", partition=context.partition_id, reason=str(reason))
        with lock:
            partitions.pop(context.partition_id, None)

    def on_error(context: Any, error: Exception) -> None:
        log.warning("eventhub_error", partition=getattr(context, "partition_id", None), error=str(error))

    receiver = threading.Thread(
        target=client.receive_batch,
        kwargs={
            "on_event_batch": on_event_batch,
            "on_partition_close": on_partition_close,
            "on_error": on_error,
            **receive_options,
        },
        name="eventhub-receiver",
        daemon=True,
    )
    receiver.start()
    while not flag.is_set() and not fwd.abort.is_set() and receiver.is_alive():
        flag.event.wait(0.2)
    client.close()
    receiver.join(timeout=config.drain_timeout_s)
    return _finish(fwd, flag, interrupted=flag.is_set())

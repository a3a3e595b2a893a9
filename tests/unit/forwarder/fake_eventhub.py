"""A fake EventHubConsumerClient for tests — no Event Hubs service can run here.

It hands the forwarder the SDK's own objects (`azure.eventhub.EventData` with sequence number, offset and
enqueued time set as the service sets them, and the SDK's `PartitionContext` bound to the real checkpoint
store) and honors the SDK's callback and checkpoint contract: `receive_batch` blocks until `close()`;
each partition is served by its own thread; it starts after the sequence number of the partition's
stored checkpoint (else at `starting_position` "-1" = the beginning); it calls `on_event_batch` with at
most `max_batch_size` events, or with [] after `max_wait_time` when nothing is new; the next batch of a
partition comes only after the callback returned; `on_partition_close(context, CloseReason.SHUTDOWN)`
on close.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from azure.eventhub import CheckpointStore, CloseReason, EventData, PartitionContext

NAMESPACE, HUB, GROUP = "fake.servicebus.windows.net", "defender-export", "$Default"


def make_event(body: bytes, sequence_number: int, enqueued: datetime) -> EventData:
    """An EventData as received: the service's annotations set on the SDK object."""
    event = EventData(body)
    annotations = event.raw_amqp_message.annotations
    annotations[b"x-opt-sequence-number"] = sequence_number
    annotations[b"x-opt-offset"] = str(sequence_number * 1024).encode()
    annotations[b"x-opt-enqueued-time"] = int(enqueued.timestamp() * 1000)
    return event


class FakeConsumerClient:
    def __init__(self, partitions: dict[str, list[EventData]], checkpoint_store: CheckpointStore) -> None:
        self.partitions = partitions
        self.store = checkpoint_store
        self._closed = threading.Event()
        self.delivered: dict[str, int] = dict.fromkeys(partitions, 0)

    def _start(self, partition_id: str, starting_position: str) -> int:
        for checkpoint in self.store.list_checkpoints(NAMESPACE, HUB, GROUP):
            if checkpoint["partition_id"] == partition_id:
                return int(checkpoint["sequence_number"]) + 1
        assert starting_position == "-1", "the fake supports only the start of the stream"
        return 0

    def _serve(self, partition_id: str, on_event_batch: Callable[..., None], options: dict[str, Any]) -> None:
        context = PartitionContext(NAMESPACE, HUB, GROUP, partition_id, self.store)
        if options.get("on_partition_initialize"):
            options["on_partition_initialize"](context)
        events = self.partitions[partition_id]
        position = self._start(partition_id, options.get("starting_position", "-1"))
        max_batch = int(options.get("max_batch_size", 300))
        wait = float(options.get("max_wait_time") or 0.05)
        while not self._closed.is_set():
            batch = events[position : position + max_batch]
            if batch:
                on_event_batch(context, batch)
                position += len(batch)
                self.delivered[partition_id] = position
            else:
                self._closed.wait(wait)
                if not self._closed.is_set():
                    on_event_batch(context, [])
        if options.get("on_partition_close"):
            options["on_partition_close"](context, CloseReason.SHUTDOWN)

    def receive_batch(self, on_event_batch: Callable[..., None], **options: Any) -> None:
        threads = [
            threading.Thread(target=self._serve, args=(pid, on_event_batch, options), daemon=True)
            for pid in self.partitions
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def close(self) -> None:
        self._closed.set()

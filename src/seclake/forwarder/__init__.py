"""The forwarder: Event Hubs (or files) → Defender mapper → batches → gzip POST to the ingest API.

At-least-once: a checkpoint (Event Hubs partition checkpoint, or the file progress journal) moves only
after every event it covers was answered 202 or dead-lettered. Module map:

    config.py        ForwarderConfig (url, token, batch limits, retry, state and dead-letter dirs)
    batching.py      pure: events → batches by count and bytes
    sink.py          httpx sink: status → action table, backoff with jitter, Retry-After
    deadletter.py    the dead-letter directory
    tracking.py      acknowledgements → body completion → ordered checkpoint progress
    checkpoints.py   file CheckpointStore (SDK interface) and the file progress journal
    files.py         files / directories / stdin source
    eventhubs.py     the Azure SDK calls (consumer client, checkpoint stores)
    mapping.py       one body → events through seclake.sources.defender
    engine.py        mapping thread + sender threads with bounded queues (back-pressure)
    runner.py        the file and Event Hubs loops, SIGTERM handling
    function_handler.py  the Azure Function entry point
"""

from __future__ import annotations

from seclake.forwarder.config import INGEST_PATH, ForwarderConfig, config_from_env
from seclake.forwarder.engine import Forwarder, ForwarderStoppedError
from seclake.forwarder.metrics import COUNTERS, Metrics
from seclake.forwarder.runner import RunResult, StopFlag, forward_eventhub, forward_files
from seclake.forwarder.sink import DeliveryRejectedError

__all__ = [
    "COUNTERS",
    "INGEST_PATH",
    "DeliveryRejectedError",
    "Forwarder",
    "ForwarderConfig",
    "ForwarderStoppedError",
    "Metrics",
    "RunResult",
    "StopFlag",
    "config_from_env",
    "forward_eventhub",
    "forward_files",
]

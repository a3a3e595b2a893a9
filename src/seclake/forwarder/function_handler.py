"""The Azure Function handler: the forwarder's mapping and delivery for one trigger invocation.

The generated `function_app.py` (Event Hubs trigger, `cardinality: many`) calls `handle(events)`.
Each event's body is mapped with its enqueued time, the events are batched, gzip'd and POSTed with the
same sink as `seclake forward`; rejected events and unreadable bodies go to the dead-letter directory.
When delivery cannot finish (401/403, or retries past `give_up_after_s`) the handler raises, so the
Functions runtime's retry policy runs the batch again and the trigger's checkpoint does not move.

Configuration comes from app settings: SECLAKE_URL, SECLAKE_TOKEN, optional SECLAKE_FORWARDER_*.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import azure.functions as func

from seclake.forwarder.batching import batches, encode_all
from seclake.forwarder.config import ForwarderConfig, config_from_env
from seclake.forwarder.deadletter import DeadLetters
from seclake.forwarder.files import SourceBody
from seclake.forwarder.mapping import MapFn, default_map_fn, map_source_body
from seclake.forwarder.metrics import Metrics
from seclake.forwarder.sink import Sink
from seclake.logging import get_logger

__all__ = ["DEFAULT_GIVE_UP_S", "function_config", "handle"]

log = get_logger("forwarder.function")
DEFAULT_GIVE_UP_S = 240.0  # well inside the Consumption plan's 5-minute default function timeout


def function_config(environ: Mapping[str, str] | None = None) -> ForwarderConfig:
    """The handler's config from app settings (dead letters in the temp dir unless set)."""
    defaults = {
        "state_dir": Path(tempfile.gettempdir()) / "seclake-forwarder",
        "give_up_after_s": DEFAULT_GIVE_UP_S,
    }
    return config_from_env(environ, defaults=defaults)


def _source(event: func.EventHubEvent, index: int) -> str:
    if event.sequence_number is not None:
        return f"sequence {event.sequence_number} offset {event.offset}"
    return f"invocation event {index}"


def handle(
    events: Sequence[func.EventHubEvent] | func.EventHubEvent,
    *,
    config: ForwarderConfig | None = None,
    map_fn: MapFn | None = None,
    metrics: Metrics | None = None,
) -> dict[str, int]:
    """Map and deliver one invocation's events; returns the counters. Raises DeliveryError to retry."""
    batch_of = [events] if isinstance(events, func.EventHubEvent) else list(events)
    config = config or function_config()
    map_fn = map_fn or default_map_fn()
    metrics = metrics or Metrics()
    dead_letters = DeadLetters(config.dead_letters)
    bodies = [SourceBody(e.get_body(), _source(e, i), e.enqueued_time) for i, e in enumerate(batch_of)]
    items: list[tuple[bytes, int]] = []
    for owner, body in enumerate(bodies):
        items.extend(encode_all(map_source_body(body, map_fn, metrics, dead_letters), owner))
    sink = Sink(config, metrics, threading.Event())
    try:
        for batch in batches(items, config.batch_max_events, config.batch_max_bytes):
            for outcome in sink.send(batch):
                if outcome.delivered:
                    continue
                dead_letters.rejected_events(
                    outcome.batch.body(),
                    status=outcome.status,
                    answer=outcome.answer,
                    events=len(outcome.batch),
                    sources=sorted({bodies[o].source for o in outcome.batch.owners}),
                )
                metrics.inc("seclake_forwarder_events_dead_lettered_total", len(outcome.batch))
    finally:
        sink.close()
    summary = metrics.summary()
    log.info(
        "invocation_done",
        bodies=len(bodies),
        sent=summary["seclake_forwarder_events_sent_total"],
        dead_lettered=summary["seclake_forwarder_events_dead_lettered_total"],
    )
    return summary

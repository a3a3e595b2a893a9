"""The Azure Function handler: the forwarder's mapping and delivery for one trigger invocation.

The generated `function_app.py` (Event Hubs trigger, `cardinality: many`) calls `handle(events)`.
Each event's body is mapped with its enqueued time, the events are batched, gzip'd and POSTed with the
same sink as `seclake forward`; rejected events and unreadable bodies go to the dead-letter directory.
When delivery cannot finish (401/403, or retries past `give_up_after_s`) the handler raises, so the
Functions runtime's retry policy runs the batch again and the trigger's checkpoint does not move.

Configuration comes from app settings: SECLAKE_URL, SECLAKE_TOKEN, SECLAKE_FORWARDER_DEAD_LETTER_DIR,
optional SECLAKE_FORWARDER_*.

Dead letters must outlive the instance: once an event is dead-lettered its trigger checkpoint moves on,
so a dead letter on ephemeral disk (the temp dir, a recycled container) is lost data. The directory is
therefore SECLAKE_FORWARDER_DEAD_LETTER_DIR — point it at persistent storage (an Azure Files mount).
Without it, the only default is `/home/seclake/dead-letter`, and only where `/home` is documented as
persistent Azure Files storage: the content share is configured (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING,
Premium/Dedicated plans) or WEBSITES_ENABLE_APP_SERVICE_STORAGE=true, and `/home` exists. Otherwise
`function_config` raises ConfigError; the generated app calls it at import, so the function fails at
startup (the trigger consumes nothing) instead of losing rejected events. Note that on the Linux
Consumption plan `/home` is not persistent: mount an Azure Files share and set the directory explicitly.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import azure.functions as func

from seclake.errors import ConfigError
from seclake.forwarder.batching import batches, encode_all
from seclake.forwarder.config import ForwarderConfig, config_from_env
from seclake.forwarder.deadletter import DeadLetters
from seclake.forwarder.files import SourceBody
from seclake.forwarder.mapping import MapFn, default_map_fn, map_source_body
from seclake.forwarder.metrics import Metrics
from seclake.forwarder.sink import Sink
from seclake.logging import get_logger

__all__ = [
    "DEAD_LETTER_SETTING",
    "DEFAULT_GIVE_UP_S",
    "HOME_DEAD_LETTER_DIR",
    "PERSISTENT_HOME_SETTINGS",
    "dead_letter_dir",
    "function_config",
    "handle",
]

log = get_logger("forwarder.function")
DEFAULT_GIVE_UP_S = 240.0  # well inside the Consumption plan's 5-minute default function timeout
DEAD_LETTER_SETTING = "SECLAKE_FORWARDER_DEAD_LETTER_DIR"
HOME_DEAD_LETTER_DIR = Path("seclake") / "dead-letter"  # under the persistent /home
# app settings that make /home an Azure Files share (persistent, shared by all instances)
PERSISTENT_HOME_SETTINGS = ("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITES_ENABLE_APP_SERVICE_STORAGE")


def _persistent_home(env: Mapping[str, str], home: Path) -> bool:
    share = bool(env.get(PERSISTENT_HOME_SETTINGS[0]))
    app_storage = env.get(PERSISTENT_HOME_SETTINGS[1], "").strip().lower() == "true"
    return (share or app_storage) and home.is_dir()


def dead_letter_dir(environ: Mapping[str, str] | None = None, *, home: Path = Path("/home")) -> Path:
    """The dead-letter directory: the app setting, else the persistent /home; ConfigError otherwise."""
    env = os.environ if environ is None else environ
    if env.get(DEAD_LETTER_SETTING):
        return Path(env[DEAD_LETTER_SETTING])
    if _persistent_home(env, home):
        return home / HOME_DEAD_LETTER_DIR
    raise ConfigError(
        f"{DEAD_LETTER_SETTING} is not set and {home} is not known to be persistent here (that needs "
        f"{PERSISTENT_HOME_SETTINGS[0]} or {PERSISTENT_HOME_SETTINGS[1]}=true, and {home} to exist): "
        "set it to a directory on persistent storage (e.g. an Azure Files mount), since dead-lettered "
        "events are not delivered again"
    )


def function_config(
    environ: Mapping[str, str] | None = None, *, home: Path = Path("/home")
) -> ForwarderConfig:
    """The handler's config from app settings; ConfigError without a persistent dead-letter directory."""
    env = os.environ if environ is None else environ
    defaults = {"give_up_after_s": DEFAULT_GIVE_UP_S}
    return config_from_env(env, defaults=defaults, dead_letter_dir=dead_letter_dir(env, home=home))


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
                if not outcome.delivered:
                    sources = sorted({bodies[o].source for o in outcome.batch.owners})
                    dead_letters.rejected_outcome(outcome, sources, metrics)
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

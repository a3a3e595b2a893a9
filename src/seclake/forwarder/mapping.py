"""The mapping step shared by the forwarder and the Function app: one body → security events.

Calls the Defender mapper with the body's Event Hub enqueued time, counts what happened, and sends a
body the mapper could not (fully) read to the dead-letter directory; the events it did map still flow.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from seclake.forwarder.deadletter import DeadLetters
from seclake.forwarder.files import SourceBody
from seclake.forwarder.metrics import Metrics
from seclake.logging import get_logger

__all__ = ["MapFn", "MapResultLike", "default_map_fn", "map_source_body"]

log = get_logger("forwarder.mapping")


class MapResultLike(Protocol):
    """What `seclake.sources.defender.map_body` returns (contract 1)."""

    @property
    def events(self) -> list[dict[str, Any]]: ...
    @property
    def skipped(self) -> Counter[str]: ...
    @property
    def errors(self) -> Sequence[Exception]: ...
    @property
    def records(self) -> int: ...


MapFn = Callable[..., MapResultLike]


def default_map_fn() -> MapFn:
    """The Defender mapper (imported late so the forwarder starts fast and tests can swap it)."""
    from seclake.sources.defender import map_body  # noqa: PLC0415

    mapper: MapFn = map_body
    return mapper


def map_source_body(
    body: SourceBody, map_fn: MapFn, metrics: Metrics, dead_letters: DeadLetters
) -> list[dict[str, Any]]:
    """Map one body; count it; dead-letter it when any record could not be mapped."""
    metrics.inc("seclake_forwarder_bodies_received_total")
    enqueued: datetime | None = body.enqueued_time
    try:
        result = map_fn(body.data, enqueued_time=enqueued)
    except Exception as exc:  # the mapper promises not to raise; a bug must not stop the stream
        log.exception("mapper_failed", source=body.source)
        dead_letters.bad_body(
            body.data, source=body.source, errors=[f"mapper crashed: {exc!r}"], events_mapped=0
        )
        metrics.inc("seclake_forwarder_bodies_dead_lettered_total")
        return []
    metrics.inc("seclake_forwarder_records_received_total", result.records)
    metrics.inc("seclake_forwarder_events_mapped_total", len(result.events))
    if result.skipped:
        metrics.skipped(result.skipped)
    if result.errors:
        metrics.inc("seclake_forwarder_mapping_errors_total", len(result.errors))
        metrics.inc("seclake_forwarder_bodies_dead_lettered_total")
        dead_letters.bad_body(
            body.data,
            source=body.source,
            errors=[str(error) for error in result.errors],
            events_mapped=len(result.events),
        )
    return result.events

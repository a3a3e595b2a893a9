"""The ordered ingest steps: each a small function over the whole batch, listed in `STEPS`.

Events are the dicts `orjson.loads` produced; steps change them in place (no copies on the hot path).
Steps that need the element as received (`keep_raw`, `assign_event_id`) run first, before anything
changes it. A step that finds something wrong with an event records a `Problem` for it (`Batch.note`);
`validate` merges those with the model's problems into `dt.ingest.warnings` and counts them per
problem for /metrics. Events with problems are still stored, as Dynatrace does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from seclake.errors import RequestError
from seclake.model import EVENT_KIND, FIELDS, FieldType, Problem
from seclake.pipeline.body import JSON_KINDS, MAX_DEPTH
from seclake.pipeline.checks import metric_key, problems_of
from seclake.pipeline.enrich import (
    INGEST_WARNINGS,
    OWNED_FIELDS,
    event_id,
    id_salt,
    ingest_fields,
    risk_fields,
)
from seclake.pipeline.timestamps import MAX_FUTURE_NS, to_ns

__all__ = ["STEPS", "Batch", "IngestContext", "run_steps"]

RAW_DATA = "dt.raw_data"
_NUMBER_TYPES = (int, float)  # exact types: a bool is not an id
# Timestamp fields a sender may give besides `timestamp` (dt.ingest.time is the pipeline's own).
OTHER_TIMESTAMP_FIELDS: tuple[str, ...] = tuple(
    name
    for name, f in FIELDS.items()
    if f.type is FieldType.TIMESTAMP and name != "timestamp" and f.origin == "event"
)


@dataclass(frozen=True, slots=True)
class IngestContext:
    """Facts about the request that steps add to its events."""

    source: str
    now_ns: int
    connection_id: str | None = None
    connection_name: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Batch:
    """The events of one request on their way through the steps."""

    events: list[dict[str, Any]]
    context: IngestContext
    raw: list[str | None] = field(default_factory=list)  # element as received; None if dt.raw_data sent
    notes: dict[int, list[Problem]] = field(default_factory=dict)
    warnings: Counter[str] = field(default_factory=Counter)

    def note(self, index: int, name: str, message: str) -> None:
        """Record a problem of event `index` (message ends with ", got <value>" when it names one)."""
        self.notes.setdefault(index, []).append(Problem(name, message))


def keep_raw(batch: Batch) -> None:
    """Compact JSON of each element as received, for `dt.raw_data` when the sender gives none.

    The one `orjson.dumps` per event also proves the event can be written back as JSON (orjson writes
    254 levels of nesting but reads 1024): one too deep is a 400 naming its index. Events that bring
    their own `dt.raw_data` are dumped only for that check.
    """
    dumps = orjson.dumps
    raw: list[str | None] = []
    append = raw.append
    for index, event in enumerate(batch.events):
        try:
            text = dumps(event)
        except orjson.JSONEncodeError:
            raise RequestError(
                400, f"element {index} of the array is nested deeper than {MAX_DEPTH} levels", index=index
            ) from None
        append(None if RAW_DATA in event else text.decode())
    batch.raw = raw


def assign_event_id(batch: Batch) -> None:
    """Every event gets a non-empty string `event.id` (the store's key).

    Missing or null: a deterministic hash (see `seclake.pipeline.enrich`); a number: its decimal text;
    anything else (an empty string, a bool, an object, ...) is a 400 naming the element.
    """
    salt = id_salt(batch.context.source, batch.context.connection_id)
    for index, event in enumerate(batch.events):
        value = event.get("event.id")
        if type(value) is str and value:
            continue
        if value is None:
            event["event.id"] = event_id(event, salt)
        elif type(value) in _NUMBER_TYPES:
            event["event.id"] = str(value)
        else:
            raise RequestError(
                400,
                f"element {index}: event.id must be a non-empty string or a number, "
                f"got {JSON_KINDS.get(type(value), type(value).__name__)} {value!r:.60}",
                index=index,
            )


def normalize_timestamps(batch: Batch) -> None:
    """`timestamp` and the other timestamp fields as int nanoseconds (rules in `timestamps`)."""
    now = batch.context.now_ns
    latest = now + MAX_FUTURE_NS
    for index, event in enumerate(batch.events):
        value = event.get("timestamp")
        ns = to_ns(value) if value is not None else now
        if ns is None:
            batch.note(index, "timestamp", f"unreadable, set to the ingest time, got {value!r:.60}")
            ns = now
        elif ns > latest:
            batch.note(
                index,
                "timestamp",
                f"over 10 minutes ahead, clamped to ingest time + 10 min, got {value!r:.60}",
            )
            ns = latest
        event["timestamp"] = ns
        for name in OTHER_TIMESTAMP_FIELDS:
            value = event.get(name)
            if value is not None:
                ns = to_ns(value)
                if ns is None:
                    batch.note(index, name, f"unreadable timestamp, kept as sent, got {value!r:.60}")
                else:
                    event[name] = ns


def set_event_kind(batch: Batch) -> None:
    """`event.kind` is always SECURITY_EVENT."""
    for event in batch.events:
        event["event.kind"] = EVENT_KIND


def normalize_risk_fields(batch: Batch) -> None:
    """`dt.security.risk.level` / `.score` from the vendor's severity and score when absent."""
    for event in batch.events:
        added = risk_fields(event)
        if added:
            event.update(added)


def add_query_parameters(batch: Batch) -> None:
    """Query parameters become top-level attributes of every event.

    A field the event already has wins — also one the earlier steps set (timestamp, event.id,
    event.kind, risk) — and ingest-owned fields are set after this step, so a parameter can add
    attributes but never change what the sender or the pipeline decided.
    """
    params = batch.context.params
    if not params:
        return
    for event in batch.events:
        for name, value in params.items():
            event.setdefault(name, value)


def add_ingest_fields(batch: Batch) -> None:
    """Endpoint, bucket, table, ingest time, connection; `dt.raw_data` when the sender gave none."""
    ctx = batch.context
    fixed = ingest_fields(
        source=ctx.source,
        now_ns=ctx.now_ns,
        connection_id=ctx.connection_id,
        connection_name=ctx.connection_name,
    )
    removed = tuple(name for name in OWNED_FIELDS if name not in fixed)
    for event, raw in zip(batch.events, batch.raw, strict=True):
        for name in removed:
            event.pop(name, None)
        event.update(fixed)
        if raw is not None:
            event[RAW_DATA] = raw


def validate(batch: Batch) -> None:
    """The steps' and the model's problems → `dt.ingest.warnings` per event, counts per problem."""
    warnings = batch.warnings
    for index, event in enumerate(batch.events):
        problems = problems_of(event)
        noted = batch.notes.get(index)
        if noted:
            flagged = {p.field for p in noted}
            problems = noted + [p for p in problems if p.field not in flagged]
        if problems:
            event[INGEST_WARNINGS] = [str(p) for p in problems]
            warnings.update(metric_key(p) for p in problems)


Step = Callable[[Batch], None]

STEPS: tuple[tuple[str, Step], ...] = (
    ("keep_raw", keep_raw),
    ("assign_event_id", assign_event_id),
    ("normalize_timestamps", normalize_timestamps),
    ("set_event_kind", set_event_kind),
    ("normalize_risk", normalize_risk_fields),
    ("add_query_parameters", add_query_parameters),
    ("add_ingest_fields", add_ingest_fields),
    ("validate", validate),
)


def run_steps(batch: Batch, steps: tuple[tuple[str, Step], ...] = STEPS) -> Batch:
    """Run every step over the batch, in order."""
    for _name, step in steps:
        step(batch)
    return batch

"""`process_ingest`: one ingest request's body → events ready for the store (contract 5).

body checks (`body`: content type, size, decompression, parse, shape) → the ordered steps (`steps`).
Pure: no I/O, no clock (the caller passes `now_ns`), no logging; raises only `RequestError`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seclake.pipeline.body import check_content_type, decode_body, parse_events
from seclake.pipeline.steps import Batch, IngestContext, run_steps

__all__ = ["IngestBatch", "process_ingest"]


@dataclass(slots=True)
class IngestBatch:
    """The processed events of one request.

    `events`: ready to store; every timestamp catalog field that could be read is an int of nanoseconds
    since the epoch (UTC), every other value is as the sender sent it. `warnings`: problem → number of
    events with it (for /metrics). `body_bytes`: the body's size as received (before decompression).
    """

    events: list[dict[str, Any]]
    warnings: Counter[str] = field(default_factory=Counter)
    body_bytes: int = 0


def process_ingest(
    body: bytes,
    *,
    content_type: str | None,
    content_encoding: str | None,
    params: Mapping[str, str],
    source: str,
    connection_id: str | None,
    connection_name: str | None,
    now_ns: int,
    max_bytes: int,
) -> IngestBatch:
    """Check, parse and process one ingest request body; `RequestError` (400/413/415) when rejected."""
    body_bytes = len(body)
    check_content_type(content_type)
    decoded = decode_body(body, content_encoding, max_bytes)
    events = parse_events(decoded, check_depth=False)  # keep_raw checks the depth
    context = IngestContext(
        source=source,
        now_ns=now_ns,
        connection_id=connection_id,
        connection_name=connection_name,
        params=params,
    )
    batch = run_steps(Batch(events, context))
    return IngestBatch(events=batch.events, warnings=batch.warnings, body_bytes=body_bytes)

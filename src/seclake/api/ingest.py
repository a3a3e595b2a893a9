"""The OpenPipeline-compatible ingest routes: a Dynatrace client works by changing base URL and token.

    POST /platform/ingest/v1/security.events          scope openpipeline.events_security
    POST /platform/ingest/custom/security.events/{n}  scope openpipeline.events_security.custom
    POST /platform/ingest/v1/events.security          legacy path, same as the first

Per request: read the body in chunks and stop one byte past `max_request_bytes` (413, nothing more is
buffered) → `process_ingest` in a worker thread (decompression with its own limit, JSON, timestamps,
ids; 400/413/415) and `store.submit` (conversion to Arrow; 429 at once when the writer queue is full),
both in one worker-thread hop → await the commit → 202 with no body. Nothing is acknowledged before it
is durably stored (503 when storage fails).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from seclake.api.auth import require_scope
from seclake.api.errors import ERROR_RESPONSES, status_of
from seclake.api.metrics import Metrics
from seclake.control import scopes
from seclake.control.tokens import TokenInfo
from seclake.errors import InputError, OverloadedError, RequestError, SeclakeError, StorageError
from seclake.pipeline import IngestBatch, process_ingest

if TYPE_CHECKING:
    from seclake.store.base import EventStore

__all__ = ["INGEST_PATH", "LEGACY_PATH", "custom_path", "read_limited", "router"]

INGEST_PATH = "/platform/ingest/v1/security.events"
LEGACY_PATH = "/platform/ingest/v1/events.security"
CUSTOM_PREFIX = "/platform/ingest/custom/security.events/"
CUSTOM_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
# Ingest requests processed at once; more answer 429 before their body is read. With the writer's
# bounded queue this bounds memory: at most MAX_INFLIGHT bodies (each <= max_request_bytes) plus
# their parsed events are held, however many clients connect.
MAX_INFLIGHT = 16
RETRY_AFTER_S = 1.0

# HTTP status of a rejected request -> metric reason
REJECT_REASONS: dict[int, str] = {
    400: "bad_request",
    413: "too_large",
    415: "unsupported_media_type",
    429: "overloaded",
    503: "storage_failure",
}


def reject_reason(exc: SeclakeError) -> str:
    """The metric reason of a rejection, from its HTTP status (the one table in api/errors.py)."""
    status = status_of(exc)
    return REJECT_REASONS.get(status, str(status))


_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": True,
    "description": "A security event: flat dotted keys (Semantic Dictionary).",
}
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [_EVENT_SCHEMA, {"type": "array", "items": _EVENT_SCHEMA}]},
            }
        },
        "description": "One event object or an array of them; may be sent with `Content-Encoding: gzip`.",
    }
}
_RESPONSES: dict[int | str, dict[str, Any]] = {202: {"description": "Every event is durably stored."}}
_RESPONSES |= {s: ERROR_RESPONSES[s] for s in (400, 401, 403, 413, 415, 429, 503)}

router = APIRouter(tags=["ingest"])
IngestToken = Annotated[TokenInfo, Depends(require_scope(scopes.INGEST))]
CustomIngestToken = Annotated[TokenInfo, Depends(require_scope(scopes.INGEST_CUSTOM))]
CustomName = Annotated[str, Path(pattern=CUSTOM_NAME_PATTERN, description="Custom endpoint name")]


def custom_path(name: str) -> str:
    """The ingest path of the custom endpoint `name` (also its `dt.openpipeline.source`)."""
    return CUSTOM_PREFIX + name


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, read chunk by chunk; RequestError(413) as soon as it exceeds `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"request body of {declared} bytes is over the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _ingest(request: Request, token: TokenInfo, source: str) -> Response:
    state = request.app.state
    inflight = getattr(state, "ingest_inflight", 0)
    if inflight >= MAX_INFLIGHT:
        state.metrics.rejected_requests.labels(reason="overloaded").inc()
        raise OverloadedError(
            f"{inflight} ingest requests in progress; retry later", retry_after=RETRY_AFTER_S
        )
    state.ingest_inflight = inflight + 1
    try:
        return await _process(request, token, source)
    finally:
        state.ingest_inflight -= 1


def _prepare(
    store: EventStore,
    metrics: Metrics,
    body: bytes,
    *,
    content_type: str | None,
    content_encoding: str | None,
    params: dict[str, str],
    source: str,
    token: TokenInfo,
    max_bytes: int,
) -> tuple[IngestBatch, Future[None] | None]:
    """Process the body and hand its events to the writer (runs in a worker thread: one hop per request).

    Everything per event — parsing, the pipeline, the store's conversion to Arrow in `submit` — runs
    here, off the event loop, which only moves bytes and awaits commits.
    """
    batch = process_ingest(
        body,
        content_type=content_type,
        content_encoding=content_encoding,
        params=params,
        source=source,
        connection_id=token.connection_id,
        connection_name=token.connection_name,
        now_ns=time.time_ns(),
        max_bytes=max_bytes,
    )
    metrics.received_events.inc(len(batch.events))
    if not batch.events:
        return batch, None
    try:
        future = store.submit(batch.events, connection_id=token.connection_id, body_bytes=batch.body_bytes)
    except InputError as exc:  # the store refused an event the pipeline let through: a bug, said as 400
        metrics.rejected_events.labels(reason="bad_request").inc(len(batch.events))
        raise RequestError(400, f"event not storable: {exc}") from exc
    except SeclakeError as exc:  # OverloadedError: 429; StorageError (closed, writer stopped): 503
        metrics.rejected_events.labels(reason=reject_reason(exc)).inc(len(batch.events))
        raise
    except Exception as exc:  # a store bug must still answer 503, never acknowledge
        metrics.rejected_events.labels(reason="storage_failure").inc(len(batch.events))
        raise StorageError(f"storage refused the batch: {type(exc).__name__}: {exc}") from exc
    return batch, future


async def _process(request: Request, token: TokenInfo, source: str) -> Response:
    settings = request.app.state.settings
    metrics: Metrics = request.app.state.metrics
    headers = request.headers
    try:
        body = await read_limited(request, settings.max_request_bytes)
        metrics.received_bytes.inc(len(body))
        batch, future = await run_in_threadpool(
            _prepare,
            request.app.state.store,
            metrics,
            body,
            content_type=headers.get("content-type"),
            content_encoding=headers.get("content-encoding"),
            params=dict(request.query_params),
            source=source,
            token=token,
            max_bytes=settings.max_request_bytes,
        )
    except SeclakeError as exc:  # RequestError (4xx), OverloadedError (429), StorageError (503)
        metrics.rejected_requests.labels(reason=reject_reason(exc)).inc()
        raise
    count = len(batch.events)
    if future is not None:
        await _await_commit(metrics, future, count)
    metrics.count_warnings(batch.warnings)
    metrics.stored_events.inc(count)
    return Response(status_code=202)


async def _await_commit(metrics: Metrics, future: Future[None], count: int) -> None:
    """Wait for the commit; shielded, so a client that disconnects cannot cancel the wait."""
    started = time.perf_counter()
    try:
        await asyncio.shield(asyncio.wrap_future(future))
    except Exception as exc:
        metrics.rejected_events.labels(reason="storage_failure").inc(count)
        metrics.rejected_requests.labels(reason="storage_failure").inc()
        if isinstance(exc, StorageError):
            raise
        # a writer bug must still answer 503, never acknowledge
        raise StorageError(f"storage failed: {type(exc).__name__}: {exc}") from exc
    metrics.commit_seconds.observe(time.perf_counter() - started)


@router.post(
    INGEST_PATH,
    status_code=202,
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra=_BODY_DOC,
    summary="Ingest security events",
)
async def ingest(request: Request, token: IngestToken) -> Response:
    """Store one event or an array of events; 202 once all of them are committed."""
    return await _ingest(request, token, INGEST_PATH)


@router.post(
    LEGACY_PATH,
    status_code=202,
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra=_BODY_DOC,
    summary="Ingest security events (legacy path)",
)
async def ingest_legacy(request: Request, token: IngestToken) -> Response:
    """The legacy path of the same endpoint."""
    return await _ingest(request, token, LEGACY_PATH)


@router.post(
    CUSTOM_PREFIX + "{name}",
    status_code=202,
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra=_BODY_DOC,
    summary="Ingest security events through a custom endpoint",
)
async def ingest_custom(
    request: Request,
    name: CustomName,
    token: CustomIngestToken,
) -> Response:
    """Like the main path; `dt.openpipeline.source` names this custom endpoint."""
    return await _ingest(request, token, custom_path(name))

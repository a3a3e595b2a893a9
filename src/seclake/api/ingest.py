"""The OpenPipeline-compatible ingest routes: a Dynatrace client works by changing base URL and token.

    POST /platform/ingest/v1/security.events          scope openpipeline.events_security
    POST /platform/ingest/custom/security.events/{n}  scope openpipeline.events_security.custom
    POST /platform/ingest/v1/events.security          legacy path, same as the first

Per request: read the body in chunks and stop one byte past `max_request_bytes` (413, nothing more is
buffered) → `process_ingest` in a worker thread (decompression with its own limit, JSON, timestamps,
ids; 400/413/415) → `store.submit` (429 at once when the writer queue is full) → await the commit →
202 with no body. Nothing is acknowledged before it is durably stored (503 when storage fails).
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from seclake.api.auth import require_scope
from seclake.api.errors import ERROR_RESPONSES
from seclake.api.metrics import Metrics
from seclake.control import scopes
from seclake.control.tokens import TokenInfo
from seclake.errors import InputError, OverloadedError, RequestError, SeclakeError, StorageError
from seclake.pipeline import process_ingest

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


async def _process(request: Request, token: TokenInfo, source: str) -> Response:
    settings = request.app.state.settings
    metrics: Metrics = request.app.state.metrics
    try:
        body = await read_limited(request, settings.max_request_bytes)
        metrics.received_bytes.inc(len(body))
        batch = await run_in_threadpool(
            lambda: process_ingest(
                body,
                content_type=request.headers.get("content-type"),
                content_encoding=request.headers.get("content-encoding"),
                params=dict(request.query_params),
                source=source,
                connection_id=token.connection_id,
                connection_name=token.connection_name,
                now_ns=time.time_ns(),
                max_bytes=settings.max_request_bytes,
            )
        )
    except RequestError as exc:
        metrics.rejected_requests.labels(reason=REJECT_REASONS.get(exc.status, str(exc.status))).inc()
        raise
    count = len(batch.events)
    metrics.received_events.inc(count)
    if count:
        await _store(request, metrics, batch.events, token, batch.body_bytes)
    metrics.count_warnings(batch.warnings)
    metrics.stored_events.inc(count)
    return Response(status_code=202)


async def _store(
    request: Request, metrics: Metrics, events: list[dict[str, Any]], token: TokenInfo, body_bytes: int
) -> None:
    """Submit to the writer and wait for the commit; the wait is shielded so a disconnect cannot cancel it."""
    started = time.perf_counter()
    reason = "storage_failure"
    try:
        try:
            future = request.app.state.store.submit(
                events, connection_id=token.connection_id, body_bytes=body_bytes
            )
        except OverloadedError:
            reason = "overloaded"
            raise
        except InputError as exc:  # the store refused an event the pipeline let through (e.g. a bad event.id)
            reason = "bad_request"
            raise RequestError(400, f"event not storable: {exc}") from exc
        await asyncio.shield(asyncio.wrap_future(future))
    except RequestError:
        metrics.rejected_events.labels(reason=reason).inc(len(events))
        metrics.rejected_requests.labels(reason=reason).inc()
        raise
    except SeclakeError as exc:
        metrics.rejected_events.labels(reason=reason).inc(len(events))
        metrics.rejected_requests.labels(reason=reason).inc()
        if isinstance(exc, StorageError):
            raise
        raise StorageError(f"storage refused the batch: {exc}") from exc
    except Exception as exc:  # a writer bug must still answer 503, never acknowledge
        metrics.rejected_events.labels(reason=reason).inc(len(events))
        metrics.rejected_requests.labels(reason=reason).inc()
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

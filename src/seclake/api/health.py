"""Liveness and readiness: `/healthz` answers while the process runs; `/readyz` only when storage works."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from seclake.api.errors import ERROR_RESPONSES, error_response

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness", responses={503: ERROR_RESPONSES[503]})
async def readyz(request: Request) -> JSONResponse:
    """Ready when the event store answers; 503 otherwise."""
    store = getattr(request.app.state, "store", None)
    if store is None:
        return error_response(503, "event store is not open yet")
    try:
        healthy = bool(await run_in_threadpool(store.healthy))
    except Exception as exc:  # readiness reports any store failure as "not ready"
        return error_response(503, f"event store check failed: {type(exc).__name__}: {exc}")
    if not healthy:
        return error_response(503, "event store is not healthy")
    return JSONResponse({"status": "ready", "queue_depth": store.queue_depth()})

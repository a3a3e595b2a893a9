"""The ASGI app factory: `create_app(settings, store=None) -> FastAPI`.

State on `app.state`: `settings`, `metrics` (per-app Prometheus registry), `store` (the EventStore;
opened on startup with `seclake.store.open_store` when none is given, and then also closed on shutdown)
and `query_jobs` (the query worker pool, created on startup; on shutdown queued queries are cancelled
and running ones end, at the latest at the store's hard query timeout, before the store closes).
Routers are listed in ROUTER_MODULES, one module per area, each exposing `router`; add a line to
include a new area. Every error answer is `{"error": {"code", "message"}}` (`seclake.api.errors`).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from seclake import __version__
from seclake.api.errors import install_error_handlers
from seclake.api.metrics import Metrics, RequestTimer
from seclake.api.query import start_jobs, stop_jobs
from seclake.logging import get_logger
from seclake.settings import Settings
from seclake.store import open_store
from seclake.store.duckdb import DB_FILE_NAME

if TYPE_CHECKING:
    from seclake.store.base import EventStore

__all__ = ["EVENTS_FILE", "ROUTER_MODULES", "create_app", "open_store"]

log = get_logger("api")

EVENTS_FILE = DB_FILE_NAME  # the DuckDB store's file in the data dir

ROUTER_MODULES: tuple[str, ...] = (
    "seclake.api.health",
    "seclake.api.metrics",
    "seclake.api.ingest",
    "seclake.api.tokens",
    "seclake.api.query",
    "seclake.api.connections",
)


def create_app(settings: Settings, *, store: EventStore | None = None) -> FastAPI:
    """The seclake HTTP API for `settings`; uses `store` when given, else opens the DuckDB store."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = getattr(app.state, "store", None) is None
        if owned:
            app.state.store = await run_in_threadpool(open_store, settings)
        app.state.metrics.bind_queue_depth(app.state.store.queue_depth)
        start_jobs(app)
        log.info("api_started", data_dir=str(settings.data_dir), store=type(app.state.store).__name__)
        try:
            yield
        finally:
            await run_in_threadpool(stop_jobs, app)  # no query may still run on a closed store
            if owned:
                await run_in_threadpool(app.state.store.close)
                app.state.store = None
            log.info("api_stopped")

    app = FastAPI(
        title="seclake",
        version=__version__,
        summary="Self-hosted security findings: OpenPipeline-compatible ingest, DQL query, tokens.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.store = store
    if store is not None:
        app.state.metrics.bind_queue_depth(store.queue_depth)
    install_error_handlers(app)
    for module in ROUTER_MODULES:
        app.include_router(importlib.import_module(module).router)
    app.add_middleware(RequestTimer, metrics=app.state.metrics)
    return app

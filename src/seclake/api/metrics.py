"""Prometheus metrics of the server, on `GET /metrics`, named `seclake_<what>_<unit>_total`.

Each app has its own registry (tests build many apps in one process). Ingest reports received / stored /
rejected counts as Vector's component specs do; validation warnings are counted per problem (label
values capped, so a sender cannot blow up the series count); the writer queue depth is read from the
store at scrape time. `RequestTimer` is a small ASGI middleware timing every request by route template.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Metrics", "RequestTimer", "router"]

MAX_WARNING_LABELS = 200
OTHER = "other"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The server's metric families, in one registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.received_events = Counter(
            "seclake_ingest_received_events",
            "Events read from accepted-for-processing ingest bodies.",
            registry=r,
        )
        self.stored_events = Counter(
            "seclake_ingest_stored_events",
            "Events committed to the store and acknowledged (202).",
            registry=r,
        )
        self.rejected_events = Counter(
            "seclake_ingest_rejected_events", "Events read but not stored, by reason.", ["reason"], registry=r
        )
        self.rejected_requests = Counter(
            "seclake_ingest_rejected_requests",
            "Ingest requests answered with an error, by reason.",
            ["reason"],
            registry=r,
        )
        self.received_bytes = Counter(
            "seclake_ingest_received_bytes",
            "Ingest body bytes as received (before decompression).",
            registry=r,
        )
        self.warnings = Counter(
            "seclake_ingest_validation_warnings",
            "Validation problems of stored events, by problem.",
            ["problem"],
            registry=r,
        )
        self.requests = Counter(
            "seclake_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "seclake_http_request_duration_seconds", "HTTP request latency by route template.", ["route"],
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.commit_seconds = Histogram(
            "seclake_store_commit_duration_seconds", "Time from submitting a batch to its commit.",
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.queue_depth = Gauge(
            "seclake_store_writer_queue_events", "Events waiting in the writer's queue.", registry=r
        )
        self._warning_labels: set[str] = set()

    def bind_queue_depth(self, read: Callable[[], int]) -> None:
        """Read the writer queue depth from `read` at every scrape."""
        self.queue_depth.set_function(lambda: float(read()))

    def count_warnings(self, warnings: Mapping[str, int]) -> None:
        """Add validation warnings (problem -> count); problems past the label cap count as 'other'."""
        for problem, count in warnings.items():
            full = problem not in self._warning_labels and len(self._warning_labels) >= MAX_WARNING_LABELS
            label = OTHER if full else problem
            self._warning_labels.add(label)
            self.warnings.labels(problem=label).inc(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RequestTimer:
    """ASGI middleware: counts and times every HTTP request by its route template (never the raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.request_seconds.labels(route=route).observe(time.perf_counter() - started)
            self.metrics.requests.labels(route=route, method=scope["method"], status=str(status)).inc()


router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response, summary="Prometheus metrics")
def metrics(request: Request) -> Response:
    """Metrics in the Prometheus text format."""
    data: Metrics = request.app.state.metrics
    return Response(data.render(), media_type=CONTENT_TYPE_LATEST)

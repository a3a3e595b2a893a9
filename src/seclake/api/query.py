"""The Grail-compatible query API: `query:execute` and `query:poll` (see docs dql.md).

`execute` parses and compiles the DQL in the request (a bad query answers 400 with the error's position),
then runs the SQL on a small worker pool. When the query finishes within `requestTimeoutMilliseconds` the
answer is 200 SUCCEEDED with the result; otherwise 202 with a `requestToken`, and `poll` answers later.
The store enforces the hard execution timeout (settings.query_timeout_ms). No query text yields a 500:
whatever the compiler or the engine throws becomes a 400 error object that says what went wrong.

Bounds: `maxResultRecords` is at most MAX_RESULT_RECORDS (400 beyond); at most MAX_ACTIVE_JOBS queries
wait or run at once (429 + Retry-After beyond). The app's lifespan owns the QueryJobs pool
(`start_jobs` / `stop_jobs`): on shutdown queued queries are cancelled and running ones finish (the
store interrupts them at the hard timeout) before the store is closed.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response

from seclake.api.auth import require_scope
from seclake.api.errors import ERROR_RESPONSES
from seclake.control.scopes import BUCKETS_READ, QUERY
from seclake.control.tokens import TokenInfo
from seclake.dql import compile_query
from seclake.dql.errors import DQLError
from seclake.dql.result import shape
from seclake.errors import OverloadedError, QueryError, RequestError, StorageError
from seclake.logging import get_logger
from seclake.settings import Settings

__all__ = [
    "EXECUTE_PATH",
    "MAX_ACTIVE_JOBS",
    "MAX_RESULT_RECORDS",
    "POLL_PATH",
    "QueryJobs",
    "QueryRequest",
    "dql_error_body",
    "jobs_of",
    "parse_request",
    "router",
    "start_jobs",
    "stop_jobs",
]

log = get_logger("api.query")
router = APIRouter(tags=["query"])

EXECUTE_PATH = "/platform/storage/query/v1/query:execute"
POLL_PATH = "/platform/storage/query/v1/query:poll"
QueryCaller = Annotated[TokenInfo, Depends(require_scope(QUERY, BUCKETS_READ))]
DEFAULT_TIMEFRAME = timedelta(hours=2)
GRACE_MS = 2_000  # Grail's default when neither query nor request says otherwise
MAX_RESULT_RECORDS = 100_000  # largest maxResultRecords accepted (the result is built in memory)
MAX_ACTIVE_JOBS = 32  # queries queued or running at once; more answer 429
BUSY_RETRY_AFTER_S = 1.0

_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["query"],
    "properties": {
        "query": {"type": "string", "description": "The DQL query."},
        "defaultTimeframeStart": {"type": "string", "format": "date-time"},
        "defaultTimeframeEnd": {"type": "string", "format": "date-time"},
        "maxResultRecords": {"type": "integer", "minimum": 1, "maximum": MAX_RESULT_RECORDS},
        "requestTimeoutMilliseconds": {"type": "integer", "minimum": 0},
    },
}


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """A validated `query:execute` body."""

    query: str
    default_from: datetime
    default_to: datetime
    max_records: int
    request_timeout_s: float


def _timestamp(body: Mapping[str, Any], key: str) -> datetime | None:
    raw = body.get(key)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(raw))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # OverflowError: out of range once converted to UTC
        raise RequestError(400, f"{key}: {str(raw)[:100]!r} is not an RFC 3339 timestamp in range") from exc


def _positive_int(body: Mapping[str, Any], key: str, default: int, minimum: int) -> int:
    raw = body.get(key, default)
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise RequestError(400, f"{key}: expected an integer >= {minimum}, got {raw!r}")
    return raw


def parse_request(body: bytes, settings: Settings, *, now: datetime) -> QueryRequest:
    """Validate a `query:execute` body (pure); RequestError(400) says which member is wrong."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, f"request body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RequestError(400, "request body must be a JSON object with a 'query' member")
    text = data.get("query")
    if not isinstance(text, str) or not text.strip():
        raise RequestError(400, "query: expected a non-empty DQL string")
    start = _timestamp(data, "defaultTimeframeStart")
    end = _timestamp(data, "defaultTimeframeEnd")
    default_to = end or now
    try:
        default_from = start or default_to - DEFAULT_TIMEFRAME
    except OverflowError as exc:
        raise RequestError(
            400, f"defaultTimeframeEnd: {default_to.isoformat()} leaves no room for the default 2 h timeframe"
        ) from exc
    if default_from > default_to:
        raise RequestError(400, "defaultTimeframeStart is after defaultTimeframeEnd")
    max_records = _positive_int(
        data, "maxResultRecords", min(settings.query_max_records, MAX_RESULT_RECORDS), 1
    )
    if max_records > MAX_RESULT_RECORDS:
        raise RequestError(400, f"maxResultRecords: at most {MAX_RESULT_RECORDS}, got {max_records}")
    # by default wait out the hard timeout (plus a grace period), so a client sees the final answer
    timeout_ms = _positive_int(data, "requestTimeoutMilliseconds", settings.query_timeout_ms + GRACE_MS, 0)
    return QueryRequest(text, default_from, default_to, max_records, timeout_ms / 1000)


def dql_error_body(exc: DQLError) -> dict[str, Any]:
    """The 400 body for a query that does not parse or check (pure)."""
    return {
        "error": {
            "code": 400,
            "message": exc.message,
            "details": {
                "errorType": exc.error_type,
                "errorMessage": exc.reason,
                "syntaxErrorPosition": {
                    "start": {"line": exc.line, "column": exc.column},
                    "end": {"line": exc.end_line, "column": exc.end_column},
                },
                "queryString": getattr(exc, "text", None),
            },
        }
    }


# ── running queries: a small worker pool and the results waiting to be polled ──


@dataclass(frozen=True, slots=True)
class QueryOutcome:
    """What a finished query produced: the API's `result` object, or the error."""

    result: dict[str, Any] | None = None
    error: BaseException | None = None


class QueryJobs:
    """Queries running or finished but not yet delivered, by request token; expired after `ttl_s`."""

    def __init__(self, *, workers: int = 4, ttl_s: int = 300, max_active: int = MAX_ACTIVE_JOBS) -> None:
        self.ttl_s = ttl_s
        self.max_active = max_active
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seclake-query")
        self._jobs: dict[str, tuple[float, Future[QueryOutcome]]] = {}
        self._lock = threading.Lock()
        self._active = 0  # submitted and not yet done (queued or running)
        self._closed = False

    def _done(self, _future: Future[QueryOutcome]) -> None:
        with self._lock:
            self._active -= 1

    @property
    def active(self) -> int:
        with self._lock:
            return self._active

    def submit(
        self,
        store: Any,
        compiled: Any,
        *,
        query: str,
        max_records: int,
        hard_timeout_s: float,
        started: float,
    ) -> tuple[str, Future[QueryOutcome]]:
        """Queue a query; OverloadedError (429) when max_active are queued or running, StorageError
        (503) once shut down."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            if self._closed:
                raise StorageError("the server is shutting down; the query was not run")
            if self._active >= self.max_active:
                raise OverloadedError(
                    f"{self._active} queries are queued or running (limit {self.max_active}); retry later",
                    retry_after=BUSY_RETRY_AFTER_S,
                )
            future = self._pool.submit(
                _run,
                store,
                compiled,
                query=query,
                max_records=max_records,
                timeout_s=hard_timeout_s,
                started=started,
            )
            self._active += 1
            self._expire()
            self._jobs[token] = (time.monotonic(), future)
        future.add_done_callback(self._done)  # outside the lock: runs at once if already done
        return token, future

    def get(self, token: str) -> Future[QueryOutcome] | None:
        with self._lock:
            self._expire()
            entry = self._jobs.get(token)
        return None if entry is None else entry[1]

    def delivered(self, token: str) -> None:
        with self._lock:
            self._jobs.pop(token, None)

    def _expire(self) -> None:
        limit = time.monotonic() - self.ttl_s
        for token in [t for t, (at, f) in self._jobs.items() if at < limit and f.done()]:
            del self._jobs[token]

    def shutdown(self, *, wait: bool = True) -> None:
        """Refuse new queries, cancel queued ones and (wait=True) let running ones end; the store
        interrupts each at its hard timeout, so this returns within that timeout."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)


def start_jobs(app: FastAPI) -> QueryJobs:
    """Create the app's QueryJobs (called by the app's lifespan on startup)."""
    jobs = QueryJobs()
    app.state.query_jobs = jobs
    return jobs


def stop_jobs(app: FastAPI) -> None:
    """Shut the app's QueryJobs down, blocking until running queries end (call before closing the store)."""
    jobs: QueryJobs | None = getattr(app.state, "query_jobs", None)
    if jobs is not None:
        jobs.shutdown(wait=True)


def jobs_of(app: FastAPI) -> QueryJobs:
    """The app's QueryJobs; StorageError (503) outside the app's lifespan."""
    jobs: QueryJobs | None = getattr(app.state, "query_jobs", None)
    if jobs is None:
        raise StorageError("the query service is not running (server starting or stopping)")
    return jobs


def limited_sql(sql: str, rows: int) -> str:
    """The compiled statement with at most `rows` rows (order kept: DuckDB keeps a subquery's order)."""
    return f"SELECT * FROM ({sql.strip().rstrip(';')}) AS __result LIMIT {int(rows)}"


def _run(
    store: Any, compiled: Any, *, query: str, max_records: int, timeout_s: float, started: float
) -> QueryOutcome:
    try:
        table = store.query(limited_sql(compiled.sql, max_records + 1), timeout_s=timeout_s)
        truncated = table.num_rows > max_records
        shaped = shape(table.slice(0, max_records), compiled)
        scanned = store.count()
    except Exception as exc:  # delivered to the client as an error object, never raised in the server
        if not isinstance(exc, QueryError | StorageError):
            log.error("query_execution_failed", error_type=type(exc).__name__, error=str(exc), exc_info=exc)
        return QueryOutcome(error=exc)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    notifications = []
    if truncated:
        notifications.append(
            {
                "severity": "WARNING",
                "notificationType": "RESULT_TRUNCATED",
                "message": f"The result was limited to {max_records} records (maxResultRecords).",
            }
        )
    grail = {
        "canonicalQuery": compiled.canonical,
        "timezone": "Z",
        "query": query,
        "scannedRecords": scanned,
        "executionTimeMilliseconds": elapsed_ms,
        "locale": "und",
        "sampled": False,
        "notifications": notifications,
    }
    log.info("query_executed", rows=len(shaped.records), truncated=truncated, ms=elapsed_ms)
    return QueryOutcome(
        result={"records": shaped.records, "types": shaped.types, "metadata": {"grail": grail}}
    )


def _error_body(status: int, message: str, error_type: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "details": {"errorType": error_type}}}


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _answer(outcome: QueryOutcome) -> Response:
    """The response for a finished query."""
    if outcome.result is not None:
        return _json({"state": "SUCCEEDED", "progress": 100, "result": outcome.result, "ttlSeconds": 0})
    exc = outcome.error
    if isinstance(exc, StorageError):
        raise exc  # 503 through the app's error handlers; not the query's fault
    if isinstance(exc, DQLError):
        return _json(dql_error_body(exc), 400)
    error_type = "EXECUTION_ERROR" if isinstance(exc, QueryError) else "INTERNAL_EXECUTION_ERROR"
    return _json(_error_body(400, f"the query could not be executed: {exc}", error_type), 400)


async def _wait(jobs: QueryJobs, token: str, future: Future[QueryOutcome], timeout_s: float) -> Response:
    try:
        outcome = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout=timeout_s)
    except TimeoutError:
        return _json(
            {"requestToken": token, "state": "RUNNING", "progress": 0, "ttlSeconds": jobs.ttl_s}, 202
        )
    except asyncio.CancelledError:
        if not future.cancelled():
            raise  # this request itself was cancelled
        jobs.delivered(token)
        raise StorageError("the server is shutting down; the query was cancelled") from None
    jobs.delivered(token)
    return _answer(outcome)


@router.post(
    EXECUTE_PATH,
    summary="Execute a DQL query",
    responses={**ERROR_RESPONSES, 202: {"description": "Still running: poll with the requestToken."}},
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _REQUEST_SCHEMA}}}
    },
)
async def execute(request: Request, _token: QueryCaller) -> Response:
    """Run a DQL query; 200 with the result when done within requestTimeoutMilliseconds, else 202."""
    settings: Settings = request.app.state.settings
    now = datetime.now(UTC)
    req = parse_request(await request.body(), settings, now=now)
    started = time.perf_counter()
    try:
        compiled = compile_query(
            req.query,
            dialect="duckdb",
            now=now,
            default_from=req.default_from,
            default_to=req.default_to,
            misfit_fields=request.app.state.store.misfit_fields(),  # values kept in __attributes (F6)
        )
    except DQLError as exc:
        return _json(dql_error_body(exc), 400)
    except Exception as exc:  # a compiler bug must not become a 500 for the user's query text
        log.error("query_compile_failed", error_type=type(exc).__name__, error=str(exc), exc_info=exc)
        return _json(_error_body(400, f"the query could not be compiled: {exc}", "COMPILE_ERROR"), 400)
    jobs = jobs_of(request.app)
    token, future = jobs.submit(
        request.app.state.store,
        compiled,
        query=req.query,
        max_records=req.max_records,
        hard_timeout_s=settings.query_timeout_ms / 1000,
        started=started,
    )
    return await _wait(jobs, token, future, req.request_timeout_s)


@router.get(POLL_PATH, summary="Poll a running DQL query", responses=ERROR_RESPONSES)
async def poll(
    request: Request,
    _token: QueryCaller,
    request_token: Annotated[str, Query(alias="request-token")],
    request_timeout_ms: Annotated[int, Query(ge=0, alias="request-timeout-milliseconds")] = 0,
) -> Response:
    """The result of a query that answered 202 (200 RUNNING while it still runs; 410 once expired)."""
    jobs = jobs_of(request.app)
    future = jobs.get(request_token)
    if future is None:
        raise RequestError(410, f"request-token {request_token[:64]!r} is unknown or its result has expired")
    response = await _wait(jobs, request_token, future, request_timeout_ms / 1000)
    if response.status_code == 202:
        response.status_code = 200  # poll answers 200 with state RUNNING, as Grail does
    return response

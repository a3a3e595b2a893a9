"""Every error the HTTP API answers with has one shape: `{"error": {"code": <status>, "message": "..."}}`.

The exception tree of `seclake.errors` maps onto statuses through ERROR_STATUS (most specific class
first); routes raise those exceptions and never build error responses by hand.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from seclake.errors import (
    AuthError,
    ConfigError,
    InputError,
    NotFoundError,
    OverloadedError,
    QueryError,
    RequestError,
    ScopeError,
    SeclakeError,
    StorageError,
)
from seclake.logging import get_logger

__all__ = ["ERROR_STATUS", "ErrorBody", "error_response", "install_error_handlers", "status_of"]

log = get_logger("api")

# exception class -> HTTP status; looked up along the exception's MRO, so order does not matter here
ERROR_STATUS: dict[type[SeclakeError], int] = {
    ScopeError: 403,
    AuthError: 401,
    OverloadedError: 429,
    StorageError: 503,
    QueryError: 400,
    NotFoundError: 404,
    InputError: 400,
    ConfigError: 500,
    SeclakeError: 500,
}
MAX_MESSAGE_CHARS = 2_000


class ErrorDetail(BaseModel):
    code: int
    message: str


class ErrorBody(BaseModel):
    """The body of every error answer (documented in the OpenAPI spec)."""

    error: ErrorDetail


def status_of(exc: SeclakeError) -> int:
    """The HTTP status for a seclake error (RequestError carries its own)."""
    if isinstance(exc, RequestError):
        return exc.status
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return 500


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The JSON error answer."""
    body = {"error": {"code": status, "message": message[:MAX_MESSAGE_CHARS]}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _seclake_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SeclakeError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, OverloadedError):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    elif isinstance(exc, AuthError) and not isinstance(exc, ScopeError):
        headers["WWW-Authenticate"] = "Api-Token"
    if status >= 500:
        log.warning("request_failed", path=request.url.path, status=status, error=str(exc))
    return error_response(status, str(exc) or type(exc).__name__, headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(exc.status_code, message, dict(exc.headers or {}))


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "request"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [f"{_where(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}" for e in exc.errors()[:5]]
    return error_response(400, "invalid request: " + "; ".join(problems))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_error", path=request.url.path, error_type=type(exc).__name__, exc_info=exc)
    return error_response(500, "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error answer of `app` a JSON error body."""
    app.add_exception_handler(SeclakeError, _seclake_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


# the answers routes document in the OpenAPI spec, by status
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "Bad request: the message says what and where.",
        401: "No, unknown or revoked token.",
        403: "The token lacks the scope this route needs.",
        413: "Body over the size limit (compressed or decompressed).",
        415: "Content type is not JSON.",
        429: "The writer or the query pool is saturated; retry after `Retry-After` seconds.",
        503: "Storage failed; nothing was acknowledged.",
    }.items()
}

"""The one exception tree of seclake.

    SeclakeError                      base of everything seclake raises on purpose
    ├── ConfigError                   a setting is missing or invalid (names the setting and its source)
    ├── InputError                    input cannot be read or understood (names the file/record and where)
    │   ├── MappingError              a Defender export record could not be mapped (index + JSON path)
    │   ├── RequestError              an HTTP request body/header was rejected (carries the HTTP status)
    │   └── NotFoundError             the thing named (token, connection, ...) does not exist (404)
    ├── AuthError                     no, unknown or revoked token (401)
    │   └── ScopeError                token lacks the scope (403)
    ├── StorageError                  the store failed; nothing was acknowledged (503)
    │   └── OverloadedError           the writer is saturated right now (429 + Retry-After)
    ├── QueryError                    DQL could not be parsed, checked or run (line, column, token)
    └── DeliveryError                 the forwarder could not deliver (status, batch, reason)

Every error carries a human message that says what and where; callers never log-and-return-empty.
"""

from __future__ import annotations


class SeclakeError(Exception):
    """Base of every error seclake raises on purpose."""


class ConfigError(SeclakeError):
    """A setting is missing or invalid."""


class InputError(SeclakeError):
    """Input cannot be read or understood."""


class MappingError(InputError):
    """A Defender export record could not be mapped; `index` and `path` say where."""

    def __init__(self, message: str, *, index: int | None = None, path: str = "$") -> None:
        self.index = index
        self.path = path
        where = f"record {index} at {path}" if index is not None else path
        super().__init__(f"{where}: {message}")
        self.reason = message


class RequestError(InputError):
    """An HTTP request was rejected; `status` is the answer to give."""

    def __init__(self, status: int, message: str, *, index: int | None = None) -> None:
        self.status = status
        self.index = index
        super().__init__(message)


class NotFoundError(InputError):
    """The thing the input names (a token, a connection, ...) does not exist."""


class AuthError(SeclakeError):
    """No, unknown or revoked token."""


class ScopeError(AuthError):
    """The token lacks the scope the route needs."""


class StorageError(SeclakeError):
    """The store failed; nothing was acknowledged."""


class OverloadedError(StorageError):
    """The writer is saturated; retry after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class QueryError(SeclakeError):
    """DQL could not be parsed, checked or executed."""


class DeliveryError(SeclakeError):
    """The forwarder could not deliver a batch."""

"""Authentication and scopes: `Authorization: Api-Token <token>` (or `Bearer <token>`).

`require_scope(*scopes)` makes a FastAPI dependency that yields the caller's `TokenInfo` and
requires every scope named. It reads the control database on each request (no cache): a revoked token
is refused on the next request. The token text is never logged.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from seclake.control.tokens import TokenInfo, authenticate
from seclake.errors import AuthError, ScopeError

__all__ = ["AUTH_SCHEMES", "presented_token", "require_scope"]

AUTH_SCHEMES: frozenset[str] = frozenset({"api-token", "bearer"})

_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    scheme_name="ApiToken",
    description="`Api-Token sl0c01.<id>.<secret>` (or `Bearer …`)",
)


def presented_token(authorization: str | None) -> str | None:
    """The token text of an Authorization header value, or None when absent or of another scheme."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() not in AUTH_SCHEMES or not value:
        return None
    return value


def require_scope(*scopes: str) -> Callable[..., TokenInfo]:
    """A dependency that authenticates the request and requires all of `scopes` (none: any valid token)."""
    needed = tuple(scopes)

    def dependency(request: Request, authorization: str | None = Security(_header)) -> TokenInfo:
        token = presented_token(authorization)
        if token is None:
            raise AuthError("missing token: send the header 'Authorization: Api-Token <token>'")
        info = authenticate(request.app.state.settings.data_dir, token)
        if info is None:
            raise AuthError("unknown or revoked token")
        missing = [scope for scope in needed if scope not in info.scopes]
        if missing:
            raise ScopeError(
                f"token {info.id} lacks the scope {', '.join(missing)} needed for {request.url.path}"
            )
        request.state.token = info
        return info

    dependency.__name__ = "require_" + "_".join(s.replace(".", "_").replace(":", "_") for s in needed)
    return dependency

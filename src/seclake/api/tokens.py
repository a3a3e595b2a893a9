"""Token management for the UI: list (apitokens:read), create and revoke (apitokens:write).

A created token is returned once, in the POST answer. A caller may only hand out scopes it holds
itself, so apitokens:write alone cannot mint an ingest or admin token (403). Tokens made here are never
bound to a connection: a connection mints its own token through the connections API, and a create
request naming `connection_id` (or any other unknown member) is a 400.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from seclake.api.auth import require_scope
from seclake.api.errors import ERROR_RESPONSES
from seclake.control import scopes
from seclake.control.tokens import TokenInfo, TokenRecord, create_token, get_token, list_tokens, revoke_token
from seclake.errors import NotFoundError, ScopeError
from seclake.logging import get_logger

__all__ = ["router"]

log = get_logger("api.tokens")
router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"])
ReadToken = Annotated[TokenInfo, Depends(require_scope(scopes.TOKENS_READ))]
WriteToken = Annotated[TokenInfo, Depends(require_scope(scopes.TOKENS_WRITE))]
_ERRORS: dict[int | str, dict[str, Any]] = {s: ERROR_RESPONSES[s] for s in (400, 401, 403)}


class TokenOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    connection_id: str | None
    created_at: str
    revoked_at: str | None
    revoked: bool


class TokenList(BaseModel):
    tokens: list[TokenOut]


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # e.g. connection_id: only the connections API binds tokens

    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1, max_length=len(scopes.ALL_SCOPES))


class TokenCreated(TokenOut):
    token: str = Field(description="The full token; shown only in this answer.")


def _out(record: TokenRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "scopes": sorted(record.scopes),
        "connection_id": record.connection_id,
        "created_at": record.created_at,
        "revoked_at": record.revoked_at,
        "revoked": record.revoked,
    }


@router.get("", response_model=TokenList, responses=_ERRORS, summary="List API tokens")
def get_tokens(request: Request, _: ReadToken) -> dict[str, Any]:
    """Every token (without secrets), revoked ones included."""
    return {"tokens": [_out(r) for r in list_tokens(request.app.state.settings.data_dir)]}


@router.post(
    "", status_code=201, response_model=TokenCreated, responses=_ERRORS, summary="Create an API token"
)
def post_token(request: Request, body: TokenCreate, caller: WriteToken) -> dict[str, Any]:
    """Create a token; the answer carries the token text, which is not stored and cannot be shown again."""
    beyond = sorted(set(body.scopes) & scopes.ALL_SCOPES - caller.scopes)
    if beyond:
        raise ScopeError(f"token {caller.id} cannot grant scopes it does not hold: {', '.join(beyond)}")
    record, token = create_token(request.app.state.settings.data_dir, body.name, body.scopes)
    log.info("token_created", token_id=record.id, by=caller.id, scopes=sorted(record.scopes))
    return _out(record) | {"token": token}


@router.delete(
    "/{token_id}",
    status_code=204,
    response_class=Response,
    responses=_ERRORS | {404: ERROR_RESPONSES[400] | {"description": "No such token."}},
    summary="Revoke an API token",
)
def delete_token(
    request: Request,
    token_id: Annotated[str, Path(max_length=100)],
    caller: WriteToken,
) -> Response:
    """Revoke a token (effective on its next request); revoking a revoked token is a no-op."""
    data_dir = request.app.state.settings.data_dir
    if get_token(data_dir, token_id) is None:
        raise NotFoundError(f"no token with id {token_id!r}")
    if revoke_token(data_dir, token_id):
        log.info("token_revoked", token_id=token_id, by=caller.id)
    return Response(status_code=204)

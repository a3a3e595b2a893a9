"""Defender connections for the web UI: list and show (settings:read), create and delete (settings:write).

The same operations as `seclake connection create|list|delete` (seclake.azure.connection_service), over
the control database of the server's data directory. POST answers with the connection's token (shown
only in that answer; the setup files hold it only with `include_token`) and the setup files; DELETE
revokes the token at once, keeps the events and answers with the teardown script. Stats come from the
server's own store (`ingest_stats`), so they are available here even while the CLI cannot open the store.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from seclake.api.auth import require_scope
from seclake.api.errors import ERROR_RESPONSES
from seclake.azure.connection_files import SetupFile, setup_files, teardown_files
from seclake.azure.connection_service import (
    connection_plan,
    create_defender_connection,
    delete_defender_connection,
)
from seclake.control import scopes
from seclake.control.connections import (
    ConnectionRecord,
    connection_stats,
    list_connections,
)
from seclake.control.tokens import TokenInfo
from seclake.errors import StorageError
from seclake.logging import get_logger

__all__ = ["router"]

log = get_logger("api.connections")
router = APIRouter(prefix="/api/v1/connections", tags=["connections"])
ReadToken = Annotated[TokenInfo, Depends(require_scope(scopes.SETTINGS_READ))]
WriteToken = Annotated[TokenInfo, Depends(require_scope(scopes.SETTINGS_WRITE))]
ConnectionRef = Annotated[str, Path(min_length=1, max_length=200, description="Connection id (or name).")]
_ERRORS: dict[int | str, dict[str, Any]] = {s: ERROR_RESPONSES[s] for s in (400, 401, 403)}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: ERROR_RESPONSES[400] | {"description": "No such connection."}
}


class ConnectionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    subscription_id: str = Field(min_length=1, max_length=64)
    resource_group: str = Field(min_length=1, max_length=90)
    location: str = Field(min_length=1, max_length=64)
    url: str | None = Field(
        default=None, max_length=2000, description="Public base URL of seclake; default: this request's."
    )
    key_vault: str | None = Field(default=None, max_length=24)
    include_token: bool = Field(
        default=False, description="Write the token into setup.sh and the ARM parameters."
    )


def _stats(request: Request, record: ConnectionRecord, now_ns: int) -> dict[str, Any] | None:
    try:
        return connection_stats(request.app.state.store.ingest_stats, record, now_ns).to_json()
    except StorageError as exc:
        log.warning("connection_stats_unavailable", connection_id=record.id, error=str(exc))
        return None


def _files(files: list[SetupFile]) -> dict[str, str]:
    return {f.name: f.text for f in files}


@router.get("", responses=_ERRORS, summary="List Defender connections")
def get_connections(request: Request, _: ReadToken) -> dict[str, Any]:
    """Every connection (deleted ones too) with its ingest stats (null when the store cannot answer)."""
    now_ns = time.time_ns()
    records = list_connections(request.app.state.settings.data_dir)
    return {"connections": [r.to_json() | {"stats": _stats(request, r, now_ns)} for r in records]}


@router.post("", status_code=201, responses=_ERRORS, summary="Create a Defender connection")
def post_connection(request: Request, body: ConnectionCreate, caller: WriteToken) -> dict[str, Any]:
    """Record the connection, mint its ingest-only token (in this answer only) and render the setup files."""
    created = create_defender_connection(
        request.app.state.settings.data_dir,
        name=body.name,
        subscription_id=body.subscription_id,
        resource_group=body.resource_group,
        location=body.location,
        url=body.url or str(request.base_url).rstrip("/"),
        key_vault=body.key_vault,
        include_token=body.include_token,
    )
    log.info("connection_created_via_api", connection_id=created.record.id, by=caller.id)
    return {
        "connection": created.record.to_json(),
        "token": created.token,
        "warnings": created.plan.warnings(),
        "files": _files(created.files),
    }


@router.get("/{connection_id}", responses=_ERRORS | _NOT_FOUND, summary="Show a Defender connection")
def get_connection_route(request: Request, connection_id: ConnectionRef, _: ReadToken) -> Any:
    """The connection, its stats and its files (active: setup without the token; deleted: teardown)."""
    record, plan = connection_plan(request.app.state.settings.data_dir, connection_id)  # 404 if unknown
    files = setup_files(plan) if record.active else teardown_files(plan)
    return record.to_json() | {"stats": _stats(request, record, time.time_ns()), "files": _files(files)}


@router.delete("/{connection_id}", responses=_ERRORS | _NOT_FOUND, summary="Delete a Defender connection")
def delete_connection_route(request: Request, connection_id: ConnectionRef, caller: WriteToken) -> Any:
    """Revoke the token (effective on its next request), mark the connection deleted; events stay."""
    deleted = delete_defender_connection(request.app.state.settings.data_dir, connection_id)  # 404 if unknown
    log.info("connection_deleted_via_api", connection_id=deleted.record.id, by=caller.id)
    return {
        "connection": deleted.record.to_json(),
        "revoked_token_ids": deleted.revoked_token_ids,
        "teardown": deleted.teardown,
    }

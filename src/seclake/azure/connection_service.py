"""Create and delete Defender connections: control DB + token + generated Azure files, for CLI and API.

`create_defender_connection` checks the values (ConnectionPlan), records the connection with its
ingest-only token and renders the setup files; `delete_defender_connection` revokes the token, marks the
connection deleted and renders the teardown script. `plan_for(record)` rebuilds the plan of a stored
connection from the names stored with it. The token is returned once and never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seclake.azure.connection_files import SetupFile, setup_files
from seclake.azure.connection_plan import ConnectionPlan, plan_connection
from seclake.azure.teardown_script import render_teardown_script
from seclake.control.connections import (
    ConnectionRecord,
    create_connection,
    delete_connection,
    get_connection,
    new_connection_id,
)
from seclake.logging import get_logger

__all__ = [
    "CreatedConnection",
    "DeletedConnection",
    "create_defender_connection",
    "delete_defender_connection",
    "plan_for",
]

log = get_logger("azure.connections")


@dataclass(frozen=True, slots=True)
class CreatedConnection:
    record: ConnectionRecord
    plan: ConnectionPlan
    token: str  # shown once
    files: list[SetupFile]


@dataclass(frozen=True, slots=True)
class DeletedConnection:
    record: ConnectionRecord
    plan: ConnectionPlan
    revoked_token_ids: list[str]
    teardown: str


def plan_for(record: ConnectionRecord) -> ConnectionPlan:
    """The plan of a stored connection (its stored resource names, not freshly derived ones)."""
    return plan_connection(
        connection_id=record.id,
        name=record.name,
        subscription_id=record.subscription_id,
        resource_group=record.resource_group,
        location=record.location,
        url=record.url,
        key_vault=record.key_vault,
        resources=record.resources or None,
    )


def create_defender_connection(
    data_dir: Path,
    *,
    name: str,
    subscription_id: str,
    resource_group: str,
    location: str,
    url: str,
    key_vault: str | None = None,
    include_token: bool = False,
) -> CreatedConnection:
    """Record the connection, mint its ingest token, render setup.sh / azuredeploy.json / teardown.sh.

    InputError (before anything is stored) when a value breaks Azure's naming rules or the name is taken.
    """
    connection_id = new_connection_id()
    plan = plan_connection(
        connection_id=connection_id,
        name=name,
        subscription_id=subscription_id,
        resource_group=resource_group,
        location=location,
        url=url,
        key_vault=key_vault,
    )
    record, token = create_connection(
        data_dir,
        connection_id=connection_id,
        name=plan.name,
        subscription_id=plan.subscription_id,
        resource_group=plan.resource_group,
        location=plan.location,
        url=plan.seclake_url,
        key_vault=plan.key_vault,
        resources=plan.resources,
    )
    log.info("connection_created", connection_id=record.id, token_id=record.token_id, name=record.name)
    files = setup_files(plan, token=token if include_token else None)
    return CreatedConnection(record, plan, token, files)


def delete_defender_connection(data_dir: Path, ref: str) -> DeletedConnection:
    """Revoke the connection's tokens, mark it deleted (events stay), render its teardown script."""
    record, revoked = delete_connection(data_dir, ref)
    log.info("connection_deleted", connection_id=record.id, revoked_tokens=revoked)
    plan = plan_for(record)
    return DeletedConnection(record, plan, revoked, render_teardown_script(plan))


def connection_plan(data_dir: Path, ref: str) -> tuple[ConnectionRecord, ConnectionPlan]:
    """A stored connection (by id or active name) and its plan."""
    record = get_connection(data_dir, ref)
    return record, plan_for(record)

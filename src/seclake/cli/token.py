"""`seclake token create|list|revoke`: API tokens in the control database of a data directory.

Works whether or not a server runs on the same data directory (SQLite in WAL mode, see
`seclake.control.db`). `create` prints the token alone on stdout, so `T=$(seclake token create …)` works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seclake.control.scopes import SCOPE_HELP
from seclake.control.tokens import create_token, list_tokens, revoke_token
from seclake.errors import SeclakeError
from seclake.settings import load_settings, setting_help

__all__ = ["register"]

token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)

_DATA_DIR_HELP = setting_help("data_dir") + " Env: SECLAKE_DATA_DIR."
DataDir = Annotated[Path | None, typer.Option("--data-dir", help=_DATA_DIR_HELP)]
_SCOPE_HELP = "A scope to grant (repeat for more): " + ", ".join(sorted(SCOPE_HELP))


def _data_dir(flag: Path | None) -> Path:
    return Path(load_settings({"data_dir": flag}).data_dir)


def _fail(exc: SeclakeError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=2)


@token_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="A name saying who or what uses the token.")],
    scope: Annotated[list[str], typer.Option("--scope", help=_SCOPE_HELP)],
    connection_id: Annotated[
        str | None, typer.Option("--connection-id", help="Bind to a Defender connection.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a token and print it alone on stdout (shown once; only its hash is stored)."""
    try:
        record, token = create_token(_data_dir(data_dir), name, scope, connection_id=connection_id)
    except SeclakeError as exc:
        raise _fail(exc) from exc
    typer.echo(f"created token {record.id} ({', '.join(sorted(record.scopes))})", err=True)
    typer.echo(token)


@token_app.command("list")
def list_(
    data_dir: DataDir = None,
) -> None:
    """List tokens: id, name, scopes, created, revoked."""
    try:
        records = list_tokens(_data_dir(data_dir))
    except SeclakeError as exc:
        raise _fail(exc) from exc
    table = Table("id", "name", "scopes", "created", "revoked")
    for r in records:
        table.add_row(r.id, r.name, "\n".join(sorted(r.scopes)), r.created_at, r.revoked_at or "")
    Console().print(table)


@token_app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (see `seclake token list`).")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a token; a server on the same data directory refuses it from its next request on."""
    try:
        revoked = revoke_token(_data_dir(data_dir), token_id)
    except SeclakeError as exc:
        raise _fail(exc) from exc
    if not revoked:
        typer.echo(f"error: no valid token with id {token_id!r}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"revoked {token_id}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")

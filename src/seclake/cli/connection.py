"""`seclake connection create|list|delete`: Defender connections (token + Azure setup/teardown files).

Works whether or not a server runs on the same data directory: connections and tokens live in the
SQLite control database (WAL, see `seclake.control.db`).

- `create` records the connection, mints its ingest-only token and writes setup.sh, azuredeploy.json,
  teardown.sh and README.md into --out. The token is printed alone on stdout, once. The files hold it
  only with --include-token (then setup.sh is 0700 and azuredeploy.parameters.json 0600); otherwise
  setup.sh reads SECLAKE_TOKEN from the environment and stops without it.
- `list` shows state, last event time (the last minute in which events arrived) and events of the last
  24 h. Stats source, in order: with --url or --token, the server's API (GET /api/v1/connections,
  settings:read; url/token fall back to SECLAKE_URL/SECLAKE_TOKEN); else the event store file of the
  data directory, opened directly; when a running server holds that file (DuckDB allows one process),
  the stats show as unavailable with a hint to pass --url/--token.
- `delete` revokes the connection's tokens at once, marks it deleted (its events stay queryable) and
  prints the teardown script for its Azure resources (or writes it to --out).

Exit codes: 0 done, 1 no such connection, 2 bad input or token problem, 3 server or storage failure.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import orjson
import typer
from rich.console import Console
from rich.table import Table

from seclake.azure.connection_files import SETUP_SCRIPT, SetupFile, write_files
from seclake.azure.connection_service import create_defender_connection, delete_defender_connection
from seclake.control.connections import ConnectionNotFoundError, connection_stats, list_connections
from seclake.errors import InputError, SeclakeError, StorageError
from seclake.settings import Settings, load_settings, setting_help

__all__ = ["connection_app", "register"]

connection_app = typer.Typer(
    help="Defender connections: an ingest token plus the Azure setup and teardown.", no_args_is_help=True
)
EVENTS_FILE = "events.duckdb"
CONNECTIONS_PATH = "/api/v1/connections"
UNAVAILABLE_HINT = (
    "stats unavailable: a running server holds the event store; "
    "pass --url and --token (a token with settings:read) to read them through it"
)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help=setting_help("data_dir") + " Env: SECLAKE_DATA_DIR.")
]


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _settings(**flags: Any) -> Settings:
    return load_settings(flags)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=code)


def _code(exc: SeclakeError) -> int:
    if isinstance(exc, ConnectionNotFoundError):
        return 1
    return 2 if isinstance(exc, InputError) else 3


@connection_app.command("create")
def create(  # noqa: PLR0917 - a typer command: one parameter per flag
    name: Annotated[str, typer.Option("--name", help="Connection name (1-64 letters, digits, space . _ -).")],
    subscription: Annotated[str, typer.Option("--subscription", help="Azure subscription id to export.")],
    resource_group: Annotated[
        str, typer.Option("--resource-group", help="Resource group for the resources.")
    ],
    location: Annotated[str, typer.Option("--location", help="Azure region, e.g. westeurope.")],
    url: Annotated[
        str | None, typer.Option("--url", help="Public base URL of seclake the Function app posts to.")
    ] = None,
    key_vault: Annotated[
        str | None,
        typer.Option("--key-vault", help="Keep the token in this Key Vault (app setting refers to it)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for the files [default: seclake-connections/<name>]."),
    ] = None,
    include_token: Annotated[
        bool,
        typer.Option("--include-token", help="Write the token into setup.sh and the ARM parameters file."),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Record a connection, print its token (once) and write its Azure setup files."""
    settings = _settings(data_dir=data_dir, url=url)
    try:
        created = create_defender_connection(
            Path(settings.data_dir),
            name=name,
            subscription_id=subscription,
            resource_group=resource_group,
            location=location,
            url=settings.url,
            key_vault=key_vault,
            include_token=include_token,
        )
    except SeclakeError as exc:
        raise _fail(str(exc), _code(exc)) from exc
    out_dir = out or Path("seclake-connections") / created.plan.namespace
    console = Console(stderr=True)
    try:
        written = write_files(out_dir, created.files)
    except OSError as exc:
        typer.echo(created.token)
        raise _fail(
            f"connection {created.record.id} created, but writing {out_dir} failed: {exc}", 3
        ) from exc
    console.print(
        f"created connection {created.record.id} ({created.record.name}), token {created.record.token_id}"
    )
    for path in written:
        console.print(f"  wrote {path}")
    for warning in created.plan.warnings():
        console.print(f"[yellow]warning:[/yellow] {warning}")
    step = f"bash {out_dir / SETUP_SCRIPT}"
    if not include_token:
        step = f"export SECLAKE_TOKEN=<the token below>; {step}"
    console.print(f"next: {step}   (the token is shown only now)")
    typer.echo(created.token)


def _local_stats(settings: Settings, records: list[Any]) -> tuple[dict[str, Any], str]:
    """Per connection id -> stats JSON from the store file; ("unavailable") when a server holds it."""
    path = Path(settings.data_dir) / EVENTS_FILE
    now_ns = time.time_ns()
    if not path.exists():
        empty = {"last_event_time": None, "events_24h": 0, "bytes_24h": 0}
        return {r.id: dict(empty) for r in records}, "store"
    from seclake.store.duckdb import DuckDBStore  # noqa: PLC0415 - only when the file exists

    try:
        store = DuckDBStore(path, settings=settings, run_retention=False)
    except StorageError:
        return {}, "unavailable"
    try:
        return {r.id: connection_stats(store.ingest_stats, r, now_ns).to_json() for r in records}, "store"
    finally:
        store.close()


def _remote(url: str, token: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Api-Token {token}"}
    try:
        response = httpx.get(url.rstrip("/") + CONNECTIONS_PATH, headers=headers, timeout=30.0)
    except httpx.HTTPError as exc:
        raise _fail(f"cannot reach {url}: {exc}", 3) from exc
    if response.status_code in (401, 403):
        raise _fail(f"{url} refused the token ({response.status_code}); it needs settings:read", 2)
    if response.status_code != 200:
        raise _fail(f"{url} answered {response.status_code}: {response.text[:300]}", 3)
    rows: list[dict[str, Any]] = response.json()["connections"]
    return rows


def _table(rows: list[dict[str, Any]]) -> Table:
    """id, name, state, subscription, created, last event, events 24h (`n/a`: stats unavailable)."""
    table = Table("id", "name", "state", "subscription", "created", "last event", "events 24h")
    table.columns[0].no_wrap = True
    for row in rows:
        stats = row.get("stats")
        last = (stats or {}).get("last_event_time") or ("-" if stats else "n/a")
        events = str(stats["events_24h"]) if stats else "n/a"
        created = str(row["created_at"])[:16].replace("T", " ")
        table.add_row(row["id"], row["name"], row["state"], row["subscription_id"], created, last, events)
    return table


@connection_app.command("list")
def list_(
    data_dir: DataDir = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Read through this server's API (stats included).")
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Token with settings:read for --url [env: SECLAKE_TOKEN].")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.TABLE,
) -> None:
    """List connections: state, last event time and events in the last 24 h."""
    settings = _settings(data_dir=data_dir, url=url, token=token)
    if url is not None or token is not None:
        if not settings.token:
            raise _fail("--url needs a token: --token or SECLAKE_TOKEN", 2)
        rows, source = _remote(settings.url, settings.token), "server"
    else:
        try:
            records = list_connections(Path(settings.data_dir))
            stats, source = _local_stats(settings, records)
        except SeclakeError as exc:
            raise _fail(str(exc), _code(exc)) from exc
        rows = [r.to_json() | {"stats": stats.get(r.id)} for r in records]
    if output is OutputFormat.JSON:
        payload = {"connections": rows, "stats_source": source}
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
    else:
        Console().print(_table(rows))
    if source == "unavailable":
        typer.echo(UNAVAILABLE_HINT, err=True)


@connection_app.command("delete")
def delete(
    ref: Annotated[
        str, typer.Argument(metavar="ID|NAME", help="The connection (see `seclake connection list`).")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the teardown script to this file [default: stdout].")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Revoke the connection's token, mark it deleted (events stay) and print its Azure teardown script."""
    settings = _settings(data_dir=data_dir)
    try:
        deleted = delete_defender_connection(Path(settings.data_dir), ref)
    except SeclakeError as exc:
        raise _fail(str(exc), _code(exc)) from exc
    revoked = ", ".join(deleted.revoked_token_ids) or "none left to revoke"
    typer.echo(
        f"deleted connection {deleted.record.id} ({deleted.record.name}); revoked token(s): {revoked}; "
        "its events stay queryable",
        err=True,
    )
    if out is None:
        typer.echo(deleted.teardown, nl=False)
        return
    try:
        write_files(out.parent, [SetupFile(out.name, deleted.teardown, executable=True)])
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc}", 3) from exc
    typer.echo(f"teardown script: bash {out}", err=True)


def register(app: typer.Typer) -> None:
    """Add the `seclake connection` group to the CLI."""
    app.add_typer(connection_app, name="connection")

"""`seclake query 'DQL'`: run DQL through a server's query API and print the records.

The URL and token come from --url/--token, else SECLAKE_URL/SECLAKE_TOKEN (or seclake.toml). A 202 answer
is polled until the query finishes. Output: a rich table (default), JSON (the records array) or CSV.
Exit codes: 0 done, 1 the query was rejected (bad DQL, failed execution), 2 token problem (401/403) or
bad usage, 3 the server could not be reached or failed.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import httpx
import orjson
import typer
from rich.console import Console
from rich.table import Table

from seclake.control.scopes import BUCKETS_READ, QUERY
from seclake.settings import load_settings, setting_help

__all__ = ["QueryFailedError", "execute_remote", "records_to_csv", "records_to_table", "register"]

EXECUTE = "/platform/storage/query/v1/query:execute"
POLL = "/platform/storage/query/v1/query:poll"
POLL_WAIT_MS = 2_000  # how long one poll request may wait on the server for the result


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class QueryFailedError(Exception):
    """The query API said no; `exit_code` follows the module docstring."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    error = body.get("error", {}) if isinstance(body, dict) else {}
    return str(error.get("message") or body)


# status -> (what to say before the server's message, exit code)
_FAILURES: dict[int, tuple[str, int]] = {
    400: ("the query was rejected", 1),
    401: (
        "the server did not accept the token (missing, unknown or revoked); set --token or SECLAKE_TOKEN",
        2,
    ),
    403: (f"the token lacks a scope the query API needs ({QUERY} and {BUCKETS_READ})", 2),
    410: ("the query's result expired before it was fetched", 3),
}


def _check(response: httpx.Response) -> dict[str, Any]:
    if response.status_code in (200, 202):
        body: dict[str, Any] = response.json()
        return body
    what, code = _FAILURES.get(response.status_code, (f"the server answered {response.status_code}", 3))
    raise QueryFailedError(f"{what}:\n{_error_message(response)}", code)


def execute_remote(
    client: httpx.Client, text: str, *, max_records: int | None = None, timeout_s: float = 120.0
) -> dict[str, Any]:
    """Execute `text` on the server `client` points at; poll until done. Returns the `result` object."""
    payload: dict[str, Any] = {"query": text}
    if max_records is not None:
        payload["maxResultRecords"] = max_records
    try:
        body = _check(client.post(EXECUTE, json=payload))
        deadline = time.monotonic() + timeout_s
        while body.get("state") != "SUCCEEDED":
            token = body.get("requestToken") or body.get("request-token")
            if not token or time.monotonic() > deadline:
                raise QueryFailedError(
                    f"the query did not finish within {timeout_s:.0f} s (state {body.get('state')})", 3
                )
            params = {"request-token": token, "request-timeout-milliseconds": POLL_WAIT_MS}
            body = _check(client.get(POLL, params=params)) | {"requestToken": token}
    except httpx.HTTPError as exc:
        raise QueryFailedError(f"cannot reach {client.base_url}: {exc}", 3) from exc
    result: dict[str, Any] = body["result"]
    return result


def _columns(records: Sequence[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for record in records:
        seen.update(dict.fromkeys(record))
    return list(seen)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()


def records_to_csv(records: Sequence[dict[str, Any]]) -> str:
    """CSV with a header of every field in order of first appearance; nested values as JSON."""
    out = io.StringIO()
    columns = _columns(records)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record.get(c)) for c in columns])
    return out.getvalue()


def records_to_table(records: Sequence[dict[str, Any]]) -> Table:
    """A rich table of the records (nested values as compact JSON)."""
    table = Table(show_lines=False, header_style="bold")
    columns = _columns(records)
    for column in columns:
        table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(*(_cell(record.get(c)) for c in columns))
    return table


def query(
    dql: Annotated[str, typer.Argument(help="The DQL query, e.g. 'fetch security.events | limit 10'.")],
    *,
    url: Annotated[
        str | None, typer.Option("--url", help=setting_help("url") + " [env: SECLAKE_URL]")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option("--token", help=setting_help("token") + " [env: SECLAKE_TOKEN]", show_default=False),
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.TABLE,
    max_records: Annotated[
        int | None,
        typer.Option("--max-records", min=1, help="maxResultRecords (server default when absent)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for the result.")
    ] = 120.0,
) -> None:
    """Run DQL through the query API of a seclake server and print the records."""
    settings = load_settings({"url": url, "token": token})
    if not settings.token:
        typer.echo("error: no token: pass --token or set SECLAKE_TOKEN", err=True)
        raise typer.Exit(code=2)
    headers = {"Authorization": f"Api-Token {settings.token}"}
    with httpx.Client(base_url=settings.url, headers=headers, timeout=timeout + 10) as client:
        try:
            result = execute_remote(client, dql, max_records=max_records, timeout_s=timeout)
        except QueryFailedError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=exc.exit_code) from exc
    records = result.get("records", [])
    for note in result.get("metadata", {}).get("grail", {}).get("notifications", []):
        typer.echo(f"note: {note.get('message', note)}", err=True)
    if output is OutputFormat.JSON:
        typer.echo(orjson.dumps(records, option=orjson.OPT_INDENT_2).decode())
    elif output is OutputFormat.CSV:
        typer.echo(records_to_csv(records), nl=False)
    else:
        Console(soft_wrap=False).print(records_to_table(records))
        typer.echo(f"{len(records)} record(s)", err=True)


def register(app: typer.Typer) -> None:
    """Add `seclake query` to the CLI."""
    app.command("query")(query)

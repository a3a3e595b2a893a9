"""Defender connections on a real `seclake serve`: create through the API, ingest with the connection's
token, stats in the API and in `seclake connection list` (direct store access refused while the server
holds it, then through --url/--token), delete (token refused at once, events still queryable)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import typer
from server_support import SeclakeServer
from structlog.testing import capture_logs
from typer.testing import CliRunner

from seclake.cli import connection
from seclake.control import scopes
from seclake.control.tokens import create_token

CONNECTIONS = "/api/v1/connections"
INGEST = "/platform/ingest/v1/security.events"
EXECUTE = "/platform/storage/query/v1/query:execute"
SUBSCRIPTION = "a5caac9c-5c04-49af-b3d0-e204f40345d5"
CLI_CREATE = [
    "--name",
    "CLI made",
    "--subscription",
    SUBSCRIPTION,
    "--resource-group",
    "rg",
    "--location",
    "westeurope",
]
BODY = {
    "name": "Prod EU",
    "subscription_id": SUBSCRIPTION,
    "resource_group": "rg-seclake",
    "location": "westeurope",
}


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Api-Token {token}"}


def _events(n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [{"timestamp": now, "event.id": f"conn-{i}", "event.kind": "SECURITY_EVENT"} for i in range(n)]


def _cli(server: SeclakeServer, *args: str) -> tuple[str, str]:
    cli_app = typer.Typer()
    cli_app.callback()(lambda: None)
    connection.register(cli_app)
    with capture_logs():
        result = CliRunner().invoke(cli_app, ["connection", *args, "--data-dir", str(server.data_dir)])
    assert result.exit_code == 0, result.stderr
    return result.stdout, result.stderr


def _cli_list(server: SeclakeServer, *extra: str) -> tuple[dict[str, Any], str]:
    stdout, stderr = _cli(server, "list", "--format", "json", *extra)
    parsed: dict[str, Any] = json.loads(stdout)
    return parsed, stderr


def test_connection_lifecycle_through_the_api(seclake_server: SeclakeServer) -> None:
    server = seclake_server
    reader = create_token(server.data_dir, "ui reader", [scopes.SETTINGS_READ])[1]
    http = httpx.Client(base_url=server.url, timeout=30)

    assert http.post(CONNECTIONS, json=BODY).status_code == 401
    assert http.post(CONNECTIONS, json=BODY, headers=_headers(reader)).status_code == 403
    bad = http.post(CONNECTIONS, json=BODY | {"subscription_id": "x"}, headers=server.headers)
    assert bad.status_code == 400 and "subscription_id" in bad.json()["error"]["message"]

    created = http.post(CONNECTIONS, json=BODY, headers=server.headers)
    assert created.status_code == 201, created.text
    answer = created.json()
    token, conn = answer["token"], answer["connection"]
    assert conn["url"] == server.url  # default: the URL the request came in on
    assert any("loopback" in w for w in answer["warnings"])
    assert set(answer["files"]) == {"setup.sh", "azuredeploy.json", "teardown.sh", "README.md"}
    assert all(token not in text for text in answer["files"].values())
    json.loads(answer["files"]["azuredeploy.json"])

    sent = http.post(INGEST, json=_events(5), headers=_headers(token))
    assert sent.status_code == 202, sent.text
    assert http.post(CONNECTIONS, json=BODY, headers=_headers(token)).status_code == 403  # ingest only

    listed = http.get(CONNECTIONS, headers=_headers(reader)).json()["connections"]
    (row,) = [c for c in listed if c["id"] == conn["id"]]
    assert row["stats"]["events_24h"] == 5 and row["stats"]["bytes_24h"] == len(sent.request.content)
    assert row["stats"]["last_event_time"] is not None

    # the server holds the DuckDB file: the CLI says so, then reads through the API
    direct, hint = _cli_list(server)
    assert direct["stats_source"] == "unavailable" and "--url and --token" in hint
    assert [c["name"] for c in direct["connections"]] == ["Prod EU"]
    remote, _ = _cli_list(server, "--url", server.url, "--token", reader)
    assert remote["stats_source"] == "server"
    assert remote["connections"][0]["stats"]["events_24h"] == 5

    shown = http.get(f"{CONNECTIONS}/{conn['id']}", headers=_headers(reader)).json()
    assert (
        shown["state"] == "active"
        and "setup.sh" in shown["files"]
        and token not in shown["files"]["setup.sh"]
    )

    assert http.delete(f"{CONNECTIONS}/{conn['id']}", headers=_headers(reader)).status_code == 403
    deleted = http.delete(f"{CONNECTIONS}/{conn['id']}", headers=server.headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["connection"]["state"] == "deleted"
    assert deleted.json()["teardown"].startswith("#!/usr/bin/env bash")
    assert len(deleted.json()["revoked_token_ids"]) == 1
    assert http.post(INGEST, json=_events(1), headers=_headers(token)).status_code == 401

    query = (
        f'fetch security.events | filter dt.security.connection.id == "{conn["id"]}" | summarize n = count()'
    )
    result = http.post(EXECUTE, json={"query": query}, headers=server.headers)
    assert result.status_code == 200, result.text
    assert result.json()["result"]["records"] == [{"n": 5}]

    gone = http.get(f"{CONNECTIONS}/{conn['id']}", headers=_headers(reader)).json()
    assert gone["state"] == "deleted" and set(gone["files"]) == {"teardown.sh"}
    missing = http.delete(f"{CONNECTIONS}/0000000000000000", headers=server.headers)
    assert missing.status_code == 404 and "no connection" in missing.json()["error"]["message"]

    # the CLI works next to the running server: its new token is accepted on the very next request
    out = server.data_dir / "cli-files"
    token_out, _ = _cli(server, "create", *CLI_CREATE, "--out", str(out))
    cli_token = token_out.strip()
    assert http.post(INGEST, json=_events(2), headers=_headers(cli_token)).status_code == 202
    teardown, _ = _cli(server, "delete", "CLI made")
    assert teardown.startswith("#!/usr/bin/env bash")
    assert http.post(INGEST, json=_events(1), headers=_headers(cli_token)).status_code == 401
    http.close()

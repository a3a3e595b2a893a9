"""`seclake connection create|list|delete` through typer's runner on a real control DB and DuckDB file.

Log entries are captured (structlog.testing, every test) so stdout holds only the command's output and
the tests can check that no token is ever logged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from azure_support import SUBSCRIPTION
from structlog.testing import capture_logs
from typer.testing import CliRunner, Result

from seclake.cli import connection
from seclake.control import scopes
from seclake.control.connections import get_connection
from seclake.control.tokens import authenticate
from seclake.settings import Settings
from seclake.store.duckdb import DuckDBStore

CREATE = [
    "connection", "create", "--name", "Prod EU", "--subscription", SUBSCRIPTION,
    "--resource-group", "rg-seclake", "--location", "westeurope", "--url", "https://seclake.example.com",
]  # fmt: skip


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    connection.register(app)
    return app


@pytest.fixture(autouse=True)
def logs() -> Iterator[list[dict[str, Any]]]:
    with capture_logs() as entries:
        yield entries


def _run(args: list[str], data_dir: Path) -> Result:
    return CliRunner().invoke(_app(), [*args, "--data-dir", str(data_dir)])


def _create(tmp_path: Path, *extra: str) -> tuple[str, Path]:
    out = tmp_path / "files"
    result = _run([*CREATE, "--out", str(out), *extra], tmp_path / "data")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip(), out


def test_create_prints_the_token_alone_and_writes_token_free_files(
    tmp_path: Path, logs: list[dict[str, Any]]
) -> None:
    token, out = _create(tmp_path)
    assert "\n" not in token
    info = authenticate(tmp_path / "data", token)
    assert info is not None and info.scopes == {scopes.INGEST} and info.connection_name == "Prod EU"
    names = sorted(p.name for p in out.iterdir())
    assert names == ["README.md", "azuredeploy.json", "setup.sh", "teardown.sh"]
    for path in out.iterdir():
        assert token not in path.read_text()
    assert (out / "setup.sh").stat().st_mode & 0o777 == 0o755
    json.loads((out / "azuredeploy.json").read_text())
    assert logs and all(token not in json.dumps(entry, default=str) for entry in logs)


def test_include_token_writes_private_files(tmp_path: Path, logs: list[dict[str, Any]]) -> None:
    token, out = _create(tmp_path, "--include-token", "--key-vault", "kv-seclake")
    assert token in (out / "setup.sh").read_text()
    assert (out / "setup.sh").stat().st_mode & 0o777 == 0o700
    assert (out / "azuredeploy.parameters.json").stat().st_mode & 0o777 == 0o600
    assert "KEY_VAULT=kv-seclake" in (out / "setup.sh").read_text()
    assert all(token not in json.dumps(entry, default=str) for entry in logs)


def test_bad_input_stores_nothing(tmp_path: Path) -> None:
    bad = [*CREATE[:5], "not-a-guid", *CREATE[6:]]
    result = _run(bad, tmp_path)
    assert result.exit_code == 2
    assert "connection subscription_id='not-a-guid'" in result.stderr
    assert _list(tmp_path)["connections"] == []


def test_loopback_url_is_warned_about(tmp_path: Path) -> None:
    args = [a if a != "https://seclake.example.com" else "http://127.0.0.1:8040" for a in CREATE]
    result = _run([*args, "--out", str(tmp_path / "f")], tmp_path)
    assert result.exit_code == 0
    assert "loopback" in result.stderr and "plain http" in result.stderr


def _list(data_dir: Path) -> dict[str, Any]:
    result = _run(["connection", "list", "--format", "json"], data_dir)
    assert result.exit_code == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_list_reads_stats_from_the_store_file(tmp_path: Path, logs: list[dict[str, Any]]) -> None:
    data = tmp_path / "data"
    _create(tmp_path)
    listed = _list(data)
    assert listed["stats_source"] == "store"
    (row,) = listed["connections"]
    assert row["stats"] == {"last_event_time": None, "events_24h": 0, "bytes_24h": 0}
    store = DuckDBStore(data / "events.duckdb", settings=Settings(data_dir=data), run_retention=False)
    try:
        events = [{"event.id": f"e{i}", "timestamp": time.time_ns()} for i in range(3)]
        store.append(events, connection_id=row["id"], body_bytes=321)
    finally:
        store.close()
    (row,) = _list(data)["connections"]
    assert row["stats"]["events_24h"] == 3 and row["stats"]["bytes_24h"] == 321
    assert row["stats"]["last_event_time"].endswith("Z")


HOLDER = """
import sys, time, duckdb
db = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(60)
"""


def test_list_says_stats_are_unavailable_while_another_process_holds_the_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _create(tmp_path)
    data.joinpath("events.duckdb").unlink(missing_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data / "events.duckdb")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        result = _run(["connection", "list", "--format", "json"], data)
        table = _run(["connection", "list"], data)
    finally:
        holder.kill()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed["stats_source"] == "unavailable"
    assert listed["connections"][0]["stats"] is None
    assert "--url and --token" in result.stderr
    assert "n/a" in table.stdout and "Prod EU" in table.stdout


def test_delete_revokes_prints_teardown_and_keeps_the_record(tmp_path: Path) -> None:
    data = tmp_path / "data"
    token, _ = _create(tmp_path)
    conn_id = _list(data)["connections"][0]["id"]
    result = _run(["connection", "delete", "Prod EU"], data)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("#!/usr/bin/env bash") and "teardown" in result.stdout
    assert authenticate(data, token) is None
    assert get_connection(data, conn_id).state == "deleted"
    assert "revoked token(s)" in result.stderr and "stay queryable" in result.stderr
    again = _run(["connection", "delete", conn_id, "--out", str(tmp_path / "t" / "teardown.sh")], data)
    assert again.exit_code == 0, again.stderr
    assert "none left to revoke" in again.stderr
    assert (tmp_path / "t" / "teardown.sh").read_text() == result.stdout
    missing = _run(["connection", "delete", "nope"], data)
    assert missing.exit_code == 1 and "no connection" in missing.stderr


def test_list_through_api_requires_a_token(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(),
        ["connection", "list", "--url", "http://127.0.0.1:9", "--data-dir", str(tmp_path)],
        env={"SECLAKE_TOKEN": ""},
    )
    assert result.exit_code == 2 and "needs a token" in result.stderr

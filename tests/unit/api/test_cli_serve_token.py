"""`seclake token …` and `seclake serve --help` through typer's runner on the real control DB."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import typer
from typer.testing import CliRunner

from seclake.cli import serve, token
from seclake.control import scopes
from seclake.control.tokens import authenticate, list_tokens
from seclake.settings import Settings


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    token.register(app)
    serve.register(app)
    return app


def test_token_create_prints_only_the_token(tmp_path: Path) -> None:
    args = ["token", "create", "--name", "ci", "--scope", scopes.INGEST, "--scope", scopes.QUERY]
    result = CliRunner().invoke(_app(), [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    printed = result.stdout.strip()
    assert "\n" not in printed
    info = authenticate(tmp_path, printed)
    assert info is not None and info.scopes == {scopes.INGEST, scopes.QUERY}


def test_token_list_and_revoke(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("alpha", "beta"):
        runner.invoke(
            _app(), ["token", "create", "--name", name, "--scope", scopes.INGEST, "--data-dir", str(tmp_path)]
        )
    alpha = list_tokens(tmp_path)[0]
    listed = runner.invoke(_app(), ["token", "list", "--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and alpha.id in listed.stdout and "beta" in listed.stdout
    assert runner.invoke(_app(), ["token", "revoke", alpha.id, "--data-dir", str(tmp_path)]).exit_code == 0
    assert list_tokens(tmp_path)[0].revoked
    again = runner.invoke(_app(), ["token", "revoke", alpha.id, "--data-dir", str(tmp_path)])
    assert again.exit_code == 1 and alpha.id in again.stderr


def test_token_create_refuses_unknown_scope(tmp_path: Path) -> None:
    args = ["token", "create", "--name", "x", "--scope", "root", "--data-dir", str(tmp_path)]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 2 and "root" in result.stderr and result.stdout == ""


def test_token_data_dir_from_environment(tmp_path: Path) -> None:
    args = ["token", "create", "--name", "env", "--scope", scopes.INGEST]
    result = CliRunner().invoke(_app(), args, env={"SECLAKE_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0 and [t.name for t in list_tokens(tmp_path)] == ["env"]


def test_serve_help_lists_every_setting_with_its_default() -> None:
    result = CliRunner().invoke(_app(), ["serve", "--help"], env={"COLUMNS": "300", "NO_COLOR": "1"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for f in fields(Settings):
        assert "--" + f.name.replace("_", "-") in text, f.name
        assert f"SECLAKE_{f.name.upper()}" in text, f.name
        assert f"[default: ({f.default})]" in text, f.name
    assert "--demo" in text


def test_serve_flags_override_environment(tmp_path: Path) -> None:
    settings = serve.serve_settings(port=9999, host=None, data_dir=tmp_path)
    assert (settings.port, settings.host, settings.data_dir) == (9999, "127.0.0.1", tmp_path)

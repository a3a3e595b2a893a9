"""`seclake azure function-app` and `seclake forward` argument handling (typer's CliRunner)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
import typer
from typer.testing import CliRunner

from seclake.cli import azure, forward


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`seclake forward` configures structlog on CliRunner's stderr, which closes after each invoke."""
    yield
    structlog.reset_defaults()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    azure.register(app)
    forward.register(app)
    return app


def test_function_app_command_writes_the_app(tmp_path: Path) -> None:
    out = tmp_path / "app"
    result = CliRunner().invoke(
        _app(), ["azure", "function-app", "--out", str(out), "--eventhub-name", "hub-1"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".funcignore", "function_app.py", "host.json", "local.settings.json", "requirements.txt"]
    )
    assert 'event_hub_name="hub-1"' in (out / "function_app.py").read_text()


def test_function_app_command_refuses_a_bad_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["azure", "function-app", "--out", str(tmp_path), "--eventhub-name", "a b"]
    )
    assert result.exit_code == 3
    assert "eventhub_name" in result.output


def test_forward_needs_exactly_one_source(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["forward", "--url", "http://127.0.0.1:9", "--token", "sl0c01.a.b", "--state-dir", str(tmp_path)]
    neither = runner.invoke(_app(), base)
    assert neither.exit_code == 3 and "FILE" in neither.output
    both = runner.invoke(_app(), [*base, str(tmp_path), "--eventhub-connection-string", "Endpoint=sb://x/"])
    assert both.exit_code == 3
    missing = runner.invoke(_app(), [*base, str(tmp_path / "nope")])
    assert missing.exit_code == 3 and "no such file" in missing.output
    no_token = runner.invoke(
        _app(), ["forward", str(tmp_path), "--url", "http://x"], env={"SECLAKE_TOKEN": ""}
    )
    assert no_token.exit_code == 3 and "token" in no_token.output


def test_forward_passes_the_event_hub_options_to_the_receiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EventHubOptions is the one place batch size and wait time are decided; the runner only passes them on
    from seclake.forwarder import eventhubs, runner

    seen: dict[str, Any] = {}

    def fake_forward(config: Any, client: Any, body_of: Any, **kwargs: Any) -> runner.RunResult:
        seen.update(kwargs["receive_options"])
        return runner.RunResult({}, drained=True, interrupted=False)

    monkeypatch.setattr(eventhubs, "build_checkpoint_store", lambda options, state_dir: None)
    monkeypatch.setattr(eventhubs, "build_consumer", lambda options, store: None)
    monkeypatch.setattr(runner, "forward_eventhub", fake_forward)
    defaults = eventhubs.EventHubOptions(connection_string="x")
    result = CliRunner().invoke(
        _app(),
        [
            "forward",
            "--url",
            "http://127.0.0.1:9",
            "--token",
            "sl0c01.a.b",
            "--state-dir",
            str(tmp_path),
            "--eventhub-connection-string",
            "Endpoint=sb://x/",
            "--starting-position",
            "latest",
        ],
    )
    assert result.exit_code == 0, result.output
    assert seen == {
        "starting_position": "@latest",
        "max_batch_size": defaults.max_batch_size,
        "max_wait_time": defaults.max_wait_time,
    }

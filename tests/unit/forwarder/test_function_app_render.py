"""The generated Azure Function app (golden files, the SDK's own view of it) and its handler."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from fwd_helpers import IngestStub, body_of, make_config, tiny_map

from golden_util import GOLDEN_ROOT, assert_golden
from seclake.azure.function_app import TEMPLATES, FunctionAppOptions, render_function_app, write_function_app
from seclake.errors import ConfigError
from seclake.forwarder.config import config_from_env
from seclake.forwarder.deadletter import DeadLetters
from seclake.forwarder.function_handler import (
    DEAD_LETTER_SETTING,
    DEFAULT_GIVE_UP_S,
    PERSISTENT_HOME_SETTINGS,
    function_config,
    handle,
)
from seclake.forwarder.sink import DeliveryRejectedError

GOLDEN = GOLDEN_ROOT / "forwarder" / "function_app"
FIXED = FunctionAppOptions(seclake_requirement="seclake==0.1.0")


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_rendered_files_match_golden(name: str) -> None:
    assert_golden(GOLDEN / name.lstrip("."), render_function_app(FIXED)[name])


def _import_generated(app_dir: Path) -> Any:
    spec = importlib.util.spec_from_file_location("generated_function_app", app_dir / "function_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_functions_sdk_sees_an_event_hub_trigger_with_cardinality_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = FunctionAppOptions(
        eventhub_name="export-hub", consumer_group="seclake", connection_setting="EH_CONN"
    )
    write_function_app(tmp_path, options)
    json.loads((tmp_path / "host.json").read_text())
    local = json.loads((tmp_path / "local.settings.json").read_text())["Values"]
    assert local[DEAD_LETTER_SETTING], "local runs get a (persistent, local) dead-letter directory"
    monkeypatch.setenv("SECLAKE_URL", "http://h:1")
    monkeypatch.setenv("SECLAKE_TOKEN", "sl0c01.x.y")
    monkeypatch.setenv(DEAD_LETTER_SETTING, str(tmp_path / "dead"))
    module = _import_generated(tmp_path)
    assert module.CONFIG.dead_letters == tmp_path / "dead"
    (function,) = module.app.get_functions()
    (binding,) = json.loads(function.get_function_json())["bindings"]
    assert binding == {
        "direction": "IN",
        "type": "eventHubTrigger",
        "name": "events",
        "connection": "EH_CONN",
        "eventHubName": "export-hub",
        "cardinality": "MANY",
        "consumerGroup": "seclake",
    }
    retry = function.get_settings_dict("retry_policy")
    assert retry["strategy"] == "exponential_backoff" and retry["max_retry_count"] == "-1"
    assert (tmp_path / "requirements.txt").read_text().splitlines()[-1].startswith("seclake==")


@pytest.mark.parametrize(
    "bad",
    [
        {"eventhub_name": 'x"; import os'},
        {"connection_setting": "A-B"},
        {"function_name": "9lives"},
        {"seclake_requirement": "a\nb"},
        {"url": "ftp://x"},
        {"max_batch_size": 0},
    ],
)
def test_invalid_options_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad)).split("_")[0]):
        FunctionAppOptions(**bad)


def test_the_generated_app_fails_at_startup_without_a_dead_letter_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_function_app(tmp_path, FIXED)
    monkeypatch.setenv("SECLAKE_URL", "http://h:1")
    monkeypatch.setenv("SECLAKE_TOKEN", "sl0c01.x.y")
    for name in (DEAD_LETTER_SETTING, *PERSISTENT_HOME_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=DEAD_LETTER_SETTING):
        _import_generated(tmp_path)


BASE_ENV = {"SECLAKE_URL": "http://h:1", "SECLAKE_TOKEN": "sl0c01.x.SECRET"}


def test_dead_letters_need_persistent_storage(tmp_path: Path) -> None:
    # never the temp dir: a dead-lettered event is checkpointed past, so ephemeral disk would lose it
    home = tmp_path / "home"
    with pytest.raises(ConfigError, match=f"{DEAD_LETTER_SETTING}.*persistent"):
        function_config(BASE_ENV, home=home)
    share = {**BASE_ENV, "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING": "DefaultEndpointsProtocol=https;..."}
    with pytest.raises(ConfigError, match=DEAD_LETTER_SETTING):
        function_config(share, home=home)  # the share is configured but /home is not there
    with pytest.raises(ConfigError, match=DEAD_LETTER_SETTING):
        function_config({**BASE_ENV, "SECLAKE_FORWARDER_STATE_DIR": str(tmp_path)}, home=home)
    home.mkdir()
    assert function_config(share, home=home).dead_letters == home / "seclake" / "dead-letter"
    app_storage = {**BASE_ENV, "WEBSITES_ENABLE_APP_SERVICE_STORAGE": "true"}
    assert function_config(app_storage, home=home).dead_letters == home / "seclake" / "dead-letter"
    with pytest.raises(ConfigError, match=DEAD_LETTER_SETTING):
        function_config({**BASE_ENV, "WEBSITES_ENABLE_APP_SERVICE_STORAGE": "false"}, home=home)
    explicit = {**share, DEAD_LETTER_SETTING: str(tmp_path / "mnt" / "dl")}
    assert function_config(explicit, home=home).dead_letters == tmp_path / "mnt" / "dl"


def test_config_from_app_settings(tmp_path: Path) -> None:
    env = {
        **BASE_ENV,
        "SECLAKE_FORWARDER_BATCH_MAX_EVENTS": "17",
        DEAD_LETTER_SETTING: str(tmp_path / "dl"),
    }
    config = function_config(env)
    assert config.dead_letters == tmp_path / "dl"
    assert (config.url, config.batch_max_events, config.give_up_after_s) == (
        "http://h:1",
        17,
        DEFAULT_GIVE_UP_S,
    )
    assert config.token == "sl0c01.x.SECRET"
    assert "SECRET" not in repr(config), "the token must not appear in logs or reprs"
    with pytest.raises(ConfigError, match="token"):
        config_from_env({"SECLAKE_URL": "http://h:1"})
    with pytest.raises(ConfigError, match="BATCH_MAX_EVENTS"):
        function_config({**env, "SECLAKE_FORWARDER_BATCH_MAX_EVENTS": "many"})


def _event(ids: list[str], seq: int) -> func.EventHubEvent:
    return func.EventHubEvent(
        body=body_of(ids),
        enqueued_time=datetime(2025, 5, 1, 0, 0, seq, tzinfo=UTC),
        sequence_number=seq,
        offset=str(seq),
    )


def test_handler_delivers_and_dead_letters(ingest_stub: IngestStub, tmp_path: Path) -> None:
    def script(n: int, events: list[dict[str, Any]]) -> Any:
        return (
            (400, {}, b'{"error":{"code":400,"message":"no"}}')
            if any(e["event.id"] == "bad" for e in events)
            else None
        )

    ingest_stub.script = script
    config = make_config(ingest_stub.url, tmp_path, batch_max_events=3)
    events = [_event(["a", "b"], 1), _event(["c", "bad", "d"], 2), func.EventHubEvent(body=b"{not json")]
    summary = handle(events, config=config, map_fn=tiny_map)
    assert sorted(ingest_stub.stored) == ["a", "b", "c", "d"]
    assert ingest_stub.stored["c"]["timestamp"] == "2025-05-01T00:00:02+00:00"
    assert summary["seclake_forwarder_events_dead_lettered_total"] == 1
    reasons = sorted(e.reason for e in DeadLetters(config.dead_letters).entries())
    assert reasons == ["mapping-error", "rejected-400"]
    rejected = next(e for e in DeadLetters(config.dead_letters).entries() if e.reason == "rejected-400")
    assert rejected.meta["sources"] == ["sequence 2 offset 2"]


def test_handler_raises_on_401_so_the_runtime_retries(ingest_stub: IngestStub, tmp_path: Path) -> None:
    config = make_config(ingest_stub.url, tmp_path, token="sl0c01.bad.token")
    with pytest.raises(DeliveryRejectedError, match="401"):
        handle(_event(["a"], 1), config=config, map_fn=tiny_map)
    assert ingest_stub.stored == {}

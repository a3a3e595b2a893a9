"""The Azure Function handler in-process: the SDK's `azure.functions.EventHubEvent` objects built from a
generated export (with their enqueued times), delivered to a real `seclake serve`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from forwarder_support import stored_events

from seclake.errors import DeliveryError
from seclake.forwarder.function_handler import function_config, handle
from seclake.sources.defender import map_body
from seclake.synthetic import generate_export

INVOCATION = 64  # events per trigger invocation (cardinality: many)


def test_handler_delivers_a_generated_export(seclake_server: Any, tmp_path: Path) -> None:
    bodies = list(generate_export(6, 4, now=datetime(2025, 6, 1, tzinfo=UTC)))
    events = [
        func.EventHubEvent(body=b.body, enqueued_time=b.enqueued_time, sequence_number=n, offset=str(n * 512))
        for n, b in enumerate(bodies)
    ]
    expected = {e["event.id"] for b in bodies for e in map_body(b.body, enqueued_time=b.enqueued_time).events}
    env = {
        "SECLAKE_URL": seclake_server.url,
        "SECLAKE_TOKEN": seclake_server.admin_token,
        "SECLAKE_FORWARDER_DEAD_LETTER_DIR": str(tmp_path / "dead-letter"),
        "SECLAKE_FORWARDER_BATCH_MAX_EVENTS": "250",
    }
    config = function_config(env)
    sent = 0
    for start in range(0, len(events), INVOCATION):
        summary = handle(events[start : start + INVOCATION], config=config)
        sent += summary["seclake_forwarder_events_sent_total"]
        assert summary["seclake_forwarder_events_dead_lettered_total"] == 0
    assert sent >= len(expected)
    assert config.dead_letters == tmp_path / "dead-letter"
    assert not (tmp_path / "dead-letter").exists()

    stored = stored_events(seclake_server)
    assert set(stored) == expected
    assert max(stored.values()) == 1


def test_handler_raises_for_a_revoked_token_so_the_runtime_retries(
    seclake_server: Any, tmp_path: Path
) -> None:
    env = {
        "SECLAKE_URL": seclake_server.url,
        "SECLAKE_TOKEN": seclake_server.admin_token[:-4] + "AAAA",
        "SECLAKE_FORWARDER_DEAD_LETTER_DIR": str(tmp_path / "dead-letter"),
    }
    body = next(
        b for b in generate_export(2, 1, now=datetime(2025, 6, 1, tzinfo=UTC)) if map_body(b.body).events
    )
    event = func.EventHubEvent(
        body=body.body, enqueued_time=body.enqueued_time, sequence_number=1, offset="0"
    )
    with pytest.raises(DeliveryError, match="401"):
        handle([event], config=function_config(env))

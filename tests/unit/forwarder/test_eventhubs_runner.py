"""The Event Hubs loop with the SDK's EventData/PartitionContext, a real file checkpoint store and a
fake consumer client (no Event Hubs service can run here; see fake_eventhub.py for the contract it
honors), delivering to a real loopback HTTP server."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fake_eventhub import GROUP, HUB, NAMESPACE, FakeConsumerClient, make_event
from fwd_helpers import IngestStub, body_of, make_config, tiny_map

from seclake.forwarder.checkpoints import FileCheckpointStore
from seclake.forwarder.eventhubs import event_body
from seclake.forwarder.runner import RunResult, StopFlag, forward_eventhub

T0 = datetime(2025, 3, 1, tzinfo=UTC)
PER_PARTITION = 60


def _partitions() -> dict[str, list[Any]]:
    return {
        pid: [
            make_event(body_of([f"p{pid}-{seq}"]), seq, T0 + timedelta(seconds=seq))
            for seq in range(PER_PARTITION)
        ]
        for pid in ("0", "1")
    }


def _checkpoints(store: FileCheckpointStore) -> dict[str, int]:
    return {c["partition_id"]: c["sequence_number"] for c in store.list_checkpoints(NAMESPACE, HUB, GROUP)}


def _run_until(
    stub: IngestStub, tmp_path: Path, client: FakeConsumerClient, done: Any, **config: Any
) -> RunResult:
    flag = StopFlag()

    def watch() -> None:
        deadline = time.monotonic() + 20
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)
        flag.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    result = forward_eventhub(
        make_config(stub.url, tmp_path, batch_max_events=7, **config),
        client,
        event_body,
        map_fn=tiny_map,
        stop=flag,
        receive_options={"starting_position": "-1", "max_batch_size": 16, "max_wait_time": 0.05},
    )
    watcher.join()
    return result


def test_all_partitions_delivered_and_checkpointed(ingest_stub: IngestStub, tmp_path: Path) -> None:
    store = FileCheckpointStore(tmp_path / "checkpoints")
    client = FakeConsumerClient(_partitions(), store)
    result = _run_until(ingest_stub, tmp_path, client, lambda: len(ingest_stub.stored) == 2 * PER_PARTITION)
    assert result.drained
    assert len(ingest_stub.stored) == 2 * PER_PARTITION
    assert _checkpoints(store) == {"0": PER_PARTITION - 1, "1": PER_PARTITION - 1}
    # the enqueued time reached the mapper
    assert ingest_stub.stored["p1-5"]["timestamp"] == (T0 + timedelta(seconds=5)).isoformat()
    assert result.metrics["seclake_forwarder_bodies_received_total"] == 2 * PER_PARTITION


def test_no_checkpoint_moves_past_an_undelivered_event_and_restart_resumes(
    ingest_stub: IngestStub, tmp_path: Path
) -> None:
    # the server takes 5 requests, then is unavailable (503) for the rest of the first run
    ingest_stub.script = lambda n, events: (503, {}, b"unavailable") if n >= 5 else None
    store = FileCheckpointStore(tmp_path / "checkpoints")
    client = FakeConsumerClient(_partitions(), store)
    result = _run_until(
        ingest_stub,
        tmp_path,
        client,
        lambda: ingest_stub.statuses().count(503) >= 3,
        drain_timeout_s=0.3,
    )
    assert not result.drained
    marks = _checkpoints(store)
    assert sum(ingest_stub.statuses()[:5]) == 5 * 202
    assert len(ingest_stub.stored) < 2 * PER_PARTITION
    for pid in ("0", "1"):
        covered = [f"p{pid}-{seq}" for seq in range(marks.get(pid, -1) + 1)]
        assert all(event_id in ingest_stub.stored for event_id in covered), (
            "checkpoint covers an unstored event"
        )
    assert any(marks.values()), "nothing was checkpointed although 5 requests got 202"

    # restart from the stored checkpoints with a healthy server: everything arrives
    ingest_stub.script = None
    client = FakeConsumerClient(_partitions(), store)
    result = _run_until(ingest_stub, tmp_path, client, lambda: len(ingest_stub.stored) == 2 * PER_PARTITION)
    assert result.drained
    assert len(ingest_stub.stored) == 2 * PER_PARTITION
    assert _checkpoints(store) == {"0": PER_PARTITION - 1, "1": PER_PARTITION - 1}
    for pid, mark in marks.items():
        assert all(ingest_stub.deliveries[f"p{pid}-{seq}"] == 1 for seq in range(mark + 1)), (
            "re-read below checkpoint"
        )

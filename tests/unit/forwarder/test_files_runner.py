"""The file source and loop: progress journal, resume, dead letters, fatal answers, SIGTERM-like stop."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from fwd_helpers import IngestStub, body_of, make_config, tiny_map

from seclake.errors import InputError
from seclake.forwarder.deadletter import DeadLetters
from seclake.forwarder.files import expand_inputs, iter_file_bodies
from seclake.forwarder.runner import PROGRESS_FILE, StopFlag, forward_files
from seclake.forwarder.sink import DeliveryRejectedError


def _export(root: Path, files: int = 12, per_file: int = 5) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    ids = []
    for f in range(files):
        names = [f"f{f}-{i}" for i in range(per_file)]
        ids += names
        (root / f"{f:04d}.json").write_bytes(body_of(names))
    lines = [body_of([f"n{j}-a", f"n{j}-b"]).decode() for j in range(3)]
    (root / "more.ndjson").write_text("\n".join(lines) + "\n\n")
    ids += [f"n{j}-{s}" for j in range(3) for s in "ab"]
    # the generator's manifest: not a body, but it knows the Event Hub enqueued times
    (root / "manifest.json").write_text(
        '{"bodies": 999, "enqueued_times": {"0001.json": "2025-02-03T04:05:06.789Z"}}'
    )
    (root / ".hidden").write_text("not a body")
    return ids


def test_expand_inputs_walks_dirs_in_order_and_rejects_missing(tmp_path: Path) -> None:
    _export(tmp_path / "x", files=3)
    files = expand_inputs([str(tmp_path / "x"), "-"])
    assert [Path(f).name for f in files[:-1]] == ["0000.json", "0001.json", "0002.json", "more.ndjson"]
    assert files[-1] == "-"
    with pytest.raises(InputError, match="nope"):
        expand_inputs([str(tmp_path / "nope")])
    bodies = list(iter_file_bodies(["-"], stdin=lambda: b'[{"id":"s1"}]\n\n[{"id":"s2"}]\n'))
    assert [b.source for b in bodies] == ["stdin#0", "stdin#1"]
    assert all(b.key is None for b in bodies)


def test_forwards_everything_once_and_resumes_from_the_journal(
    ingest_stub: IngestStub, tmp_path: Path
) -> None:
    ids = _export(tmp_path / "export")
    config = make_config(ingest_stub.url, tmp_path, batch_max_events=8)
    result = forward_files(config, [str(tmp_path / "export")], map_fn=tiny_map)
    assert result.drained and not result.interrupted
    assert sorted(ingest_stub.stored) == sorted(ids)
    assert all(n == 1 for n in ingest_stub.deliveries.values())
    assert all(len(r.events) <= 8 for r in ingest_stub.requests)
    assert result.metrics["seclake_forwarder_bodies_received_total"] == 15
    assert ingest_stub.stored["f1-0"]["timestamp"] == "2025-02-03T04:05:06.789000+00:00"
    assert "timestamp" not in ingest_stub.stored["f0-0"]
    assert result.metrics["seclake_forwarder_events_sent_total"] == len(ids)
    journal = (config.state_dir / PROGRESS_FILE).read_text().splitlines()
    assert len(journal) == 15

    requests_before = len(ingest_stub.requests)
    again = forward_files(config, [str(tmp_path / "export")], map_fn=tiny_map)
    assert len(ingest_stub.requests) == requests_before, "delivered bodies were sent again"
    assert again.metrics["seclake_forwarder_bodies_already_done_total"] == 15


def test_bad_bodies_and_rejected_events_go_to_dead_letters_and_the_rest_flows(
    ingest_stub: IngestStub, tmp_path: Path
) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.json").write_bytes(body_of(["a1", "a2"]))
    (root / "b.json").write_bytes(b'[{"id": "b1"},')  # invalid JSON
    (root / "c.json").write_bytes(
        b'[{"id": "c1"}, {"bad": true}, {"skip": true}, {"id": "poison"}, {"id": "c2"}]'
    )

    def script(n: int, events: list[dict[str, Any]]) -> Any:
        if any(e["event.id"] == "poison" for e in events):
            return 400, {}, b'{"error":{"code":400,"message":"element 0 rejected"}}'
        return None

    ingest_stub.script = script
    config = make_config(ingest_stub.url, tmp_path)
    result = forward_files(config, [str(root)], map_fn=tiny_map)
    assert result.drained
    assert sorted(ingest_stub.stored) == ["a1", "a2", "c1", "c2"]
    entries = {e.reason: e for e in DeadLetters(config.dead_letters).entries()}
    assert set(entries) == {"mapping-error", "rejected-400"}
    rejected = entries["rejected-400"]
    assert rejected.meta["status"] == 400
    assert rejected.meta["answer"]["error"]["message"] == "element 0 rejected"
    assert rejected.payload == b'[{"event.id":"poison","pad":""}]'
    assert rejected.meta["sources"] == [str((root / "c.json").resolve()) + "#0"]
    mapping = [e for e in DeadLetters(config.dead_letters).entries() if e.reason == "mapping-error"]
    assert sorted(e.meta["source"].rsplit("/", 1)[1] for e in mapping) == ["b.json#0", "c.json#0"]
    assert any(e.payload == b'[{"id": "b1"},' for e in mapping), "the original body is kept verbatim"
    summary = result.metrics
    assert summary["seclake_forwarder_events_dead_lettered_total"] == 1
    assert summary["seclake_forwarder_bodies_dead_lettered_total"] == 2
    assert summary['seclake_forwarder_records_skipped_total{reason="unsupported"}'] == 1
    # every body counts as handled: nothing is read again
    assert len((config.state_dir / PROGRESS_FILE).read_text().splitlines()) == 3


def test_a_401_stops_with_nothing_checkpointed(ingest_stub: IngestStub, tmp_path: Path) -> None:
    _export(tmp_path / "export", files=4)
    config = make_config(ingest_stub.url, tmp_path, token="sl0c01.revoked.token")
    with pytest.raises(DeliveryRejectedError, match="401"):
        forward_files(config, [str(tmp_path / "export")], map_fn=tiny_map)
    assert (config.state_dir / PROGRESS_FILE).read_text() == ""
    assert not list(config.dead_letters.glob("*")) if config.dead_letters.exists() else True


def test_a_200_from_something_else_stops_with_nothing_checkpointed(
    ingest_stub: IngestStub, tmp_path: Path
) -> None:
    _export(tmp_path / "export", files=4)
    ingest_stub.script = lambda n, events: (200, {}, b"<html>login</html>")
    config = make_config(ingest_stub.url, tmp_path)
    with pytest.raises(DeliveryRejectedError, match="200"):
        forward_files(config, [str(tmp_path / "export")], map_fn=tiny_map)
    assert (config.state_dir / PROGRESS_FILE).read_text() == "", "a 200 must not move the checkpoint"
    assert not config.dead_letters.exists(), "nor dead-letter anything"


def test_stop_while_the_server_is_down_checkpoints_only_what_arrived(
    ingest_stub: IngestStub, tmp_path: Path
) -> None:
    _export(tmp_path / "export", files=10)
    accepted = threading.Event()

    def script(n: int, events: list[dict[str, Any]]) -> Any:
        if n == 0:
            accepted.set()
            return None
        return 503, {"Retry-After": "0.05"}, b""

    ingest_stub.script = script
    flag = StopFlag()
    threading.Thread(target=lambda: (accepted.wait(5), flag.set()), daemon=True).start()
    config = make_config(ingest_stub.url, tmp_path, batch_max_events=5, drain_timeout_s=0.3)
    result = forward_files(config, [str(tmp_path / "export")], map_fn=tiny_map, stop=flag)
    assert not result.drained
    journal = (config.state_dir / PROGRESS_FILE).read_text().splitlines()
    assert len(journal) == 1, "only the body whose events got 202 may be checkpointed"
    (name, _, _) = json.loads(journal[0])
    file_no = int(Path(name).stem)
    assert sorted(ingest_stub.stored) == [f"f{file_no}-{i}" for i in range(5)], (
        "journal names the stored body"
    )

"""The file CheckpointStore (the SDK's interface) and the file progress journal."""

from __future__ import annotations

from pathlib import Path

from azure.eventhub import CheckpointStore

from seclake.forwarder.checkpoints import FileCheckpointStore, FileProgress

NS, HUB, GROUP = "ns.servicebus.windows.net", "defender", "$Default"


def _ownership(partition: str, owner: str, etag: str | None = None) -> dict[str, object]:
    record: dict[str, object] = {
        "fully_qualified_namespace": NS,
        "eventhub_name": HUB,
        "consumer_group": GROUP,
        "partition_id": partition,
        "owner_id": owner,
    }
    if etag is not None:
        record["etag"] = etag
    return record


def test_claims_compare_etags_across_store_instances(tmp_path: Path) -> None:
    first, second = FileCheckpointStore(tmp_path), FileCheckpointStore(tmp_path)  # as two processes would
    assert isinstance(first, CheckpointStore)
    claimed = list(first.claim_ownership([_ownership("0", "A"), _ownership("1", "A")]))
    assert [c["partition_id"] for c in claimed] == ["0", "1"]
    assert all(isinstance(c["last_modified_time"], float) and c["etag"] for c in claimed)
    # B claims partition 1 with a stale etag (none): refused; with the current etag: granted
    assert list(second.claim_ownership([_ownership("1", "B")])) == []
    etag = next(c["etag"] for c in claimed if c["partition_id"] == "1")
    won = list(second.claim_ownership([_ownership("1", "B", etag)]))
    assert [w["owner_id"] for w in won] == ["B"]
    # A's old etag is now stale
    assert list(first.claim_ownership([_ownership("1", "A", etag)])) == []
    owners = {o["partition_id"]: o["owner_id"] for o in first.list_ownership(NS, HUB, GROUP)}
    assert owners == {"0": "A", "1": "B"}
    assert list(first.list_ownership(NS, HUB, "other-group")) == []


def test_checkpoints_are_replaced_and_listed(tmp_path: Path) -> None:
    store = FileCheckpointStore(tmp_path)
    for seq in (3, 9):
        store.update_checkpoint(
            {
                "fully_qualified_namespace": NS,
                "eventhub_name": HUB,
                "consumer_group": GROUP,
                "partition_id": "0",
                "sequence_number": seq,
                "offset": str(seq * 100),
            }
        )
    listed = list(FileCheckpointStore(tmp_path).list_checkpoints(NS, HUB, GROUP))
    assert [(c["partition_id"], c["sequence_number"], c["offset"]) for c in listed] == [("0", 9, "900")]
    assert not list(tmp_path.rglob("*.tmp")), "temp files left behind"


def test_progress_journal_survives_a_cut_line(tmp_path: Path) -> None:
    path = tmp_path / "progress.jsonl"
    progress = FileProgress(path)
    progress.mark_done("/a.json", 10, 0)
    progress.mark_done("/a.json", 10, 0)
    progress.mark_done("/b.ndjson", 99, 3)
    # written through at once, before close (a SIGKILL keeps it)
    assert path.read_bytes().count(b"\n") == 2
    with open(path, "ab") as handle:
        handle.write(b'["/c.json", 5')  # a write cut short by a kill
    reread = FileProgress(path)
    assert reread.is_done("/a.json", 10, 0)
    assert reread.is_done("/b.ndjson", 99, 3)
    assert not reread.is_done("/a.json", 11, 0), "a changed file is read again"
    assert len(reread) == 2
    reread.mark_done("/d.json", 1, 0)
    reread.close()
    again = FileProgress(path)
    assert again.is_done("/d.json", 1, 0), "a record after a cut line was lost"
    again.close()
    progress.close()

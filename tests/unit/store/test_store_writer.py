"""The writer thread on its own: bounded queue, group commit, per-batch retry, futures."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from seclake.errors import OverloadedError, StorageError
from seclake.store.writer import Batch, Writer


class Recorder:
    """A commit function that records its groups and fails for payloads named 'bad'."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []

    def __call__(self, group: Sequence[Batch[str]]) -> None:
        names = [b.payload for b in group]
        self.groups.append(names)
        if "bad" in names:
            raise RuntimeError("disk on fire")


def test_queued_batches_are_committed_as_one_group_up_to_the_group_limit() -> None:
    rec = Recorder()
    w: Writer[str] = Writer(rec, max_queue_events=100, max_group_events=10)
    with w.hold():
        futures = [w.submit(f"b{i}", 4) for i in range(5)]
        assert w.queue_depth() == 20
        assert not any(f.done() for f in futures)
    for f in futures:
        assert f.result(timeout=5) is None
    w.close()
    assert rec.groups == [["b0", "b1"], ["b2", "b3"], ["b4"]]
    assert w.queue_depth() == 0


def test_full_queue_refuses_at_once_with_retry_after_and_frees_up_after_commit() -> None:
    w: Writer[str] = Writer(Recorder(), max_queue_events=10, max_group_events=10)
    with w.hold():
        first = w.submit("a", 6)
        w.submit("b", 4)
        with pytest.raises(OverloadedError, match=r"10 events waiting, limit 10") as info:
            w.submit("c", 1)
        assert info.value.retry_after >= 1.0
    first.result(timeout=5)
    w.submit("c", 1).result(timeout=5)  # room again once committed
    w.close()


def test_a_batch_larger_than_the_queue_is_accepted_when_the_queue_is_empty() -> None:
    w: Writer[str] = Writer(Recorder(), max_queue_events=5, max_group_events=5)
    w.submit("huge", 50).result(timeout=5)
    w.close()


def test_a_failing_group_is_retried_batch_by_batch_so_only_the_bad_batch_fails() -> None:
    rec = Recorder()
    w: Writer[str] = Writer(rec, max_queue_events=100, max_group_events=100)
    with w.hold():
        good1, bad, good2 = (w.submit(n, 1) for n in ("g1", "bad", "g2"))
    assert good1.result(timeout=5) is None
    assert good2.result(timeout=5) is None
    with pytest.raises(StorageError, match="disk on fire"):
        bad.result(timeout=5)
    assert rec.groups[0] == ["g1", "bad", "g2"]
    assert sorted(map(tuple, rec.groups[1:])) == [("bad",), ("g1",), ("g2",)]
    w.close()


def test_tasks_run_on_the_writer_thread_and_close_drains_then_refuses() -> None:
    w: Writer[str] = Writer(Recorder(), max_queue_events=100, max_group_events=100)
    names = w.run(lambda: threading.current_thread().name).result(timeout=5)
    assert names == "seclake-writer"
    with w.hold():
        pending = w.submit("last", 1)
        w.close(timeout_s=5)  # closing releases the hold's effect: queued work is committed
    assert pending.result(timeout=5) is None
    assert not w.alive()
    with pytest.raises(StorageError, match="closed"):
        w.submit("late", 1)

"""Acknowledgement tracking and ordered checkpoint progress."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from seclake.forwarder.tracking import AckTracker, OrderedProgress


def test_a_body_is_done_when_all_its_events_are_answered() -> None:
    done: list[str] = []
    tracker = AckTracker()
    a = tracker.register("a", 3, lambda: done.append("a"))
    b = tracker.register("b", 1, lambda: done.append("b"))
    tracker.register("empty", 0, lambda: done.append("empty"))
    assert done == ["empty"]
    assert tracker.sources([a, b]) == ["a", "b"]
    tracker.ack([a, a, b])
    assert done == ["empty", "b"]
    assert tracker.outstanding() == 1
    tracker.ack([a])
    assert done == ["empty", "b", "a"]
    assert tracker.outstanding() == 0


@settings(max_examples=200, deadline=None)
@given(order=st.permutations(list(range(12))))
def test_checkpoints_only_cover_finished_prefixes(order: list[int]) -> None:
    commits: list[int] = []
    progress: OrderedProgress[int] = OrderedProgress(commits.append)
    positions = [progress.add(seq) for seq in range(12)]
    finished: set[int] = set()
    for position in order:
        progress.done(positions[position])
        finished.add(position)
        if commits:
            assert all(p in finished for p in range(commits[-1] + 1)), "checkpoint moved past an open event"
    assert commits[-1] == 11
    assert commits == sorted(commits), "checkpoint moved backwards"
    assert progress.pending() == 0

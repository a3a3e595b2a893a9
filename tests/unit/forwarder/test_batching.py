"""Batching by count and bytes (pure), property-tested."""

from __future__ import annotations

import itertools

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seclake.forwarder.batching import Batch, Batcher, batches, encode_all

sizes = st.lists(st.integers(min_value=0, max_value=300), max_size=200)


@settings(max_examples=200, deadline=None)
@given(sizes=sizes, max_events=st.integers(1, 20), max_bytes=st.integers(40, 2_000))
def test_batches_keep_every_event_in_order_within_limits(
    sizes: list[int], max_events: int, max_bytes: int
) -> None:
    events = [{"event.id": f"e{i}", "pad": "x" * n} for i, n in enumerate(sizes)]
    items = [(orjson.dumps(e), i) for i, e in enumerate(events)]
    out = list(batches(items, max_events, max_bytes))
    flat = [event for batch in out for event in orjson.loads(batch.body())]
    assert flat == events
    assert [o for batch in out for o in batch.owners] == list(range(len(events)))
    for batch in out:
        assert 1 <= len(batch) <= max_events
        assert batch.body_size() == len(batch.body())
        if len(batch) > 1:
            assert batch.body_size() <= max_bytes
    # greedy: a batch closed early only because the next event would not fit
    for first, second in itertools.pairwise(out):
        next_size = len(second.events[0])
        assert (
            len(first) == max_events
            or first.body_size() + next_size + 1 > max_bytes
            or first.body_size() >= max_bytes
        )


def test_an_event_bigger_than_the_limit_travels_alone() -> None:
    batcher = Batcher(max_events=10, max_bytes=100)
    assert batcher.add(b'{"a":1}', 0) == []
    done = batcher.add(b'{"big":"' + b"x" * 200 + b'"}', 1)
    assert [len(b) for b in done] == [1, 1]
    assert done[1].owners == [1]
    assert batcher.flush() is None


def test_split_halves_keep_owners() -> None:
    batch = Batch()
    for encoded, owner in encode_all([{"n": i} for i in range(5)], 7):
        batch.append(encoded, owner)
    first, second = batch.split()
    assert orjson.loads(first.body()) + orjson.loads(second.body()) == [{"n": i} for i in range(5)]
    assert first.owners + second.owners == [7] * 5
    assert first.nbytes + second.nbytes == batch.nbytes
    with pytest.raises(ValueError, match="fewer than two"):
        first.split()[0].split()

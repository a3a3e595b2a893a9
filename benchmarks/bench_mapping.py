"""Defender mapping throughput: `map_body` over a synthetic continuous export, next to bare `orjson.loads`.

Both run over the same Event Hub bodies in the same process (single core, decode included in both), so
the ratio `mapping / orjson.loads` (records per second) is comparable across machines; the target is
>= 0.5. Figures are process CPU time, the best of several rounds (the works take turns in each round),
and the ratio is that of the best rounds. The median of the rounds' own ratios is printed beside it
as a noise gauge: on a loaded machine the two differ, and the best rounds are the closer estimate of
the code's own cost. The memos are warm after the first pass, as in a long-running forwarder; the
cold first pass over the export is printed too.
Run: `.venv/bin/python -m benchmarks mapping` (or `-m benchmarks.bench_mapping`).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence

import orjson

from seclake.sources.defender import map_body
from seclake.sources.defender.fastpath import clear_memos
from seclake.synthetic import generate_export

IMAGES = 60
SEED = 7
ROUNDS = 11
TARGET_RATIO = 0.5


def round_seconds(works: dict[str, Callable[[], object]], rounds: int = ROUNDS) -> list[dict[str, float]]:
    """CPU seconds of this process for each work, per round (the works take turns within a round).

    CPU time (not wall time) is measured so the figures compare fairly even when other processes share
    the machine; garbage collection is paused while timing.
    """
    timings = []
    for _ in range(rounds):
        timing = {}
        for name, work in works.items():
            gc.collect()
            gc.disable()
            try:
                started = time.process_time()
                work()
                timing[name] = time.process_time() - started
            finally:
                gc.enable()
        timings.append(timing)
    return timings


def best_seconds(works: dict[str, Callable[[], object]], rounds: int = ROUNDS) -> dict[str, float]:
    """The fastest of `rounds` runs of each work, in CPU seconds of this process."""
    timings = round_seconds(works, rounds)
    return {name: min(t[name] for t in timings) for name in works}


def measure(bodies: Sequence[bytes]) -> dict[str, float]:
    """Records/s of bare decoding and of mapping (decode included), events/s, and their ratio."""
    results = [map_body(b) for b in bodies]
    records = sum(r.records for r in results)
    events = sum(len(r.events) for r in results)
    clear_memos()
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        [map_body(b) for b in bodies]
        cold = time.process_time() - started
    finally:
        gc.enable()
    timings = round_seconds(
        {
            "loads": lambda: [orjson.loads(b.removeprefix(b"\xef\xbb\xbf")) for b in bodies],
            "map": lambda: [map_body(b) for b in bodies],
        }
    )
    seconds = {name: min(t[name] for t in timings) for name in ("loads", "map")}
    return {
        "bodies": len(bodies),
        "records": records,
        "events": events,
        "megabytes": sum(len(b) for b in bodies) / 1e6,
        "loads_records_per_s": records / seconds["loads"],
        "map_records_per_s": records / seconds["map"],
        "map_events_per_s": events / seconds["map"],
        "map_cold_records_per_s": records / cold,
        "ratio": seconds["loads"] / seconds["map"],
        "ratio_median": statistics.median(t["loads"] / t["map"] for t in timings),
    }


def main() -> None:
    bodies = [g.body for g in generate_export(IMAGES, SEED)]
    m = measure(bodies)
    print(
        f"input: {m['bodies']:.0f} bodies, {m['records']:.0f} records, {m['megabytes']:.1f} MB "
        f"(synthetic export, {IMAGES} images, seed {SEED}) -> {m['events']:.0f} events"
    )
    print(f"orjson.loads         {m['loads_records_per_s']:>12,.0f} records/s")
    print(
        f"map_body             {m['map_records_per_s']:>12,.0f} records/s  ({m['map_events_per_s']:,.0f} events/s)"
    )
    verdict = "ok" if m["ratio"] >= TARGET_RATIO else "BELOW TARGET"
    print(f"map_body, cold memos {m['map_cold_records_per_s']:>12,.0f} records/s  (first pass)")
    print(
        f"ratio map/loads      {m['ratio']:>12.2f}  (target >= {TARGET_RATIO}: {verdict}; "
        f"median of {ROUNDS} paired rounds {m['ratio_median']:.2f})"
    )


if __name__ == "__main__":
    main()

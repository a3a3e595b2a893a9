"""DQL compile time: `compile_query` on every example of docs/dql.md, next to a pure-Python reference loop.

Prints, per example, the median compile time in milliseconds (wall clock and this thread's CPU time)
and the ratio to the median of a fixed pure-Python loop measured in the same run, rounds interleaved,
so the ratio stays comparable when the machine is loaded or slower. Target: under 5 ms per example on an
unloaded machine (a ratio below ~5 ms / the reference loop's unloaded time). Garbage collection stays on,
as in the server. Run: `.venv/bin/python -m benchmarks dql_compile`.
"""

from __future__ import annotations

import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from seclake.dql import compile_query
from seclake.dql.compiler import clear_parse_cache
from seclake.dql.sqlbuild import Dialect

CASES_FILE = Path(__file__).resolve().parents[1] / "tests" / "golden" / "dql" / "cases.toml"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ROUNDS = 60
TARGET_MS = 5.0


def doc_examples() -> dict[str, str]:
    """name -> text of the golden cases that are docs/dql.md's examples (verbatim)."""
    data = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    return {c["name"]: c["query"] for c in data["case"] if c["name"].startswith("doc_")}


def reference_loop() -> int:
    """A fixed pure-Python workload (dicts, strings, calls) standing in for 'this machine, right now'."""
    seen: dict[str, int] = {}
    for i in range(2000):
        key = f"k{i % 97}"
        seen[key] = seen.get(key, 0) + len(key)
    return sum(seen.values())


def medians(works: dict[str, Callable[[], object]], rounds: int = ROUNDS) -> dict[str, tuple[float, float]]:
    """name -> (median wall ms, median thread-CPU ms); works take turns within each round."""
    wall: dict[str, list[float]] = {n: [] for n in works}
    cpu: dict[str, list[float]] = {n: [] for n in works}
    for _ in range(rounds):
        for name, work in works.items():
            w0, c0 = time.perf_counter(), time.thread_time()
            work()
            cpu[name].append((time.thread_time() - c0) * 1000)
            wall[name].append((time.perf_counter() - w0) * 1000)
    return {n: (statistics.median(wall[n]), statistics.median(cpu[n])) for n in works}


def compile_work(text: str, dialect: Dialect, *, cold: bool) -> Callable[[], object]:
    """One compile; `cold`: with the parse cache emptied first (a text never seen before)."""

    def work() -> object:
        if cold:
            clear_parse_cache()
        return compile_query(
            text, dialect=dialect, now=NOW, default_from=NOW - timedelta(hours=2), default_to=NOW
        )

    return work


def main() -> None:
    examples = doc_examples()
    for dialect in ("duckdb", "clickhouse"):
        works: dict[str, Callable[[], object]] = {"reference loop": reference_loop}
        for name, text in examples.items():
            works[name] = compile_work(text, dialect, cold=True)
            works[name + " (parse cached)"] = compile_work(text, dialect, cold=False)
        for work in works.values():  # warm the dialect tables and parsed types
            work()
        result = medians(works)
        ref_wall, ref_cpu = result.pop("reference loop")
        print(f"dialect {dialect}: reference loop median {ref_wall:.3f} ms wall, {ref_cpu:.3f} ms cpu")
        print(f"  {'example':48} {'wall ms':>8} {'cpu ms':>8} {'x ref':>7}")
        for name, (w, c) in result.items():
            print(f"  {name:48} {w:8.2f} {c:8.2f} {c / ref_cpu:7.1f}")
        worst = max(c for n, (_, c) in result.items() if "cached" not in n)
        verdict = "within" if worst < TARGET_MS else "above"
        print(
            f"  slowest uncached {worst:.2f} ms cpu: {verdict} the {TARGET_MS:g} ms target on this machine now"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Run the benchmarks: every `benchmarks/bench_*.py` module's `main()`, in name order, each under a header.

python -m benchmarks                 all of them
python -m benchmarks mapping store   only bench_mapping and bench_store (with or without `bench_`)
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def available() -> list[str]:
    """Names of the benchmark modules, without the `bench_` prefix, sorted."""
    here = Path(__file__).parent
    return sorted(p.stem.removeprefix("bench_") for p in here.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    names = available()
    wanted = [a.removeprefix("bench_").removesuffix(".py") for a in (sys.argv[1:] if argv is None else argv)]
    unknown = [w for w in wanted if w not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in wanted or names:
        print(f"\n=== bench_{name} ===", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"benchmarks.bench_{name}").main()
        print(f"--- bench_{name}: {time.perf_counter() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The file source: Event Hub bodies from files, directories or stdin (backfill and tests).

A file holds one body, except `*.ndjson` / `*.jsonl` files and stdin, which hold one body per line.
Directories are walked recursively in name order, skipping hidden files and the generator's
`manifest.json`; when a file's directory has such a manifest with `enqueued_times` (file name → RFC 3339),
the body gets that Event Hub enqueued time, as it would from Event Hubs. Bodies already recorded in the
progress journal are not read again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import orjson

from seclake.errors import InputError
from seclake.forwarder.checkpoints import FileProgress

__all__ = ["STDIN", "SourceBody", "expand_inputs", "iter_file_bodies", "total_bytes"]

STDIN = "-"
LINE_SUFFIXES = frozenset({".ndjson", ".jsonl"})
SKIPPED_NAMES = frozenset({"manifest.json"})


@dataclass(frozen=True, slots=True)
class SourceBody:
    """One Event Hub body and where it came from."""

    data: bytes
    source: str
    enqueued_time: datetime | None = None
    key: tuple[str, int, int] | None = None  # progress-journal key; None when it cannot be replayed


def expand_inputs(inputs: Sequence[str]) -> list[str]:
    """Files in order: directories expanded recursively; "-" is stdin. Raises InputError for a bad path."""
    out: list[str] = []
    for item in inputs:
        if item == STDIN:
            out.append(STDIN)
            continue
        path = Path(item)
        if path.is_dir():
            out.extend(
                str(p.resolve())
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.name not in SKIPPED_NAMES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            out.append(str(path.resolve()))
        else:
            raise InputError(f"input {item!r}: no such file or directory")
    return out


def total_bytes(files: Sequence[str]) -> int:
    """Bytes to read (stdin counts as 0), for a progress bar."""
    return sum(Path(f).stat().st_size for f in files if f != STDIN)


@lru_cache(maxsize=64)
def manifest_times(directory: str) -> dict[str, datetime]:
    """File name → enqueued time from `<directory>/manifest.json` (empty when absent or unreadable)."""
    path = Path(directory) / "manifest.json"
    try:
        raw = orjson.loads(path.read_bytes()).get("enqueued_times") or {}
        return {
            str(name): datetime.fromisoformat(str(when).replace("Z", "+00:00")) for name, when in raw.items()
        }
    except (OSError, orjson.JSONDecodeError, AttributeError, ValueError):
        return {}


def _lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    index = 0
    for line in data.splitlines():
        if line.strip():
            yield index, line
            index += 1


def iter_file_bodies(
    files: Sequence[str],
    progress: FileProgress | None = None,
    *,
    on_skip: Callable[[int], None] | None = None,
    on_file: Callable[[int], None] | None = None,
    stdin: Callable[[], bytes] | None = None,
) -> Iterator[SourceBody]:
    """Bodies of the files in order; `on_skip(n)` for bodies the journal covers, `on_file(bytes)` per file."""
    for name in files:
        if name == STDIN:
            data = (stdin or sys.stdin.buffer.read)()
            for index, line in _lines(data):
                yield SourceBody(line, f"stdin#{index}")
            continue
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"input {name}: {exc.strerror or exc}") from exc
        size = len(data)
        enqueued = manifest_times(str(path.parent)).get(path.name)
        items = _lines(data) if path.suffix.lower() in LINE_SUFFIXES else iter([(0, data)])
        for index, body in items:
            if progress is not None and progress.is_done(name, size, index):
                if on_skip is not None:
                    on_skip(1)
                continue
            yield SourceBody(body, f"{name}#{index}", enqueued, (name, size, index))
        if on_file is not None:
            on_file(size)

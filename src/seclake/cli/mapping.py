"""`seclake map [FILE ...]`: Defender export messages → security events as NDJSON on stdout.

Each FILE (or stdin when none is given, or `-`) holds one Event Hub body, or NDJSON with one body per
line. Events go to stdout, one JSON object per line; a summary (records, events, skipped by reason,
errors with file, line, record index and JSON path) goes to stderr. Exit status: 0 when every input
was readable JSON (bad records are reported, not fatal), 2 when a file cannot be read or is not JSON.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, BinaryIO

import orjson
import typer

from seclake.errors import InputError, MappingError
from seclake.sources.defender import MapResult, decode_body, map_records

__all__ = ["Totals", "iter_bodies", "map_command", "register"]

EXIT_UNREADABLE = 2
MAX_ERRORS_SHOWN = 20


def iter_bodies(data: bytes, name: str) -> Iterator[tuple[str, list[object] | MappingError]]:
    """`(where, records or error)` per body in `data`: the whole file, else one body per NDJSON line.

    Raises InputError when the data is neither one JSON document nor JSON lines.
    """
    try:
        yield name, decode_body(data)
        return
    except MappingError as whole:
        if whole.reason.startswith("body must be"):  # JSON, but not an array or object
            yield name, whole
            return
        first_error: MappingError = whole
    lines = [(n, line) for n, line in enumerate(data.splitlines(), 1) if line.strip()]
    if len(lines) < 2:
        raise InputError(f"{name}: not JSON ({first_error.reason.removeprefix('body is not valid JSON: ')})")
    parsed: list[tuple[str, list[object] | MappingError]] = []
    for number, line in lines:
        try:
            parsed.append((f"{name}:{number}", decode_body(line)))
        except MappingError as exc:
            if exc.reason.startswith("body must be"):
                parsed.append((f"{name}:{number}", exc))
                continue
            raise InputError(f"{name}: line {number} is not JSON ({exc.reason})") from None
    yield from parsed


def _read(path: Path | None) -> tuple[bytes, str]:
    if path is None or str(path) == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    try:
        return path.read_bytes(), str(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _write(out: BinaryIO, result: MapResult) -> None:
    if result.events:
        out.write(b"\n".join(orjson.dumps(e) for e in result.events) + b"\n")


@dataclass(slots=True)
class Totals:
    """What `seclake map` reports on stderr (counts only: events are streamed, never kept)."""

    bodies: int = 0
    records: int = 0
    events: Counter[str] = field(default_factory=Counter)  # event.type → count
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, MappingError]] = field(default_factory=list)  # (file[:line], error)

    def add(self, place: str, result: MapResult) -> None:
        self.bodies += 1
        self.records += result.records
        self.events.update(str(e.get("event.type")) for e in result.events)
        self.skipped.update(result.skipped)
        self.errors += [(place, error) for error in result.errors]

    def summary_lines(self) -> list[str]:
        """Counts by event type and skip reason, then the first errors with their place."""
        types = ", ".join(f"{k}: {v}" for k, v in sorted(self.events.items())) or "none"
        skipped = ", ".join(f"{k}: {v}" for k, v in sorted(self.skipped.items())) or "none"
        lines = [
            f"bodies: {self.bodies}, records: {self.records}",
            f"mapped: {self.events.total()} events ({types})",
            f"skipped: {self.skipped.total()} records ({skipped})",
            f"errors: {len(self.errors)}",
        ]
        lines += [f"  {place}: {error}" for place, error in self.errors[:MAX_ERRORS_SHOWN]]
        if len(self.errors) > MAX_ERRORS_SHOWN:
            lines.append(f"  … and {len(self.errors) - MAX_ERRORS_SHOWN} more")
        return lines


def map_command(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Files with Event Hub bodies (JSON or NDJSON); stdin when none."),
    ] = None,
) -> None:
    """Map Defender for Cloud continuous-export messages to security events (NDJSON on stdout)."""
    totals, failed = Totals(), False
    out = sys.stdout.buffer
    inputs: list[Path | None] = list(files) if files else [None]
    for path in inputs:
        try:
            data, name = _read(path)
            batches = list(iter_bodies(data, name))
        except InputError as exc:
            typer.echo(f"seclake map: {exc}", err=True)
            failed = True
            continue
        for place, records in batches:
            result = (
                MapResult(errors=[records]) if isinstance(records, MappingError) else map_records(records)
            )
            _write(out, result)
            totals.add(place, result)
    out.flush()
    for line in totals.summary_lines():
        typer.echo(line, err=True)
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


def register(app: typer.Typer) -> None:
    """Add `seclake map` to the CLI."""
    app.command("map")(map_command)

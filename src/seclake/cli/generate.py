"""`seclake generate [--images N] [--seed S] [--out DIR] [--now T]`: a synthetic Defender export.

Writes one file per Event Hub body (`<seq>.json`, in delivery order) and `manifest.json` (the ground
truth: counts by record kind, open / resolved findings, images, enqueued time per body), then prints a
summary table. Same seed and `--now` give byte-identical files.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seclake.synthetic import ExportStats, write_export

__all__ = ["generate_command", "register", "stats_table"]


def stats_table(stats: ExportStats, out: Path, seconds: float) -> Table:
    """The summary `seclake generate` prints: what was written and the ground truth it encodes."""
    table = Table(title=f"Synthetic Defender export → {out}", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows: list[tuple[str, object]] = [
        ("window", f"{stats.window_start} → {stats.now}"),
        ("images (scanned / unscanned / running)", f"{stats.images_scanned} / {stats.images_unscanned} / {stats.images_running}"),
        ("registries / repositories", f"{sum(stats.registries.values())} / {stats.repositories}"),
        ("bodies (array / object / records, BOM)",
         f"{stats.bodies} ({stats.bodies_by_shape.get('array', 0)} / {stats.bodies_by_shape.get('object', 0)}"
         f" / {stats.bodies_by_shape.get('records', 0)}, {stats.bodies_with_bom})"),
        ("records (redelivered)", f"{stats.records} ({stats.redelivered_records})"),
        *((f"  {kind}", n) for kind, n in sorted(stats.records_by_kind.items())),
        ("distinct findings", stats.distinct_findings),
        ("  open (muted)", f"{stats.open_findings} ({stats.muted_findings})"),
        ("  resolved", stats.resolved_findings),
        *((f"  open {sev}", n) for sev, n in stats.open_findings_by_severity.items()),
        ("seconds", f"{seconds:.2f}"),
    ]  # fmt: skip
    for what, count in rows:
        table.add_row(what, str(count))
    return table


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {value!r}", param_hint="--now") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def generate_command(
    images: Annotated[int, typer.Option("--images", min=0, help="Number of container image versions.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same bytes.")] = 1,
    out: Annotated[Path, typer.Option("--out", help="Output directory (created if missing).")] = Path(
        "seclake-export"
    ),
    now: Annotated[
        str | None,
        typer.Option("--now", help="End of the 30-day window (ISO 8601, UTC); default: this hour."),
    ] = None,
) -> None:
    """Write a realistic synthetic Defender for Cloud continuous export (Event Hub bodies)."""
    started = time.perf_counter()
    stats = write_export(out, images, seed, now=_parse_now(now))
    Console(stderr=False).print(stats_table(stats, out, time.perf_counter() - started))


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)

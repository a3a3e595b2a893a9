"""The public face of the generator: plan an export, iterate its bodies, write it to a directory.

`generate_export(images, seed, now=...)` yields `GeneratedBody(name, body, enqueued_time)` in delivery
order; `write_export` writes `<seq>.json` per body plus `manifest.json` (the `ExportStats`: what a correct
consumer must find in the bodies). Same seed and `now` -> identical bytes.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from seclake.logging import get_logger
from seclake.synthetic.bodies import BodyPlan, Renderer, pack
from seclake.synthetic.lifecycle import build_world
from seclake.synthetic.timeline import Truth, build_timeline
from seclake.synthetic.world import DAY, SNAPSHOT_GUARD, World, guid

log = get_logger("synthetic")
DEFAULT_DAYS = 30
MANIFEST = "manifest.json"
BODY_NAME = re.compile(r"[0-9]{6,}\.json")
FINDING_KINDS = ("container_finding", "qualys_finding")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class GeneratedBody:
    """One Event Hub event body as continuous export would put it on the hub."""

    name: str
    body: bytes
    enqueued_time: datetime


@dataclass(slots=True)
class ExportStats:
    """Ground truth of one export; written as manifest.json."""

    seed: int
    images: int
    now: str
    window_start: str
    bodies: int = 0
    bodies_by_shape: dict[str, int] = field(default_factory=dict)
    bodies_by_casing: dict[str, int] = field(default_factory=dict)
    bodies_with_bom: int = 0
    redelivered_bodies: int = 0
    records: int = 0
    records_by_kind: dict[str, int] = field(default_factory=dict)
    redelivered_records: int = 0
    snapshot_records: int = 0
    finding_records: int = 0
    finding_records_by_action: dict[str, int] = field(default_factory=dict)
    distinct_findings: int = 0
    open_findings: int = 0
    resolved_findings: int = 0
    muted_findings: int = 0
    runtime_findings: int = 0
    open_findings_by_severity: dict[str, int] = field(default_factory=dict)
    images_scanned: int = 0
    images_unscanned: int = 0
    images_running: int = 0
    images_deleted: int = 0
    images_with_open_findings: int = 0
    image_assessments_final: dict[str, int] = field(default_factory=dict)
    registries: dict[str, int] = field(default_factory=dict)
    repositories: int = 0
    alerts: int = 0

    def to_manifest(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ExportPlan:
    """Everything decided before any byte is written: the world, the bodies and the stats."""

    world: World
    base_us: int
    tenant: str
    bodies: list[BodyPlan]
    stats: ExportStats

    def __iter__(self) -> Iterator[GeneratedBody]:
        renderer = Renderer(self.base_us, self.tenant)
        width = max(6, len(str(len(self.bodies))))
        for seq, plan in enumerate(self.bodies, start=1):
            enqueued = _EPOCH + timedelta(microseconds=(self.base_us + plan.enqueued) // 1000 * 1000)
            yield GeneratedBody(f"{seq:0{width}d}.json", renderer.render(plan), enqueued)


def default_now() -> datetime:
    """The current UTC time truncated to the hour, so demo data looks recent."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def plan_export(
    images: int, seed: int, *, now: datetime | None = None, days: int = DEFAULT_DAYS
) -> ExportPlan:
    """Decide the whole export (pure): `images` image versions over the `days` before `now`.

    `now` defaults to the current hour (`default_now`); a naive `now` is taken as UTC.
    """
    if images < 0:
        raise ValueError(f"images must be >= 0, got {images}")
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    now = default_now() if now is None else (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC)
    span = days * DAY
    now_us = (now - _EPOCH) // timedelta(microseconds=1)
    base_us = now_us - span
    world = build_world(seed, images, span)
    emissions, truth = build_timeline(world, seed)
    bodies = pack(emissions, seed)
    start = _EPOCH + timedelta(microseconds=base_us)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    stats = ExportStats(seed=seed, images=images, now=now.strftime(iso), window_start=start.strftime(iso))
    _fill_stats(stats, world, truth, bodies)
    return ExportPlan(world, base_us, guid(random.Random(f"{seed}:tenant")), bodies, stats)


def generate_export(images: int, seed: int, *, now: datetime | None = None) -> Iterator[GeneratedBody]:
    """The Event Hub bodies of a synthetic continuous export, in delivery order."""
    return iter(plan_export(images, seed, now=now))


def write_export(out_dir: Path, images: int, seed: int, *, now: datetime | None = None) -> ExportStats:
    """Write `<seq>.json` per body and `manifest.json` into `out_dir` (created if missing).

    Body files of an earlier export in `out_dir` (names of six or more digits + `.json`) are removed first.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stale = [p for p in out_dir.iterdir() if BODY_NAME.fullmatch(p.name)]
    for path in stale:  # bodies of an earlier export would otherwise mix with this one
        path.unlink()
    if stale:
        log.info("stale_bodies_removed", out_dir=str(out_dir), files=len(stale))
    plan = plan_export(images, seed, now=now)
    times: dict[str, str] = {}
    for body in plan:
        (out_dir / body.name).write_bytes(body.body)
        times[body.name] = body.enqueued_time.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    manifest = plan.stats.to_manifest()
    manifest["enqueued_times"] = times
    (out_dir / MANIFEST).write_bytes(
        orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    )
    log.info("export_written", out_dir=str(out_dir), bodies=plan.stats.bodies, records=plan.stats.records)
    return plan.stats


def _fill_stats(stats: ExportStats, world: World, truth: Truth, bodies: list[BodyPlan]) -> None:
    shapes: Counter[str] = Counter()
    casings: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    for plan in bodies:
        stats.bodies += 1
        shapes[plan.shape] += 1
        casings[plan.casing] += 1
        stats.bodies_with_bom += plan.bom
        stats.redelivered_bodies += plan.redelivery
        stats.records += len(plan.emissions)
        if plan.redelivery:
            stats.redelivered_records += len(plan.emissions)
        for e in plan.emissions:
            kinds[e[3]] += 1
            stats.snapshot_records += e[0] % DAY < SNAPSHOT_GUARD
            if e[3] in FINDING_KINDS:
                actions[e[5][1]] += 1
    stats.bodies_by_shape, stats.bodies_by_casing = dict(shapes), dict(casings)
    stats.records_by_kind, stats.finding_records_by_action = dict(kinds), dict(actions)
    stats.finding_records = sum(kinds[k] for k in FINDING_KINDS)
    stats.alerts = kinds["alert"]
    stats.distinct_findings, stats.open_findings = truth.distinct_findings, truth.open_findings
    stats.resolved_findings, stats.muted_findings = truth.resolved_findings, truth.muted_findings
    stats.runtime_findings = truth.runtime_findings
    stats.open_findings_by_severity = dict(sorted(truth.open_by_severity.items()))
    stats.images_with_open_findings = truth.images_with_open_findings
    stats.image_assessments_final = dict(sorted(truth.image_assessment_final.items()))
    stats.images_unscanned = sum(1 for i in world.images if i.unscanned and i.first_scan < world.span)
    stats.images_scanned = sum(1 for i in world.images if not i.unscanned and i.first_scan < world.span)
    stats.images_running = sum(1 for i in world.images if i.run_start is not None and i.run_end is None)
    stats.images_deleted = sum(1 for i in world.images if i.deleted is not None)
    stats.registries = dict(Counter(f"{r.cloud}-{r.generation}" for r in world.registries))
    stats.repositories = len(world.repositories)

"""From lifetimes to a time-ordered list of emissions (one per exported record) plus the ground truth.

An emission is `(t, order, stream, kind, builder, args)`: `t` is when the record is put on the hub
(microseconds from the window start), `builder` names the record template in `records.BUILDERS`.
Streaming records go out when state changes; every 7 days (from the window start) a snapshot re-sends
the full state within the first 20 minutes of that day, a slot no streaming record ever uses, so the
newest record of a finding is always its current state.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from seclake.synthetic import catalog as cat
from seclake.synthetic.world import (
    DAY,
    HOUR,
    MINUTE,
    Finding,
    Image,
    World,
    daily_scan_at_or_before,
    guid,
    nudge,
)

Emission = tuple[int, int, str, str, str, tuple[Any, ...]]
Entry = tuple[str, str, str, tuple[Any, ...]]  # stream, kind, builder, args
SNAPSHOT_EVERY = 7 * DAY
SNAPSHOT_SPREAD = 18 * MINUTE
_SNAPSHOT_ORDER = {"assessments": 0, "subassessments": 1, "compliance": 2, "securescore": 3}


@dataclass(slots=True)
class Truth:
    """What a correct consumer must conclude from the export (before body packing)."""

    distinct_findings: int = 0
    open_findings: int = 0
    resolved_findings: int = 0
    muted_findings: int = 0
    open_by_severity: Counter[str] = field(default_factory=Counter)
    runtime_findings: int = 0
    images_with_open_findings: int = 0
    image_assessment_final: Counter[str] = field(default_factory=Counter)


def snapshot_times(span: int) -> list[int]:
    return list(range(0, span - 30 * MINUTE, SNAPSHOT_EVERY))


def build_timeline(world: World, seed: int) -> tuple[list[Emission], Truth]:
    """All emissions sorted by time, and the ground truth they encode."""
    stream: list[Emission] = []
    snaps = snapshot_times(world.span)
    per_snapshot: list[list[Entry]] = [[] for _ in snaps]
    truth = Truth()
    for image in world.images:
        open_here = 0
        for f in image.findings:
            last = _finding(f, world.span, snaps, stream, per_snapshot)
            if last is None:
                continue
            truth.distinct_findings += 1
            truth.runtime_findings += f.runtime
            if last == "Delete":
                truth.resolved_findings += 1
            else:
                truth.open_findings += 1
                open_here += 1
                truth.open_by_severity[f.vuln.severity] += 1
                truth.muted_findings += last == "Exempt"
        truth.images_with_open_findings += open_here > 0
        if image.repo.registry.generation == "v2":
            final = _image_assessments(image, world.span, snaps, stream, per_snapshot)
            if final:
                truth.image_assessment_final[final] += 1
    _registry_assessments(world, snaps, per_snapshot)
    _other_records(world, random.Random(f"{seed}:other"), snaps, stream, per_snapshot)
    order = len(stream)
    for s_k, batch in zip(snaps, per_snapshot, strict=True):
        batch.sort(key=lambda entry: _SNAPSHOT_ORDER[entry[0]])  # stable: one stream after the other
        step = SNAPSHOT_SPREAD // max(1, len(batch))
        for i, (st, kind, builder, args) in enumerate(batch):
            stream.append((s_k + MINUTE + i * step, order, st, kind, builder, args))
            order += 1
    stream.sort(key=lambda e: (e[0], e[1]))
    return stream, truth


def _emit(out: list[Emission], t: int, entry: Entry) -> None:
    out.append((t, len(out), *entry))


def _finding(
    f: Finding,
    span: int,
    snaps: list[int],
    out: list[Emission],
    per_snapshot: list[list[Entry]],
) -> str | None:
    """Emit a finding's records; return its final state (Unhealthy, Exempt, Delete) or None if never sent."""
    kind = "qualys_finding" if f.image.repo.registry.generation == "qualys" else "container_finding"
    gone = f.disappear if f.disappear is not None else span
    exempt = f.exempt_at if f.exempt_at is not None and f.exempt_at < gone else None
    changes: list[tuple[int, str, str]] = [
        (f.appear, "Insert", "Exempt" if exempt is not None and exempt <= f.appear else "Unhealthy")
    ]
    if exempt is not None and exempt > f.appear:
        changes.append((exempt, "Insert", "Exempt"))
    if f.disappear is not None:
        changes.append((f.disappear, "Delete", changes[-1][2]))
    last: tuple[int, str] | None = None
    for t, action, status in changes:
        if 0 <= t < span:
            _emit(out, t, ("subassessments", kind, "finding", (f, action, status, t, False)))
            last = (t, "Delete" if action == "Delete" else status)
    for k, s_k in enumerate(snaps):
        if f.appear < s_k < gone:
            status = "Exempt" if exempt is not None and exempt < s_k else "Unhealthy"
            latest_change = max(t for t, _, _ in changes if t < s_k)
            tg = max(latest_change, daily_scan_at_or_before(f.image, s_k))
            per_snapshot[k].append(("subassessments", kind, "finding", (f, "Insert", status, tg, True)))
            if last is None or s_k > last[0]:
                last = (s_k, status)
    return None if last is None else last[1]


def _open_at(image: Image, t: int) -> list[Finding]:
    return [
        f
        for f in image.findings
        if not f.runtime and f.appear <= t and (f.disappear is None or f.disappear > t)
    ]


def _image_assessments(
    image: Image,
    span: int,
    snaps: list[int],
    out: list[Emission],
    per_snapshot: list[list[Entry]],
) -> str:
    """Per-image assessment records (2024 keys); returns the final status code sent, or ''."""
    end = image.deleted if image.deleted is not None else span
    if image.unscanned:
        points = [image.first_scan]
    else:
        times = {t for f in image.findings if not f.runtime for t in (f.appear, f.disappear) if t is not None}
        points = sorted(t for t in times | {image.first_scan} if image.first_scan <= t < end)

    def code_at(t: int) -> str:
        if image.unscanned:
            return "NotApplicable"
        return "Unhealthy" if _open_at(image, t) else "Healthy"

    last: tuple[int, str] | None = None
    previous = ""
    for t in points:
        code = code_at(t)
        if code != previous and 0 <= t < span:
            args = (image, "Insert", code, t, False)
            _emit(out, t, ("assessments", "image_assessment", "image_assessment", args))
            last = (t, code)
        previous = code
    for k, s_k in enumerate(snaps):
        if image.first_scan < s_k < end:
            code = code_at(s_k)
            tg = max([p for p in points if p < s_k] + [daily_scan_at_or_before(image, s_k)])
            per_snapshot[k].append(
                ("assessments", "image_assessment", "image_assessment", (image, "Insert", code, tg, True))
            )
            if last is None or s_k > last[0]:
                last = (s_k, code)
    if image.deleted is not None and 0 <= image.deleted < span:
        args = (image, "Delete", previous, image.deleted, False)
        _emit(out, image.deleted, ("assessments", "image_assessment", "image_assessment", args))
        last = (image.deleted, "Deleted")
    return "" if last is None else last[1]


def _registry_assessments(world: World, snaps: list[int], per_snapshot: list[list[Entry]]) -> None:
    """First-generation parent assessments are per registry; they ride along in every snapshot."""
    for registry in world.registries:
        if registry.generation == "v2":
            continue
        for k, s_k in enumerate(snaps):
            per_snapshot[k].append(
                ("assessments", "registry_assessment", "registry_assessment", (registry, s_k))
            )


def _other_records(
    world: World,
    rng: random.Random,
    snaps: list[int],
    out: list[Emission],
    per_snapshot: list[list[Entry]],
) -> None:
    """Records the mapper must skip: server vulnerabilities, recommendations, compliance, score, alerts."""
    span = world.span
    n = len(world.images)
    subscription = world.registries[0].subscription
    for vm in range(max(2, n // 60)):
        machine = (f"vm-{rng.choice(cat.TEAMS)}-{vm:02d}", guid(rng))
        tvm = rng.random() < 0.7
        for _ in range(rng.randint(2, 6)):
            t = nudge(rng.randint(HOUR, span - 2 * HOUR))
            vuln_args = (subscription, machine, tvm, guid(rng), rng.choice(world.vulns), t)
            _emit(out, t, ("subassessments", "other_subassessment", "server_vuln", vuln_args))
    for k, s_k in enumerate(snaps):
        batch = per_snapshot[k]
        for key, title in cat.OTHER_RECOMMENDATIONS:
            batch.append(
                ("assessments", "other_assessment", "recommendation", (subscription, key, title, s_k, k))
            )
        for i, control in enumerate(cat.COMPLIANCE_CONTROLS):
            batch.append(("compliance", "compliance", "compliance", (subscription, control, i, s_k, k)))
        for i, score_control in enumerate(cat.SECURE_SCORE_CONTROLS):
            batch.append(
                ("securescore", "secure_score", "secure_score", (subscription, score_control, i, s_k, k))
            )
    for _ in range(max(3, n // 40) if world.images else 0):
        t = nudge(rng.randint(HOUR, span - 2 * HOUR))
        image = rng.choice(world.images)
        _emit(out, t, ("alerts", "alert", "alert", (rng.choice(cat.ALERT_TYPES), image, guid(rng), t)))

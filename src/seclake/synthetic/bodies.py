"""Packing emissions into Event Hub bodies (pure), and rendering a planned body to bytes.

A body holds records of one stream (sub-assessments, assessments, alerts, ...) put on the hub within a
minute of each other. Each body picks a shape (JSON array, single object, `{"records": [...]}`), a key
casing (PascalCase for a share of sub-assessment bodies; alerts are always PascalCase) and sometimes a
UTF-8 BOM. A few bodies are delivered twice (same bytes, same enqueued time), as Event Hubs consumers see
after a restart.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from seclake.synthetic.findings import (
    finding_record,
    image_assessment_record,
    registry_assessment_record,
)
from seclake.synthetic.others import (
    alert_record,
    compliance_record,
    recommendation_record,
    secure_score_record,
    server_vuln_record,
)
from seclake.synthetic.records import Pascalizer, Record, SharedParts
from seclake.synthetic.timeline import Emission
from seclake.synthetic.world import DAY, SECOND, SNAPSHOT_GUARD

BOM = b"\xef\xbb\xbf"
BUILDERS: dict[str, Callable[[SharedParts, tuple[Any, ...]], Record]] = {
    "finding": finding_record,
    "image_assessment": image_assessment_record,
    "registry_assessment": registry_assessment_record,
    "server_vuln": server_vuln_record,
    "recommendation": recommendation_record,
    "compliance": compliance_record,
    "secure_score": secure_score_record,
    "alert": alert_record,
}
# casing per stream: probability of a PascalCase body ("alerts" are natively PascalCase)
PASCAL_SHARE = {"subassessments": 0.25}
SHAPES_SINGLE = {"array": 55, "object": 30, "records": 15}
SHAPES_MANY = {"array": 80, "records": 20}
BOM_SHARE = 0.03
REDELIVERY_SHARE = 0.01
MAX_BODY_SPAN = 60 * SECOND


@dataclass(slots=True)
class BodyPlan:
    stream: str
    emissions: list[Emission]
    enqueued: int  # microseconds from the window start
    shape: str
    casing: str  # "camel", "pascal" (converted), "native" (records are PascalCase already)
    bom: bool
    redelivery: bool = False


def _target_size(rng: random.Random, snapshot: bool) -> int:
    if snapshot:
        return rng.randint(20, 200)
    roll = rng.random()
    return 1 if roll < 0.4 else rng.randint(2, 10) if roll < 0.8 else rng.randint(11, 60)


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def pack(emissions: list[Emission], seed: int) -> list[BodyPlan]:
    """Group time-ordered emissions into bodies; the result is in delivery order."""
    rng = random.Random(f"{seed}:bodies")
    plans: list[BodyPlan] = []
    current: list[Emission] = []
    target = 0

    def close() -> None:
        stream = current[0][2]
        casing = "native" if stream == "alerts" else "camel"
        if rng.random() < PASCAL_SHARE.get(stream, 0.0):
            casing = "pascal"
        shape = _weighted(rng, SHAPES_SINGLE if len(current) == 1 else SHAPES_MANY)
        enqueued = current[-1][0] + rng.randint(SECOND // 5, 20 * SECOND)
        plans.append(BodyPlan(stream, list(current), enqueued, shape, casing, rng.random() < BOM_SHARE))

    for e in emissions:
        if current and (
            e[2] != current[0][2] or len(current) >= target or e[0] - current[0][0] > MAX_BODY_SPAN
        ):
            close()
            current.clear()
        if not current:
            target = _target_size(rng, e[0] % DAY < SNAPSHOT_GUARD)
        current.append(e)
    if current:
        close()
    delivered: list[BodyPlan] = []
    pending: list[tuple[int, BodyPlan]] = []
    for i, plan in enumerate(plans):
        delivered.append(plan)
        delivered.extend(dup for due, dup in pending if due == i)
        pending = [p for p in pending if p[0] != i]
        if rng.random() < REDELIVERY_SHARE:
            copy = BodyPlan(
                plan.stream, plan.emissions, plan.enqueued, plan.shape, plan.casing, plan.bom, True
            )
            pending.append((i + rng.randint(1, 5), copy))
    delivered.extend(dup for _, dup in pending)
    return delivered


class Renderer:
    """Turns a `BodyPlan` into bytes; caches shared record parts across bodies."""

    def __init__(self, base_us: int, tenant: str) -> None:
        self.pascal = Pascalizer()
        self.parts = SharedParts(base_us, tenant, self.pascal)

    def records(self, plan: BodyPlan) -> list[Record]:
        parts = self.parts
        out = [BUILDERS[e[4]](parts, e[5]) for e in plan.emissions]
        if plan.casing == "pascal":
            out = [self.pascal.convert({"$type": "subAssessmentEvent", **r}) for r in out]
        return out

    def render(self, plan: BodyPlan) -> bytes:
        records = self.records(plan)
        payload: Any = (
            records
            if plan.shape == "array"
            else records[0]
            if plan.shape == "object"
            else {"records": records}
        )
        body = orjson.dumps(payload)
        return BOM + body if plan.bom else body

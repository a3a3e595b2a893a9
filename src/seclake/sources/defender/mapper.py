"""Event Hub body → records → security events: the Defender mapper's entry points.

Pure and deterministic: no I/O, no clock, no randomness. Bad input never raises out of a batch: a body
that is not JSON is one error (`index` None), a record that cannot be mapped is one error with its
index and JSON path, and every other record still maps. Records that are not container-image findings,
per-image assessments or alerts are skipped and counted by reason.

Two paths, one result: `map_body` keeps each record's original text (its `dt.raw_data`) and sends the
common shapes down the fast path (`fastpath`), the rest down the careful path (`HANDLERS`, over
parsed dicts), which `map_records` always takes. Which path a record takes never changes its event
(key order aside).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from seclake.errors import MappingError
from seclake.sources.defender.access import FieldProblem, opt_dict, opt_str
from seclake.sources.defender.alerts import map_alert
from seclake.sources.defender.classify import (
    CONTAINER_KEYS,
    CONTAINER_RESOURCE_TYPES,
    ContainerScope,
    RecordKind,
    assessment_key,
    classify,
)
from seclake.sources.defender.common import raw_json
from seclake.sources.defender.envelope import decode_body, split_body
from seclake.sources.defender.fastpath import BodyFallback, Text, map_fast
from seclake.sources.defender.scans import map_assessment, scan_from_finding
from seclake.sources.defender.subassessments import map_subassessment
from seclake.sources.defender.times import Timestamp, from_datetime

__all__ = ["SKIP_REASONS", "MapResult", "map_body", "map_records"]

# Skip reasons (stable snake_case; counted in MapResult.skipped and on `seclake map`'s stderr).
NOT_CONTAINER_FINDING = "not_container_image_finding"
ASSESSMENT_NOT_CONTAINER = "assessment_not_container_image"
KIND_SKIPS: dict[RecordKind, str] = {
    RecordKind.COMPLIANCE: "compliance",
    RecordKind.SECURE_SCORE: "secure_score",
    RecordKind.ATTACK_PATH: "attack_path",
    RecordKind.AUTOMATION: "automation_settings",
    RecordKind.UNKNOWN: "unknown_record_kind",
}
SKIP_REASONS: frozenset[str] = frozenset(
    {
        NOT_CONTAINER_FINDING,
        ASSESSMENT_NOT_CONTAINER,
        "assessment_deleted",
        "assessment_not_per_image",
        *KIND_SKIPS.values(),
    }
)


@dataclass(slots=True)
class MapResult:
    """What one body (or list of records) mapped to."""

    events: list[dict[str, Any]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[MappingError] = field(default_factory=list)
    records: int = 0

    def merge(self, other: MapResult) -> None:
        """Add another result's events, counts and errors to this one."""
        self.events.extend(other.events)
        self.skipped.update(other.skipped)
        self.errors.extend(other.errors)
        self.records += other.records


def map_body(body: bytes | str, *, enqueued_time: datetime | None = None) -> MapResult:
    """Map one Event Hub body (a JSON array, one record, or `{"records": [...]}`; BOM allowed).

    Each record's original text becomes its `dt.raw_data` (one line; see `envelope.split_body`), and
    records of the common shape take the fast path (`fastpath.map_fast`); the rest are parsed and take
    the careful path. Bodies `split_body` cannot read are decoded whole, as `map_records` input.
    """
    split = split_body(body)
    if split is not None:
        try:
            return _map_texts(*split, enqueued_time)
        except BodyFallback:  # orjson refuses what msgspec accepted: report it the careful way
            pass
    try:
        records = decode_body(body)
    except MappingError as exc:
        return MapResult(errors=[exc])
    return map_records(records, enqueued_time=enqueued_time)


def _container_scope(record: dict[str, Any], props: dict[str, Any], path: str) -> ContainerScope | None:
    """The container scope of a (sub-)assessment from its key, checked against `assessedResourceType`."""
    key_scope = CONTAINER_KEYS.get(assessment_key(opt_str(record, "id", "$")) or "")
    resource_type = opt_str(opt_dict(props, "additionalData", "$.properties"), "assessedResourceType", path)
    if not resource_type:
        return key_scope
    type_scope = CONTAINER_RESOURCE_TYPES.get(resource_type.lower())
    if type_scope is None:
        return None
    return key_scope or type_scope


Outcome = dict[str, Any] | str  # an event, or a skip reason


def _subassessment(record: dict[str, Any], enqueued: Timestamp | None) -> Outcome:
    props = opt_dict(record, "properties", "$")
    scope = _container_scope(record, props, "$.properties.additionalData")
    if scope is None:
        return NOT_CONTAINER_FINDING
    return map_subassessment(record, scope, enqueued)


def _assessment(record: dict[str, Any], enqueued: Timestamp | None) -> Outcome:
    props = opt_dict(record, "properties", "$")
    scope = _container_scope(record, props, "$.properties.additionalData")
    if scope is None:
        return ASSESSMENT_NOT_CONTAINER
    return map_assessment(record, scope, enqueued)


def _skip(reason: str) -> Callable[[dict[str, Any], Timestamp | None], Outcome]:
    return lambda _record, _enqueued: reason


HANDLERS: dict[RecordKind, Callable[[dict[str, Any], Timestamp | None], Outcome]] = {
    RecordKind.SUB_ASSESSMENT: _subassessment,
    RecordKind.ASSESSMENT: _assessment,
    RecordKind.ALERT: map_alert,
    **{kind: _skip(reason) for kind, reason in KIND_SKIPS.items()},
}


class _Collector:
    """Gathers the outcomes of one batch: events in order, skips, errors, and one scan event per scan."""

    def __init__(self, result: MapResult) -> None:
        self.result = result
        self.scans: dict[str, dict[str, Any]] = {}  # scan.id → scan event, in first-seen order
        self.reported: set[str] = set()  # scans reported by a per-image assessment (preferred)

    def add(self, outcome: Outcome, raw_data: str) -> None:
        if isinstance(outcome, str):
            self.result.skipped[outcome] += 1
            return
        event = outcome
        event["dt.raw_data"] = raw_data
        if event["event.type"] != "VULNERABILITY_SCAN":
            self.add_finding(event)
            return
        scan: str | None = event.get("scan.id")
        if scan is not None and scan not in self.reported:
            self.reported.add(scan)
            self.scans[scan] = event

    def add_finding(self, event: dict[str, Any]) -> None:
        """A finding event (with its `dt.raw_data`), and the scan it implies when that is new."""
        self.result.events.append(event)
        scan: str | None = event.get("scan.id")
        if scan is not None and scan not in self.scans:
            self.scans[scan] = scan_from_finding(event)

    def finish(self) -> MapResult:
        self.result.events.extend(self.scans.values())
        return self.result


def _careful(
    record: Any, index: int, enqueued: Timestamp | None, errors: list[MappingError]
) -> Outcome | None:
    """One parsed record through the dict-based handlers; None (and an error) when it cannot be mapped."""
    if type(record) is not dict:
        errors.append(MappingError(f"record is not a JSON object but {_json_kind(record)}", index=index))
        return None
    try:
        return HANDLERS[classify(record)](record, enqueued)
    except FieldProblem as problem:
        errors.append(MappingError(problem.reason, index=index, path=problem.path))
    except Exception as exc:  # a mapper bug must not take the batch down; tests assert none happen
        errors.append(MappingError(f"internal error: {type(exc).__name__}: {exc}", index=index))
    return None


def map_records(records: Sequence[Any], *, enqueued_time: datetime | None = None) -> MapResult:
    """Map parsed records (each should be a JSON object); see the module docstring for the rules."""
    enqueued = from_datetime(enqueued_time) if enqueued_time is not None else None
    collector = _Collector(MapResult(records=len(records)))
    errors = collector.result.errors
    for index, record in enumerate(records):
        outcome = _careful(record, index, enqueued, errors)
        if outcome is not None:
            collector.add(outcome, raw_json(record) if type(outcome) is dict else "")
    return collector.finish()


def _map_texts(texts: Sequence[Text], strings: list[str], enqueued_time: datetime | None) -> MapResult:
    """Map records given as their original JSON text, as bytes and str (raises BodyFallback, see `fastpath`)."""
    enqueued = from_datetime(enqueued_time) if enqueued_time is not None else None
    collector = _Collector(MapResult(records=len(texts)))
    errors, events, scans = collector.result.errors, collector.result.events, collector.scans
    for index, (text, raw_data) in enumerate(zip(texts, strings, strict=True)):
        outcome = map_fast(text, enqueued)
        if type(outcome) is dict:
            outcome["dt.raw_data"] = raw_data
            if outcome["event.type"] != "VULNERABILITY_SCAN":  # _Collector.add_finding, inlined
                events.append(outcome)
                scan = outcome.get("scan.id")
                if scan is not None and scan not in scans:
                    scans[scan] = scan_from_finding(outcome)
                continue
        elif outcome is None:
            try:
                record = orjson.loads(raw_data)
            except orjson.JSONDecodeError:
                raise BodyFallback from None
            outcome = _careful(record, index, enqueued, errors)
        if outcome is not None:
            collector.add(outcome, raw_data)
    return collector.finish()


_KINDS = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def _json_kind(value: Any) -> str:
    return _KINDS.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)

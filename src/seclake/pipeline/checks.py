"""Model validation at ingest: a fast screen in front of `seclake.model.validate_event`.

`validate_event` is the authority on what is wrong with an event and how to say it, but it costs tens
of microseconds per event, several times one `orjson.loads` of the event. Almost every event that
arrives is valid, and the events of one sender share their shape, so `screen` answers — from tables
built once per shape out of the same catalog — what `validate_event` would report: nothing, or the
shape's structural problems (required fields missing, fields not allowed on the type, whose messages
never name a value). It is conservative: when unsure (a value of the wrong type, a timestamp sent as a
string, a closed-set value outside its set, ...) it answers None and the pipeline asks `validate_event`.
Property tests hold the two together.

Problems are counted for /metrics under a low-cardinality key: the field and the message up to the
offending value (`"finding.score: expected double"`), never the value itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any

from seclake.model import (
    FIELDS,
    EventType,
    FieldType,
    Problem,
    forbidden_fields,
    required_fields,
    validate_event,
)
from seclake.model.types import SCAN_TYPES
from seclake.model.validate import SCAN_FORBIDDEN_PREFIXES

__all__ = ["metric_key", "problems_of", "screen", "surely_valid"]

# Python types a JSON value may have (exactly, no subclasses) to pass each field type's check.
_PY_TYPES: dict[FieldType, tuple[type, ...]] = {
    FieldType.STRING: (str,),
    FieldType.LONG: (int,),
    FieldType.DOUBLE: (int, float),
    FieldType.BOOLEAN: (bool,),
    FieldType.TIMESTAMP: (int, float),  # strings are left to validate_event (it parses them)
    FieldType.STRING_ARRAY: (list,),
}
_RISK_SCORE = "dt.security.risk.score"


_NONE_TYPE = type(None)
_MAX_SHAPES = 4096  # cached shapes; the cache starts over when full
_MAX_SHAPE_CHARS = 8192  # field-name characters of a shape worth caching


@dataclass(frozen=True, slots=True)
class _TypeRules:
    required_order: tuple[str, ...]  # catalog order, as validate_event reports them
    forbidden_order: tuple[str, ...]
    scan: bool


_RULES: dict[str, _TypeRules] = {
    str(t): _TypeRules(
        required_order=tuple(f.name for f in required_fields(t)),
        forbidden_order=tuple(f.name for f in forbidden_fields(t)),
        scan=t in SCAN_TYPES,
    )
    for t in EventType
}


@dataclass(frozen=True, slots=True)
class _Plan:
    """What is left to check on an event of one shape once its shape has passed (or failed)."""

    ok: bool  # type known; every catalog value of the right type
    structural: tuple[Problem, ...] = ()  # required missing, not allowed: what validate_event says first
    closed: tuple[str, ...] = ()  # fields with a closed set of values
    closed_sets: tuple[frozenset[str], ...] = ()
    arrays: tuple[str, ...] = ()  # string-array fields: every item must be a str
    score: bool = False  # dt.security.risk.score present: must be within 0–10


_FAILED = _Plan(ok=False)


def _structural(
    rules: _TypeRules, event_type: str, names: tuple[str, ...], present: set[str]
) -> list[Problem]:
    """The problems of a shape that depend on its names alone, worded and ordered as `validate_event`."""
    problems = [
        Problem(name, f"required for {event_type} but missing")
        for name in rules.required_order
        if name not in present
    ]
    if rules.scan:
        forbidden = [name for name in names if name.startswith(SCAN_FORBIDDEN_PREFIXES)]
    else:
        forbidden = [name for name in rules.forbidden_order if name in names]
    problems.extend(Problem(name, f"not allowed on {event_type}") for name in forbidden)
    return problems


def _plan(event_type: str, names: tuple[str, ...], types: tuple[type, ...]) -> _Plan:
    """The plan for events of type `event_type` whose items have these names and value types."""
    rules = _RULES.get(event_type)
    if rules is None:
        return _FAILED
    present = {name for name, kind in zip(names, types, strict=True) if kind is not _NONE_TYPE}
    structural = _structural(rules, event_type, names, present)
    closed: list[tuple[str, frozenset[str]]] = []
    arrays: list[str] = []
    for name, kind in zip(names, types, strict=True):
        spec = FIELDS.get(name)
        if spec is None or kind is _NONE_TYPE:
            continue
        if kind not in _PY_TYPES[spec.type]:
            return _FAILED
        if spec.allowed and name != "event.type":
            closed.append((name, frozenset(spec.allowed)))
        elif spec.type is FieldType.STRING_ARRAY:
            arrays.append(name)
    return _Plan(
        ok=True,
        structural=tuple(structural),
        closed=tuple(name for name, _ in closed),
        closed_sets=tuple(values for _, values in closed),
        arrays=tuple(arrays),
        score=_RISK_SCORE in present,
    )


_plans: dict[tuple[str, tuple[str, ...], tuple[type, ...]], _Plan] = {}


def screen(event: dict[str, Any]) -> tuple[Problem, ...] | None:
    """What `validate_event(event)` would report, or None when unsure (then ask it).

    Structural checks run once per shape (event type, field names in order, value types; `_plan`,
    cached, failed shapes too); per event only closed-set values, the items of string arrays and the
    risk score's range are looked at, with C-level operations. (Measured: this beats per-type
    itemgetter groups; building the shape key is the main cost.)
    """
    event_type = event.get("event.type")
    if type(event_type) is not str:
        return None
    key = (event_type, tuple(event), tuple(map(type, event.values())))
    plan = _plans.get(key)
    if plan is None:
        plan = _plan(*key)
        if sum(map(len, key[1])) <= _MAX_SHAPE_CHARS:  # never hold large sender data
            if len(_plans) >= _MAX_SHAPES:
                _plans.clear()
            _plans[key] = plan
    if not plan.ok:
        return None
    get = event.__getitem__
    if plan.closed and not all(map(frozenset.__contains__, plan.closed_sets, map(get, plan.closed))):
        return None
    if plan.arrays:
        try:  # join accepts exactly what validate_event does: str (and its subclasses) items
            "".join(chain.from_iterable(map(get, plan.arrays)))
        except TypeError:
            return None
    if plan.score and not 0.0 <= event[_RISK_SCORE] <= 10.0:
        return None
    return plan.structural


def surely_valid(event: dict[str, Any]) -> bool:
    """True only if `validate_event(event)` would report no problem (False means: ask it)."""
    return screen(event) == ()


def metric_key(problem: Problem) -> str:
    """`field: message` without the offending value, fit for a metrics label."""
    return f"{problem.field}: {problem.message.split(', got ', 1)[0]}"


def problems_of(event: dict[str, Any]) -> list[Problem]:
    """The model's problems with `event`, asking `validate_event` only when the screen is unsure."""
    known = screen(event)
    return validate_event(event) if known is None else list(known)

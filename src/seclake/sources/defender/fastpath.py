"""The fast path: one record's original JSON text → its event, for the common shapes.

`map_fast(text, enqueued)` decodes the record straight into the msgspec structs of `schema` (no dicts,
no case-insensitive lookups) and hands container-image sub-assessments to `fastfinding` and per-image
assessments to `fastscan`. Each builds exactly what the careful path (the dict-based mappers over the
parsed record) builds, or answers None, meaning "take the careful path": another kind, casing or
shape, a value of another type, or anything a careful rule would reject or look further into. So the
output never depends on the path taken; a differential test holds the two together.

`BodyFallback` is raised when orjson refuses a record msgspec accepted (a number beyond float range):
the caller then maps the whole body the careful way, which reports the body as not JSON, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seclake.sources.defender import fastfinding, fastscan
from seclake.sources.defender.classify import RecordKind
from seclake.sources.defender.fastfinding import COPIED
from seclake.sources.defender.fastread import BodyFallback, Text, decode, kind_of
from seclake.sources.defender.schema import Additional, Properties, Record
from seclake.sources.defender.times import Timestamp

__all__ = ["COPIED", "BodyFallback", "Text", "clear_memos", "map_fast"]

Mapper = Callable[[Record, Properties, Additional, Text, Timestamp | None], dict[str, Any] | str | None]
_MAPPERS: dict[RecordKind, Mapper] = {
    RecordKind.SUB_ASSESSMENT: fastfinding.finding,
    RecordKind.ASSESSMENT: fastscan.assessment,
}
_BY_TYPE: dict[str | None, Mapper | None] = {}  # record `type` as sent → its mapper (a few spellings)


def _mapper(rtype: str | None) -> Mapper | None:
    if len(_BY_TYPE) >= 256:
        _BY_TYPE.clear()
    mapper = _BY_TYPE[rtype] = _MAPPERS.get(kind_of(rtype))
    return mapper


def clear_memos() -> None:
    """Forget every memoized part (tests use it to exercise cold derivations)."""
    for memo in (*fastfinding.MEMOS, *fastscan.MEMOS):
        memo.clear()


def map_fast(text: Text, enqueued: Timestamp | None) -> dict[str, Any] | str | None:
    """The event (or skip reason) of a container-image (sub-)assessment of the canonical shape, else None."""
    rec = decode(text)
    if rec is None:
        return None
    mapper = _BY_TYPE[rec.type] if rec.type in _BY_TYPE else _mapper(rec.type)
    props = rec.properties
    ad = props.additionalData if props is not None else None
    rid = rec.id  # the mappers rely on an ASCII id with a "/" (see `fastread.id_facts`)
    if mapper is None or props is None or ad is None or not rid or not rid.isascii() or "/" not in rid:
        return None
    try:
        return mapper(rec, props, ad, text, enqueued)
    except BodyFallback:
        raise
    except Exception:  # FieldProblem, or a bug: the careful path reports either, with its path
        return None

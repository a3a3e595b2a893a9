"""Reading one record on the fast path: decode into the `schema` structs, and the few facts every
fast mapper needs (kind, container scope, assessed resource, export action), cached where records
share them. `BodyFallback` and `load`/`blocks` serve the careful derivations a memo miss runs.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson

from seclake.sources.defender.access import opt_dict
from seclake.sources.defender.classify import (
    CONTAINER_KEYS,
    CONTAINER_RESOURCE_TYPES,
    TYPE_KINDS,
    ContainerScope,
    RecordKind,
    assessment_key,
)
from seclake.sources.defender.schema import PASCAL_RECORD, RECORD, Record, Software, Status

__all__ = [
    "AD",
    "ID_FACTS",
    "NO_SOFTWARE",
    "NO_STATUS",
    "BodyFallback",
    "P",
    "Text",
    "action",
    "blocks",
    "decode",
    "id_facts",
    "kind_of",
    "load",
]

Text = msgspec.Raw | bytes  # one record's original JSON text
P = "$.properties"
AD = P + ".additionalData"
NO_STATUS = Status()
NO_SOFTWARE = Software()
_DECODERS = (RECORD, PASCAL_RECORD)  # the camelCase and PascalCase shapes, the last one that worked first


class BodyFallback(Exception):  # noqa: N818 - a signal to the caller, never seen outside the package
    """orjson refuses a record msgspec accepted: map the whole body the careful way."""


def decode(text: Text) -> Record | None:
    """The record as structs when it has a canonical shape in one casing; None otherwise."""
    global _DECODERS  # noqa: PLW0603 - an ordering hint only: the casing that decoded last goes first
    try:
        return _DECODERS[0].decode(text)
    except msgspec.DecodeError:  # ValidationError included: another shape, casing or type
        pass
    try:
        rec = _DECODERS[1].decode(text)
    except msgspec.DecodeError:
        return None
    _DECODERS = _DECODERS[::-1]
    return rec


def load(text: Text) -> dict[str, Any]:
    """The record as dicts, for the careful derivations on a memo miss (raises BodyFallback)."""
    try:
        parsed = orjson.loads(memoryview(text))
    except orjson.JSONDecodeError:
        raise BodyFallback from None
    if type(parsed) is not dict:
        raise BodyFallback
    return parsed


def blocks(text: Text) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(record, properties, additionalData) as the careful path reads them."""
    record = load(text)
    props = opt_dict(record, "properties", "$")
    return record, props, opt_dict(props, "additionalData", P)


# (record id up to its last "/", assessedResourceType) → (container scope, as `mapper._container_scope`
# finds it, or None; the assessed resource, as `images.resource_of` cuts it from the id, or None when
# that is the whole id). Every finding of one image assessment shares the key: only the
# sub-assessment's own name, after the last "/", differs.
ID_FACTS: dict[tuple[str, str | None], tuple[ContainerScope | None, str | None]] = {}
_RESOURCE_END = "/providers/microsoft.security/assessments/"


def id_facts(rid: str, resource_type: str | None) -> tuple[ContainerScope | None, str | None]:
    """Scope and assessed resource of a record with an ASCII id containing "/" (cached by its head)."""
    head = rid[: rid.rfind("/")]
    facts = ID_FACTS.get((head, resource_type))
    if facts is None:
        lowered = head.lower()
        whole = lowered.endswith("/assessments")  # the key would be the last segment itself: not shared
        source = rid.lower() if whole else lowered
        cut = source.rfind(_RESOURCE_END)
        facts = (
            _scope(CONTAINER_KEYS.get(assessment_key(source) or ""), resource_type),
            rid[:cut] if cut > 0 else None,
        )
        if not whole:
            if len(ID_FACTS) >= 4096:
                ID_FACTS.clear()
            ID_FACTS[head, resource_type] = facts
    return facts


def _scope(key_scope: ContainerScope | None, resource_type: str | None) -> ContainerScope | None:
    if not resource_type:
        return key_scope
    type_scope = CONTAINER_RESOURCE_TYPES.get(resource_type.lower())
    return None if type_scope is None else key_scope or type_scope


_KINDS: dict[str | None, RecordKind] = {None: RecordKind.UNKNOWN}  # `type` as sent → kind (a few spellings)


def kind_of(rtype: str | None) -> RecordKind:
    """The kind of a record `type` (UNKNOWN for one the table lacks: the careful path looks further)."""
    kind = _KINDS.get(rtype)
    if kind is not None:
        return kind
    if rtype is None:
        return RecordKind.UNKNOWN
    if len(_KINDS) >= 256:
        _KINDS.clear()
        _KINDS[None] = RecordKind.UNKNOWN
    kind = _KINDS[rtype] = TYPE_KINDS.get(rtype.strip().lower(), RecordKind.UNKNOWN)
    return kind


def action(rec: Record) -> str | None:
    """`common.enrichment_action` over the structs: the first non-empty action, most specific block first."""
    block = rec.subAssessmentEventDataEnrichment
    if block is not None and block.action:
        return block.action
    block = rec.assessmentEventDataEnrichment
    if block is not None and block.action:
        return block.action
    block = rec.securityEventDataEnrichment
    return block.action if block is not None and block.action else None

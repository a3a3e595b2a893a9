"""The fast path: one record's original JSON text → its VULNERABILITY_FINDING event, for the common shape.

`map_fast(text, enqueued)` decodes the record straight into the structs of `schema` (camelCase, else
PascalCase) and builds the event the careful path (`subassessments.map_subassessment` over a parsed
dict) would build, field for field and in the same order. It answers None, meaning "take the careful
path", whenever the record is anything else: another kind, a legacy Qualys finding, another casing
or shape, a value of another type, or any rule that would raise a FieldProblem. So its output is
always exactly the careful path's; a differential test holds the two together.

The fields that follow from big, repeated blocks (vulnerability details; image, cloud and Azure
context; Kubernetes context) are memoized by the blocks' original bytes plus the scalars the
derivation reads. On a miss the record is parsed with orjson and the careful derivation runs on the
dicts, so memoized fields are by construction the careful path's. `BodyFallback` is raised when orjson
refuses a record that msgspec accepted: the caller then maps the whole body the careful way, which
reports the body as not JSON exactly as before.
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson

from seclake.model import EventType
from seclake.sources.defender.access import opt_dict
from seclake.sources.defender.classify import (
    CONTAINER_KEYS,
    CONTAINER_RESOURCE_TYPES,
    TYPE_KINDS,
    ContainerScope,
    RecordKind,
    assessment_key,
)
from seclake.sources.defender.common import base_event
from seclake.sources.defender.identity import event_id
from seclake.sources.defender.images import kubernetes_context
from seclake.sources.defender.memo import Memo
from seclake.sources.defender.schema import (
    PASCAL_RECORD,
    RECORD,
    Additional,
    Properties,
    Record,
    Software,
    Status,
)
from seclake.sources.defender.subassessments import (
    COPIES,
    MDVM_SCANNER,
    QUALYS_SCANNER,
    image_context,
    legacy_vulnerability,
    mdvm_vulnerability,
)
from seclake.sources.defender.times import Timestamp, parse_timestamp

__all__ = ["BodyFallback", "Text", "clear_memos", "map_fast"]

Text = msgspec.Raw | bytes
_P = "$.properties"
_AD = _P + ".additionalData"
_NO_STATUS = Status()
_NO_SOFTWARE = Software()
_VULNERABILITIES = Memo()
_LEGACY = Memo()
_ABSENT = (b"", b"null")
_IMAGES = Memo()
_KUBERNETES = Memo()


class BodyFallback(Exception):  # noqa: N818 - a signal to the caller, never seen outside the package
    """orjson refuses a record msgspec accepted: map the whole body the careful way."""


def clear_memos() -> None:
    for memo in (_VULNERABILITIES, _LEGACY, _IMAGES, _KUBERNETES):
        memo.clear()


def _decode(text: Text) -> Record | None:
    """The record as structs when it has the canonical shape in one casing; None otherwise."""
    for decoder in (RECORD, PASCAL_RECORD):
        try:
            return decoder.decode(text)
        except msgspec.DecodeError:  # ValidationError included: another shape, casing or type
            continue
    return None


def _load(text: Text) -> dict[str, Any]:
    """The record as dicts, for the careful derivations on a memo miss (raises BodyFallback)."""
    try:
        parsed = orjson.loads(memoryview(text))
    except orjson.JSONDecodeError:
        raise BodyFallback from None
    if type(parsed) is not dict:
        raise BodyFallback
    return parsed


def _blocks(text: Text) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(record, properties, additionalData) as the careful path reads them."""
    record = _load(text)
    props = opt_dict(record, "properties", "$")
    return record, props, opt_dict(props, "additionalData", _P)


def _derive_vulnerability(out: dict[str, Any], text: Text) -> None:
    _, props, ad = _blocks(text)
    vd = opt_dict(ad, "vulnerabilityDetails", _AD)
    mdvm_vulnerability(props, ad, vd, opt_dict(props, "status", _P), out)


def _derive_legacy(out: dict[str, Any], text: Text) -> None:
    _, props, ad = _blocks(text)
    legacy_vulnerability(props, ad, out)


def _derive_image(  # noqa: PLR0917 - the memo passes them through positionally
    out: dict[str, Any], text: Text, resource: str, scope: ContainerScope, generated: Timestamp, legacy: bool
) -> None:
    record, props, _ = _blocks(text)
    image_context(record, props, out, resource=resource, scope=scope, generated=generated, legacy=legacy)


def _derive_kubernetes(out: dict[str, Any], text: Text) -> None:
    kubernetes_context(_blocks(text)[2], out)


# Record id (lowercased) → what follows from it, cached by the part before the id's last "/" (the
# sub-assessment's own name), which every finding of one image assessment shares: (scope of the
# assessment key, end of the assessed resource in the id, as `images.resource_of` cuts it).
_ID_FACTS: dict[str, tuple[ContainerScope | None, int]] = {}
_RESOURCE_END = "/providers/microsoft.security/assessments/"


def _id_facts(lowered: str) -> tuple[ContainerScope | None, int]:
    """`CONTAINER_KEYS[assessment_key(id)]` and the `resource_of` cut of an ASCII record id, lowercased."""
    head = lowered[: lowered.rfind("/")]
    facts = _ID_FACTS.get(head)
    if facts is None:
        if head.endswith("/assessments"):  # the key would be the last segment itself: not shared
            return CONTAINER_KEYS.get(assessment_key(lowered) or ""), lowered.rfind(_RESOURCE_END)
        facts = CONTAINER_KEYS.get(assessment_key(head) or ""), head.rfind(_RESOURCE_END)
        if len(_ID_FACTS) >= 4096:
            _ID_FACTS.clear()
        _ID_FACTS[head] = facts
    return facts


def _scope(key_scope: ContainerScope | None, resource_type: str | None) -> ContainerScope | None:
    """The container scope, as `mapper._container_scope` finds it; None when not a container finding."""
    if not resource_type:
        return key_scope
    type_scope = CONTAINER_RESOURCE_TYPES.get(resource_type.lower())
    return None if type_scope is None else key_scope or type_scope


_KINDS: dict[str | None, RecordKind] = {None: RecordKind.UNKNOWN}  # `type` as sent → kind (a few spellings)


def _kind(rtype: str | None) -> RecordKind:
    """The kind of a `type` (UNKNOWN for a type the table lacks: the careful path looks further)."""
    if rtype is None:
        return RecordKind.UNKNOWN
    if len(_KINDS) >= 256:
        _KINDS.clear()
        _KINDS[None] = RecordKind.UNKNOWN
    kind = _KINDS[rtype] = TYPE_KINDS.get(rtype.strip().lower(), RecordKind.UNKNOWN)
    return kind


def map_fast(text: Text, enqueued: Timestamp | None) -> dict[str, Any] | None:
    """The event of an MDVM container-image sub-assessment of the canonical shape, else None."""
    rec = _decode(text)
    if rec is None or (_KINDS.get(rec.type) or _kind(rec.type)) is not RecordKind.SUB_ASSESSMENT:
        return None
    props = rec.properties
    ad = props.additionalData if props is not None else None
    rid = rec.id
    if props is None or ad is None or not rid or not rid.isascii() or "/" not in rid:
        return None
    lowered = rid.lower()
    key_scope, cut = _id_facts(lowered)
    scope = _scope(key_scope, ad.assessedResourceType)
    if scope is None:
        return None
    try:
        return _finding(
            rec,
            props,
            ad,
            scope=scope,
            lowered_id=lowered,
            resource=rid[:cut] if cut > 0 else rid,
            text=text,
            enqueued=enqueued,
        )
    except BodyFallback:
        raise
    except Exception:  # FieldProblem, or a bug: the careful path reports either, with its path
        return None


def _finding(
    rec: Record,
    props: Properties,
    ad: Additional,
    *,
    scope: ContainerScope,
    lowered_id: str,
    resource: str,
    text: Text,
    enqueued: Timestamp | None,
) -> dict[str, Any] | None:
    """`subassessments.map_subassessment`, step for step, for a record that decoded into the structs."""
    generated = parse_timestamp(props.timeGenerated) if props.timeGenerated else None
    if generated is None:
        return None
    artifact = bytes(ad.artifactDetails)
    legacy = scope.legacy or (ad.imageDigest is not None and artifact in _ABSENT)
    sd = _NO_SOFTWARE if legacy else ad.softwareDetails or _NO_SOFTWARE
    status = props.status or _NO_STATUS

    event = base_event(EventType.VULNERABILITY_FINDING)
    event["timestamp"] = enqueued[1] if enqueued is not None and enqueued[0] > generated[0] else generated[1]
    event["finding.time.created"] = generated[1]
    blocks = (props, sd)
    for field, block, key in _COPIES:
        value = getattr(blocks[block], key)
        if value:
            event[field] = value
    if legacy:
        legacy_key = (
            bytes(ad.cve),
            bytes(ad.cvss),
            props.id,
            props.displayName,
            status.severity,
            ad.patchable,
        )
        _LEGACY.apply(legacy_key, _derive_legacy, event, text)
    else:
        vuln_key = (
            bytes(ad.vulnerabilityDetails),
            props.id,
            props.displayName,
            status.severity,
            ad.cvssV30Score,
        )
        _VULNERABILITIES.apply(vuln_key, _derive_vulnerability, event, text)
        _remediation(sd, event)
    action = _action(rec)
    code = (status.code or "").lower()
    resolved = code == "healthy" or (action or "").lower() == "delete"
    event["vulnerability.resolution.status"] = "RESOLVED" if resolved else "OPEN"
    muted = code == "notapplicable" and (status.cause or "").lower() == "exempt"
    event["vulnerability.mute.status"] = "MUTED" if muted else "NOT_MUTED"

    image_key = (  # what `image_context` reads (of the scope, only the provider)
        artifact,
        bytes(props.resourceDetails),
        ad.imageDigest if legacy else None,
        ad.repositoryName if legacy else None,
        resource,
        rec.tenantId,
        scope.provider,
        generated[1],
        legacy,
    )
    _IMAGES.apply(image_key, _derive_image, event, text, resource, scope, generated, legacy)
    if scope.runtime:
        _KUBERNETES.apply(bytes(ad.kubernetesDetails), _derive_kubernetes, event, text)

    component = (
        ad.imageName or event.get("container_image.repository") or event["container_image.digest"]
        if legacy
        else sd.packageName
    )
    if not component:
        return None
    event["component.name"] = component
    vuln_id: str = event["vulnerability.id"]
    version = sd.version
    title = f"{vuln_id} in {component} {version}" if version else f"{vuln_id} in {component}"
    event["finding.title"] = (props.displayName or title) if legacy else title
    event["finding.id"] = lowered_id
    event["scan.name"] = QUALYS_SCANNER if legacy else MDVM_SCANNER
    event["event.id"] = event_id(lowered_id, action, generated[1])
    return event


def _remediation(sd: Software, event: dict[str, Any]) -> None:
    fixed = sd.fixedVersion
    available = bool(fixed) or (sd.fixStatus or "").lower() == "fixavailable" or sd.patchable
    event["vulnerability.remediation.status"] = "AVAILABLE" if available else "NOT_AVAILABLE"
    if fixed:
        event["vulnerability.remediation.fix_versions"] = [fixed]


def _action(rec: Record) -> str | None:
    """`common.enrichment_action` over the structs: the first non-empty action, most specific block first."""
    block = rec.subAssessmentEventDataEnrichment
    if block is not None and block.action:
        return block.action
    block = rec.assessmentEventDataEnrichment
    if block is not None and block.action:
        return block.action
    block = rec.securityEventDataEnrichment
    return block.action if block is not None and block.action else None


# subassessments.COPIES with the block names as indexes into (properties, softwareDetails).
_COPIES = tuple((field, ("props", "sd").index(block), key) for field, block, key in COPIES)

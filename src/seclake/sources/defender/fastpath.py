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
from seclake.sources.defender.access import ci, opt_dict
from seclake.sources.defender.classify import (
    CONTAINER_KEYS,
    CONTAINER_RESOURCE_TYPES,
    TYPE_KINDS,
    ContainerScope,
    RecordKind,
    assessment_key,
)
from seclake.sources.defender.common import base_event, cloud_provider
from seclake.sources.defender.identity import event_id
from seclake.sources.defender.images import (
    Image,
    acr_registry,
    kubernetes_context,
    parse_image_ref,
    segment_after,
    tags_value,
)
from seclake.sources.defender.memo import Memo, SlotMemo
from seclake.sources.defender.scans import DELETED, SCAN_STATUS, assessment_event, scanned
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
_FINDING = base_event(EventType.VULNERABILITY_FINDING)
_VULNERABILITIES = Memo()
_LEGACY = Memo()
_ABSENT = (b"", b"null")
_DECODERS = (RECORD, PASCAL_RECORD)  # the camelCase and PascalCase shapes, the last one that worked first
_IMAGES = SlotMemo()
_IMAGE_SLOTS = _IMAGES.slots
_KUBERNETES = Memo()
_PROVIDERS = Memo()


class BodyFallback(Exception):  # noqa: N818 - a signal to the caller, never seen outside the package
    """orjson refuses a record msgspec accepted: map the whole body the careful way."""


def clear_memos() -> None:
    for memo in (_VULNERABILITIES, _LEGACY, _IMAGES, _KUBERNETES, _PROVIDERS):
        memo.clear()


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


def _template(out: dict[str, Any]) -> None:
    """Start an event template: the constant fields, then the per-record times (set on every copy)."""
    out.update(_FINDING)
    out["timestamp"] = out["finding.time.created"] = None


def _derive_vulnerability(out: dict[str, Any], text: Text, sd: Software) -> None:
    """An event template: the vulnerability fields (careful derivation), remediation, component, title."""
    _template(out)
    _, props, ad = _blocks(text)
    vd = opt_dict(ad, "vulnerabilityDetails", _AD)
    mdvm_vulnerability(props, ad, vd, opt_dict(props, "status", _P), out)
    fixed = sd.fixedVersion  # subassessments._remediation over the struct
    available = bool(fixed) or (sd.fixStatus or "").lower() == "fixavailable" or sd.patchable
    out["vulnerability.remediation.status"] = "AVAILABLE" if available else "NOT_AVAILABLE"
    if fixed:
        out["vulnerability.remediation.fix_versions"] = [fixed]
    component, version, vuln_id = sd.packageName, sd.version, out["vulnerability.id"]
    if version:
        out["component.version"] = version
    out["component.name"] = component
    out["finding.title"] = f"{vuln_id} in {component} {version}" if version else f"{vuln_id} in {component}"


def _derive_legacy(out: dict[str, Any], text: Text) -> None:
    _template(out)
    _, props, ad = _blocks(text)
    legacy_vulnerability(props, ad, out)


def _derive_image(  # noqa: PLR0917 - the memo passes them through positionally
    out: dict[str, Any], text: Text, resource: str, scope: ContainerScope, generated: Timestamp, legacy: bool
) -> None:
    """The image context (careful derivation), and the scanner, which follows from `legacy`."""
    record, props, _ = _blocks(text)
    image_context(record, props, out, resource=resource, scope=scope, generated=generated, legacy=legacy)
    out["scan.name"] = QUALYS_SCANNER if legacy else MDVM_SCANNER


def _derive_kubernetes(out: dict[str, Any], text: Text) -> None:
    kubernetes_context(_blocks(text)[2], out)


# (record id up to its last "/", assessedResourceType) → (container scope, as `mapper._container_scope`
# finds it, or None; the assessed resource, as `images.resource_of` cuts it from the id, or None when
# that is the whole id). Every finding of one image assessment shares the key: only the
# sub-assessment's own name, after the last "/", differs.
_ID_FACTS: dict[tuple[str, str | None], tuple[ContainerScope | None, str | None]] = {}
_RESOURCE_END = "/providers/microsoft.security/assessments/"


def _id_facts(rid: str, resource_type: str | None) -> tuple[ContainerScope | None, str | None]:
    """Scope and assessed resource of a record with an ASCII id containing "/" (cached by its head)."""
    head = rid[: rid.rfind("/")]
    facts = _ID_FACTS.get((head, resource_type))
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
            if len(_ID_FACTS) >= 4096:
                _ID_FACTS.clear()
            _ID_FACTS[head, resource_type] = facts
    return facts


def _scope(key_scope: ContainerScope | None, resource_type: str | None) -> ContainerScope | None:
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


def map_fast(text: Text, enqueued: Timestamp | None) -> dict[str, Any] | str | None:
    """The event (or skip reason) of a container-image (sub-)assessment of the canonical shape, else None."""
    global _DECODERS  # noqa: PLW0603 - an ordering hint only: the casing that decoded last goes first
    try:
        rec = _DECODERS[0].decode(text)
    except msgspec.DecodeError:  # ValidationError included: another shape, casing or type
        try:
            rec = _DECODERS[1].decode(text)
        except msgspec.DecodeError:
            return None
        _DECODERS = _DECODERS[::-1]
    kind = _KINDS.get(rec.type) or _kind(rec.type)
    props = rec.properties
    ad = props.additionalData if props is not None else None
    rid = rec.id
    if props is None or ad is None or not rid or not rid.isascii() or "/" not in rid:
        return None
    try:
        if kind is RecordKind.SUB_ASSESSMENT:
            return _finding(rec, props, ad, text, enqueued)
        if kind is RecordKind.ASSESSMENT:
            return _assessment(rec, props, ad, text, enqueued)
        return None
    except BodyFallback:
        raise
    except Exception:  # FieldProblem, or a bug: the careful path reports either, with its path
        return None


def _finding(
    rec: Record, props: Properties, ad: Additional, text: Text, enqueued: Timestamp | None
) -> dict[str, Any] | None:
    """`subassessments.map_subassessment`, step for step, for a record that decoded into the structs."""
    rid: str = rec.id  # type: ignore[assignment]  # checked by map_fast
    resource_type = ad.assessedResourceType
    facts = _ID_FACTS.get((rid[: rid.rfind("/")], resource_type)) or _id_facts(rid, resource_type)
    scope = facts[0]
    if scope is None:
        return None
    resource = facts[1] or rid
    lowered_id = rid.lower()
    generated = parse_timestamp(props.timeGenerated) if props.timeGenerated else None
    if generated is None:
        return None
    legacy = scope.legacy or (ad.imageDigest is not None and bytes(ad.artifactDetails) in _ABSENT)
    sd = _NO_SOFTWARE if legacy else ad.softwareDetails or _NO_SOFTWARE
    status = props.status or _NO_STATUS

    if legacy:
        legacy_key = (
            bytes(ad.cve),
            bytes(ad.cvss),
            props.id,
            props.displayName,
            status.severity,
            ad.patchable,
        )
        fields, lists = _LEGACY.get(legacy_key) or _LEGACY.fill(legacy_key, _derive_legacy, text)
    else:
        if not sd.packageName:
            return None  # the careful path reports the missing package
        vuln_key = (  # what the vulnerability, remediation and component fields follow from
            bytes(ad.vulnerabilityDetails),
            props.id,
            props.displayName,
            status.severity,
            ad.cvssV30Score,
            sd.packageName,
            sd.version,
            sd.fixedVersion,
            sd.fixStatus,
            sd.patchable,
        )
        fields, lists = _VULNERABILITIES.get(vuln_key) or _VULNERABILITIES.fill(
            vuln_key, _derive_vulnerability, text, sd
        )
    event = fields.copy()  # the part is a whole event template: cloning it is the cheapest start
    event["timestamp"] = enqueued[1] if enqueued is not None and enqueued[0] > generated[0] else generated[1]
    event["finding.time.created"] = generated[1]
    for name in lists:  # every event gets its own lists
        event[name] = fields[name].copy()
    if props.description:  # subassessments.COPIES, spelled out (held equal by a test)
        event["vulnerability.description"] = props.description
    if props.remediation:
        event["vulnerability.remediation.description"] = props.remediation
    block = rec.subAssessmentEventDataEnrichment  # common.enrichment_action, over the structs
    action = block.action if block is not None else None
    if not action:
        action = _action(rec)
    code = (status.code or "").lower()
    resolved = code == "healthy" or (action or "").lower() == "delete"
    event["vulnerability.resolution.status"] = "RESOLVED" if resolved else "OPEN"
    muted = code == "notapplicable" and (status.cause or "").lower() == "exempt"
    event["vulnerability.mute.status"] = "MUTED" if muted else "NOT_MUTED"

    image_facts = (  # what `image_context` reads besides the resource (of the scope, the provider)
        ad.artifactDetails,
        props.resourceDetails,
        ad.imageDigest if legacy else None,
        ad.repositoryName if legacy else None,
        rec.tenantId,
        scope.provider,
        generated[1],
        legacy,
    )
    slot = _IMAGE_SLOTS.get(resource)
    if slot is not None and slot[0] == image_facts:
        fields, lists = slot[1]
    else:
        fields, lists = _IMAGES.recall(
            resource, image_facts, _derive_image, text, resource, scope, generated, legacy
        )
    event.update(fields)
    for name in lists:
        event[name] = fields[name].copy()
    if scope.runtime:
        _KUBERNETES.apply(bytes(ad.kubernetesDetails), _derive_kubernetes, event, text)
    if legacy:  # the component is the image (`subassessments._component`): known only now
        component = ad.imageName or event.get("container_image.repository") or event["container_image.digest"]
        event["component.name"] = component
        event["finding.title"] = props.displayName or f"{event['vulnerability.id']} in {component}"
    event["finding.id"] = lowered_id
    event["event.id"] = event_id(lowered_id, action, generated[1])
    return event


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


# The fast path spells these copies out; a test holds it to the table.
COPIED: tuple[tuple[str, str, str], ...] = (
    ("vulnerability.description", "props", "description"),
    ("vulnerability.remediation.description", "props", "remediation"),
    ("component.version", "sd", "version"),
)


def _derive_provider(out: dict[str, Any], text: Text, default: str) -> None:
    _, props, _ = _blocks(text)
    out["cloud.provider"] = cloud_provider(ci(opt_dict(props, "resourceDetails", _P), "source"), default)


def _assessment(
    rec: Record, props: Properties, ad: Additional, text: Text, enqueued: Timestamp | None
) -> dict[str, Any] | str | None:
    """`mapper._assessment` and `scans.map_assessment`, step for step, over the structs."""
    rid: str = rec.id  # type: ignore[assignment]  # checked by map_fast
    lowered = rid.lower()
    scope, _ = _id_facts(rid, ad.assessedResourceType)
    if scope is None:
        return None  # the careful path names the skip
    if (_action(rec) or "").lower() == "delete":
        return DELETED
    uri = ad.ImageUri
    registry, repository, digest = parse_image_ref(uri) if uri else (None, None, None)
    digest = ad.Digest or digest
    if not digest:
        return None  # the careful path looks for it in the resource ids
    image = Image(
        registry or acr_registry(rid),
        repository or segment_after(rid, lowered, "/repositories/"),
        digest,
        tags_value(ad.Tags, _AD + ".tags"),
    )
    status = props.status or _NO_STATUS
    code_key = (status.code or "").lower()
    cause = (status.cause or "").lower()
    outcome = SCAN_STATUS.get((code_key, cause)) or SCAN_STATUS.get((code_key, None))
    stamp = props.timeGenerated or status.statusChangeDate
    generated = parse_timestamp(stamp) if stamp else enqueued
    if outcome is None or generated is None:
        return None
    if outcome[1]:
        text_ = status.description or status.cause
        description: str | None = f"{outcome[1]}: {text_}" if text_ else outcome[1]
    else:
        count = ad.CvesCount
        valid = type(count) in (str, int) and str(count).strip().isdecimal()
        description = scanned(int(count), ad.HighestSeverity) if valid else None
    fields, _ = _PROVIDERS.get((bytes(props.resourceDetails), scope.provider)) or _PROVIDERS.fill(
        (bytes(props.resourceDetails), scope.provider), _derive_provider, text, scope.provider
    )
    record = {"id": rid} if rec.tenantId is None else {"id": rid, "tenantId": rec.tenantId}
    return assessment_event(
        image,
        outcome[0],
        generated,
        enqueued,
        description=description,
        provider=fields["cloud.provider"],
        record=record,
    )

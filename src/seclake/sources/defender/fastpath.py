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
from seclake.sources.defender.common import base_event, event_time
from seclake.sources.defender.identity import event_id, finding_id_fallback
from seclake.sources.defender.images import kubernetes_context, resource_of
from seclake.sources.defender.memo import Memo
from seclake.sources.defender.schema import PASCAL_RECORD, RECORD, Properties, Record, Software, Status
from seclake.sources.defender.subassessments import (
    COPIES,
    MDVM_SCANNER,
    image_context,
    mdvm_vulnerability,
)
from seclake.sources.defender.times import Timestamp, parse_timestamp

__all__ = ["BodyFallback", "Text", "clear_memos", "map_fast"]

Text = msgspec.Raw | bytes
_P = "$.properties"
_NO_STATUS = Status()
_NO_SOFTWARE = Software()
_VULNERABILITIES = Memo()
_IMAGES = Memo()
_KUBERNETES = Memo()


class BodyFallback(Exception):  # noqa: N818 - a signal to the caller, never seen outside the package
    """orjson refuses a record msgspec accepted: map the whole body the careful way."""


def clear_memos() -> None:
    for memo in (_VULNERABILITIES, _IMAGES, _KUBERNETES):
        memo.clear()


def _decode(text: Text) -> Record | None:
    """The record as structs when it has the canonical shape in one casing; None otherwise."""
    for decoder in (RECORD, PASCAL_RECORD):
        try:
            return decoder.decode(text)
        except msgspec.DecodeError:  # ValidationError included: another shape, casing or type
            continue
    return None


class _Parsed:
    """The record as dicts, parsed (once) only when a memo misses; and the blocks the careful code reads."""

    def __init__(self, text: Text) -> None:
        self._text = text
        self._record: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        if self._record is None:
            try:
                parsed = orjson.loads(memoryview(self._text))
            except orjson.JSONDecodeError:
                raise BodyFallback from None
            if type(parsed) is not dict:
                raise BodyFallback
            self._record = parsed
        return self._record

    def props(self) -> dict[str, Any]:
        return opt_dict(self.record(), "properties", "$")

    def additional(self) -> dict[str, Any]:
        return opt_dict(self.props(), "additionalData", _P)


def _scope(rec: Record, props: Properties) -> ContainerScope | None:
    """The container scope, as `mapper._container_scope` finds it; None when not a container finding."""
    key_scope = CONTAINER_KEYS.get(assessment_key(rec.id) or "")
    ad = props.additionalData
    resource_type = ad.assessedResourceType if ad is not None else None
    if not resource_type:
        return key_scope
    type_scope = CONTAINER_RESOURCE_TYPES.get(resource_type.lower())
    return None if type_scope is None else key_scope or type_scope


def _action(rec: Record) -> str | None:
    """`common.enrichment_action` over the structs: the first non-empty action, most specific block first."""
    for block in (
        rec.subAssessmentEventDataEnrichment,
        rec.assessmentEventDataEnrichment,
        rec.securityEventDataEnrichment,
    ):
        if block is not None and block.action:
            return block.action
    return None


def map_fast(text: Text, enqueued: Timestamp | None) -> dict[str, Any] | None:
    """The event of an MDVM container-image sub-assessment of the canonical shape, else None."""
    rec = _decode(text)
    if (
        rec is None
        or rec.type is None
        or TYPE_KINDS.get(rec.type.strip().lower()) is not RecordKind.SUB_ASSESSMENT
    ):
        return None
    props = rec.properties
    if props is None or props.additionalData is None:
        return None
    scope = _scope(rec, props)
    if scope is None or scope.legacy:
        return None
    try:
        return _finding(rec, props, scope, _Parsed(text), enqueued)
    except BodyFallback:
        raise
    except Exception:  # FieldProblem, or a bug: the careful path reports either, with its path
        return None


def _finding(
    rec: Record, props: Properties, scope: ContainerScope, parsed: _Parsed, enqueued: Timestamp | None
) -> dict[str, Any] | None:
    """`subassessments.map_subassessment`, step for step, for a record that decoded into the structs."""
    ad = props.additionalData
    assert ad is not None  # checked by the caller
    generated = parse_timestamp(props.timeGenerated) if props.timeGenerated else None
    if generated is None:
        return None
    sd = ad.softwareDetails or _NO_SOFTWARE
    status = props.status or _NO_STATUS

    event = base_event(EventType.VULNERABILITY_FINDING)
    event["timestamp"] = event_time(generated, enqueued)
    event["finding.time.created"] = generated[1]
    blocks = {"props": props, "sd": sd}
    for field, block, key in COPIES:
        value = getattr(blocks[block], key)
        if value:
            event[field] = value

    def vulnerability(out: dict[str, Any]) -> None:
        p, a = parsed.props(), parsed.additional()
        vd = opt_dict(a, "vulnerabilityDetails", _P + ".additionalData")
        mdvm_vulnerability(p, a, vd, opt_dict(p, "status", _P), out)

    vuln_key = (bytes(ad.vulnerabilityDetails), props.id, props.displayName, status.severity, ad.cvssV30Score)
    _VULNERABILITIES.apply(vuln_key, vulnerability, event)

    fixed = sd.fixedVersion
    available = bool(fixed) or (sd.fixStatus or "").lower() == "fixavailable" or sd.patchable
    event["vulnerability.remediation.status"] = "AVAILABLE" if available else "NOT_AVAILABLE"
    if fixed:
        event["vulnerability.remediation.fix_versions"] = [fixed]

    action = _action(rec)
    code = (status.code or "").lower()
    resolved = (action or "").lower() == "delete" or code == "healthy"
    event["vulnerability.resolution.status"] = "RESOLVED" if resolved else "OPEN"
    muted = code == "notapplicable" and (status.cause or "").lower() == "exempt"
    event["vulnerability.mute.status"] = "MUTED" if muted else "NOT_MUTED"

    resource = resource_of(rec.id)

    def image(out: dict[str, Any]) -> None:
        image_context(
            parsed.record(),
            parsed.props(),
            out,
            resource=resource,
            scope=scope,
            generated=generated,
            legacy=False,
        )

    image_key = (
        bytes(ad.artifactDetails),
        bytes(props.resourceDetails),
        resource,
        rec.tenantId,
        scope,
        generated[1],
    )
    _IMAGES.apply(image_key, image, event)
    if scope.runtime:
        _KUBERNETES.apply(
            (bytes(ad.kubernetesDetails),), lambda out: kubernetes_context(parsed.additional(), out), event
        )

    component = sd.packageName
    if not component:
        return None
    event["component.name"] = component
    vuln_id: str = event["vulnerability.id"]
    version = event.get("component.version")
    event["finding.title"] = f"{vuln_id} in {component} {version}" if version else f"{vuln_id} in {component}"
    event["finding.id"] = (rec.id.lower() if rec.id else None) or finding_id_fallback(
        event["object.id"], vuln_id, component, version
    )
    event["scan.name"] = MDVM_SCANNER
    event["event.id"] = event_id(event["finding.id"], action, generated[1])
    return event

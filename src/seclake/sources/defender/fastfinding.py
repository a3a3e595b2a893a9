"""Fast path, sub-assessments: one container-image sub-assessment (MDVM or legacy Qualys), decoded into
the `schema` structs → its VULNERABILITY_FINDING event, exactly as `subassessments.map_subassessment`
builds it from the parsed dict (the same fields and values; the key order may differ).

What follows from big, repeated blocks is memoized by the blocks' original bytes plus the scalars the
derivation reads: the vulnerability, remediation and component fields (kept as a whole event template,
which each event clones), the image, cloud, Azure and scan fields, and the Kubernetes context. On a
miss the record is parsed with orjson and the careful derivation runs on the dicts, so every memoized
field is by construction the careful path's. Answers None ("take the careful path") for anything a
careful rule would reject.
"""

from __future__ import annotations

from typing import Any

from seclake.model import EventType
from seclake.sources.defender.access import opt_dict
from seclake.sources.defender.classify import ContainerScope
from seclake.sources.defender.common import base_event
from seclake.sources.defender.fastread import (
    AD,
    ID_FACTS,
    NO_SOFTWARE,
    NO_STATUS,
    P,
    Text,
    blocks,
    id_facts,
)
from seclake.sources.defender.fastread import action as action_of
from seclake.sources.defender.identity import event_id
from seclake.sources.defender.images import kubernetes_context
from seclake.sources.defender.memo import Memo, SlotMemo
from seclake.sources.defender.schema import Additional, Properties, Record, Software
from seclake.sources.defender.subassessments import (
    MDVM_SCANNER,
    QUALYS_SCANNER,
    image_context,
    legacy_vulnerability,
    mdvm_vulnerability,
)
from seclake.sources.defender.times import Timestamp, parse_timestamp

__all__ = ["COPIED", "MEMOS", "finding"]

_FINDING = base_event(EventType.VULNERABILITY_FINDING)
_ABSENT = (b"", b"null")
_VULNERABILITIES = Memo()
_LEGACY = Memo()
_IMAGES = SlotMemo()
_IMAGE_SLOTS = _IMAGES.slots
_KUBERNETES = Memo()
MEMOS = (_VULNERABILITIES, _LEGACY, _IMAGES, _KUBERNETES)

# The fast path spells these copies out; a test holds it to the table.
COPIED: tuple[tuple[str, str, str], ...] = (
    ("vulnerability.description", "props", "description"),
    ("vulnerability.remediation.description", "props", "remediation"),
    ("component.version", "sd", "version"),
)


def _template(out: dict[str, Any]) -> None:
    """Start an event template: the constant fields, then the per-record times (set on every copy)."""
    out.update(_FINDING)
    out["timestamp"] = out["finding.time.created"] = None


def _derive_vulnerability(out: dict[str, Any], text: Text, sd: Software) -> None:
    """An event template: the vulnerability fields (careful derivation), remediation, component, title."""
    _template(out)
    _, props, ad = blocks(text)
    vd = opt_dict(ad, "vulnerabilityDetails", AD)
    mdvm_vulnerability(props, ad, vd, opt_dict(props, "status", P), out)
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
    _, props, ad = blocks(text)
    legacy_vulnerability(props, ad, out)


def _derive_image(  # noqa: PLR0917 - the memo passes them through positionally
    out: dict[str, Any], text: Text, resource: str, scope: ContainerScope, generated: Timestamp, legacy: bool
) -> None:
    """The image context (careful derivation), and the scanner, which follows from `legacy`."""
    record, props, _ = blocks(text)
    image_context(record, props, out, resource=resource, scope=scope, generated=generated, legacy=legacy)
    out["scan.name"] = QUALYS_SCANNER if legacy else MDVM_SCANNER


def _derive_kubernetes(out: dict[str, Any], text: Text) -> None:
    kubernetes_context(blocks(text)[2], out)


def finding(
    rec: Record, props: Properties, ad: Additional, text: Text, enqueued: Timestamp | None
) -> dict[str, Any] | None:
    """`subassessments.map_subassessment`, step for step, for a record that decoded into the structs."""
    rid: str = rec.id  # type: ignore[assignment]  # checked by map_fast
    resource_type = ad.assessedResourceType
    facts = ID_FACTS.get((rid[: rid.rfind("/")], resource_type)) or id_facts(rid, resource_type)
    scope = facts[0]
    if scope is None:
        return None
    resource = facts[1] or rid
    lowered_id = rid.lower()
    generated = parse_timestamp(props.timeGenerated) if props.timeGenerated else None
    if generated is None:
        return None
    legacy = scope.legacy or (ad.imageDigest is not None and bytes(ad.artifactDetails) in _ABSENT)
    sd = NO_SOFTWARE if legacy else ad.softwareDetails or NO_SOFTWARE
    status = props.status or NO_STATUS

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
        action = action_of(rec)
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

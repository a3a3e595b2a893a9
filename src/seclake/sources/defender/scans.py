"""VULNERABILITY_SCAN events: one per image scan.

Two sources report a scan:
- every container-image finding implies the scan that produced it (`scan_from_finding`, status
  COMPLETED, sharing the finding's `scan.id`);
- per-image assessments (2024 keys and running containers) report each scanned image, clean or not,
  and the images that were not scanned (`map_assessment`): Healthy and Unhealthy → COMPLETED,
  NotApplicable → NOT_SCANNED with Defender's reason in `event.description` (except cause Exempt:
  the image was scanned and its findings arrive muted, so COMPLETED).
Both give the same `scan.id` and `event.id` for one evaluation of one image, so a scan reported both
ways is one event. A scan event never carries `finding.*`, `vulnerability.*`, `component.*` or
`dt.security.risk.*`.
"""

from __future__ import annotations

from typing import Any

from seclake.model import EventType
from seclake.sources.defender.access import FieldProblem, ci, opt_dict, opt_str, opt_time
from seclake.sources.defender.classify import ContainerScope
from seclake.sources.defender.common import base_event, cloud_provider, enrichment_action, event_time
from seclake.sources.defender.identity import scan_event_id, scan_id
from seclake.sources.defender.images import Image, azure_context, image_from_assessment
from seclake.sources.defender.subassessments import MDVM_SCANNER
from seclake.sources.defender.times import Timestamp

__all__ = [
    "DELETED",
    "NOT_PER_IMAGE",
    "SCAN_STATUS",
    "SHARED_FIELDS",
    "assessment_event",
    "map_assessment",
    "scan_from_finding",
    "scanned",
]

# Skip reasons of per-image assessments.
DELETED = "assessment_deleted"
NOT_PER_IMAGE = "assessment_not_per_image"

# Fields a finding shares with the scan event of its scan.
SHARED_FIELDS: tuple[str, ...] = (
    "timestamp",
    "scan.id",
    "scan.name",
    "object.id",
    "object.name",
    "container_image.digest",
    "container_image.registry",
    "container_image.repository",
    "container_image.tags",
    "cloud.provider",
    "cloud.region",
    "azure.tenant.id",
    "azure.subscription",
    "azure.resource.group",
    "azure.resource.id",
)
# Per-image assessment (status.code, status.cause), lowercased → (scan.status, prefix of Defender's reason in
# event.description, or None to describe the result). The cause-specific row wins over the code's row.
SCAN_STATUS: dict[tuple[str, str | None], tuple[str, str | None]] = {
    ("healthy", None): ("COMPLETED", None),
    ("unhealthy", None): ("COMPLETED", None),
    ("notapplicable", "exempt"): ("COMPLETED", "Exempt"),  # scanned; its findings arrive muted
    ("notapplicable", None): ("NOT_SCANNED", "Not scanned"),  # Unscanned and any other reason
}
_P = "$.properties"
_AD = _P + ".additionalData"


def scan_from_finding(finding: dict[str, Any]) -> dict[str, Any]:
    """The COMPLETED scan event implied by a container-image finding."""
    event = base_event(EventType.VULNERABILITY_SCAN)
    get = finding.get
    event.update({name: value for name in SHARED_FIELDS if (value := get(name)) is not None})
    event["scan.status"] = "COMPLETED"
    event["scan.time.completed"] = finding["finding.time.created"]
    event["event.id"] = scan_event_id(finding["scan.id"])
    return event


def _assessment_time(record: dict[str, Any], props: dict[str, Any]) -> Timestamp | None:
    status = opt_dict(props, "status", _P)
    return (
        opt_time(props, "timeGenerated", _P)
        or opt_time(record, "timeGenerated", "$")
        or opt_time(status, "statusChangeDate", _P + ".status")
    )


def map_assessment(
    record: dict[str, Any], scope: ContainerScope, enqueued: Timestamp | None
) -> dict[str, Any] | str:
    """The scan event of a per-image assessment, or the reason it is skipped (raises FieldProblem)."""
    if (enrichment_action(record) or "").lower() == "delete":
        return DELETED
    props = opt_dict(record, "properties", "$")
    ad = opt_dict(props, "additionalData", _P)
    record_id = opt_str(record, "id", "$")
    image = image_from_assessment(record_id, props, ad)
    if image is None:
        if not scope.per_image:
            return NOT_PER_IMAGE
        raise FieldProblem(_AD + ".digest", "missing: a per-image assessment needs the image digest")
    status = opt_dict(props, "status", _P)
    code = opt_str(status, "code", _P + ".status")
    code_key = (code or "").lower()
    cause = (opt_str(status, "cause", _P + ".status") or "").lower()
    outcome = SCAN_STATUS.get((code_key, cause)) or SCAN_STATUS.get((code_key, None))
    if outcome is None:
        raise FieldProblem(_P + ".status.code", f"expected Healthy, Unhealthy or NotApplicable, got {code!r}")
    generated = _assessment_time(record, props) or enqueued
    if generated is None:
        raise FieldProblem(_P + ".timeGenerated", "missing: the evaluation time is required")

    description = _description(status, ad, outcome[1])
    provider = cloud_provider(ci(opt_dict(props, "resourceDetails", _P), "source"), scope.provider)
    return assessment_event(
        image, outcome[0], generated, enqueued, description=description, provider=provider, record=record
    )


def assessment_event(
    image: Image,
    status: str,
    generated: Timestamp,
    enqueued: Timestamp | None,
    *,
    description: str | None,
    provider: str,
    record: dict[str, Any],
) -> dict[str, Any]:
    """The scan event of a per-image assessment from what was read of it (`record`: its `id`, `tenantId`)."""
    event = base_event(EventType.VULNERABILITY_SCAN)
    event["timestamp"] = event_time(generated, enqueued)
    event["scan.id"] = scan_id(image.ref, generated[1])
    event["scan.name"] = MDVM_SCANNER
    event["scan.status"] = status
    event["scan.time.completed"] = generated[1]
    if description:
        event["event.description"] = description
    event["object.id"] = image.ref
    event["object.name"] = image.name
    event["container_image.digest"] = image.digest
    for field, value in (
        ("container_image.registry", image.registry),
        ("container_image.repository", image.repository),
        ("container_image.tags", list(image.tags)),
    ):
        if value:
            event[field] = value
    event["cloud.provider"] = provider
    azure_context(record, opt_str(record, "id", "$"), event)
    event["event.id"] = scan_event_id(event["scan.id"])
    return event


def _description(status: dict[str, Any], ad: dict[str, Any], prefix: str | None) -> str | None:
    """Defender's reason under `prefix`; else the vulnerability count when the assessment gives it."""
    if prefix:
        text = opt_str(status, "description", _P + ".status") or opt_str(status, "cause", _P + ".status")
        return f"{prefix}: {text}" if text else prefix
    count = ci(ad, "cvesCount")
    if type(count) in (str, int) and str(count).strip().isdecimal():
        return scanned(int(count), opt_str(ad, "highestSeverity", _AD))
    return None


def scanned(count: int, severity: str | None) -> str:
    """`event.description` of a scanned image: its vulnerability count and highest severity."""
    tail = f", highest severity {severity}" if severity and count else ""
    noun = "vulnerability" if count == 1 else "vulnerabilities"
    return f"Scanned: {count} {noun}{tail}"

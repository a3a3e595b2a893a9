"""Independent readers for generated exports: body shapes, case-insensitive keys, record kinds.

Written from docs/defender-export.md, not from the generator's code, so the tests check the generator
against the documented shapes rather than against itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

BOM = b"\xef\xbb\xbf"
CONTAINER_TYPES = {
    "AzureContainerRegistryVulnerability",
    "AwsContainerRegistryVulnerability",
    "GcpContainerRegistryVulnerability",
    "AzureRuntimeImageVulnerability",
    "AwsRuntimeImageVulnerability",
    "GcpRuntimeImageVulnerability",
}
FIRST_GEN_KEYS = {
    "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5": "azure registry",
    "c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5": "azure running",
    "c27441ae-775c-45be-8ffa-655de37362ce": "aws registry",
    "682b2595-d045-4cff-b5aa-46624eb2dd8f": "aws running",
    "5cc3a2c1-8397-456f-8792-fe9d0d4c9145": "gcp registry",
    "e538731a-80c8-4317-a119-13075e002516": "gcp running",
}
NEW_KEYS = {
    "33422d8f-ab1e-42be-bc9a-38685bb567b9": "azure registry",
    "e9acaf48-d2cf-45a3-a6e7-3caa2ef769e0": "azure running",
    "2a139383-ec7e-462a-90ac-b1b60e87d576": "aws registry",
    "d5d1e526-363a-4223-b860-f4b6e710859f": "aws running",
    "24e37609-dcf5-4a3b-b2b0-b7d76f2e4e04": "gcp registry",
    "c7c1d31d-a604-4b86-96df-63448618e165": "gcp running",
}
QUALYS_KEY = "dbd0cb49-b563-45e7-9724-889e799fa648"
NEW_REGISTRY_KEYS = {k for k, scope in NEW_KEYS.items() if scope.endswith("registry")}
FIRST_GEN_REGISTRY_KEYS = {k for k, scope in FIRST_GEN_KEYS.items() if scope.endswith("registry")} | {
    QUALYS_KEY
}


def parse_body(body: bytes) -> tuple[str, list[dict[str, Any]], bool]:
    """(shape, records, had BOM) of one Event Hub body."""
    bom = body.startswith(BOM)
    doc = orjson.loads(body[len(BOM) :] if bom else body)
    if isinstance(doc, list):
        return "array", doc, bom
    assert isinstance(doc, dict)
    if set(doc) == {"records"}:
        return "records", doc["records"], bom
    return "object", [doc], bom


def ci(obj: Any, key: str) -> Any:
    """Case-insensitive key lookup (None when absent or `obj` is not a dict)."""
    if not isinstance(obj, dict):
        return None
    if key in obj:
        return obj[key]
    lowered = key.lower()
    for k, v in obj.items():
        if k.lower() == lowered:
            return v
    return None


def assessment_key(record: dict[str, Any]) -> str:
    rid = str(ci(record, "id")).lower()
    return rid.split("/assessments/", 1)[1].split("/", 1)[0] if "/assessments/" in rid else ""


def kind_of(record: dict[str, Any]) -> str:
    if ci(record, "AlertType") is not None or ci(record, "SystemAlertId") is not None:
        return "alert"
    rtype = str(ci(record, "type") or "").lower()
    if rtype == "microsoft.security/assessments/subassessments":
        resource_type = ci(ci(ci(record, "properties"), "additionalData"), "assessedResourceType")
        if resource_type == "ContainerRegistryVulnerability":
            return "qualys_finding"
        return "container_finding" if resource_type in CONTAINER_TYPES else "other_subassessment"
    if rtype == "microsoft.security/assessments":
        key = assessment_key(record)
        if key in NEW_REGISTRY_KEYS:
            return "image_assessment"
        return "registry_assessment" if key in FIRST_GEN_REGISTRY_KEYS else "other_assessment"
    if "regulatorycompliance" in rtype:
        return "compliance"
    if "securescores" in rtype:
        return "secure_score"
    raise AssertionError(f"unclassifiable record: {str(record)[:200]}")


def enrichment(record: dict[str, Any]) -> dict[str, Any]:
    """The first enrichment block (`*EventDataEnrichment`), any casing."""
    for k, v in record.items():
        if k.lower().endswith("eventdataenrichment"):
            return dict(v)
    raise AssertionError(f"record without enrichment block: {ci(record, 'id')}")


def parse_time(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class ParsedBody:
    name: str
    enqueued_time: datetime
    raw: bytes
    shape: str
    bom: bool
    records: list[dict[str, Any]]
    kinds: list[str]


def parse(body: Any) -> ParsedBody:
    """Parse a `GeneratedBody` (or anything with name, body, enqueued_time)."""
    shape, records, bom = parse_body(body.body)
    return ParsedBody(
        body.name, body.enqueued_time, body.body, shape, bom, records, [kind_of(r) for r in records]
    )

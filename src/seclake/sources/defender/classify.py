"""What a continuous-export record is, and which assessments are about container images.

Tables, not if-chains: `TYPE_KINDS` maps the record `type` (lowercased) to a kind; alerts have no
`type` and are recognized by `AlertType` / `SystemAlertId`. `CONTAINER_KEYS` is the assessment-key table
of defender-export.md ("Container-image vulnerability findings"); `CONTAINER_RESOURCE_TYPES` the
`additionalData.assessedResourceType` values of container-image findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from seclake.sources.defender.access import ci

__all__ = [
    "CONTAINER_KEYS",
    "CONTAINER_RESOURCE_TYPES",
    "ContainerScope",
    "RecordKind",
    "assessment_key",
    "classify",
]


class RecordKind(StrEnum):
    SUB_ASSESSMENT = "sub_assessment"
    ASSESSMENT = "assessment"
    ALERT = "alert"
    COMPLIANCE = "compliance"
    SECURE_SCORE = "secure_score"
    ATTACK_PATH = "attack_path"
    AUTOMATION = "automation"
    UNKNOWN = "unknown"


_P = "microsoft.security/"
TYPE_KINDS: dict[str, RecordKind] = {
    _P + "assessments/subassessments": RecordKind.SUB_ASSESSMENT,
    _P + "assessments": RecordKind.ASSESSMENT,
    _P + "regulatorycompliancestandards": RecordKind.COMPLIANCE,
    _P + "regulatorycompliancestandards/regulatorycompliancecontrols": RecordKind.COMPLIANCE,
    _P + "regulatorycompliancestandards/regulatorycompliancecontrols/regulatorycomplianceassessments": (
        RecordKind.COMPLIANCE
    ),
    _P + "securescores": RecordKind.SECURE_SCORE,
    _P + "securescores/securescorecontrols": RecordKind.SECURE_SCORE,
    _P + "securescorecontrols": RecordKind.SECURE_SCORE,
    _P + "attackpaths": RecordKind.ATTACK_PATH,
    _P + "automations": RecordKind.AUTOMATION,
    _P + "alerts": RecordKind.ALERT,
    _P + "locations/alerts": RecordKind.ALERT,
}


def classify(record: dict[str, Any]) -> RecordKind:
    """The kind of one record (an object); UNKNOWN when nothing identifies it."""
    rtype = ci(record, "type")
    if type(rtype) is str:
        kind = TYPE_KINDS.get(rtype.strip().lower())
        if kind is not None:
            return kind
        if "attackpath" in rtype.lower():
            return RecordKind.ATTACK_PATH
    if ci(record, "alertType") is not None or ci(record, "systemAlertId") is not None:
        return RecordKind.ALERT
    return RecordKind.UNKNOWN


@dataclass(frozen=True, slots=True)
class ContainerScope:
    """What an assessment key (or assessed resource type) covers."""

    provider: str  # cloud.provider: azure, aws, gcp
    runtime: bool  # running containers (Kubernetes context) rather than a registry
    per_image: bool  # the parent assessment is per image (newer keys, running containers)
    legacy: bool = False  # retired Qualys scanner, `ContainerRegistryVulnerability` shape


_AZ, _AWS, _GCP = "azure", "aws", "gcp"
CONTAINER_KEYS: dict[str, ContainerScope] = {
    # first generation
    "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5": ContainerScope(_AZ, runtime=False, per_image=False),
    "c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5": ContainerScope(_AZ, runtime=True, per_image=True),
    "c27441ae-775c-45be-8ffa-655de37362ce": ContainerScope(_AWS, runtime=False, per_image=False),
    "682b2595-d045-4cff-b5aa-46624eb2dd8f": ContainerScope(_AWS, runtime=True, per_image=True),
    "5cc3a2c1-8397-456f-8792-fe9d0d4c9145": ContainerScope(_GCP, runtime=False, per_image=False),
    "e538731a-80c8-4317-a119-13075e002516": ContainerScope(_GCP, runtime=True, per_image=True),
    # newer per-image keys (2024)
    "33422d8f-ab1e-42be-bc9a-38685bb567b9": ContainerScope(_AZ, runtime=False, per_image=True),
    "e9acaf48-d2cf-45a3-a6e7-3caa2ef769e0": ContainerScope(_AZ, runtime=True, per_image=True),
    "2a139383-ec7e-462a-90ac-b1b60e87d576": ContainerScope(_AWS, runtime=False, per_image=True),
    "d5d1e526-363a-4223-b860-f4b6e710859f": ContainerScope(_AWS, runtime=True, per_image=True),
    "24e37609-dcf5-4a3b-b2b0-b7d76f2e4e04": ContainerScope(_GCP, runtime=False, per_image=True),
    "c7c1d31d-a604-4b86-96df-63448618e165": ContainerScope(_GCP, runtime=True, per_image=True),
    # legacy Qualys (retired 2024)
    "dbd0cb49-b563-45e7-9724-889e799fa648": ContainerScope(_AZ, runtime=False, per_image=False, legacy=True),
    "41503391-efa5-47ee-9282-4eff6131462c": ContainerScope(_AZ, runtime=True, per_image=False, legacy=True),
}

CONTAINER_RESOURCE_TYPES: dict[str, ContainerScope] = {
    "azurecontainerregistryvulnerability": CONTAINER_KEYS["c0b7cfc6-3172-465a-b378-53c7ff2cc0d5"],
    "awscontainerregistryvulnerability": CONTAINER_KEYS["c27441ae-775c-45be-8ffa-655de37362ce"],
    "gcpcontainerregistryvulnerability": CONTAINER_KEYS["5cc3a2c1-8397-456f-8792-fe9d0d4c9145"],
    "azureruntimeimagevulnerability": CONTAINER_KEYS["c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5"],
    "awsruntimeimagevulnerability": CONTAINER_KEYS["682b2595-d045-4cff-b5aa-46624eb2dd8f"],
    "gcpruntimeimagevulnerability": CONTAINER_KEYS["e538731a-80c8-4317-a119-13075e002516"],
    "containerregistryvulnerability": CONTAINER_KEYS["dbd0cb49-b563-45e7-9724-889e799fa648"],
}

_MARKER = "/assessments/"


def assessment_key(record_id: str | None) -> str | None:
    """The (parent) assessment key: the path segment after `/assessments/` in a record id, lowercased."""
    if not record_id:
        return None
    lowered = record_id.lower()
    start = lowered.rfind(_MARKER)
    if start < 0:
        return None
    start += len(_MARKER)
    end = lowered.find("/", start)
    key = lowered[start:] if end < 0 else lowered[start:end]
    return key.strip() or None

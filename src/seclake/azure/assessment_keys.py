"""The Defender for Cloud assessment keys of container-image vulnerability findings, in one table.

The table of docs/defender-export.md ("Container-image vulnerability findings"): every parent
assessment whose sub-assessments are per-image CVE findings, by cloud, target (registry or running
containers) and generation. Two consumers read it:

- the continuous export a connection sets up (`export_sources`): Assessments and SubAssessments, and
  their weekly snapshot sources, filtered to these keys — one rule set per key (rule sets are OR-ed),
  each `propertyJPath "id" Contains "/assessments/<key>/"` (parents: without the last `/`, see below);
- the synthetic export generator (`seclake.synthetic.catalog` derives its key tables from here).

The mapper keeps its own classification (`seclake.sources.defender.classify.CONTAINER_KEYS`, which adds
what each key means for the mapping: per-image parent, legacy shape); `tests/unit/azure` checks that
both name the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "ASSESSMENT_KEYS",
    "EXPORT_EVENT_SOURCES",
    "AssessmentKey",
    "export_keys",
    "export_rule_sets",
    "export_sources",
    "keys_by",
]

Cloud = Literal["azure", "aws", "gcp"]
Target = Literal["registry", "runtime"]
Generation = Literal["first", "per-image", "qualys"]


@dataclass(frozen=True, slots=True)
class AssessmentKey:
    """One container-image assessment: its key and what it covers."""

    key: str
    cloud: Cloud
    target: Target
    generation: Generation
    retired: bool = False  # the scanner no longer produces it (Qualys, retired 2024)


_K = AssessmentKey
# (docs/defender-export.md) scope: first-generation key, newer per-image key (2024)
ASSESSMENT_KEYS: tuple[AssessmentKey, ...] = (
    _K("c0b7cfc6-3172-465a-b378-53c7ff2cc0d5", "azure", "registry", "first"),
    _K("33422d8f-ab1e-42be-bc9a-38685bb567b9", "azure", "registry", "per-image"),
    _K("c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5", "azure", "runtime", "first"),
    _K("e9acaf48-d2cf-45a3-a6e7-3caa2ef769e0", "azure", "runtime", "per-image"),
    _K("c27441ae-775c-45be-8ffa-655de37362ce", "aws", "registry", "first"),
    _K("2a139383-ec7e-462a-90ac-b1b60e87d576", "aws", "registry", "per-image"),
    _K("682b2595-d045-4cff-b5aa-46624eb2dd8f", "aws", "runtime", "first"),
    _K("d5d1e526-363a-4223-b860-f4b6e710859f", "aws", "runtime", "per-image"),
    _K("5cc3a2c1-8397-456f-8792-fe9d0d4c9145", "gcp", "registry", "first"),
    _K("24e37609-dcf5-4a3b-b2b0-b7d76f2e4e04", "gcp", "registry", "per-image"),
    _K("e538731a-80c8-4317-a119-13075e002516", "gcp", "runtime", "first"),
    _K("c7c1d31d-a604-4b86-96df-63448618e165", "gcp", "runtime", "per-image"),
    _K("dbd0cb49-b563-45e7-9724-889e799fa648", "azure", "registry", "qualys", retired=True),
    _K("41503391-efa5-47ee-9282-4eff6131462c", "azure", "runtime", "qualys", retired=True),
)

# Defender event source the export subscribes to -> the id fragment its rules look for. The parent
# assessments always travel with their sub-assessments (a per-image assessment says "scanned, clean" or
# "not scanned"), streaming and weekly snapshot. A sub-assessment id continues after the key
# (`.../assessments/<key>/subAssessments/<id>`), so its rule is the documented `/assessments/<key>/`; a
# parent assessment's id ENDS with the key (`.../assessments/<key>`), so its rule drops the trailing `/`
# (with it, no parent assessment would match). Keys are fixed-length GUIDs: no prefix ambiguity.
EXPORT_EVENT_SOURCES: dict[str, str] = {
    "Assessments": "/assessments/{key}",
    "AssessmentsSnapshot": "/assessments/{key}",
    "SubAssessments": "/assessments/{key}/",
    "SubAssessmentsSnapshot": "/assessments/{key}/",
}


def keys_by(
    *, cloud: Cloud | None = None, target: Target | None = None, generation: Generation | None = None
) -> tuple[AssessmentKey, ...]:
    """The keys matching every criterion given, in table order."""
    wanted = {"cloud": cloud, "target": target, "generation": generation}
    return tuple(
        k
        for k in ASSESSMENT_KEYS
        if all(value is None or getattr(k, name) == value for name, value in wanted.items())
    )


def export_keys() -> tuple[str, ...]:
    """Keys a new continuous export filters on: every key whose scanner still reports."""
    return tuple(k.key for k in ASSESSMENT_KEYS if not k.retired)


def export_rule_sets(event_source: str, keys: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """One rule set per key (rule sets are OR-ed): the record id contains the key's id fragment."""
    fragment = EXPORT_EVENT_SOURCES[event_source]
    return [
        {
            "rules": [
                {
                    "propertyJPath": "id",
                    "propertyType": "String",
                    "expectedValue": fragment.format(key=key),
                    "operator": "Contains",
                }
            ]
        }
        for key in (export_keys() if keys is None else keys)
    ]


def export_sources(keys: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The `sources` of a `Microsoft.Security/automations` resource exporting container-image findings."""
    return [
        {"eventSource": source, "ruleSets": export_rule_sets(source, keys)} for source in EXPORT_EVENT_SOURCES
    ]

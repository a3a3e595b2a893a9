"""The canonical shapes of container-image records as msgspec structs (the fast path's input).

One family of structs covers sub-assessments (MDVM and legacy Qualys) and per-image assessments; each
mapper reads only its own fields, and those are the fields the careful path reads.

Decoding a record straight into these structs is much cheaper than building dicts: unused blocks are
kept as `Raw` bytes (which also serve as memo keys), and no case-insensitive lookups are needed. The
structs accept only the well-formed shape, in one casing: `RECORD` is the camelCase shape and
`PASCAL_RECORD` the .NET PascalCase shape (`"$type"`, `Id`, `Properties`, ...). Every struct forbids
unknown keys, so a key in another casing, a block of another shape, or a value of another type fails
the decode, and the record goes to the careful dict-based path instead. Fields the mapping never
reads are typed `Any` (still decoded, so a number orjson would refuse is refused here too); blocks
the mapping derives memoized fields from are `Raw`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import Raw, Struct

__all__ = [
    "PASCAL_RECORD",
    "RECORD",
    "Additional",
    "Enrichment",
    "Properties",
    "Record",
    "Software",
    "Status",
]

_NO_RAW = Raw(b"")


# .NET serializer metadata keys, which any object may carry; the mapping ignores them, as the careful
# path does. Fields are declared in the order Defender writes them: msgspec decodes that order fastest.
_METADATA = {"dollar_type": "$type", "dollar_id": "$id"}


def _camel(name: str) -> str:
    return _METADATA.get(name, name)


def _pascal(name: str) -> str:
    return _METADATA.get(name) or name[:1].upper() + name[1:]


class _Shape(Struct, forbid_unknown_fields=True, rename=_camel, gc=False):
    """Base of the structs: exact keys only."""


class Enrichment(_Shape):
    action: str | None = None
    apiVersion: Any = None  # noqa: N815 - JSON key names
    isSnapshot: Any = None  # noqa: N815
    dollar_type: Any = None  # "$type" (.NET metadata, in any object; ignored like the careful path does)
    dollar_id: Any = None  # "$id"


class Status(_Shape):
    code: str | None = None
    severity: str | None = None
    cause: str | None = None
    description: str | None = None
    statusChangeDate: str | None = None  # noqa: N815
    firstEvaluationDate: Any = None  # noqa: N815
    dollar_type: Any = None
    dollar_id: Any = None


class Software(_Shape):
    packageName: str | None = None  # noqa: N815
    version: str | None = None
    fixedVersion: str | None = None  # noqa: N815
    fixStatus: str | None = None  # noqa: N815
    category: Any = None
    language: Any = None
    vendor: Any = None
    osDetails: Any = None  # noqa: N815
    evidence: Any = None
    patchable: bool | None = None
    fixReference: Any = None  # noqa: N815
    dollar_type: Any = None
    dollar_id: Any = None


class Additional(_Shape):
    assessedResourceType: str | None = None  # noqa: N815
    # MDVM
    vulnerabilityDetails: Raw = _NO_RAW  # noqa: N815
    softwareDetails: Software | None = None  # noqa: N815
    artifactDetails: Raw = _NO_RAW  # noqa: N815
    cvssV30Score: float | None = None  # noqa: N815
    kubernetesDetails: Raw = _NO_RAW  # noqa: N815
    # legacy Qualys (`ContainerRegistryVulnerability`)
    type: Any = None
    cvss: Raw = _NO_RAW
    patchable: bool | None = None
    cve: Raw = _NO_RAW
    publishedTime: Any = None  # noqa: N815
    vendorReferences: Any = None  # noqa: N815
    repositoryName: str | None = None  # noqa: N815
    imageDigest: str | None = None  # noqa: N815
    imageName: str | None = None  # noqa: N815
    # per-image assessment (Defender writes these keys in PascalCase inside camelCase records)
    ImageUri: str | None = None
    Digest: str | None = None
    Tags: Any = None
    CvesCount: Any = None
    HighestSeverity: str | None = None
    InventorySource: Any = None
    maxCvss30Score: Any = None  # noqa: N815
    subAssessmentsLink: Any = None  # noqa: N815
    dollar_type: Any = None
    dollar_id: Any = None


class Properties(_Shape):
    id: str | None = None
    displayName: str | None = None  # noqa: N815
    status: Status | None = None
    remediation: str | None = None
    description: str | None = None
    timeGenerated: str | None = None  # noqa: N815
    resourceDetails: Raw = _NO_RAW  # noqa: N815
    additionalData: Additional | None = None  # noqa: N815
    impact: Any = None
    category: Any = None
    metadata: Any = None
    links: Any = None
    dollar_type: Any = None
    dollar_id: Any = None


class Record(_Shape):
    dollar_type: Any = None  # the PascalCase shape starts with it
    type: str | None = None
    id: str | None = None
    name: Any = None
    tenantId: str | None = None  # noqa: N815
    securityEventDataEnrichment: Enrichment | None = None  # noqa: N815
    subAssessmentEventDataEnrichment: Enrichment | None = None  # noqa: N815
    assessmentEventDataEnrichment: Enrichment | None = None  # noqa: N815
    properties: Properties | None = None
    dollar_id: Any = None


# struct → its fields holding another struct (rebuilt per casing), leaves first.
_NESTED: dict[type[Struct], tuple[tuple[str, type[Struct]], ...]] = {
    Enrichment: (),
    Status: (),
    Software: (),
    Additional: (("softwareDetails", Software),),
    Properties: (("status", Status), ("additionalData", Additional)),
    Record: (
        ("properties", Properties),
        ("subAssessmentEventDataEnrichment", Enrichment),
        ("assessmentEventDataEnrichment", Enrichment),
        ("securityEventDataEnrichment", Enrichment),
    ),
}


def _pascal_decoder() -> msgspec.json.Decoder[Record]:
    """A decoder of the PascalCase shape: copies of the structs above (same attributes, so the fast path
    reads either alike) whose JSON names are PascalCase. Copies, not subclasses: msgspec renames only
    the fields a class defines itself."""
    made: dict[type[Struct], Any] = {}
    for cls, nested in _NESTED.items():
        inner = dict(nested)
        fields = [
            (f.name, made[inner[f.name]] | None if f.name in inner else f.type, f.default)
            for f in msgspec.structs.fields(cls)
        ]
        made[cls] = msgspec.defstruct(
            "Pascal" + cls.__name__, fields, rename=_pascal, forbid_unknown_fields=True, gc=False
        )
    decoder: msgspec.json.Decoder[Record] = msgspec.json.Decoder(made[Record])
    return decoder


RECORD = msgspec.json.Decoder(Record)
PASCAL_RECORD = _pascal_decoder()

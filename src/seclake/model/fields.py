"""THE field catalog: every Semantic-Dictionary field seclake knows, in one table.

Validation (`seclake.model.validate`), the store's typed columns, DQL's type checks and the generated
docs/fields.md all read `FIELDS`; nothing else in seclake lists fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seclake.model.types import ALL_TYPES, FINDING_TYPES, EventType, FieldType

S, L, D, B, T, SA = (
    FieldType.STRING,
    FieldType.LONG,
    FieldType.DOUBLE,
    FieldType.BOOLEAN,
    FieldType.TIMESTAMP,
    FieldType.STRING_ARRAY,
)
VF, VS, DF = EventType.VULNERABILITY_FINDING, EventType.VULNERABILITY_SCAN, EventType.DETECTION_FINDING
NONE: frozenset[EventType] = frozenset()


@dataclass(frozen=True, slots=True)
class Field:
    """One catalog entry."""

    name: str
    type: FieldType
    description: str
    required_for: frozenset[EventType] = NONE
    forbidden_for: frozenset[EventType] = NONE
    allowed: tuple[str, ...] = ()  # closed set of string values, when the dictionary fixes one
    origin: str = "event"  # "event": sent by producers; "ingest": set by the ingest pipeline
    namespace: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "namespace", self.name.split(".", 1)[0])


_STATUS = ("AVAILABLE", "NOT_AVAILABLE")
_NO_SCAN_FIELDS = frozenset({VS, EventType.COMPLIANCE_SCAN})

_CATALOG: tuple[Field, ...] = (
    # ── the event ──
    Field("timestamp", T, "When the event happened; set at ingest when absent.", ALL_TYPES),
    Field("event.id", S, "Unique per event; generated at ingest when absent.", ALL_TYPES),
    Field("event.kind", S, "Always SECURITY_EVENT.", ALL_TYPES, allowed=("SECURITY_EVENT",)),
    Field("event.type", S, "The kind of security event.", ALL_TYPES, allowed=tuple(sorted(ALL_TYPES))),
    Field("event.category", S, "VULNERABILITY_MANAGEMENT for vulnerability events."),
    Field("event.name", S, "Human name of the event type, e.g. 'Vulnerability finding event'."),
    Field("event.provider", S, "The product that reported the event.", ALL_TYPES),
    Field("event.description", S, "A human sentence about the event."),
    Field("product.vendor", S, "Vendor of the reporting product, e.g. Microsoft.", ALL_TYPES),
    Field("product.name", S, "Name of the reporting product.", ALL_TYPES),
    # ── the finding ──
    Field(
        "finding.id", S, "Stable identity of the finding across re-reports.", FINDING_TYPES, _NO_SCAN_FIELDS
    ),
    Field("finding.title", S, "Short human title of the finding.", FINDING_TYPES, _NO_SCAN_FIELDS),
    Field("finding.type", S, "Kind of finding, e.g. VULNERABILITY.", FINDING_TYPES, _NO_SCAN_FIELDS),
    Field("finding.severity", S, "The vendor's severity, verbatim.", FINDING_TYPES, _NO_SCAN_FIELDS),
    Field("finding.score", D, "The vendor's score.", NONE, _NO_SCAN_FIELDS),
    Field(
        "finding.time.created",
        T,
        "When the vendor last detected the finding (not its first creation).",
        FINDING_TYPES,
        _NO_SCAN_FIELDS,
    ),
    Field("finding.url", S, "Link back to the vendor's view of the finding.", NONE, _NO_SCAN_FIELDS),
    Field(
        "dt.security.risk.level",
        S,
        "Normalized risk level.",
        FINDING_TYPES,
        _NO_SCAN_FIELDS,
        allowed=("CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "NOT_AVAILABLE"),
    ),
    Field("dt.security.risk.score", D, "Normalized risk score, 0–10.", FINDING_TYPES, _NO_SCAN_FIELDS),
    # ── the affected object ──
    Field("object.id", S, "Identity of the affected thing.", ALL_TYPES),
    Field("object.name", S, "Name of the affected thing.", ALL_TYPES),
    Field("object.type", S, "Type of the affected thing; CONTAINER_IMAGE for images.", ALL_TYPES),
    # ── vulnerable component and scan ──
    Field("component.name", S, "Vulnerable package or library.", frozenset({VF}), _NO_SCAN_FIELDS),
    Field("component.version", S, "Installed version of the component.", NONE, _NO_SCAN_FIELDS),
    Field("scan.id", S, "Identity of the scan that reported the finding.", frozenset({VF, VS})),
    Field("scan.name", S, "Name of the scan."),
    Field(
        "scan.status",
        S,
        "Outcome of the scan.",
        frozenset({VS}),
        allowed=("COMPLETED", "FAILED", "NOT_SCANNED", "IN_PROGRESS"),
    ),
    Field("scan.time.started", T, "When the scan started."),
    Field("scan.time.completed", T, "When the scan completed."),
    # ── vulnerability ──
    *(
        Field(name, typ, desc, req, _NO_SCAN_FIELDS, allowed=allowed)
        for name, typ, desc, req, allowed in (
            ("vulnerability.id", S, "Vulnerability identifier, e.g. a CVE id.", frozenset({VF}), ()),
            ("vulnerability.title", S, "Short title of the vulnerability.", NONE, ()),
            ("vulnerability.description", S, "Description of the vulnerability.", NONE, ()),
            ("vulnerability.external_id", S, "The vendor's identifier of the vulnerability.", NONE, ()),
            ("vulnerability.external_url", S, "Link to the vulnerability at the vendor.", NONE, ()),
            ("vulnerability.references.cve", SA, "All CVE ids of the vulnerability.", NONE, ()),
            ("vulnerability.references.cwe", SA, "CWE ids of the vulnerability.", NONE, ()),
            ("vulnerability.cvss.base_score", D, "CVSS base score.", NONE, ()),
            ("vulnerability.cvss.version", S, "CVSS version without prefix: 3.0, 3.1, 4.0.", NONE, ()),
            ("vulnerability.cvss.vector", S, "CVSS vector string.", NONE, ()),
            ("vulnerability.remediation.status", S, "Whether a fix exists.", NONE, _STATUS),
            ("vulnerability.remediation.fix_versions", SA, "Versions that fix it.", NONE, ()),
            ("vulnerability.remediation.description", S, "How to remediate.", NONE, ()),
            ("vulnerability.exploit.status", S, "Whether an exploit is known.", NONE, _STATUS),
            (
                "vulnerability.resolution.status",
                S,
                "State of the finding as of this event.",
                NONE,
                ("OPEN", "RESOLVED"),
            ),
            (
                "vulnerability.mute.status",
                S,
                "Muted = exempted at the vendor or by triage.",
                NONE,
                ("MUTED", "NOT_MUTED"),
            ),
        )
    ),
    # ── container image ──
    Field("container_image.digest", S, "Image digest; the primary identity of an image."),
    Field("container_image.registry", S, "Registry host."),
    Field("container_image.repository", S, "Repository within the registry."),
    Field("container_image.tags", SA, "Tags of the image."),
    # ── Kubernetes context ──
    Field("k8s.cluster.name", S, "Kubernetes cluster."),
    Field("k8s.namespace.name", S, "Kubernetes namespace."),
    Field("k8s.workload.kind", S, "Workload kind, e.g. deployment."),
    Field("k8s.workload.name", S, "Workload name."),
    Field("k8s.pod.name", S, "Pod name."),
    Field("k8s.container.name", S, "Container name."),
    # ── cloud context ──
    Field("cloud.provider", S, "azure, aws or gcp.", allowed=("azure", "aws", "gcp")),
    Field("cloud.region", S, "Cloud region."),
    Field("azure.tenant.id", S, "Azure tenant."),
    Field("azure.subscription", S, "Azure subscription id."),
    Field("azure.resource.group", S, "Azure resource group."),
    Field("azure.resource.id", S, "Azure resource id."),
    # ── set by ingest ──
    Field("dt.openpipeline.source", S, "The ingest endpoint path the event came through.", origin="ingest"),
    Field("dt.system.bucket", S, "Storage bucket: default_securityevents.", origin="ingest"),
    Field("dt.system.table", S, "Table: security.events.", origin="ingest"),
    Field("dt.raw_data", S, "The vendor's original record, or the event as received.", origin="ingest"),
    Field("dt.ingest.time", T, "When seclake received the event.", origin="ingest"),
    Field("dt.ingest.warnings", SA, "Validation problems found at ingest.", origin="ingest"),
    Field("dt.security.connection.id", S, "The connection whose token sent the event.", origin="ingest"),
    Field("dt.security.connection.name", S, "Name of that connection.", origin="ingest"),
)

FIELDS: dict[str, Field] = {f.name: f for f in _CATALOG}
if len(FIELDS) != len(_CATALOG):  # pragma: no cover - guarded by tests
    raise RuntimeError("duplicate field in the catalog")


def required_fields(event_type: EventType) -> tuple[Field, ...]:
    """Fields an event of this type must carry."""
    return tuple(f for f in _CATALOG if event_type in f.required_for)


def forbidden_fields(event_type: EventType) -> tuple[Field, ...]:
    """Catalog fields an event of this type must not carry."""
    return tuple(f for f in _CATALOG if event_type in f.forbidden_for)

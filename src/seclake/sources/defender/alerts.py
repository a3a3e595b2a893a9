"""Defender security alert → one DETECTION_FINDING event.

Continuous export sends alerts in PascalCase without a `type` (`SystemAlertId`, `AlertType`,
`AlertDisplayName`, `Severity`, `StartTimeUtc`, `TimeGenerated`, `CompromisedEntity`,
`ResourceIdentifiers`, `Entities`, `ExtendedProperties`); the REST shape nests the same fields in camelCase
under `properties`. Keys are read case-insensitively, so one table serves both.
"""

from __future__ import annotations

from typing import Any

from seclake.model import EventType, normalize_risk
from seclake.sources.defender.access import FieldProblem, ci, opt_dict, opt_list, opt_str, opt_time
from seclake.sources.defender.common import base_event, event_time
from seclake.sources.defender.identity import digest_id, event_id
from seclake.sources.defender.images import azure_context
from seclake.sources.defender.times import Timestamp

__all__ = ["OBJECT_TYPES", "map_alert"]

# event field ← alert key: copied when present.
COPIES: tuple[tuple[str, str], ...] = (
    ("event.description", "description"),
    ("finding.url", "alertUri"),
)
# Resource provider/type (lowercased) of the compromised resource → object.type.
OBJECT_TYPES: dict[str, str] = {
    "microsoft.containerservice/managedclusters": "KUBERNETES_CLUSTER",
    "microsoft.kubernetes/connectedclusters": "KUBERNETES_CLUSTER",
    "microsoft.compute/virtualmachines": "HOST",
    "microsoft.compute/virtualmachinescalesets": "HOST",
    "microsoft.hybridcompute/machines": "HOST",
    "microsoft.containerregistry/registries": "CONTAINER_REGISTRY",
    "microsoft.storage/storageaccounts": "STORAGE_ACCOUNT",
    "microsoft.keyvault/vaults": "KEY_VAULT",
    "microsoft.sql/servers": "DATABASE",
    "microsoft.documentdb/databaseaccounts": "DATABASE",
    "microsoft.web/sites": "APPLICATION",
}
_TIME_KEYS = ("timeGenerated", "timeGeneratedUtc", "startTimeUtc")


def _fields(record: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The mapping that holds the alert's fields (REST alerts nest them under `properties`) and its path."""
    props = opt_dict(record, "properties", "$")
    if props and ci(record, "alertType") is None and ci(record, "systemAlertId") is None:
        return props, "$.properties"
    return record, "$"


def _resource_id(alert: dict[str, Any], path: str) -> str | None:
    """The Azure resource id of the compromised resource (`ResourceIdentifiers[Type=AzureResource]`)."""
    for i, ident in enumerate(opt_list(alert, "resourceIdentifiers", path)):
        if type(ident) is dict:
            rid = opt_str(ident, "azureResourceId", f"{path}.resourceIdentifiers[{i}]")
            if rid:
                return rid
    return opt_str(alert, "azureResourceId", path)


def _object_type(resource_id: str | None) -> str:
    if not resource_id:
        return "UNKNOWN"
    lowered = resource_id.lower()
    start = lowered.rfind("/providers/")
    if start < 0:
        return "CLOUD_RESOURCE"
    parts = lowered[start + len("/providers/") :].split("/")
    return OBJECT_TYPES.get("/".join(parts[:2]), "CLOUD_RESOURCE")


def map_alert(record: dict[str, Any], enqueued: Timestamp | None) -> dict[str, Any]:
    """The DETECTION_FINDING event of one security alert (raises FieldProblem)."""
    alert, path = _fields(record)
    generated = None
    for key in _TIME_KEYS:
        generated = opt_time(alert, key, path)
        if generated is not None:
            break
    if generated is None:
        raise FieldProblem(path + ".timeGenerated", "missing: an alert needs TimeGenerated or StartTimeUtc")
    alert_type = opt_str(alert, "alertType", path)
    system_id = opt_str(alert, "systemAlertId", path)
    entity = opt_str(alert, "compromisedEntity", path)
    resource = _resource_id(alert, path)
    start = opt_time(alert, "startTimeUtc", path)

    event = base_event(EventType.DETECTION_FINDING)
    event["timestamp"] = event_time(generated, enqueued)
    event["finding.time.created"] = generated[1]
    event["finding.id"] = (system_id or "").lower() or digest_id(
        "alert", alert_type, entity or resource, (start or generated)[1]
    )
    title = opt_str(alert, "alertDisplayName", path) or alert_type
    if not title:
        raise FieldProblem(
            path + ".alertDisplayName", "missing: an alert needs AlertDisplayName or AlertType"
        )
    event["finding.title"] = title
    event["finding.type"] = alert_type or "DETECTION"
    severity = opt_str(alert, "severity", path) or "Unknown"
    event["finding.severity"] = severity
    level, score = normalize_risk(severity)
    event["dt.security.risk.level"] = str(level)
    event["dt.security.risk.score"] = score
    for field, key in COPIES:
        value = opt_str(alert, key, path)
        if value:
            event[field] = value
    event["object.id"] = resource or entity or event["finding.id"]
    event["object.name"] = entity or (resource or "").rstrip("/").rpartition("/")[2] or event["object.id"]
    event["object.type"] = _object_type(resource)
    if resource and resource.lower().startswith("/subscriptions/"):
        event["cloud.provider"] = "azure"
    azure_context(alert, resource, event)
    tenant = _tenant(alert, path)
    if tenant:
        event["azure.tenant.id"] = tenant
    status = opt_str(alert, "status", path)
    event["event.id"] = event_id(event["finding.id"], status, generated[1])
    return event


def _tenant(alert: dict[str, Any], path: str) -> str | None:
    for i, ident in enumerate(opt_list(alert, "resourceIdentifiers", path)):
        if type(ident) is dict:
            tenant = opt_str(ident, "azureResourceTenantId", f"{path}.resourceIdentifiers[{i}]")
            if tenant:
                return tenant
    return None

"""Records a container-finding mapper must skip: server / SQL vulnerability sub-assessments, other
recommendations, regulatory compliance, secure score controls, and Defender security alerts (PascalCase)."""

from __future__ import annotations

from typing import Any

from seclake.synthetic import catalog as cat
from seclake.synthetic.findings import ASSESSMENT_TYPE, SUB_TYPE, enrichment
from seclake.synthetic.records import Record, SharedParts, image_ref
from seclake.synthetic.world import HOUR, MINUTE, Image, Vuln

COMPLIANCE_TYPE = (
    "Microsoft.Security/regulatoryComplianceStandards/regulatoryComplianceControls/"
    "regulatoryComplianceAssessments"
)
SCORE_TYPE = "Microsoft.Security/secureScores/secureScoreControls"


def server_vuln_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    v: Vuln
    subscription, (vm, _vm_id), tvm, sub_id, v, t = args
    vm_id = f"/subscriptions/{subscription}/resourceGroups/rg-servers/providers/Microsoft.Compute/virtualMachines/{vm}"
    key = cat.SERVER_TVM_KEY if tvm else cat.SQL_VA_KEY
    record: Record = {
        "type": SUB_TYPE,
        "id": f"{vm_id}/providers/Microsoft.Security/assessments/{key}/subAssessments/{sub_id}",
        "name": sub_id,
        "tenantId": parts.tenant,
    }
    enrichment(record, "subAssessmentEventDataEnrichment", "Insert", False, 0)
    additional: Record = (
        {"assessedResourceType": "ServerVulnerabilityTvm", "cvssV30Score": v.cvss.score if v.cvss else None,
         "softwareVendor": "canonical", "softwareName": v.package, "softwareVersion": v.version,
         "exploitabilityLevel": "ExploitIsPublic" if v.exploitable else "NoExploit"}
        if tvm
        else {"assessedResourceType": "SqlServerVulnerability", "type": "BaselineRuleResult",
              "query": "SELECT name FROM sys.server_principals WHERE is_disabled = 0", "benchmarks": []}
    )  # fmt: skip
    record["properties"] = {
        "id": v.cve if tvm else f"VA{2000 + v.index % 200}",
        "displayName": v.cve if tvm else "Server-level firewall rules should be tracked and maintained",
        "status": {"code": "Unhealthy", "severity": v.severity},
        "timeGenerated": parts.ts(t),
        "resourceDetails": {"source": "Azure", "id": vm_id},
        "additionalData": additional,
    }
    return record


def recommendation_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    subscription, key, title, s_k, k = args
    resource = f"/subscriptions/{subscription}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stdata{k:02d}"
    record: Record = {
        "type": ASSESSMENT_TYPE,
        "id": f"{resource}/providers/Microsoft.Security/assessments/{key}",
        "name": key,
        "tenantId": parts.tenant,
    }
    enrichment(record, "assessmentEventDataEnrichment", "Insert", True, 2)
    record["properties"] = {
        "resourceDetails": {"Source": "Azure", "Id": resource},
        "displayName": title,
        "status": {"code": "Unhealthy" if k % 2 == 0 else "Healthy"},
        "timeGenerated": parts.ts(s_k),
        "metadata": {"displayName": title, "severity": "Medium", "assessmentType": "BuiltIn"},
    }
    return record


def compliance_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    subscription, (standard, control, description), i, s_k, k = args
    state = ("Passed", "Failed", "Skipped")[(i + k) % 3]
    return {
        "type": COMPLIANCE_TYPE,
        "id": f"/subscriptions/{subscription}/providers/Microsoft.Security/regulatoryComplianceStandards/"
        f"{standard}/regulatoryComplianceControls/{control}/regulatoryComplianceAssessments/{i:08d}-0000-4000-8000-{k:012d}",
        "name": f"{i:08d}-0000-4000-8000-{k:012d}",
        "tenantId": parts.tenant,
        "securityEventDataEnrichment": {"action": "Write", "apiVersion": cat.API_VERSION, "isSnapshot": True},
        "properties": {
            "description": description,
            "state": state,
            "passedResources": 3 + i,
            "failedResources": 0 if state == "Passed" else 1 + k,
            "skippedResources": 0,
            "assessmentType": "BuiltIn",
            "timeGenerated": parts.ts(s_k),
        },
    }


def secure_score_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    subscription, (name, max_score), i, _s_k, k = args
    current = round(max_score * (0.4 + 0.1 * ((i + k) % 5)), 2)
    return {
        "type": SCORE_TYPE,
        "id": f"/subscriptions/{subscription}/providers/Microsoft.Security/secureScores/ascScore/secureScoreControls/"
        f"{i:08d}-1111-4000-8000-000000000000",
        "name": f"{i:08d}-1111-4000-8000-000000000000",
        "tenantId": parts.tenant,
        "securityEventDataEnrichment": {
            "action": "Insert",
            "apiVersion": cat.API_VERSION,
            "isSnapshot": True,
        },
        "properties": {
            "displayName": name,
            "healthyResourceCount": 10 + i,
            "unhealthyResourceCount": 2 + k,
            "notApplicableResourceCount": 0,
            "score": {"max": max_score, "current": current, "percentage": round(current / max_score, 4)},
            "weight": 10 * max_score,
        },
    }


def alert_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    """A Defender security alert: no `type`, PascalCase, `$id` entity references."""
    image: Image
    (alert_type, title, severity, intent), image, alert_id, t = args
    r, repo = image.repo.registry, image.repo
    cluster_id = (
        f"/subscriptions/{r.subscription}/resourceGroups/{r.resource_group}/providers/"
        f"Microsoft.ContainerService/managedClusters/{r.cluster}"
    )
    return {
        "VendorName": "Microsoft",
        "AlertType": alert_type,
        "ProductName": "Microsoft Defender for Cloud",
        "ProductComponentName": "Containers",
        "AlertDisplayName": title,
        "Description": f"{title} in namespace {repo.namespace} of cluster {r.cluster}.",
        "Severity": severity,
        "Status": "New",
        "Intent": intent,
        "StartTimeUtc": parts.ts(t - 5 * MINUTE),
        "EndTimeUtc": parts.ts(t),
        "TimeGenerated": parts.ts(t + MINUTE),
        "ProcessingEndTime": parts.ts(t + 2 * MINUTE),
        "SystemAlertId": alert_id,
        "AlertUri": f"https://portal.azure.com/#blade/Microsoft_Azure_Security_AzureDefenderForData/AlertBlade/alertId/{alert_id}",
        "AzureResourceId": cluster_id,
        "CompromisedEntity": r.cluster,
        "IsIncident": False,
        "RemediationSteps": ["Review the activity and isolate the affected workload if it is unexpected."],
        "Entities": [
            {"$id": "2", "ClusterResourceId": cluster_id, "Type": "K8s-cluster"},
            {"$id": "3", "Name": repo.namespace, "Cluster": {"$ref": "2"}, "Type": "K8s-namespace"},
            {"$id": "4", "ImageId": image_ref(image), "Type": "container-image"},
        ],
        "ExtendedProperties": {
            "Namespace": repo.namespace,
            "Pod name": f"{repo.controller_name}-{alert_id[:5]}",
            "Image": image_ref(image),
            "resourceType": "Kubernetes Service",
            "Detection window": str(HOUR // 1_000_000 // 60) + " minutes",
        },
        "ResourceIdentifiers": [
            {
                "$id": "5",
                "AzureResourceId": cluster_id,
                "Type": "AzureResource",
                "AzureResourceTenantId": parts.tenant,
            }
        ],
        "WorkspaceSubscriptionId": r.subscription,
    }

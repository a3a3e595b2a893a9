"""Whole records for findings and assessments: MDVM and Qualys sub-assessments, per-image and
per-registry parent assessments. Each function takes the emission's args and returns a camelCase dict."""

from __future__ import annotations

from typing import Any

import orjson

from seclake.synthetic import catalog as cat
from seclake.synthetic.records import (
    Record,
    SharedParts,
    assessment_key,
    finding_scope,
    image_ref,
    registry_scope,
)
from seclake.synthetic.world import Finding, Image, Registry

SUB_TYPE = "Microsoft.Security/assessments/subAssessments"
ASSESSMENT_TYPE = "Microsoft.Security/assessments"
_RANK = {"Unknown": 0, "Low": 1, "Medium": 2, "High": 3, "Critical": 4}


def enrichment(record: Record, block: str, action: str, snapshot: bool, style: int) -> None:
    """Add the enrichment block(s): the specific one, the generic one, or both (style 0..3)."""
    value = {"action": action, "apiVersion": cat.API_VERSION, "isSnapshot": snapshot}
    if style != 1:
        record[block] = value
    if style in (1, 2):
        record["securityEventDataEnrichment"] = value


def _status(severity: str, status: str) -> Record:
    if status == "Exempt":
        return {"code": "NotApplicable", "severity": severity, "cause": "Exempt",
                "description": "Disabled parent assessment"}  # fmt: skip
    return {"code": "Unhealthy", "severity": severity}


def _finding_static(parts: SharedParts, f: Finding) -> tuple[str, str, orjson.Fragment, str, str, Record]:
    """The parts of a finding's records that never change between its Insert, snapshots and Delete."""
    image = f.image
    registry = image.repo.registry
    v = f.vuln
    modern = registry.generation == "v2"
    software = parts.software_details(v, image.repo.os, modern)
    additional: Record = {
        "assessedResourceType": cat.CLOUD_NAMES[registry.cloud][1 if f.runtime else 0],
        "vulnerabilityDetails": parts.vulnerability_details(v, modern),
        "softwareDetails": software,
        "artifactDetails": parts.artifact_details(image, f.runtime),
    }
    if v.cvss is not None:
        additional["cvssV30Score"] = v.cvss.score
    if f.runtime:
        additional["kubernetesDetails"] = parts.kubernetes_details(image)
    fixed = software["fixedVersion"]
    static = (
        SUB_TYPE.lower() if registry.lowercase_type else SUB_TYPE,
        f"{finding_scope(f)}/providers/Microsoft.Security/assessments/{assessment_key(f)}/"
        f"{registry.sub_segment}/{f.sub_id}",
        parts.pascal.fragment(additional),
        f"Create new image with updated package {v.package} with version {fixed} or higher."
        if fixed
        else "No remediation exists",
        f"{v.package}: {v.noun} ({v.cwe}). To view more details about this vulnerability "
        "please visit the vendor website.",
        parts.resource_details(image, f.runtime),
    )
    parts.per_finding[f.sub_id] = static
    return static


def finding_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    f: Finding
    f, action, status, tg, snapshot = args
    if f.image.repo.registry.generation == "qualys":
        return qualys_record(parts, args)
    static = parts.per_finding.get(f.sub_id) or _finding_static(parts, f)
    record_type, rid, additional, remediation, description, resource = static
    v = f.vuln
    record: Record = {"type": record_type, "id": rid, "name": f.sub_id, "tenantId": parts.tenant}
    enrichment(record, "subAssessmentEventDataEnrichment", action, snapshot, int(f.sub_id[0], 16) % 4)
    record["properties"] = {
        "id": v.cve,
        "displayName": v.cve,
        "status": _status(v.severity, status),
        "remediation": remediation,
        "description": description,
        "timeGenerated": parts.ts(tg),
        "resourceDetails": resource,
        "additionalData": additional,
    }
    return record


def qualys_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    """Legacy Qualys `ContainerRegistryVulnerability` sub-assessment (numeric QID id)."""
    f: Finding
    f, action, status, tg, snapshot = args
    v, image = f.vuln, f.image
    registry = image.repo.registry
    qid = str(100_000 + v.index)
    scope = registry_scope(registry)
    rid = f"{scope}/providers/Microsoft.Security/assessments/{cat.QUALYS_REGISTRY_KEY}/{registry.sub_segment}/{f.sub_id}"
    score = v.cvss.score if v.cvss else None
    record: Record = {"type": SUB_TYPE, "id": rid, "name": f.sub_id, "tenantId": parts.tenant}
    enrichment(record, "subAssessmentEventDataEnrichment", action, snapshot, 0)
    record["properties"] = {
        "displayName": f"{v.package}: {v.noun}",
        "id": qid,
        "status": _status(v.severity, status) | {"cause": ""}
        if status != "Exempt"
        else _status(v.severity, status),
        "resourceDetails": {
            "source": "Azure",
            "id": f"{scope}/repository/{image.repo.name}/imageDigest/{image.digest}",
        },
        "remediation": f"Update {v.package} to {v.fixed_version}."
        if v.fixed_version
        else "No fix is available.",
        "impact": str(_RANK[v.severity] + 1),
        "category": cat.OS_FLAVORS[image.repo.os][1].split("_", 1)[0].capitalize(),
        "description": f"A {v.noun} was found in {v.package}.",
        "timeGenerated": parts.ts(tg),
        "additionalData": {
            "assessedResourceType": "ContainerRegistryVulnerability",
            "type": "Vulnerability",
            "cvss": {"2.0": {"base": score}, "3.0": {"base": score}} if score is not None else {},
            "patchable": bool(v.fixed_version),
            "cve": []
            if v.index % 10 == 0
            else [{"title": v.cve, "link": f"https://nvd.nist.gov/vuln/detail/{v.cve}"}],
            "publishedTime": f"{v.published}T00:00:00Z",
            "vendorReferences": [{"title": f"QID-{qid}", "link": "https://www.qualys.com/research/"}],
            "repositoryName": image.repo.name,
            "imageDigest": image.digest,
            "imageName": f"{image.repo.name}:{image.tags[0]}",
        },
    }
    return record


def image_assessment_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    """Per-image assessment (2024 keys): Healthy, Unhealthy or NotApplicable/Unscanned."""
    image: Image
    image, action, code, tg, snapshot = args
    r = image.repo.registry
    key = cat.REGISTRY_KEYS[r.cloud][1]
    scope = _image_scope(image)
    rid = f"{scope}/providers/Microsoft.Security/assessments/{key}"
    additional: Record = {"ImageUri": image_ref(image), "Digest": image.digest, "Tags": ",".join(image.tags),
                          "InventorySource": "Registry"}  # fmt: skip
    status: Record = {
        "code": code,
        "firstEvaluationDate": parts.ts(image.first_scan),
        "statusChangeDate": parts.ts(tg),
    }
    if code == "NotApplicable":
        status |= {"severity": "Unknown", "cause": "Unscanned", "description": image.unscanned}
    else:
        open_now = [
            f
            for f in image.findings
            if not f.runtime and f.appear <= tg and (f.disappear is None or f.disappear > tg)
        ]
        worst = max((f.vuln for f in open_now), key=lambda v: _RANK[v.severity], default=None)
        additional["CvesCount"] = str(len(open_now))
        additional["HighestSeverity"] = worst.severity if worst else "Unknown"
        if open_now:
            top = max((f.vuln.cvss.score for f in open_now if f.vuln.cvss), default=0.0)
            additional["maxCvss30Score"] = f"{top:.1f}"
            additional["subAssessmentsLink"] = f"{rid}/subAssessments"
    title = cat.IMAGE_ASSESSMENT_TITLES[r.cloud]
    record: Record = {"type": ASSESSMENT_TYPE, "id": rid, "name": key, "tenantId": parts.tenant}
    enrichment(record, "assessmentEventDataEnrichment", action, snapshot, image.index % 3)
    record["properties"] = {
        "resourceDetails": {"Source": cat.CLOUD_NAMES[r.cloud][2], "Id": scope},
        "displayName": f"{title} (powered by Microsoft Defender Vulnerability Management)",
        "status": status,
        "timeGenerated": parts.ts(tg),
        "additionalData": additional,
        "metadata": {"displayName": title, "severity": "High", "assessmentType": "BuiltIn",
                     "categories": ["Container"], "implementationEffort": "Moderate", "userImpact": "Low"},
        "links": {"azurePortal": f"portal.azure.com/#view/Microsoft_Azure_Security/GenericRecommendationDetailsBlade/assessmentKey/{key}"},
    }  # fmt: skip
    return record


def _image_scope(image: Image) -> str:
    r = image.repo.registry
    if r.cloud == "azure":
        return f"{registry_scope(r)}/repositories/{image.repo.name}/images/{image.digest}"
    kind = "aws-ecr" if r.cloud == "aws" else "gcp-gar"
    slug = image.repo.name.replace("/", "-")
    base = f"/subscriptions/{r.subscription}/resourceGroups/{r.resource_group}/providers"
    return f"{base}/microsoft.security/securityconnectors/{r.name}-connector/securityentitydata/{kind}-image-{slug}-{image.digest[7:19]}-{r.region}"


def registry_assessment_record(parts: SharedParts, args: tuple[Any, ...]) -> Record:
    """First-generation parent assessment: one per registry, re-sent with every snapshot."""
    registry: Registry
    registry, t = args
    key = cat.QUALYS_REGISTRY_KEY if registry.generation == "qualys" else cat.REGISTRY_KEYS[registry.cloud][0]
    scope = registry_scope(registry)
    rid = f"{scope}/providers/Microsoft.Security/assessments/{key}"
    record: Record = {"type": ASSESSMENT_TYPE, "id": rid, "name": key, "tenantId": parts.tenant}
    enrichment(record, "assessmentEventDataEnrichment", "Insert", True, 0)
    record["properties"] = {
        "resourceDetails": {"Source": cat.CLOUD_NAMES[registry.cloud][2], "Id": scope},
        "displayName": "Container registry images should have vulnerability findings resolved",
        "status": {"code": "Unhealthy"},
        "timeGenerated": parts.ts(t),
        "additionalData": {"subAssessmentsLink": f"{rid}/subAssessments"},
    }
    return record

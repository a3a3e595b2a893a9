"""Container-image vulnerability sub-assessment → one VULNERABILITY_FINDING event.

The contract is the table "Defender sub-assessment → VULNERABILITY_FINDING" in semantic-dictionary.md.
Plain copies are listed in `COPIES` (event field ← block, key); the fields that need a rule (ids,
severity and score, CVSS version, remediation / exploit / resolution / mute status, image identity)
each have one small function. Two record shapes: MDVM (every cloud, registry and running containers,
first-generation and 2024 keys) and the legacy Qualys `ContainerRegistryVulnerability` shape.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import orjson

from seclake.model import EventType, normalize_risk
from seclake.sources.defender.access import FieldProblem, ci, opt_bool, opt_dict, opt_list, opt_num, opt_str
from seclake.sources.defender.access import opt_time as _opt_time
from seclake.sources.defender.classify import ContainerScope
from seclake.sources.defender.common import (
    base_event,
    cloud_provider,
    enrichment_action,
    event_time,
    lower_id,
)
from seclake.sources.defender.identity import event_id, finding_id_fallback, scan_id
from seclake.sources.defender.images import (
    Image,
    azure_context,
    image_from_legacy,
    image_from_subassessment,
    kubernetes_context,
    resource_of,
)
from seclake.sources.defender.memo import Memo
from seclake.sources.defender.times import Timestamp

__all__ = [
    "COPIES",
    "MDVM_SCANNER",
    "QUALYS_SCANNER",
    "image_context",
    "legacy_vulnerability",
    "map_subassessment",
    "mdvm_vulnerability",
]

_P = "$.properties"
_AD = _P + ".additionalData"
_VD = _AD + ".vulnerabilityDetails"
_SD = _AD + ".softwareDetails"
_CVE = re.compile(r"CVE-\d{4}-\d{4,}", re.IGNORECASE)
_NVD = "https://nvd.nist.gov/vuln/detail/"
MDVM_SCANNER = "Microsoft Defender Vulnerability Management"
QUALYS_SCANNER = "Qualys"
_SCANNERS = {False: MDVM_SCANNER, True: QUALYS_SCANNER}

# event field ← (block, key): copied when present (block names: props, sd).
COPIES: tuple[tuple[str, str, str], ...] = (
    ("vulnerability.description", "props", "description"),
    ("vulnerability.remediation.description", "props", "remediation"),
    ("component.version", "sd", "version"),
)
_BLOCK_PATHS = {"props": _P, "sd": _SD}
_EXPLOIT_FLAGS = (
    "exploitStepsVerified",
    "exploitStepsPublished",
    "isInExploitKit",
    "isVerified",
    "isPubliclyDisclosed",
)
_EXPLOIT_FLAGS_LOWER = frozenset(flag.lower() for flag in _EXPLOIT_FLAGS)
_ACTION_RESOLVES = frozenset({"delete"})


def map_subassessment(
    record: dict[str, Any], scope: ContainerScope, enqueued: Timestamp | None
) -> dict[str, Any]:
    """The VULNERABILITY_FINDING event of one container-image sub-assessment (raises FieldProblem)."""
    props = opt_dict(record, "properties", "$")
    ad = opt_dict(props, "additionalData", _P)
    record_id = opt_str(record, "id", "$")
    generated = _opt_time(props, "timeGenerated", _P)
    if generated is None:
        raise FieldProblem(_P + ".timeGenerated", "missing: the evaluation time is required")
    legacy = scope.legacy or (ci(ad, "artifactDetails") is None and ci(ad, "imageDigest") is not None)
    sd = EMPTY_SD if legacy else opt_dict(ad, "softwareDetails", _AD)
    status = opt_dict(props, "status", _P)

    event = base_event(EventType.VULNERABILITY_FINDING)
    event["timestamp"] = event_time(generated, enqueued)
    event["finding.time.created"] = generated[1]
    blocks = {"props": props, "sd": sd}
    for field, block, key in COPIES:
        value = opt_str(blocks[block], key, _BLOCK_PATHS[block])
        if value:
            event[field] = value
    if legacy:
        legacy_vulnerability(props, ad, event)
    else:
        vd = opt_dict(ad, "vulnerabilityDetails", _AD)
        vuln_key = _content_key(
            vd, ci(props, "id"), ci(props, "displayName"), ci(status, "severity"), ci(ad, "cvssV30Score")
        )
        _MEMO.apply(vuln_key, lambda out: mdvm_vulnerability(props, ad, vd, status, out), event)
        _remediation(sd, event)
    action = enrichment_action(record)
    _status_fields(action, status, event)
    resource = resource_of(record_id)
    tenant = ci(record, "tenantId")
    image_key = (
        None
        if legacy
        else _content_key(
            ci(ad, "artifactDetails"), ci(props, "resourceDetails"), resource, tenant, scope, generated[1]
        )
    )
    _MEMO.apply(
        image_key,
        lambda out: image_context(
            record, props, out, resource=resource, scope=scope, generated=generated, legacy=legacy
        ),
        event,
    )
    if scope.runtime:
        kubernetes_context(ad, event)

    component = _component(legacy, sd, ad, event)
    event["component.name"] = component
    vuln_id: str = event["vulnerability.id"]
    version = event.get("component.version")
    title = f"{vuln_id} in {component} {version}" if version else f"{vuln_id} in {component}"
    event["finding.title"] = (opt_str(props, "displayName", _P) or title) if legacy else title
    event["finding.id"] = lower_id(record) or finding_id_fallback(
        event["object.id"], vuln_id, component, version
    )
    event["scan.name"] = _SCANNERS[legacy]
    event["event.id"] = event_id(event["finding.id"], action, generated[1])
    return event


_MEMO = Memo()


def _content_key(*parts: Any) -> bytes | None:
    """A memo key holding exactly `parts`: their compact JSON, so types stay apart (`true` is not `1`,
    `7` is not `7.0`); None when they cannot be written (integers beyond 64 bits, lone surrogates)."""
    try:
        return orjson.dumps(parts)
    except TypeError:
        return None


def image_context(
    record: dict[str, Any],
    props: dict[str, Any],
    event: dict[str, Any],
    *,
    resource: str | None,
    scope: ContainerScope,
    generated: Timestamp,
    legacy: bool,
) -> None:
    """Image, cloud and Azure fields plus `scan.id`: everything that follows from the image and the scan."""
    ad = opt_dict(props, "additionalData", _P)
    image = image_from_legacy(resource, ad) if legacy else image_from_subassessment(resource, props, ad)
    _image_fields(image, event)
    rd = opt_dict(props, "resourceDetails", _P)
    event["cloud.provider"] = cloud_provider(ci(rd, "source"), scope.provider)
    region = opt_str(rd, "region", _P + ".resourceDetails")
    if region:
        event["cloud.region"] = region
    azure_context(record, resource, event)
    event["scan.id"] = scan_id(image.ref, generated[1])


EMPTY_SD: dict[str, Any] = {}


def _component(legacy: bool, sd: dict[str, Any], ad: dict[str, Any], event: dict[str, Any]) -> str:
    """`component.name`: the package; Qualys names no package, so the image (its `imageName`) stands in."""
    if legacy:
        image_name = opt_str(ad, "imageName", _AD)
        return image_name or event.get("container_image.repository") or event["container_image.digest"]
    name = opt_str(sd, "packageName", _SD)
    if not name:
        raise FieldProblem(_SD + ".packageName", "missing: a vulnerability finding needs the package name")
    return name


@lru_cache(maxsize=1024)
def _normalized(severity: str, score: float | None) -> tuple[str, float]:
    level, risk_score = normalize_risk(severity, score)
    return str(level), risk_score


def _risk(severity: str, score: float | None, event: dict[str, Any]) -> None:
    event["finding.severity"] = severity
    if score is not None:
        event["finding.score"] = score
    event["dt.security.risk.level"], event["dt.security.risk.score"] = _normalized(severity, score)


def _cvss(base: float | None, vector: str | None, key: str, event: dict[str, Any]) -> None:
    """`vulnerability.cvss.*`: the version from the vector prefix (`CVSS:3.1/`), else the cvss key."""
    if base is not None:
        event["vulnerability.cvss.base_score"] = base
    if vector:
        event["vulnerability.cvss.vector"] = vector
    if base is not None or vector:
        prefix = vector.partition("/")[0] if vector and vector.upper().startswith("CVSS:") else ""
        event["vulnerability.cvss.version"] = prefix[5:] or key


def mdvm_vulnerability(
    props: dict[str, Any],
    ad: dict[str, Any],
    vd: dict[str, Any],
    status: dict[str, Any],
    event: dict[str, Any],
) -> None:
    """Vulnerability, severity, score and CVSS fields: a function of vulnerabilityDetails and a few scalars
    (the memo key in `map_subassessment` lists them; keep the two in step)."""
    external = opt_str(props, "id", _P)
    cve = opt_str(vd, "cveId", _VD)
    vuln_id = cve or external or opt_str(props, "displayName", _P)
    if not vuln_id:
        raise FieldProblem(_VD + ".cveId", "missing: a vulnerability finding needs the CVE id")
    event["vulnerability.id"] = vuln_id
    event["vulnerability.title"] = opt_str(props, "displayName", _P) or vuln_id
    event["vulnerability.external_id"] = external or vuln_id

    cvss = opt_dict(vd, "cvss", _VD)
    v3 = opt_dict(cvss, "3.0", _VD + ".cvss")
    v2 = opt_dict(cvss, "2.0", _VD + ".cvss")
    base3 = opt_num(v3, "base", _VD + '.cvss["3.0"]')
    base2 = opt_num(v2, "base", _VD + '.cvss["2.0"]')
    v30 = opt_num(ad, "cvssV30Score", _AD)
    score = v30 if v30 is not None else base3 if base3 is not None else base2
    severity = opt_str(vd, "severity", _VD) or opt_str(status, "severity", _P + ".status") or "Unknown"
    _risk(severity, score, event)
    if base3 is not None or v30 is not None or v3:
        _cvss(
            base3 if base3 is not None else v30,
            opt_str(v3, "cvssVectorString", _VD + '.cvss["3.0"]'),
            "3.0",
            event,
        )
    elif v2:
        _cvss(base2, opt_str(v2, "cvssVectorString", _VD + '.cvss["2.0"]'), "2.0", event)

    cves = [cve] if cve else []
    url = None
    for i, ref in enumerate(opt_list(vd, "references", _VD)):
        if type(ref) is not dict:
            raise FieldProblem(f"{_VD}.references[{i}]", "expected an object")
        title = ref.get("title") or ci(ref, "title")
        link = ref.get("link") or ci(ref, "link")
        if (title is not None and type(title) is not str) or (link is not None and type(link) is not str):
            raise FieldProblem(f"{_VD}.references[{i}]", "expected title and link to be strings")
        if title and title[:4].upper() == "CVE-" and _CVE.fullmatch(title) and title.upper() not in cves:
            cves.append(title.upper())
        if url is None and link and link.startswith(_NVD):
            url = link
    _references(vuln_id, cves, url, event)
    cwes = []
    for i, weakness in enumerate(opt_list(opt_dict(vd, "weaknesses", _VD), "cwe", _VD + ".weaknesses")):
        cwe = opt_str(weakness, "id", f"{_VD}.weaknesses.cwe[{i}]") if type(weakness) is dict else None
        if cwe:
            cwes.append(cwe)
    if cwes:
        event["vulnerability.references.cwe"] = cwes

    exploit = opt_dict(vd, "exploitabilityAssessment", _VD)
    event["vulnerability.exploit.status"] = "AVAILABLE" if _exploited(exploit) else "NOT_AVAILABLE"


def _remediation(sd: dict[str, Any], event: dict[str, Any]) -> None:
    fixed = opt_str(sd, "fixedVersion", _SD)
    fix_status = opt_str(sd, "fixStatus", _SD)
    available = bool(fixed) or (fix_status or "").lower() == "fixavailable" or opt_bool(sd, "patchable", _SD)
    event["vulnerability.remediation.status"] = "AVAILABLE" if available else "NOT_AVAILABLE"
    if fixed:
        event["vulnerability.remediation.fix_versions"] = [fixed]


def _exploited(exploit: dict[str, Any]) -> bool:
    """Whether any exploitability flag (2023 or 2025 shape) is true; one pass over the block."""
    for key, value in exploit.items():
        if value is None or key.lower() not in _EXPLOIT_FLAGS_LOWER:
            continue
        if type(value) is bool:
            if value:
                return True
        elif type(value) is str and value.lower() in ("true", "false"):
            if value.lower() == "true":
                return True
        else:
            raise FieldProblem(f"{_VD}.exploitabilityAssessment.{key}", "expected a boolean")
    return False


def _references(vuln_id: str, cves: list[str], url: str | None, event: dict[str, Any]) -> None:
    if cves:
        event["vulnerability.references.cve"] = cves
    if url is None and _CVE.fullmatch(vuln_id):
        url = _NVD + vuln_id.upper()
    if url:
        event["vulnerability.external_url"] = url


def legacy_vulnerability(props: dict[str, Any], ad: dict[str, Any], event: dict[str, Any]) -> None:
    qid = opt_str(props, "id", _P)
    cves: list[str] = []
    for i, entry in enumerate(opt_list(ad, "cve", _AD)):
        title = opt_str(entry, "title", f"{_AD}.cve[{i}]") if type(entry) is dict else None
        if title and _CVE.fullmatch(title.strip()):
            cves.append(title.strip().upper())
    vuln_id = cves[0] if cves else (f"QID-{qid}" if qid else None)
    if not vuln_id:
        raise FieldProblem(_P + ".id", "missing: a Qualys finding needs its QID or a CVE")
    event["vulnerability.id"] = vuln_id
    event["vulnerability.title"] = opt_str(props, "displayName", _P) or vuln_id
    event["vulnerability.external_id"] = qid or vuln_id
    cvss = opt_dict(ad, "cvss", _AD)
    base3 = opt_num(opt_dict(cvss, "3.0", _AD + ".cvss"), "base", _AD + '.cvss["3.0"]')
    base2 = opt_num(opt_dict(cvss, "2.0", _AD + ".cvss"), "base", _AD + '.cvss["2.0"]')
    score = base3 if base3 is not None else base2
    status = opt_dict(props, "status", _P)
    _risk(opt_str(status, "severity", _P + ".status") or "Unknown", score, event)
    if score is not None:
        _cvss(score, None, "3.0" if base3 is not None else "2.0", event)
    _references(vuln_id, cves, None, event)
    patchable = opt_bool(ad, "patchable", _AD)
    event["vulnerability.remediation.status"] = "AVAILABLE" if patchable else "NOT_AVAILABLE"
    event["vulnerability.exploit.status"] = "NOT_AVAILABLE"


def _status_fields(action: str | None, status: dict[str, Any], event: dict[str, Any]) -> None:
    """Resolution (Delete or Healthy → RESOLVED) and mute (NotApplicable + Exempt → MUTED)."""
    code = (opt_str(status, "code", _P + ".status") or "").lower()
    resolved = (action or "").lower() in _ACTION_RESOLVES or code == "healthy"
    event["vulnerability.resolution.status"] = "RESOLVED" if resolved else "OPEN"
    muted = code == "notapplicable" and (opt_str(status, "cause", _P + ".status") or "").lower() == "exempt"
    event["vulnerability.mute.status"] = "MUTED" if muted else "NOT_MUTED"


def _image_fields(image: Image, event: dict[str, Any]) -> None:
    event["object.id"] = image.ref
    event["object.name"] = image.name
    event["container_image.digest"] = image.digest
    if image.registry:
        event["container_image.registry"] = image.registry
    if image.repository:
        event["container_image.repository"] = image.repository
    if image.tags:
        event["container_image.tags"] = list(image.tags)

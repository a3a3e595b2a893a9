"""Record templates for container-image findings and per-image / per-registry assessments (camelCase).

Parts that repeat across many records (vulnerability details per CVE, software details per CVE and OS,
artifact details per image) are built once and shared; `Pascalizer` converts a record to the PascalCase
shape some exports use, converting each shared part only once.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from seclake.synthetic import catalog as cat
from seclake.synthetic.world import Finding, Image, Registry, Vuln

Record = dict[str, Any]
_MEDIA_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
)


class _MinutePrefix(dict[int, str]):
    """epoch minute -> "YYYY-MM-DDTHH:MM:" (computed once per minute)."""

    def __missing__(self, minute: int) -> str:
        t = time.gmtime(minute * 60)
        text = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:"
        if len(self) > 1_000_000:  # bounded: about two years of minutes
            self.clear()
        self[minute] = text
        return text


class _PascalKeys(dict[str, str]):
    """camelCase key -> PascalCase key; `$type`-style keys stay as they are."""

    def __missing__(self, key: str) -> str:
        value = key if key.startswith("$") else key[:1].upper() + key[1:]
        self[key] = value
        return value


_MINUTES = _MinutePrefix()
_PASCAL = _PascalKeys()


def timestamp7(abs_us: int) -> str:
    """RFC 3339 UTC with 7 fractional digits, as .NET writes them."""
    sec, us = divmod(abs_us, 1_000_000)
    minute, second = divmod(sec, 60)
    return f"{_MINUTES[minute]}{second:02d}.{us:06d}{sec % 10}Z"


class Pascalizer:
    """camelCase -> PascalCase for whole records.

    Parts registered with `share` are converted once; parts pre-serialized with `fragment` (an
    `orjson.Fragment`, copied verbatim into every body that holds it) are converted and re-serialized once.
    """

    def __init__(self) -> None:
        self._shared: dict[int, object] = {}  # keeps shared parts alive so their ids stay unique
        self._fragments: dict[int, tuple[orjson.Fragment, Record]] = {}
        self._memo: dict[int, Any] = {}

    def share(self, obj: Record) -> Record:
        self._shared[id(obj)] = obj
        return obj

    def fragment(self, obj: Record) -> orjson.Fragment:
        frag = orjson.Fragment(orjson.dumps(obj))
        self._fragments[id(frag)] = (frag, obj)
        return frag

    def convert(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is dict:
            key = id(obj)
            hit = self._memo.get(key)
            if hit is not None:
                return hit
            conv, keys = self.convert, _PASCAL
            out = {keys[k]: conv(v) if type(v) in _CONTAINERS else v for k, v in obj.items()}
            if key in self._shared:
                self._memo[key] = out
            return out
        if kind is list:
            return [self.convert(v) if type(v) in _CONTAINERS else v for v in obj]
        if kind is orjson.Fragment:
            key = id(obj)
            hit = self._memo.get(key)
            if hit is None:
                hit = self._memo[key] = orjson.Fragment(orjson.dumps(self.convert(self._fragments[key][1])))
            return hit
        return obj


_CONTAINERS = (dict, list, orjson.Fragment)


def image_ref(image: Image) -> str:
    return f"{image.repo.registry.host}/{image.repo.name}@{image.digest}"


def registry_scope(registry: Registry) -> str:
    """The resource id the first-generation (per-registry) assessment hangs on."""
    r = registry
    base = f"/subscriptions/{r.subscription}/resourceGroups/{r.resource_group}/providers"
    if r.cloud == "azure":
        return f"{base}/Microsoft.ContainerRegistry/registries/{r.name}"
    slug = "aws-ecr-registry" if r.cloud == "aws" else "gcp-gar-registry"
    return f"{base}/microsoft.security/securityconnectors/{r.name}-connector/securityentitydata/{slug}-{r.account}-{r.region}"


def finding_scope(f: Finding) -> str:
    """The resource id a finding's parent assessment hangs on (registry, repository, image or cluster)."""
    image = f.image
    r = image.repo.registry
    base = f"/subscriptions/{r.subscription}/resourceGroups/{r.resource_group}/providers"
    slug = image.repo.name.replace("/", "-")
    per_image = r.generation == "v2"
    if f.runtime:
        if r.cloud == "azure":
            scope = f"{base}/Microsoft.ContainerService/managedClusters/{r.cluster}"
        else:
            kind = "aws-eks-cluster" if r.cloud == "aws" else "gcp-gke-cluster"
            scope = f"{base}/microsoft.security/securityconnectors/{r.name}-connector/securityentitydata/{kind}-{r.cluster}-{r.region}"
        return f"{scope}/containerImages/{image.digest}" if per_image else scope
    if r.cloud == "azure":
        scope = registry_scope(r)
        return f"{scope}/repositories/{image.repo.name}/images/{image.digest}" if per_image else scope
    kind = "aws-ecr" if r.cloud == "aws" else "gcp-gar"
    entity = f"{kind}-image-{slug}-{image.digest[7:19]}" if per_image else f"{kind}-repository-{slug}"
    return f"{base}/microsoft.security/securityconnectors/{r.name}-connector/securityentitydata/{entity}-{r.region}"


def assessment_key(f: Finding) -> str:
    r = f.image.repo.registry
    if r.generation == "qualys":
        return cat.QUALYS_REGISTRY_KEY
    keys = cat.RUNTIME_KEYS if f.runtime else cat.REGISTRY_KEYS
    return keys[r.cloud][r.generation == "v2"]


class SharedParts:
    """Parts shared by many finding records, each built once per key."""

    def __init__(self, base_us: int, tenant: str, pascal: Pascalizer) -> None:
        self.base = base_us
        self.tenant = tenant
        self.pascal = pascal
        self._vuln: dict[tuple[int, bool], Record] = {}
        self._software: dict[tuple[int, str, bool], Record] = {}
        self._artifact: dict[tuple[int, bool], Record] = {}
        self._resource: dict[tuple[int, bool], Record] = {}
        self._k8s: dict[int, Record] = {}
        self.per_finding: dict[str, tuple[str, str, orjson.Fragment, str, str, Record]] = {}

    def ts(self, t: int) -> str:
        return timestamp7(self.base + t)

    # ── shared parts ──
    def vulnerability_details(self, v: Vuln, modern: bool) -> Record:
        key = (v.index, modern)
        hit = self._vuln.get(key)
        if hit is not None:
            return hit
        if modern:  # 2025 shape
            exploit: Record = {
                "isVerified": v.exploitable,
                "isPubliclyDisclosed": v.exploitable,
                "isInExploitKit": False,
            }
        else:  # 2023 shape
            exploit = {
                "exploitStepsVerified": v.exploitable,
                "exploitStepsPublished": v.exploitable,
                "isInExploitKit": v.exploitable and v.severity == "Critical",
                "types": ["Remote"] if v.exploitable else [],
                "exploitUris": [f"https://www.exploit-db.com/exploits/{50000 + v.index}"]
                if v.exploitable
                else [],
            }
        cvss3 = {"base": v.cvss.score, "cvssVectorString": f"CVSS:3.1/{v.cvss.vector}"} if v.cvss else None
        product = v.package.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        part = {
            "cveId": v.cve,
            "severity": v.severity,
            "exploitabilityAssessment": exploit,
            "lastModifiedDate": f"{v.published[:8]}28T00:00:00.0000000Z",
            "publishedDate": f"{v.published}T00:00:00.0000000Z",
            "workarounds": [],
            "weaknesses": {"cwe": [{"id": v.cwe}]},
            "references": [{"title": v.cve, "link": f"https://nvd.nist.gov/vuln/detail/{v.cve}"}],
            "cvss": {"2.0": None, "3.0": cvss3},
            "cpe": {"part": "Applications", "vendor": product, "product": product, "version": "*",
                    "uri": f"cpe:2.3:a:{product}:{product}:*:*:*:*:*:*:*:*"},
        }  # fmt: skip
        self._vuln[key] = self.pascal.share(part)
        return part

    def software_details(self, v: Vuln, os_name: str, modern: bool) -> Record:
        key = (v.index, os_name, modern)
        hit = self._software.get(key)
        if hit is not None:
            return hit
        _, os_version, suffix = cat.OS_FLAVORS[os_name]
        _, category, language = cat.ECOSYSTEMS[v.ecosystem]
        is_os = category == "OS"
        suffix = suffix if is_os else ""
        vendor = os_version.split("_", 1)[0] if is_os else v.ecosystem
        part: Record = {
            "packageName": v.package,
            "version": f"{v.version}{suffix}",
            "fixedVersion": f"{v.fixed_version}{suffix}" if v.fixed_version else "",
            "fixStatus": v.fix_status,
            "category": category,
            "language": language,
            "vendor": vendor,
            "osDetails": {"osPlatform": "linux", "osVersion": os_version, "osName": os_name.split("-", 1)[0]},
            "evidence": [],
        }
        if v.fixed_version and is_os:
            notice = f"{vendor.upper()[:3]}-{6000 + v.index % 3000}-1"
            part["fixReference"] = {
                "id": notice,
                "url": f"https://security.example.org/{vendor}/{notice}",
                "description": f"{notice}: {v.package} vulnerabilities",
                "releaseDate": f"{v.published}T00:00:00+00:00",
            }
        if modern:
            part["patchable"] = bool(v.fixed_version)
        self._software[key] = self.pascal.share(part)
        return part

    def artifact_details(self, image: Image, runtime: bool) -> Record:
        """Artifact details; some first-generation registry records omit `registryHost` (runtime never)."""
        key = (image.index, runtime)
        hit = self._artifact.get(key)
        if hit is not None:
            return hit
        part: Record = {
            "repositoryName": image.repo.name,
            "registryHost": image.repo.registry.host,
            "digest": image.digest,
            "tags": image.tags,
            "lastPushedToRegistryUTC": self.ts(image.push),
            "artifactType": "ContainerImage",
            "mediaType": _MEDIA_TYPES[image.index % 2],
        }
        if image.repo.registry.omit_host and not runtime:
            del part["registryHost"]
        self._artifact[key] = self.pascal.share(part)
        return part

    def resource_details(self, image: Image, runtime: bool) -> Record:
        key = (image.index, runtime)
        hit = self._resource.get(key)
        if hit is not None:
            return hit
        r = image.repo.registry
        source = cat.CLOUD_NAMES[r.cloud][2]
        part: Record
        if runtime:
            provider = cat.CLOUD_NAMES[r.cloud][4].lower()
            part = {"ResourceName": image.repo.controller_name, "ResourceType": "Container",
                    "ResourceProvider": provider, "source": source, "id": image_ref(image)}  # fmt: skip
        elif r.cloud == "azure":
            part = {"source": "Azure", "id": f"/repositories/{image.repo.name}/images/{image.digest}"}
        else:
            native = (
                f"arn:aws:ecr:{r.region}:{r.account}:image/{image.repo.name}"
                if r.cloud == "aws"
                else f"projects/{r.account}/locations/{r.region}/repositories/{image.repo.name}"
            )
            part = {"id": image_ref(image), "source": source, "connectorId": r.connector, "region": r.region,
                    "nativeCloudUniqueIdentifier": native, "resourceProvider": "ecr" if r.cloud == "aws" else "gar",
                    "resourceType": "repository", "resourceName": image.repo.name, "hierarchyId": r.account}  # fmt: skip
        self._resource[key] = self.pascal.share(part)
        return part

    def kubernetes_details(self, image: Image) -> Record:
        hit = self._k8s.get(image.index)
        if hit is not None:
            return hit
        r, repo = image.repo.registry, image.repo
        cloud, kind = cat.CLOUD_NAMES[r.cloud][3], cat.CLOUD_NAMES[r.cloud][4]
        part: Record = {
            "cloud": cloud, "clusterKind": kind, "clusterName": r.cluster,
            "clusterResourceId": f"/subscriptions/{r.subscription}/resourceGroups/{r.resource_group}/providers/"
                                 f"Microsoft.ContainerService/managedClusters/{r.cluster}",
            "namespace": repo.namespace, "controllerKind": repo.controller_kind,
            "controllerName": repo.controller_name,
            "podName": f"{repo.controller_name}-{image.digest[7:17]}-{image.digest[60:65]}",
            "containerName": repo.name.rsplit("/", 1)[-1],
        }  # fmt: skip
        self._k8s[image.index] = self.pascal.share(part)
        return part

"""Where a finding lives: the container image, its Kubernetes context, and the Azure resource context.

Image identity (semantic-dictionary.md, "Defender sub-assessment → VULNERABILITY_FINDING"):
`artifactDetails.registryHost / repositoryName / digest / tags`, falling back to what
`resourceDetails.id` spells (`/repositories/<repo>/images/sha256:<d>` for ACR,
`<host>/<repo>@sha256:<d>` for ECR/GAR/GCR); an ACR record without `registryHost` takes the registry
name from the record id and appends `.azurecr.io`. The digest is the primary identity of an image, so a
record without one is an error, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seclake.sources.defender.access import FieldProblem, ci, opt_dict, opt_list, opt_str

__all__ = [
    "Image",
    "acr_registry",
    "azure_context",
    "image_from_assessment",
    "image_from_subassessment",
    "kubernetes_context",
    "parse_image_ref",
    "resource_of",
    "segment_after",
    "tags_value",
]

_AD = "$.properties.additionalData"
_ART = _AD + ".artifactDetails"
_RD = "$.properties.resourceDetails"


@dataclass(frozen=True, slots=True)
class Image:
    """A container image; `name` (`<registry>/<repository>`) and `ref` (`<name>@<digest>`, object.id)
    are computed once."""

    registry: str | None
    repository: str | None
    digest: str
    tags: list[str]
    name: str = field(init=False)
    ref: str = field(init=False)

    def __post_init__(self) -> None:
        if self.registry and self.repository:
            name = f"{self.registry}/{self.repository}"
        else:
            name = self.registry or self.repository or ""
        object.__setattr__(self, "name", name or self.digest)
        object.__setattr__(self, "ref", f"{name}@{self.digest}" if name else self.digest)


def segment_after(record_id: str, lowered: str, marker: str) -> str | None:
    start = lowered.find(marker)
    if start < 0:
        return None
    start += len(marker)
    end = record_id.find("/", start)
    value = record_id[start:] if end < 0 else record_id[start:end]
    return value.strip() or None


def acr_registry(record_id: str | None) -> str | None:
    """`<name>.azurecr.io` from `.../Microsoft.ContainerRegistry/registries/<name>/...`."""
    if not record_id:
        return None
    name = segment_after(record_id, record_id.lower(), "/registries/")
    return f"{name.lower()}.azurecr.io" if name else None


def parse_image_ref(ref: str) -> tuple[str | None, str | None, str | None]:
    """`(registry, repository, digest)` of `host/repo@sha256:…`, `host/repo:tag` or an ACR resource path."""
    ref = ref.strip()
    if ref.lower().startswith("/repositories/"):
        rest = ref[len("/repositories/") :]
        repo, sep, digest = rest.rpartition("/images/")
        return (None, repo or None, digest or None) if sep else (None, rest or None, None)
    name, _, digest = ref.partition("@")
    host, slash, path = name.partition("/")
    if not slash:
        host, path = "", name
    if ":" in path.rpartition("/")[2]:  # a tag, not part of the repository
        path = path[: path.rfind(":")]
    return host or None, path or None, digest or None


def _str_list(values: list[Any], path: str) -> list[str]:
    for i, value in enumerate(values):
        if type(value) is not str:
            raise FieldProblem(f"{path}[{i}]", "expected a string")
    return values


def image_from_subassessment(record_id: str | None, props: dict[str, Any], ad: dict[str, Any]) -> Image:
    """The image of an MDVM sub-assessment (any cloud, registry or running)."""
    art = opt_dict(ad, "artifactDetails", _AD)
    registry = opt_str(art, "registryHost", _ART)
    repository = opt_str(art, "repositoryName", _ART)
    digest = opt_str(art, "digest", _ART)
    tags = _str_list(opt_list(art, "tags", _ART), _ART + ".tags")
    if not (registry and repository and digest):
        rd_id = opt_str(opt_dict(props, "resourceDetails", "$.properties"), "id", _RD)
        if rd_id:
            host, repo, ref_digest = parse_image_ref(rd_id)
            registry, repository, digest = registry or host, repository or repo, digest or ref_digest
    if not registry:
        registry = acr_registry(record_id)
    if not digest:
        raise FieldProblem(_ART + ".digest", "missing: a container-image finding needs the image digest")
    return Image(registry, repository, digest, tags)


def image_from_legacy(record_id: str | None, ad: dict[str, Any]) -> Image:
    """The image of a legacy Qualys `ContainerRegistryVulnerability` sub-assessment."""
    digest = opt_str(ad, "imageDigest", _AD)
    if not digest:
        raise FieldProblem(_AD + ".imageDigest", "missing: a container-image finding needs the image digest")
    return Image(acr_registry(record_id), opt_str(ad, "repositoryName", _AD), digest, [])


def tags_value(value: Any, path: str) -> list[str]:
    """Tags given as an array, or as text (assessment additionalData values are strings)."""
    if value is None:
        return []
    if type(value) is list:
        return _str_list(value, path)
    if type(value) is str:
        text = value.strip().strip("[]")
        return [t.strip().strip('"') for t in text.split(",") if t.strip().strip('"')]
    raise FieldProblem(path, "expected an array or a string")


def image_from_assessment(record_id: str | None, props: dict[str, Any], ad: dict[str, Any]) -> Image | None:
    """The image of a per-image assessment (`ImageUri`, `Digest`, `Tags`, or the resource id); None if none."""
    uri = opt_str(ad, "imageUri", _AD)
    registry, repository, digest = parse_image_ref(uri) if uri else (None, None, None)
    digest = opt_str(ad, "digest", _AD) or digest
    if not digest:
        rd_id = opt_str(opt_dict(props, "resourceDetails", "$.properties"), "id", _RD)
        for ref in (rd_id, record_id):
            if ref and "sha256:" in ref.lower():
                start = ref.lower().index("sha256:")
                digest = ref[start:].split("/", 1)[0]
                break
    if not digest:
        return None
    registry = registry or acr_registry(record_id)
    if not repository and record_id:
        repository = segment_after(record_id, record_id.lower(), "/repositories/")
    return Image(registry, repository, digest, tags_value(ci(ad, "tags"), _AD + ".tags"))


_K8S_FIELDS = (
    ("clusterName", "k8s.cluster.name"),
    ("namespace", "k8s.namespace.name"),
    ("controllerKind", "k8s.workload.kind"),
    ("controllerName", "k8s.workload.name"),
    ("podName", "k8s.pod.name"),
    ("containerName", "k8s.container.name"),
)
_K8S = _AD + ".kubernetesDetails"
_WORKLOAD_FIELDS = (
    ("name", "k8s.workload.name"),
    ("kind", "k8s.workload.kind"),
    ("namespace", "k8s.namespace.name"),
)


def kubernetes_context(ad: dict[str, Any], into: dict[str, Any]) -> None:
    """Add `k8s.*` fields of a running-container finding (`kubernetesDetails`, or the older shape)."""
    k8s = opt_dict(ad, "kubernetesDetails", _AD)
    if k8s:
        for key, target in _K8S_FIELDS:
            value = opt_str(k8s, key, _K8S)
            if value:
                into[target] = value
        return
    cluster = opt_dict(ad, "clusterDetails", _AD)
    if cluster:
        name = opt_str(cluster, "clusterName", _AD + ".clusterDetails")
        rid = opt_str(cluster, "clusterResourceId", _AD + ".clusterDetails")
        if name or rid:
            into["k8s.cluster.name"] = name or (rid or "").rstrip("/").rpartition("/")[2]
    workloads = opt_list(opt_dict(ad, "kubernetesContext", _AD), "workloads", _AD + ".kubernetesContext")
    if workloads and type(workloads[0]) is dict:
        path = _AD + ".kubernetesContext.workloads[0]"
        for key, target in _WORKLOAD_FIELDS:
            value = opt_str(workloads[0], key, path)
            if value:
                into[target] = value


def resource_of(record_id: str | None) -> str | None:
    """The assessed resource of a record id: the part before `/providers/Microsoft.Security/assessments/`."""
    if not record_id:
        return None
    cut = record_id.lower().rfind("/providers/microsoft.security/assessments/")
    return record_id[:cut] if cut > 0 else record_id


def azure_context(record: dict[str, Any], record_id: str | None, into: dict[str, Any]) -> None:
    """Add `azure.subscription`, `azure.resource.group`, `azure.resource.id`, `azure.tenant.id`.

    `record_id` is a record id (the assessed resource is the part before `/providers/Microsoft.Security/assessments/`)
    or an Azure resource id (taken whole).
    """
    tenant = ci(record, "tenantId")
    if type(tenant) is str and tenant:
        into["azure.tenant.id"] = tenant
    if not record_id:
        return
    lowered = record_id.lower()
    subscription = segment_after(record_id, lowered, "/subscriptions/")
    if subscription:
        into["azure.subscription"] = subscription
    group = segment_after(record_id, lowered, "/resourcegroups/")
    if group:
        into["azure.resource.group"] = group
    cut = lowered.rfind("/providers/microsoft.security/assessments/")
    if lowered.startswith("/subscriptions/") and cut != 0:
        into["azure.resource.id"] = record_id[:cut] if cut > 0 else record_id

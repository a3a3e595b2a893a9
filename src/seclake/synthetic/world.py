"""The synthetic estate: registries, repositories, image versions, vulnerabilities and their lifetimes.

`build_world` is pure: a seed and an image count give the same estate every time. Times are integer
microseconds relative to the start of the export window (negative = before the window).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from itertools import accumulate

from seclake.synthetic import catalog as cat

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
SNAPSHOT_GUARD = 30 * MINUTE  # stream events never fall in the first 30 minutes of a window day


@dataclass(slots=True)
class Vuln:
    """One CVE in one package of one ecosystem."""

    index: int
    cve: str
    ecosystem: str
    package: str
    severity: str
    cvss: cat.CvssRow | None
    published: str
    noun: str
    cwe: str
    exploitable: bool
    fix_status: str
    version: str
    fixed_version: str


@dataclass(slots=True)
class Registry:
    index: int
    cloud: str
    generation: str  # "v1" (first-generation keys), "v2" (2024 per-image keys), "qualys"
    name: str
    host: str
    subscription: str
    resource_group: str
    region: str
    account: str  # AWS account id / GCP project; "" for Azure
    connector: str
    omit_host: bool
    sub_segment: str  # "subAssessments" or "subassessments" in record ids
    lowercase_type: bool
    cluster: str


@dataclass(slots=True)
class Repository:
    registry: Registry
    name: str
    os: str
    language: str
    namespace: str
    controller_kind: str
    controller_name: str


@dataclass(slots=True)
class Image:
    index: int
    repo: Repository
    digest: str
    tags: list[str]
    push: int
    first_scan: int
    scan_tod: int
    deleted: int | None = None
    run_start: int | None = None
    run_end: int | None = None
    unscanned: str = ""
    exempt_at: int | None = None
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class Finding:
    """One vulnerability of one image (registry scope) or of one running image (runtime scope)."""

    image: Image
    vuln: Vuln
    runtime: bool
    sub_id: str
    appear: int
    disappear: int | None
    exempt_at: int | None


@dataclass(slots=True)
class World:
    span: int
    registries: list[Registry]
    repositories: list[Repository]
    images: list[Image]
    vulns: list[Vuln]


def guid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def nudge(t: int) -> int:
    """Move a stream event out of the snapshot slot at the start of each window day."""
    into_day = t % DAY
    return t + (SNAPSHOT_GUARD - into_day) if into_day < SNAPSHOT_GUARD else t


def daily_scan_at_or_before(image: Image, t: int) -> int:
    """The image's last daily re-scan at or before `t` (scans run at the image's time of day)."""
    return ((t - image.scan_tod) // DAY) * DAY + image.scan_tod


def build_vulns(rng: random.Random) -> tuple[list[Vuln], dict[str, tuple[list[Vuln], list[float]]]]:
    """The CVE catalog and, per ecosystem, the pool with Zipf-like cumulative weights."""
    vulns: list[Vuln] = []
    pools: dict[str, tuple[list[Vuln], list[float]]] = {}
    used: set[str] = set()
    sev_names = list(cat.SEVERITIES)
    sev_weights = [w for w, _ in cat.SEVERITIES.values()]
    fix_names = list(cat.FIX_STATUSES)
    fix_weights = [w for w, _ in cat.FIX_STATUSES.values()]
    for eco, (packages, _, _) in cat.ECOSYSTEMS.items():
        pool: list[Vuln] = []
        for rank, package in enumerate(packages):
            major, minor, patch = rng.randint(0, 12), rng.randint(0, 30), rng.randint(0, 20)
            count = 1 + min(24, int(rng.expovariate(1.0) * 6.0 / (1 + rank / 25)))
            for _ in range(count):
                year = rng.choices(range(2016, 2026), weights=(1, 1, 2, 2, 3, 4, 6, 8, 10, 8))[0]
                cve = f"CVE-{year}-{rng.randint(1000, 52999)}"
                while cve in used:
                    cve = f"CVE-{year}-{rng.randint(1000, 52999)}"
                used.add(cve)
                severity = rng.choices(sev_names, weights=sev_weights)[0]
                rows = cat.SEVERITIES[severity][1]
                fix_status = rng.choices(fix_names, weights=fix_weights)[0]
                has_fix = cat.FIX_STATUSES[fix_status][1]
                exploit_p = {"Critical": 0.35, "High": 0.08}.get(severity, 0.01)
                vuln = Vuln(
                    index=len(vulns),
                    cve=cve,
                    ecosystem=eco,
                    package=package,
                    severity=severity,
                    cvss=rng.choice(rows) if rows else None,
                    published=f"{year}-{rng.randint(1, 5 if year == 2025 else 12):02d}-{rng.randint(1, 28):02d}",
                    noun=rng.choice(cat.VULN_NOUNS),
                    cwe=rng.choice(cat.CWES),
                    exploitable=rng.random() < exploit_p,
                    fix_status=fix_status,
                    version=f"{major}.{minor}.{patch}",
                    fixed_version=f"{major}.{minor}.{patch + rng.randint(1, 4)}" if has_fix else "",
                )
                vulns.append(vuln)
                pool.append(vuln)
        rng.shuffle(pool)  # popularity rank independent of package order
        pools[eco] = (pool, list(accumulate(1.0 / (i + 1) ** 0.95 for i in range(len(pool)))))
    return vulns, pools


_MUST_HAVE: tuple[tuple[str, str], ...] = (
    ("azure", "v1"), ("azure", "v2"), ("aws", "v1"), ("aws", "v2"),
    ("gcp", "v1"), ("gcp", "v2"), ("azure", "qualys"),
)  # fmt: skip


def build_registries(rng: random.Random, images: int) -> list[Registry]:
    wanted = max(len(_MUST_HAVE), math.ceil(images / 80))
    kinds = list(_MUST_HAVE)
    while len(kinds) < wanted:
        kinds.append(
            (rng.choices(("azure", "aws", "gcp"), weights=(55, 25, 20))[0], rng.choice(("v1", "v2")))
        )
    words = list(cat.REGISTRY_WORDS)
    rng.shuffle(words)
    out: list[Registry] = []
    for i, (cloud, gen) in enumerate(kinds):
        word = f"{words[i % len(words)]}{'' if i < len(words) else i}"
        sub = guid(rng)
        account = ""
        if cloud == "azure":
            region = rng.choice(cat.AZURE_REGIONS)
            name = f"{word}{rng.choice(('acr', 'registry', 'cr', 'prod', 'dev'))}"
            host = f"{name}.azurecr.io"
        elif cloud == "aws":
            region = rng.choice(cat.AWS_REGIONS)
            account = str(rng.randint(10**11, 10**12 - 1))
            name = f"{word}-ecr"
            host = f"{account}.dkr.ecr.{region}.amazonaws.com"
        else:
            region = rng.choice(cat.GCP_REGIONS)
            account = f"{word}-prod-{rng.randint(100, 999)}"
            name = f"{word}-gar"
            host = f"{region}-docker.pkg.dev"
        out.append(
            Registry(
                index=i,
                cloud=cloud,
                generation=gen,
                name=name,
                host=host,
                subscription=sub,
                resource_group=f"rg-{word}-{rng.choice(('prod', 'shared', 'containers', 'platform'))}",
                region=region,
                account=account,
                connector=guid(rng) if cloud != "azure" else "",
                omit_host=i == 0,
                sub_segment=rng.choice(("subAssessments", "subassessments")),
                lowercase_type=rng.random() < 0.2,
                cluster=f"{word}-{rng.choice(('prod', 'main', 'apps'))}-{cloud_cluster(cloud)}",
            )
        )
    return out


def cloud_cluster(cloud: str) -> str:
    return cat.CLOUD_NAMES[cloud][4].lower()

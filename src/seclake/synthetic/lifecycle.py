"""Repositories, image versions and the lifetime of each finding: pushed, scanned, fixed, deleted, run.

The story told per repository: version 1 (often pushed before the window) carries a base set of
vulnerabilities; each later version keeps most of them and fixes some; an older version is often deleted
a few days after its successor ships (all its findings go away: `Delete`); daily re-scans discover new
CVEs now and then (`Insert`); some repositories run on a cluster, which adds runtime findings for the
running version; a few images are exempted (muted); images under 2024 keys may stay unscanned.
"""

from __future__ import annotations

import random

from seclake.synthetic import catalog as cat
from seclake.synthetic.world import (
    DAY,
    HOUR,
    MINUTE,
    Finding,
    Image,
    Registry,
    Repository,
    Vuln,
    World,
    build_registries,
    build_vulns,
    guid,
    nudge,
)

Pools = dict[str, tuple[list[Vuln], list[float]]]


def build_world(seed: int, images: int, span: int) -> World:
    """The whole estate for `images` image versions over a window of `span` microseconds."""
    vulns, pools = build_vulns(random.Random(f"{seed}:vulns"))
    registries = build_registries(random.Random(f"{seed}:registries"), images)
    rng = random.Random(f"{seed}:images")
    repos: list[Repository] = []
    all_images: list[Image] = []
    taken: set[str] = set()
    weights = [1 if r.generation == "qualys" else 10 for r in registries]
    while len(all_images) < images:
        registry = (
            registries[len(repos)]
            if len(repos) < len(registries)
            else rng.choices(registries, weights=weights)[0]
        )
        repo = _repository(rng, registry, taken)
        repos.append(repo)
        count = min(images - len(all_images), 1 + min(7, int(rng.expovariate(0.7))))
        versions = _versions(rng, repo, count, span, len(all_images))
        _findings(rng, versions, pools, span)
        all_images.extend(versions)
    return World(span=span, registries=registries, repositories=repos, images=all_images, vulns=vulns)


def _repository(rng: random.Random, registry: Registry, taken: set[str]) -> Repository:
    while True:
        team, service = rng.choice(cat.TEAMS), rng.choice(cat.SERVICES)
        name = f"{team}/{service}"
        if rng.random() < 0.2:
            name = f"{name}-{rng.choice(('v2', 'legacy', 'next', 'internal'))}"
        if registry.cloud == "gcp":
            name = f"{registry.account}/{name}"
        key = f"{registry.index}:{name}"
        if key not in taken or len(taken) > 5000:
            taken.add(key)
            break
    os_name = rng.choices(list(cat.OS_WEIGHTS), weights=list(cat.OS_WEIGHTS.values()))[0]
    language = rng.choices(list(cat.LANGUAGES), weights=[w for _, w in cat.LANGUAGES.values()])[0]
    return Repository(
        registry=registry,
        name=name,
        os=os_name,
        language=language,
        namespace=team,
        controller_kind=rng.choice(cat.CONTROLLER_KINDS),
        controller_name=f"{service}-{team}",
    )


def _versions(rng: random.Random, repo: Repository, count: int, span: int, first_index: int) -> list[Image]:
    latest = span - 3 * HOUR
    qualys = repo.registry.generation == "qualys"
    if qualys:
        pushes = sorted(-rng.randint(DAY, 200 * DAY) for _ in range(count))
    elif rng.random() < 0.6:  # the repository existed before the window
        first = -rng.randint(DAY, 120 * DAY)
        pushes = [first, *sorted(rng.randint(0, latest) for _ in range(count - 1))]
    else:
        pushes = sorted(rng.randint(0, latest) for _ in range(count))
    minor = rng.randint(0, 20)
    patch = rng.randint(0, 5)
    out: list[Image] = []
    for j, push in enumerate(pushes):
        patch += rng.randint(1, 3)
        tags = [f"1.{minor}.{patch}"]
        if j == count - 1:
            tags.append("latest")
        elif rng.random() < 0.3:
            tags.append(f"build-{rng.randint(1000, 9999)}")
        out.append(
            Image(
                index=first_index + j,
                repo=repo,
                digest=f"sha256:{rng.getrandbits(256):064x}",
                tags=tags,
                push=push,
                first_scan=nudge(push + rng.randint(5 * MINUTE, 50 * MINUTE)),
                scan_tod=rng.randint(2 * HOUR, 22 * HOUR),
            )
        )
    return out


def _base_set(rng: random.Random, repo: Repository, pools: Pools) -> list[Vuln]:
    if rng.random() < 0.12 and repo.registry.generation != "qualys":  # clean images
        return []
    eco = cat.OS_FLAVORS[repo.os][0]
    n_os = min(250, int(rng.lognormvariate(cat.OS_FINDINGS_MU[eco], 0.9)))
    lang_eco = cat.LANGUAGES[repo.language][0]
    n_lang = min(80, int(rng.lognormvariate(cat.LANGUAGE_FINDINGS_MU, 0.9))) if lang_eco else 0
    return _draw(rng, pools, eco, n_os) + _draw(rng, pools, lang_eco, n_lang)


def _draw(rng: random.Random, pools: Pools, eco: str, n: int) -> list[Vuln]:
    if n <= 0 or not eco:
        return []
    pool, cum = pools[eco]
    picked = {v.index: v for v in rng.choices(pool, cum_weights=cum, k=n)}
    return list(picked.values())


def _findings(rng: random.Random, versions: list[Image], pools: Pools, span: int) -> None:
    repo = versions[0].repo
    registry = repo.registry
    eco = cat.OS_FLAVORS[repo.os][0]
    retired = nudge(rng.randint(3, 10) * DAY + rng.randint(2 * HOUR, 22 * HOUR))
    runs = registry.generation != "qualys" and rng.random() < 0.4
    previous: list[Vuln] | None = None
    for j, image in enumerate(versions):
        following = versions[j + 1] if j + 1 < len(versions) else None
        if following is not None and rng.random() < 0.55:
            deleted = nudge(following.first_scan + rng.randint(1, 5) * DAY)
            image.deleted = deleted if deleted < span - 10 * MINUTE else None
        if registry.generation == "v2" and rng.random() < 0.06:
            image.unscanned = rng.choice(cat.UNSCANNED_REASONS)
            continue
        if previous is None:
            current = _base_set(rng, repo, pools)
        else:
            new = _draw(rng, pools, eco, int(rng.lognormvariate(0.5, 0.8)))
            kept = [v for v in previous if rng.random() < 0.75]
            current = list({v.index: v for v in kept + new}.values())
        previous = current
        end = image.deleted if image.deleted is not None else span
        if registry.generation == "qualys":
            end = min(end, retired)
        lifetimes = [(v, image.first_scan) for v in current]
        day = max(0, image.first_scan // DAY + 1)
        while day * DAY + image.scan_tod < end:  # daily re-scans discover new CVEs
            if rng.random() < 0.05:
                lifetimes.extend((v, day * DAY + image.scan_tod) for v in _draw(rng, pools, eco, 1))
            day += 1
        if current and rng.random() < 0.03 and registry.generation != "qualys":
            image.exempt_at = nudge(rng.randint(max(image.first_scan, 0) + HOUR, span - HOUR))
        seen: set[int] = set()
        for vuln, appear in lifetimes:
            if vuln.index in seen or appear >= end:
                continue
            seen.add(vuln.index)
            gone: int | None = end if end < span else None
            if rng.random() < 0.015:  # CVE withdrawn or re-classified by the vendor
                when = appear + rng.randint(1, 20) * DAY
                if when < span and (gone is None or when < gone):
                    gone = when
            image.findings.append(Finding(image, vuln, False, guid(rng), appear, gone, image.exempt_at))
        if runs:
            _runtime(rng, image, following, span)


def _runtime(rng: random.Random, image: Image, following: Image | None, span: int) -> None:
    start = nudge(image.first_scan + rng.randint(1, 6) * HOUR)
    if start >= span - 10 * MINUTE:
        return
    stop = nudge(following.first_scan + rng.randint(1, 12) * HOUR) if following is not None else None
    image.run_start, image.run_end = start, stop if stop is not None and stop < span else None
    for f in list(image.findings):
        appear = max(f.appear, start)
        candidates = [t for t in (f.disappear, image.run_end) if t is not None]
        gone = min(candidates) if candidates else None
        if gone is None or appear < gone:
            image.findings.append(Finding(image, f.vuln, True, guid(rng), appear, gone, None))

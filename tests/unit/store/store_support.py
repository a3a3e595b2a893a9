"""Shared pieces of the store tests: an event factory (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

BASE_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


def make_event(i: int, **overrides: Any) -> dict[str, Any]:
    """A vulnerability finding event as the pipeline hands it over (timestamps as int ns)."""
    event: dict[str, Any] = {
        "timestamp": BASE_NS + i * 1_000_000_007,
        "event.id": f"ev-{i:08d}",
        "event.kind": "SECURITY_EVENT",
        "event.type": "VULNERABILITY_FINDING",
        "event.provider": "Microsoft Defender for Cloud",
        "product.vendor": "Microsoft",
        "product.name": "Microsoft Defender for Cloud",
        "finding.id": f"finding-{i % 97}",
        "finding.title": f"CVE-2026-{i:05d} in openssl",
        "finding.type": "VULNERABILITY",
        "finding.severity": ("Critical", "High", "Medium", "Low")[i % 4],
        "finding.score": (i % 100) / 10,
        "finding.time.created": BASE_NS - i,
        "dt.security.risk.level": ("CRITICAL", "HIGH", "MEDIUM", "LOW")[i % 4],
        "dt.security.risk.score": (i % 100) / 10,
        "object.id": f"contoso.azurecr.io/app{i % 7}@sha256:{i % 7:064x}",
        "object.name": f"contoso.azurecr.io/app{i % 7}",
        "object.type": "CONTAINER_IMAGE",
        "component.name": "openssl",
        "component.version": f"3.0.{i % 13}",
        "scan.id": f"scan-{i % 11}",
        "vulnerability.id": f"CVE-2026-{i:05d}",
        "vulnerability.references.cve": [f"CVE-2026-{i:05d}"],
        "container_image.tags": ["latest", f"v{i % 5}"],
        "dt.system.bucket": "default_securityevents",
        "dt.ingest.time": BASE_NS + i,
    }
    event.update(overrides)
    return event

"""Sample events and a `run` shortcut shared by the pipeline tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from seclake.pipeline import IngestBatch, process_ingest

NOW_NS = 1_714_564_800_000_000_000  # 2024-05-01T12:00:00Z
SOURCE = "/platform/ingest/v1/security.events"
MAX_BYTES = 1_000_000


def finding(i: int = 0, /, **overrides: Any) -> dict[str, Any]:
    """A complete, valid VULNERABILITY_FINDING as a sender (the Defender forwarder) would send it."""
    digest = f"sha256:{i:064x}"
    event: dict[str, Any] = {
        "timestamp": "2024-05-01T11:59:00.123456789Z",
        "event.id": f"evt-{i}",
        "event.type": "VULNERABILITY_FINDING",
        "event.provider": "Microsoft Defender for Cloud",
        "product.vendor": "Microsoft",
        "product.name": "Microsoft Defender for Cloud",
        "finding.id": f"finding-{i}",
        "finding.title": "CVE-2024-0001 in openssl",
        "finding.type": "VULNERABILITY",
        "finding.severity": "High",
        "finding.score": 7.5,
        "finding.time.created": "2024-05-01T10:00:00Z",
        "dt.security.risk.level": "HIGH",
        "dt.security.risk.score": 7.5,
        "object.id": f"contoso.azurecr.io/web@{digest}",
        "object.name": "contoso.azurecr.io/web",
        "object.type": "CONTAINER_IMAGE",
        "component.name": "openssl",
        "component.version": "3.0.2",
        "scan.id": "scan-1",
        "vulnerability.id": "CVE-2024-0001",
        "vulnerability.references.cve": ["CVE-2024-0001"],
        "container_image.tags": ["latest"],
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not ...}


def scan(**overrides: Any) -> dict[str, Any]:
    """A complete, valid VULNERABILITY_SCAN."""
    event: dict[str, Any] = {
        "timestamp": "2024-05-01T11:59:00Z",
        "event.id": "scan-evt-1",
        "event.type": "VULNERABILITY_SCAN",
        "event.provider": "Microsoft Defender for Cloud",
        "product.vendor": "Microsoft",
        "product.name": "Microsoft Defender for Cloud",
        "object.id": "contoso.azurecr.io/web@sha256:00",
        "object.name": "contoso.azurecr.io/web",
        "object.type": "CONTAINER_IMAGE",
        "scan.id": "scan-1",
        "scan.status": "COMPLETED",
        "scan.time.started": "2024-05-01T11:58:00Z",
        "scan.time.completed": "2024-05-01T11:58:30.5Z",
    }
    event.update(overrides)
    return {k: v for k, v in event.items() if v is not ...}


def run(
    body: bytes | Any,
    *,
    content_type: str | None = "application/json",
    content_encoding: str | None = None,
    params: Mapping[str, str] | None = None,
    source: str = SOURCE,
    connection_id: str | None = None,
    connection_name: str | None = None,
    now_ns: int = NOW_NS,
    max_bytes: int = MAX_BYTES,
) -> IngestBatch:
    """process_ingest with test defaults; a non-bytes body is sent as its JSON."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return process_ingest(
        raw,
        content_type=content_type,
        content_encoding=content_encoding,
        params=params or {},
        source=source,
        connection_id=connection_id,
        connection_name=connection_name,
        now_ns=now_ns,
        max_bytes=max_bytes,
    )

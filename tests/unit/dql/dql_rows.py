"""The hand-made rows of the DQL unit tests, and how to load them into a `security_events` table.

A plain module (not conftest.py) so that test modules can import it by a name no other test directory uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from seclake.store.schema import ATTRIBUTES_COLUMN, COLUMN_TYPES

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _ts(minutes_ago: float) -> datetime:
    return (NOW - timedelta(minutes=minutes_ago)).replace(tzinfo=None)


def _row(minutes_ago: float, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"timestamp": _ts(minutes_ago), "event.kind": "SECURITY_EVENT"}
    row.update({k.replace("__", "."): v for k, v in fields.items()})
    return row


ROWS: list[dict[str, Any]] = [
    _row(
        10,
        **{
            "event.id": "e1",
            "event.type": "VULNERABILITY_FINDING",
            "object.id": "img1",
            "object.type": "CONTAINER_IMAGE",
            "vulnerability.id": "CVE-1",
            "component.name": "openssl",
            "component.version": "1.0",
            "dt.security.risk.level": "CRITICAL",
            "dt.security.risk.score": 9.8,
            "container_image.digest": "sha:1",
            "container_image.tags": ["latest", "v1"],
            "dt.system.bucket": "default_securityevents",
            "event.provider": "Microsoft Defender for Cloud",
            "dt.raw_data": '{"a": {"b": 5}, "name": "Alpha", "list": [1, 2]}',
        },
        extra={"custom.score": 7, "custom.label": "Red"},
    ),
    _row(
        20,
        **{
            "event.id": "e2",
            "event.type": "VULNERABILITY_FINDING",
            "object.id": "img1",
            "object.type": "CONTAINER_IMAGE",
            "vulnerability.id": "CVE-1",
            "component.name": "openssl",
            "component.version": "1.0",
            "dt.security.risk.level": "HIGH",
            "dt.security.risk.score": 7.5,
            "container_image.digest": "sha:1",
            "container_image.tags": ["latest"],
            "dt.system.bucket": "default_securityevents",
            "event.provider": "Microsoft Defender for Cloud",
            "dt.raw_data": "not json",
        },
        extra={"custom.score": "7"},
    ),
    _row(
        30,
        **{
            "event.id": "e3",
            "event.type": "VULNERABILITY_FINDING",
            "object.id": "img2",
            "object.type": "CONTAINER_IMAGE",
            "vulnerability.id": "CVE-2",
            "component.name": "zlib",
            "component.version": "2.1",
            "dt.security.risk.level": "CRITICAL",
            "dt.security.risk.score": 9.1,
            "container_image.digest": "sha:2",
            "container_image.tags": [],
            "dt.system.bucket": "default_securityevents",
            "event.provider": "Microsoft Defender for Cloud",
        },
    ),
    _row(
        40,
        **{
            "event.id": "e4",
            "event.type": "DETECTION_FINDING",
            "object.id": "vm1",
            "object.type": "VM",
            "dt.security.risk.level": "MEDIUM",
            "dt.security.risk.score": 5.0,
            "dt.system.bucket": "default_securityevents",
            "event.provider": "Other",
        },
    ),
    _row(
        50,
        **{
            "event.id": "e5",
            "event.type": "DETECTION_FINDING",
            "object.id": "vm2",
            "object.type": "VM",
            "dt.security.risk.level": None,
            "dt.system.bucket": "default_securityevents",
            "event.provider": "Other",
        },
    ),
    _row(
        60,
        **{
            "event.id": "e6",
            "event.type": "VULNERABILITY_SCAN",
            "object.id": "img2",
            "object.type": "CONTAINER_IMAGE",
            "dt.system.bucket": "default_securityevents",
            "event.provider": "Microsoft Defender for Cloud",
        },
    ),
    _row(
        60 * 24 * 3,
        **{
            "event.id": "old",
            "event.type": "DETECTION_FINDING",
            "object.id": "vm9",
            "object.type": "VM",
            "dt.security.risk.level": "LOW",
            "dt.system.bucket": "default_securityevents",
            "event.provider": "Other",
        },
    ),
]


def load(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    cols = list(COLUMN_TYPES)
    placeholders = ", ".join("?" for _ in range(len(cols) + 1))
    names = ", ".join(f'"{c}"' for c in [*cols, ATTRIBUTES_COLUMN])
    for row in rows:
        extra = row.get("extra") or {}
        values = [row.get(c) for c in cols] + [json.dumps(extra)]
        con.execute(f"INSERT INTO security_events ({names}) VALUES ({placeholders})", values)


Run = Callable[[str], list[dict[str, Any]]]

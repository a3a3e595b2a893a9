"""render_summary / summarize on hand-built events: current state, open only, rankings."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console

from golden_util import GOLDEN_ROOT, assert_golden
from seclake.synthetic.summary import render_summary, summarize, timestamp_ns

T0 = datetime(2025, 6, 1, tzinfo=UTC)
T0_NS = int(T0.timestamp()) * 1_000_000_000
IMAGES = {
    "a": ("contoso.azurecr.io/shop/api", "sha256:" + "a" * 64),
    "b": ("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/worker", "sha256:" + "b" * 64),
    "c": ("europe-west1-docker.pkg.dev/p/shop/web", "sha256:" + "c" * 64),
}
# (finding, image, vulnerability, level, history of (minute, status, mute)), exploit, fix
SCENARIO: list[tuple[str, str, str, str | None, list[tuple[int, str, str]], bool, bool]] = [
    ("f1", "a", "CVE-2024-0001", "CRITICAL", [(0, "OPEN", "NOT_MUTED")], True, True),
    ("f2", "b", "CVE-2024-0001", "CRITICAL", [(0, "OPEN", "NOT_MUTED")], True, True),
    ("f3", "a", "CVE-2023-0002", "HIGH", [(0, "OPEN", "NOT_MUTED")], False, True),
    ("f4", "b", "CVE-2023-0002", "HIGH", [(5, "OPEN", "NOT_MUTED")], False, True),
    ("f5", "c", "CVE-2023-0002", "HIGH", [(5, "OPEN", "NOT_MUTED")], False, False),
    ("f6", "c", "CVE-2022-0003", "LOW", [(1, "OPEN", "NOT_MUTED")], False, False),
    (
        "f7",
        "a",
        "CVE-2021-0004",
        "MEDIUM",
        [(0, "OPEN", "NOT_MUTED"), (9, "RESOLVED", "NOT_MUTED")],
        False,
        True,
    ),
    (
        "f8",
        "b",
        "CVE-2020-0005",
        "HIGH",
        [(0, "RESOLVED", "NOT_MUTED"), (7, "OPEN", "NOT_MUTED")],
        False,
        False,
    ),
    ("f9", "a", "CVE-2019-0006", "LOW", [(0, "OPEN", "NOT_MUTED"), (3, "OPEN", "MUTED")], False, False),
    ("f10", "c", "CVE-2018-0007", None, [(2, "OPEN", "NOT_MUTED")], False, False),
    (
        "f11",
        "c",
        "CVE-2017-0008",
        "MEDIUM",
        [(2, "OPEN", "NOT_MUTED"), (4, "RESOLVED", "NOT_MUTED")],
        False,
        True,
    ),
]


def _events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for n, (fid, image, cve, level, history, exploit, fix) in enumerate(SCENARIO):
        name, digest = IMAGES[image]
        for minute, status, mute in history:
            ns = T0_NS + minute * 60_000_000_000
            # alternate the two timestamp forms the summary must read: RFC 3339 text and epoch ns
            stamp: Any = (
                ns if n % 2 else datetime.fromtimestamp(ns / 1e9, UTC).isoformat().replace("+00:00", "Z")
            )
            event = {
                "event.type": "VULNERABILITY_FINDING",
                "finding.id": fid,
                "timestamp": stamp,
                "vulnerability.id": cve,
                "vulnerability.resolution.status": status,
                "vulnerability.mute.status": mute,
                "vulnerability.exploit.status": "AVAILABLE" if exploit else "NOT_AVAILABLE",
                "vulnerability.remediation.status": "AVAILABLE" if fix else "NOT_AVAILABLE",
                "component.name": f"pkg-{cve[-1]}",
                "object.name": name,
                "container_image.digest": digest,
            }
            if level is not None:
                event["dt.security.risk.level"] = level
            events.append(event)
    events.append({"event.type": "VULNERABILITY_SCAN", "timestamp": T0_NS, "object.name": "ignored"})
    return events


def _final() -> list[tuple[str, str, str, str, bool, bool, bool]]:
    """(finding, image, cve, level, open, muted, exploit) from the scenario's last history entry."""
    out = []
    for fid, image, cve, level, history, exploit, _fix in SCENARIO:
        _, status, mute = max(history)
        out.append((fid, image, cve, level or "NOT_AVAILABLE", status == "OPEN", mute == "MUTED", exploit))
    return out


def test_summary_counts_current_open_findings() -> None:
    events = _events()
    random.Random(3).shuffle(events)  # order of arrival must not matter
    s = summarize(events)
    final = _final()
    open_rows = [row for row in final if row[4]]
    assert s.findings == len(SCENARIO)
    assert s.open == len(open_rows)
    assert s.resolved == len(final) - len(open_rows)
    assert s.muted == sum(row[5] for row in open_rows)
    for level in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "NOT_AVAILABLE"):
        assert s.open_by_level[level] == sum(row[3] == level for row in open_rows)
        assert s.exploitable_by_level[level] == sum(row[3] == level and row[6] for row in open_rows)
    assert s.images_with_open == len({row[1] for row in open_rows})


def test_top_vulnerabilities_rank_by_affected_images() -> None:
    s = summarize(_events())
    open_rows = [row for row in _final() if row[4]]
    images_per_cve: dict[str, set[str]] = {}
    for _, image, cve, *_ in open_rows:
        images_per_cve.setdefault(cve, set()).add(image)
    counts = [row.images for row in s.top_vulnerabilities]
    assert counts == sorted(counts, reverse=True)
    assert s.top_vulnerabilities[0].id == max(images_per_cve, key=lambda c: len(images_per_cve[c]))
    assert {row.id for row in s.top_vulnerabilities} == set(images_per_cve)
    assert {row.id: row.images for row in s.top_vulnerabilities} == {
        c: len(i) for c, i in images_per_cve.items()
    }
    resolved_only = {row[2] for row in _final()} - set(images_per_cve)
    assert resolved_only and not resolved_only & {row.id for row in s.top_vulnerabilities}


def test_most_affected_images_put_critical_first() -> None:
    s = summarize(_events())
    ranked = [row.name for row in s.top_images]
    assert ranked[0] in {IMAGES["a"][0], IMAGES["b"][0]}  # the two images with a CRITICAL finding
    assert ranked[-1] == IMAGES["c"][0]
    for row in s.top_images:
        expected = [r for r in _final() if r[4] and IMAGES[r[1]][0] == row.name]
        assert row.open == len(expected)


def test_render_summary_prints_the_three_tables() -> None:
    console = Console(record=True, width=150, color_system=None, force_terminal=False)
    render_summary(_events(), console)
    text = console.export_text()
    open_rows = [row for row in _final() if row[4]]
    assert "Open vulnerability findings by risk level" in text
    assert f"Top {len({row[2] for row in open_rows})} vulnerabilities by affected images" in text
    assert f"Top {len({row[1] for row in open_rows})} most affected images" in text
    assert "CVE-2021-0004" not in text  # resolved
    assert_golden(GOLDEN_ROOT / "synthetic" / "summary.txt", text)


def test_render_summary_without_findings() -> None:
    console = Console(record=True, width=80, color_system=None)
    render_summary([{"event.type": "VULNERABILITY_SCAN"}], console)
    assert console.export_text().strip() == "No vulnerability findings."


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-01T00:00:00Z", T0_NS),
        ("2025-06-01T00:00:00.1234567Z", T0_NS + 123_456_700),
        ("2025-06-01T02:00:00.5+02:00", T0_NS + 500_000_000),
        ("2025-05-31T23:00:00.000000001-01:00", T0_NS + 1),
        (T0_NS + 7, T0_NS + 7),
        ("not a time", -1),
        (None, -1),
        (True, -1),
    ],
)
def test_timestamp_ns(value: Any, expected: int) -> None:
    assert timestamp_ns(value) == expected

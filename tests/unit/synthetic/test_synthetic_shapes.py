"""Determinism and coverage: every documented body shape, casing and record flavor appears."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from synthetic_helpers import (
    FIRST_GEN_KEYS,
    NEW_KEYS,
    QUALYS_KEY,
    ParsedBody,
    assessment_key,
    ci,
    enrichment,
    parse_body,
    parse_time,
)

from seclake.synthetic import ExportPlan, GeneratedBody, default_now, generate_export, plan_export

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _fingerprint(bodies: list[GeneratedBody]) -> list[tuple[str, bytes, datetime]]:
    return [(b.name, b.body, b.enqueued_time) for b in bodies]


def test_same_seed_gives_identical_bytes() -> None:
    first = list(generate_export(60, 11, now=NOW))
    second = list(generate_export(60, 11, now=NOW))
    assert len(first) > 50
    assert _fingerprint(first) == _fingerprint(second)


def test_different_seed_gives_different_export() -> None:
    a = [b.body for b in generate_export(60, 11, now=NOW)]
    b = [b.body for b in generate_export(60, 12, now=NOW)]
    assert a != b
    assert len(set(a) & set(b)) < len(a) // 10  # not a mere reshuffle of the same bodies


def test_now_moves_the_window_but_not_the_story() -> None:
    later = NOW + timedelta(days=3)
    a, b = plan_export(30, 5, now=NOW), plan_export(30, 5, now=later)
    sa, sb = a.stats.to_manifest(), b.stats.to_manifest()
    assert sa.pop("now") != sb.pop("now")
    assert sa.pop("window_start") != sb.pop("window_start")
    assert sa == sb
    shift = [y.enqueued_time - x.enqueued_time for x, y in zip(a, b, strict=True)]
    assert set(shift) == {timedelta(days=3)}


def test_now_in_another_zone_or_naive_is_read_as_utc() -> None:
    berlin = timezone(timedelta(hours=2))
    aware = plan_export(3, 1, now=NOW.astimezone(berlin)).stats
    naive = plan_export(3, 1, now=NOW.replace(tzinfo=None)).stats
    assert aware.now == naive.now == "2025-06-01T12:00:00Z"


def test_default_now_is_the_current_hour() -> None:
    now = default_now()
    assert now.minute == now.second == now.microsecond == 0
    assert timedelta(0) <= datetime.now(UTC) - now < timedelta(hours=1)
    stats = plan_export(3, 1).stats
    after = default_now()  # the hour may turn between the two calls
    assert stats.now in {t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in (now, after)}


def test_body_shapes_bom_and_casings(parsed200: list[ParsedBody]) -> None:
    shapes: Counter[str] = Counter()
    boms = pascal = camel = 0
    for body in parsed200:
        shapes[body.shape] += 1
        boms += body.bom
        for record in body.records:
            pascal += "$type" in record and "Properties" in record
            camel += "properties" in record
    assert set(shapes) == {"array", "object", "records"}
    assert min(shapes.values()) >= 10
    assert 0 < boms < len(parsed200) // 5
    assert pascal > 100
    assert camel > 1000


def test_names_are_sequential(bodies200: list[GeneratedBody]) -> None:
    assert [b.name for b in bodies200] == [f"{i:06d}.json" for i in range(1, len(bodies200) + 1)]


Records = list[tuple[str, dict[str, Any]]]


def _of(records: Records, kind: str) -> list[dict[str, Any]]:
    return [r for k, r in records if k == kind]


def test_all_scopes_and_assessment_generations(records200: Records) -> None:
    kinds = Counter(k for k, _ in records200)
    assert set(kinds) == {
        "container_finding", "qualys_finding", "other_subassessment", "image_assessment",
        "registry_assessment", "other_assessment", "compliance", "secure_score", "alert",
    }  # fmt: skip
    finding_keys = {assessment_key(r) for r in _of(records200, "container_finding")}
    assert finding_keys == set(FIRST_GEN_KEYS) | set(NEW_KEYS)
    assert {assessment_key(r) for r in _of(records200, "qualys_finding")} == {QUALYS_KEY}
    other_records = _of(records200, "other_subassessment")
    other = {ci(ci(ci(r, "properties"), "additionalData"), "assessedResourceType") for r in other_records}
    assert "ServerVulnerabilityTvm" in other


def test_finding_details(records200: Records) -> None:
    findings = _of(records200, "container_finding")
    data = [ci(ci(r, "properties"), "additionalData") for r in findings]
    artifacts = [ci(d, "artifactDetails") for d in data]
    without_host = [a for a in artifacts if ci(a, "registryHost") is None]
    assert without_host and len(without_host) < len(artifacts)
    assert all("/registries/" in str(ci(r, "id")) for r, a in zip(findings, artifacts, strict=True)
               if ci(a, "registryHost") is None)  # fmt: skip
    assert any(ci(d, "kubernetesDetails") for d in data)
    software = [ci(d, "softwareDetails") for d in data]
    assert {ci(s, "fixStatus") for s in software} >= {"FixAvailable", "NoFixAvailable"}
    assert any(ci(s, "fixedVersion") == "" for s in software)
    details = [ci(d, "vulnerabilityDetails") for d in data]
    severities = Counter(ci(v, "severity") for v in details)
    assert severities["Low"] > severities["Critical"] > 0  # long tail of low, a few critical
    assert severities["Medium"] > severities["High"] > severities["Critical"]
    exploit = [ci(v, "exploitabilityAssessment") for v in details]
    assert any(ci(e, "exploitStepsPublished") for e in exploit)  # 2023 shape
    assert any(ci(e, "isVerified") for e in exploit)  # 2025 shape
    for d, v in zip(data, details, strict=True):
        cvss3 = ci(ci(v, "cvss"), "3.0")
        if cvss3 is not None:
            assert ci(d, "cvssV30Score") == ci(cvss3, "base")
            band = {"Critical": (9.0, 10.0), "High": (7.0, 8.9), "Medium": (4.0, 6.9), "Low": (0.1, 3.9)}
            low, high = band[ci(v, "severity")]
            assert low <= ci(cvss3, "base") <= high


def test_snapshots_actions_and_statuses(records200: Records) -> None:
    findings = _of(records200, "container_finding")
    images = _of(records200, "image_assessment")
    blocks = [enrichment(r) for r in findings]
    assert {(ci(b, "action"), ci(b, "isSnapshot")) for b in blocks} == {
        ("Insert", True), ("Insert", False), ("Delete", False),
    }  # fmt: skip
    codes = {ci(ci(ci(r, "properties"), "status"), "code") for r in findings}
    assert codes == {"Unhealthy", "NotApplicable"}
    image_status = [ci(ci(r, "properties"), "status") for r in images]
    assert {ci(s, "code") for s in image_status} == {"Healthy", "Unhealthy", "NotApplicable"}
    assert {ci(s, "cause") for s in image_status if ci(s, "code") == "NotApplicable"} == {"Unscanned"}
    healthy = [ci(ci(r, "properties"), "additionalData") for r in images
               if ci(ci(ci(r, "properties"), "status"), "code") == "Healthy"]  # fmt: skip
    assert all(ci(d, "CvesCount") == "0" for d in healthy)


def test_alerts_are_pascal_case(records200: Records) -> None:
    alerts = _of(records200, "alert")
    assert alerts
    for alert in alerts:
        assert "type" not in alert
        assert {"AlertType", "SystemAlertId", "Severity", "CompromisedEntity", "StartTimeUtc"} <= set(alert)
        assert alert["Severity"] in {"High", "Medium", "Low", "Informational"}


def test_times_are_utc_and_inside_the_window(plan200: ExportPlan, parsed200: list[ParsedBody]) -> None:
    start, end = parse_time(plan200.stats.window_start), parse_time(plan200.stats.now)
    for body in parsed200:
        assert start <= body.enqueued_time <= end + timedelta(minutes=2)
        for record, kind in zip(body.records, body.kinds, strict=True):
            generated = ci(ci(record, "properties"), "timeGenerated")
            if generated is not None and kind == "container_finding":
                assert parse_time(generated) <= body.enqueued_time


@pytest.mark.parametrize("images", [0, 1, 3])
def test_tiny_exports_are_valid(images: int) -> None:
    plan = plan_export(images, 2, now=NOW)
    bodies = list(plan)
    assert len(bodies) == plan.stats.bodies
    assert sum(len(parse_body(b.body)[1]) for b in bodies) == plan.stats.records


def test_negative_image_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="images must be >= 0, got -1"):
        plan_export(-1, 1, now=NOW)

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seclake.model import FIELDS, EventType, FieldType, forbidden_fields, required_fields, validate_event

VALID_FINDING: dict[str, Any] = {
    "timestamp": "2026-11-30T10:00:00.123456789Z",
    "event.id": "e1",
    "event.kind": "SECURITY_EVENT",
    "event.type": "VULNERABILITY_FINDING",
    "event.provider": "Microsoft Defender for Cloud",
    "product.vendor": "Microsoft",
    "product.name": "Microsoft Defender for Cloud",
    "finding.id": "f1",
    "finding.title": "CVE-2024-1 in openssl 3.0.1",
    "finding.type": "VULNERABILITY",
    "finding.severity": "High",
    "finding.time.created": "2026-11-30T10:00:00Z",
    "dt.security.risk.level": "HIGH",
    "dt.security.risk.score": 7.5,
    "object.id": "r.azurecr.io/app@sha256:ab",
    "object.name": "r.azurecr.io/app",
    "object.type": "CONTAINER_IMAGE",
    "component.name": "openssl",
    "scan.id": "s1",
    "vulnerability.id": "CVE-2024-1",
    "vulnerability.references.cve": ["CVE-2024-1"],
}


def test_names_are_dotted_lowercase_and_unique() -> None:
    for name in FIELDS:
        assert re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)*", name), name


def test_scan_events_forbid_finding_namespaces() -> None:
    forbidden = {f.name for f in forbidden_fields(EventType.VULNERABILITY_SCAN)}
    assert "finding.id" in forbidden
    assert "dt.security.risk.level" in forbidden
    assert "vulnerability.id" in forbidden
    assert "component.name" in forbidden
    assert "scan.id" not in forbidden


def test_required_sets_follow_the_dictionary() -> None:
    vf = {f.name for f in required_fields(EventType.VULNERABILITY_FINDING)}
    assert {"component.name", "scan.id", "vulnerability.id", "finding.id", "dt.security.risk.level"} <= vf
    vs = {f.name for f in required_fields(EventType.VULNERABILITY_SCAN)}
    assert "scan.status" in vs
    assert not any(n.startswith(("finding.", "vulnerability.")) for n in vs)


def test_valid_finding_has_no_problems() -> None:
    assert validate_event(VALID_FINDING) == []


def test_every_problem_is_reported_with_its_field() -> None:
    event = dict(VALID_FINDING)
    del event["component.name"]
    event["dt.security.risk.score"] = 11.0
    event["vulnerability.references.cve"] = "CVE-2024-1"
    event["dt.security.risk.level"] = "SEVERE"
    problems = {p.field: p.message for p in validate_event(event)}
    assert set(problems) == {
        "component.name",
        "dt.security.risk.score",
        "vulnerability.references.cve",
        "dt.security.risk.level",
    }
    assert "missing" in problems["component.name"]
    assert "0–10" in problems["dt.security.risk.score"]


def test_unknown_event_type() -> None:
    problems = validate_event({"event.type": "NOPE"})
    assert [p.field for p in problems] == ["event.type"]


def test_scan_event_must_not_carry_finding_fields() -> None:
    scan = {
        "timestamp": "2026-11-30T10:00:00Z",
        "event.id": "s",
        "event.kind": "SECURITY_EVENT",
        "event.type": "VULNERABILITY_SCAN",
        "event.provider": "p",
        "product.vendor": "v",
        "product.name": "p",
        "object.id": "o",
        "object.name": "o",
        "object.type": "CONTAINER_IMAGE",
        "scan.id": "s1",
        "scan.status": "COMPLETED",
    }
    assert validate_event(scan) == []
    scan["finding.custom"] = "x"
    scan["dt.security.risk.level"] = "HIGH"
    assert {p.field for p in validate_event(scan)} == {"finding.custom", "dt.security.risk.level"}


@pytest.mark.parametrize("field_type", sorted({f.type for f in FIELDS.values()}))
def test_every_field_type_is_checked(field_type: FieldType) -> None:
    name = next(f.name for f in FIELDS.values() if f.type == field_type)
    problems = validate_event({**VALID_FINDING, name: object()})
    assert name in {p.field for p in problems}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.sampled_from([*FIELDS, "x.custom"]), json_values, max_size=12))
def test_validator_never_raises(event: dict[str, Any]) -> None:
    for problem in validate_event(event):
        assert problem.field and problem.message

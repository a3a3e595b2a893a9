"""Mapping rules of semantic-dictionary.md, one behavior per test, on real-shaped records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from defender_samples import dumps, record, records

from seclake.model import validate_event
from seclake.sources.defender import map_body, map_records


def findings(result_events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in result_events if e["event.type"] == "VULNERABILITY_FINDING"]


def scans(result_events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in result_events if e["event.type"] == "VULNERABILITY_SCAN"]


def one_finding(rec: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result = map_records([rec], **kwargs)
    assert result.errors == []
    [event] = findings(result.events)
    assert validate_event(event) == []
    return event


def test_raw_data_is_the_original_record_with_key_order_and_casing() -> None:
    rec = record("azure_running_pascal_case")
    event = one_finding(rec)
    assert event["dt.raw_data"] == orjson.dumps(rec).decode()
    assert list(orjson.loads(event["dt.raw_data"])) == list(rec)
    assert event["dt.raw_data"].startswith('{"$type":"subAssessmentEvent"')


def test_pascal_and_camel_case_records_map_to_the_same_event() -> None:
    camel = record("azure_running_pascal_case")

    def lower_first(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k[:1].lower() + k[1:]: lower_first(v) for k, v in obj.items()}
        return [lower_first(v) for v in obj] if isinstance(obj, list) else obj

    pascal_event = one_finding(camel)
    camel_event = one_finding(lower_first(camel))
    pascal_event.pop("dt.raw_data")
    camel_event.pop("dt.raw_data")
    assert pascal_event == camel_event
    assert pascal_event["k8s.pod.name"] == "api-7c9f8d6b5-x2x4q"


@pytest.mark.parametrize(
    ("mutate", "resolution", "mute"),
    [
        (lambda r: None, "OPEN", "NOT_MUTED"),
        (lambda r: r["subAssessmentEventDataEnrichment"].update(action="Delete"), "RESOLVED", "NOT_MUTED"),
        (lambda r: r["properties"]["status"].update(code="Healthy"), "RESOLVED", "NOT_MUTED"),
        (lambda r: r["properties"]["status"].update(code="NotApplicable", cause="Exempt"), "OPEN", "MUTED"),
        (
            lambda r: r["properties"]["status"].update(code="NotApplicable", cause="Unscanned"),
            "OPEN",
            "NOT_MUTED",
        ),
    ],
)
def test_resolution_and_mute_status(mutate: Any, resolution: str, mute: str) -> None:
    rec = record("acr_first_generation")
    mutate(rec)
    event = one_finding(rec)
    assert event["vulnerability.resolution.status"] == resolution
    assert event["vulnerability.mute.status"] == mute


def test_event_id_follows_action_and_time_and_finding_id_stays() -> None:
    rec = record("acr_first_generation")
    first = one_finding(rec)
    assert one_finding(record("acr_first_generation"))["event.id"] == first["event.id"]
    deleted = record("acr_first_generation")
    deleted["subAssessmentEventDataEnrichment"]["action"] = "Delete"
    later = record("acr_first_generation")
    later["properties"]["timeGenerated"] = "2024-05-15T06:12:44Z"
    others = [one_finding(deleted), one_finding(later)]
    assert len({first["event.id"], *(e["event.id"] for e in others)}) == 3
    assert {e["finding.id"] for e in others} == {first["finding.id"]} == {rec["id"].lower()}


def test_finding_id_falls_back_to_a_hash_of_what_it_is_about() -> None:
    rec = record("acr_first_generation")
    del rec["id"]
    event = one_finding(rec)
    assert len(event["finding.id"]) == 32
    other = record("acr_first_generation", 1)
    del other["id"]
    assert one_finding(other)["finding.id"] != event["finding.id"]


def test_timestamp_is_the_later_of_time_generated_and_enqueued_time() -> None:
    rec = record("acr_first_generation")
    generated = rec["properties"]["timeGenerated"]
    earlier = one_finding(rec, enqueued_time=datetime(2024, 1, 1, tzinfo=UTC))
    later = one_finding(rec, enqueued_time=datetime(2024, 6, 1, 12, 30, tzinfo=UTC))
    assert earlier["timestamp"] == earlier["finding.time.created"] == generated
    assert later["timestamp"] == "2024-06-01T12:30:00Z"
    assert later["finding.time.created"] == generated
    assert later["event.id"] == earlier["event.id"]


@pytest.mark.parametrize(
    ("cvss", "v30", "severity", "score", "version"),
    [
        ({"2.0": None, "3.0": {"base": 7.8, "cvssVectorString": "CVSS:3.1/AV:N"}}, 7.8, "High", 7.8, "3.1"),
        ({"2.0": None, "3.0": {"base": 6.5, "cvssVectorString": "AV:N/AC:L"}}, None, "Medium", 6.5, "3.0"),
        ({"2.0": {"base": 5.0}, "3.0": None}, None, "Medium", 5.0, "2.0"),
        ({"2.0": None, "3.0": None}, 8.1, "High", 8.1, "3.0"),
    ],
)
def test_score_and_cvss_version(cvss: Any, v30: Any, severity: str, score: float, version: str) -> None:
    rec = record("acr_first_generation")
    ad = rec["properties"]["additionalData"]
    ad["vulnerabilityDetails"]["cvss"] = cvss
    ad["vulnerabilityDetails"]["severity"] = severity
    ad["cvssV30Score"] = v30
    event = one_finding(rec)
    assert event["finding.score"] == score == event["dt.security.risk.score"]
    assert event["vulnerability.cvss.base_score"] == score
    assert event["vulnerability.cvss.version"] == version


def test_risk_score_stays_in_the_band_of_the_severity() -> None:
    rec = record("acr_first_generation")
    rec["properties"]["additionalData"]["cvssV30Score"] = 9.8  # vendor says High, score says Critical
    event = one_finding(rec)
    assert (event["finding.score"], event["dt.security.risk.level"], event["dt.security.risk.score"]) == (
        9.8,
        "HIGH",
        8.9,
    )


def test_without_any_score_the_risk_score_is_the_top_of_the_band() -> None:
    event = findings(map_records(records("acr_first_generation")).events)[1]
    assert "finding.score" not in event and "vulnerability.cvss.version" not in event
    assert (event["finding.severity"], event["dt.security.risk.level"], event["dt.security.risk.score"]) == (
        "Medium",
        "MEDIUM",
        6.9,
    )


def test_severity_falls_back_to_the_status_severity() -> None:
    rec = record("acr_first_generation")
    del rec["properties"]["additionalData"]["vulnerabilityDetails"]["severity"]
    rec["properties"]["status"]["severity"] = "Low"
    rec["properties"]["additionalData"]["cvssV30Score"] = 2.5
    rec["properties"]["additionalData"]["vulnerabilityDetails"]["cvss"] = None
    event = one_finding(rec)
    assert (event["finding.severity"], event["dt.security.risk.level"], event["dt.security.risk.score"]) == (
        "Low",
        "LOW",
        2.5,
    )


@pytest.mark.parametrize(
    ("software", "exploit", "remediation", "exploit_status"),
    [
        (
            {"fixedVersion": "", "fixStatus": "NoFixAvailable"},
            {"isInExploitKit": False},
            "NOT_AVAILABLE",
            "NOT_AVAILABLE",
        ),
        (
            {"fixedVersion": "1.2", "fixStatus": "NoFixAvailable"},
            {"isVerified": True},
            "AVAILABLE",
            "AVAILABLE",
        ),
        (
            {"fixedVersion": "", "fixStatus": "FixAvailable"},
            {"exploitStepsPublished": True},
            "AVAILABLE",
            "AVAILABLE",
        ),
        ({"fixedVersion": "", "fixStatus": "WontFix", "patchable": True}, {}, "AVAILABLE", "NOT_AVAILABLE"),
    ],
)
def test_remediation_and_exploit_status(
    software: Any, exploit: Any, remediation: str, exploit_status: str
) -> None:
    rec = record("acr_first_generation")
    rec["properties"]["additionalData"]["softwareDetails"].update(software)
    rec["properties"]["additionalData"]["vulnerabilityDetails"]["exploitabilityAssessment"] = exploit
    event = one_finding(rec)
    assert event["vulnerability.remediation.status"] == remediation
    assert event["vulnerability.exploit.status"] == exploit_status
    fixed = software["fixedVersion"]
    assert event.get("vulnerability.remediation.fix_versions") == ([fixed] if fixed else None)


def test_azure_registry_without_host_takes_it_from_the_record_id() -> None:
    event = one_finding(record("acr_per_image_2024"))
    assert event["container_image.registry"] == "contosoacr.azurecr.io"
    assert event["object.id"] == (f"contosoacr.azurecr.io/payments/worker@{event['container_image.digest']}")
    assert event["object.name"] == "contosoacr.azurecr.io/payments/worker"


def test_image_identity_falls_back_to_the_resource_details_id() -> None:
    rec = record("aws_ecr_records_wrapper")
    del rec["properties"]["additionalData"]["artifactDetails"]
    event = one_finding(rec)
    assert event["container_image.registry"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert event["container_image.repository"] == "billing/invoicer"
    assert event["container_image.digest"].startswith("sha256:c3c3")
    assert event["cloud.provider"] == "aws" and event["cloud.region"] == "eu-west-1"


def test_findings_of_one_scan_share_one_scan_event() -> None:
    result = map_records(records("acr_first_generation"))
    found, [scan] = findings(result.events), scans(result.events)
    assert len(found) == 2 and {f["scan.id"] for f in found} == {scan["scan.id"]}
    assert scan["scan.status"] == "COMPLETED"
    assert scan["scan.time.completed"] == found[0]["finding.time.created"]
    assert validate_event(scan) == []
    assert not any(
        k.startswith(("finding.", "vulnerability.", "component.", "dt.security.risk.")) for k in scan
    )


def test_a_rescan_of_the_same_image_is_another_scan() -> None:
    first, second = records("acr_first_generation")
    second["properties"]["timeGenerated"] = "2024-05-15T06:12:44.1234567Z"
    result = map_records([first, second])
    assert len({s["scan.id"] for s in scans(result.events)}) == 2


def test_a_per_image_assessment_is_preferred_to_the_implied_scan_and_keeps_its_id() -> None:
    sub, assessment = record("acr_per_image_2024"), record("per_image_assessments", 1)
    alone = scans(map_records([sub]).events)
    both = scans(map_records([sub, assessment]).events)
    reversed_order = scans(map_records([assessment, sub]).events)
    assert len(alone) == len(both) == len(reversed_order) == 1
    assert alone[0]["event.id"] == both[0]["event.id"] == reversed_order[0]["event.id"]
    assert both[0]["event.description"] == reversed_order[0]["event.description"]
    assert "Critical" in both[0]["event.description"]


@pytest.mark.parametrize(
    ("index", "status", "description"),
    [
        (0, "COMPLETED", "Scanned: 0 vulnerabilities"),
        (3, "NOT_SCANNED", "Not scanned: Image was last pushed"),
    ],
)
def test_per_image_assessment_scan_status(index: int, status: str, description: str) -> None:
    [event] = map_records([record("per_image_assessments", index)]).events
    assert event["scan.status"] == status
    assert event["event.description"].startswith(description)
    assert validate_event(event) == []
    assert event["dt.raw_data"] == orjson.dumps(record("per_image_assessments", index)).decode()


def test_an_exempt_image_was_scanned_and_an_unknown_status_is_an_error() -> None:
    exempt = record("per_image_assessments", 3)
    exempt["properties"]["status"] = {
        "code": "NotApplicable",
        "cause": "Exempt",
        "description": "Exempted by rule",
    }
    [event] = map_records([exempt]).events
    assert (event["scan.status"], event["event.description"]) == ("COMPLETED", "Exempt: Exempted by rule")
    odd = record("per_image_assessments", 3)
    odd["properties"]["status"] = {"code": "Pending"}
    [error] = map_records([odd]).errors
    assert error.path == "$.properties.status.code" and "'Pending'" in error.reason


def test_rest_shaped_alerts_map_too() -> None:
    pascal = record("security_alert")
    rest = {
        "type": "Microsoft.Security/Locations/alerts",
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Security/locations/westeurope/alerts/x",
        "properties": {k[:1].lower() + k[1:]: v for k, v in pascal.items() if not k.startswith("$")},
    }
    [from_hub] = map_records([pascal]).events
    [from_rest] = map_records([rest]).events
    for event in (from_hub, from_rest):
        event.pop("dt.raw_data")
    assert from_rest == from_hub


def test_alert_maps_to_a_detection_finding() -> None:
    [event] = map_records([record("security_alert")]).events
    assert validate_event(event) == []
    assert event["event.type"] == "DETECTION_FINDING"
    assert (event["finding.severity"], event["dt.security.risk.level"]) == ("Low", "LOW")
    assert event["object.type"] == "KUBERNETES_CLUSTER" and event["object.name"] == "aks-prod"
    resolved = record("security_alert")
    resolved["Status"] = "Resolved"
    [again] = map_records([resolved]).events
    assert again["finding.id"] == event["finding.id"] and again["event.id"] != event["event.id"]


def test_informational_alerts_are_low_risk() -> None:
    rec = record("security_alert")
    rec["Severity"] = "Informational"
    [event] = map_records([rec]).events
    assert event["dt.security.risk.level"] == "LOW"


def test_bad_records_are_errors_and_the_rest_still_maps() -> None:
    good = record("acr_first_generation")
    broken_tags = record("acr_first_generation", 1)
    broken_tags["properties"]["additionalData"]["artifactDetails"]["tags"] = "latest"
    result = map_records([broken_tags, [1], good])
    assert [(e.index, e.path) for e in result.errors] == [
        (0, "$.properties.additionalData.artifactDetails.tags"),
        (1, "$"),
    ]
    assert "record 0 at $.properties.additionalData.artifactDetails.tags" in str(result.errors[0])
    assert len(findings(result.events)) == 1 and result.records == 3


def test_missing_package_name_is_an_error_not_an_invalid_event() -> None:
    rec = record("acr_first_generation")
    del rec["properties"]["additionalData"]["softwareDetails"]["packageName"]
    [error] = map_records([rec]).errors
    assert error.path.endswith("softwareDetails.packageName")


def test_non_container_findings_are_skipped_by_reason() -> None:
    result = map_body(dumps(records("skipped_kinds")))
    assert result.events == [] and result.errors == []
    assert result.skipped["not_container_image_finding"] == 1
    assert result.skipped["assessment_not_container_image"] == 1
    assert result.skipped.total() == result.records == 8


def test_str_and_bytes_bodies_map_identically() -> None:
    body = dumps(records("legacy_qualys"))
    assert map_body(body).events == map_body(body.decode()).events != []


def test_memoized_fields_are_fresh_per_event() -> None:
    first = one_finding(record("acr_first_generation"))
    first["vulnerability.references.cve"].append("CVE-0000-0000")
    first["container_image.tags"].clear()
    again = one_finding(record("acr_first_generation"))
    assert again["vulnerability.references.cve"] == ["CVE-2023-4911"]
    assert again["container_image.tags"] == ["1.4.2", "latest"]


def test_memo_never_keeps_a_failed_derivation_or_mixes_up_content() -> None:
    from seclake.sources.defender.memo import Memo

    memo, calls = Memo(limit=2), []

    def derive(value: int) -> Any:
        def fill(out: dict[str, Any]) -> None:
            calls.append(value)
            if value < 0:
                raise ValueError("bad")
            out["x"], out["xs"] = value, [value]

        return fill

    for value in (1, 2, 1, 3, 1):
        event: dict[str, Any] = {}
        memo.apply(("k", value), derive(value), event)
        assert event == {"x": value, "xs": [value]}
    assert calls == [1, 2, 3, 1]  # 1 was forgotten when the memo filled up
    for _ in range(2):
        with pytest.raises(ValueError, match="bad"):
            memo.apply(("k", -1), derive(-1), {})
    assert calls[-2:] == [-1, -1]
    cveless = record("acr_first_generation")
    cveless["properties"]["additionalData"]["vulnerabilityDetails"]["references"] = []
    assert one_finding(cveless)["vulnerability.references.cve"] == ["CVE-2023-4911"]
    cveless["properties"]["additionalData"]["vulnerabilityDetails"]["cveId"] = "CVE-2020-0001"
    assert one_finding(cveless)["vulnerability.id"] == "CVE-2020-0001"


def test_memo_keys_keep_json_types_apart() -> None:
    as_number = record("acr_first_generation")
    as_number["properties"]["additionalData"]["cvssV30Score"] = 1
    assert one_finding(as_number)["finding.score"] == 1.0
    as_boolean = record("acr_first_generation")
    as_boolean["properties"]["additionalData"]["cvssV30Score"] = True
    [error] = map_records([as_boolean]).errors
    assert error.path == "$.properties.additionalData.cvssV30Score"

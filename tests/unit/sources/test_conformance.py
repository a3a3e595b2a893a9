"""Conformance: the real Defender payloads in ../shared/samples/defender/ map to contract-valid events.

Those files are reference data that lives outside the repository (see its README); this test skips
cleanly when the folder is absent, e.g. in a fresh clone. They are not Event Hub messages: Resource Graph
rows (an array), a REST list (`{"value": [...]}`) and REST examples (`{"parameters", "responses"}`), so
the test unwraps them itself before calling the mapper.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from seclake.model import validate_event
from seclake.sources.defender import SKIP_REASONS, map_body, map_records

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "samples" / "defender"
FILES = sorted(p.name for p in SAMPLES.glob("*.json")) if SAMPLES.is_dir() else []
pytestmark = pytest.mark.skipif(
    not FILES, reason=f"no Defender samples at {SAMPLES} (outside this workspace)"
)
DIGEST = re.compile(r"^(sha256:[0-9a-f]{64}|[0-9a-f-]{36})$")


def unwrap(document: Any) -> list[Any]:
    """Records of a sample document: ARG rows, a REST list, a REST example's responses, or one record."""
    if isinstance(document, list):
        return document
    if "value" in document:
        return list(document["value"])
    if "responses" in document:
        return [response["body"] for response in document["responses"].values() if "body" in response]
    return [document]


@pytest.mark.parametrize("name", FILES)
def test_sample_maps_to_contract_valid_events(name: str) -> None:
    records = unwrap(orjson.loads((SAMPLES / name).read_bytes()))
    result = map_records(records)
    assert result.errors == [], result.errors
    assert result.records == len(records)
    assert set(result.skipped) <= SKIP_REASONS
    finding_records = [r for r in records if "subassessments" in str(r.get("type", "")).lower()]
    findings = [e for e in result.events if e["event.type"] == "VULNERABILITY_FINDING"]
    assert len(findings) == len(finding_records)
    for event in result.events:
        assert validate_event(event) == [], event
    for event, original in zip(findings, finding_records, strict=True):
        assert event["finding.id"] == original["id"].lower()
        assert orjson.loads(event["dt.raw_data"]) == original
        assert event["object.type"] == "CONTAINER_IMAGE"
        assert DIGEST.match(event["container_image.digest"])
        assert event["object.id"] == f"{event['object.name']}@{event['container_image.digest']}"
        assert event["component.name"] and event["vulnerability.id"]
        assert event["finding.time.created"].endswith("Z")
        assert event["vulnerability.resolution.status"] in ("OPEN", "RESOLVED")
        assert event["scan.id"] in {
            e["scan.id"] for e in result.events if e["event.type"] == "VULNERABILITY_SCAN"
        }
    # The same document fed as one Event Hub body (array) maps identically.
    assert map_body(orjson.dumps(records)).events == result.events


def test_samples_cover_every_expected_shape() -> None:
    outcomes: dict[str, tuple[int, dict[str, int]]] = {}
    for name in FILES:
        result = map_records(unwrap(orjson.loads((SAMPLES / name).read_bytes())))
        findings = sum(e["event.type"] == "VULNERABILITY_FINDING" for e in result.events)
        outcomes[name] = (findings, dict(result.skipped))
    assert outcomes["continuous-export-automation.put-example.json"][0] == 0
    assert outcomes["continuous-export-automation.put-example.json"][1]
    mapped = [n for n, (count, _) in outcomes.items() if count]
    assert len(mapped) == len(FILES) - 1
    qualys = map_records(
        unwrap(orjson.loads((SAMPLES / "legacy-qualys-subassessment.rest-example.json").read_bytes()))
    )
    assert qualys.events[0]["scan.name"] == "Qualys"
    assert qualys.events[0]["vulnerability.id"] == "CVE-2019-12345"

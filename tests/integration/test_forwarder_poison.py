"""Poison input — a body that is not JSON, a 20 MB body the server refuses (413) — lands in the
dead-letter directory with the reason, and everything else flows into the real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forwarder_support import expected_events, start_forwarder, stored_events, wait_exit

from seclake.forwarder.deadletter import DeadLetters
from seclake.sources.defender import map_body
from seclake.synthetic import write_export

HUGE_RECORD = {
    "type": "Microsoft.Security/assessments/subAssessments",
    "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
    "Microsoft.ContainerRegistry/registries/huge/providers/Microsoft.Security/assessments/"
    "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5/subAssessments/huge-1",
    "properties": {
        "id": "CVE-2025-0001",
        "displayName": "CVE-2025-0001",
        "description": "x" * 20_000_000,
        "status": {"code": "Unhealthy", "severity": "High"},
        "timeGenerated": "2025-05-30T00:00:00Z",
        "resourceDetails": {"source": "Azure", "id": "/repositories/huge/images/sha256:" + "ab" * 32},
        "additionalData": {
            "assessedResourceType": "AzureContainerRegistryVulnerability",
            "vulnerabilityDetails": {"cveId": "CVE-2025-0001", "severity": "High"},
            "softwareDetails": {"packageName": "openssl", "version": "1.0"},
            "artifactDetails": {
                "registryHost": "huge.azurecr.io",
                "repositoryName": "huge",
                "digest": "sha256:" + "ab" * 32,
            },
        },
    },
    "securityEventDataEnrichment": {"action": "Insert", "isSnapshot": False},
}


def test_poison_goes_to_dead_letters_and_the_rest_flows(seclake_server: Any, tmp_path: Path) -> None:
    export = tmp_path / "export"
    write_export(export, 6, 9, now=datetime(2025, 6, 1, tzinfo=UTC))
    expected = expected_events([export])
    poison = tmp_path / "poison"
    poison.mkdir()
    (poison / "not-json.json").write_bytes(b'[{"type": "Microsoft.Security/assessments", "id": ')
    (poison / "huge.json").write_bytes(json.dumps([HUGE_RECORD]).encode())
    assert (poison / "huge.json").stat().st_size > 20_000_000

    state, log = tmp_path / "state", tmp_path / "forward.log"
    process = start_forwarder(
        seclake_server.url,
        seclake_server.admin_token,
        [poison, export],
        state,
        "--batch-events",
        "300",
        log=log,
    )
    assert wait_exit(process, 180, log) == 0, log.read_text()[-3000:]

    entries = list(DeadLetters(state / "dead-letter").entries())
    by_reason = {e.reason: e for e in entries}
    assert set(by_reason) == {"mapping-error", "rejected-413"}, [e.meta for e in entries]
    assert by_reason["mapping-error"].meta["source"].endswith("not-json.json#0")
    assert by_reason["mapping-error"].payload == (poison / "not-json.json").read_bytes()
    rejected = by_reason["rejected-413"]
    assert rejected.meta["status"] == 413 and rejected.meta["events"] == 1
    assert rejected.meta["sources"][0].endswith("huge.json#0")
    assert len(rejected.payload) > 20_000_000 and b"CVE-2025-0001" in rejected.payload

    huge_events = {e["event.id"]: e for e in map_body((poison / "huge.json").read_bytes()).events}
    (refused,) = json.loads(rejected.payload)
    assert refused["event.id"] in huge_events
    stored = stored_events(seclake_server)
    assert set(expected) <= set(stored), "the rest of the stream did not flow"
    assert set(stored) - set(expected) == set(huge_events) - {refused["event.id"]}, (
        "only the refused event is missing"
    )
    assert max(stored.values()) == 1

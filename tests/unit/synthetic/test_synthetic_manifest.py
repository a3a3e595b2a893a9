"""The manifest is the ground truth: recount everything from the bodies themselves and compare."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from synthetic_helpers import ParsedBody, ci, enrichment, parse, parse_time

from seclake.synthetic import MANIFEST, ExportPlan, write_export

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
FINDINGS = ("container_finding", "qualys_finding")


def _finding_states(parsed: list[ParsedBody]) -> dict[str, tuple[datetime, int, str]]:
    """Current state per finding id: the record with the latest max(timeGenerated, enqueued time)."""
    latest: dict[str, tuple[datetime, int, str]] = {}
    for seq, body in enumerate(parsed):
        for record, kind in zip(body.records, body.kinds, strict=True):
            if kind not in FINDINGS:
                continue
            props = ci(record, "properties")
            effective = max(parse_time(ci(props, "timeGenerated")), body.enqueued_time)
            status = ci(props, "status")
            if ci(enrichment(record), "action") == "Delete":
                state = "resolved"
            elif ci(status, "code") == "NotApplicable" and ci(status, "cause") == "Exempt":
                state = "muted"
            else:
                state = "open"
            fid = str(ci(record, "id")).lower()
            if fid not in latest or (effective, seq) >= latest[fid][:2]:
                latest[fid] = (effective, seq, state)
    return latest


def test_manifest_counts_match_bodies(plan200: ExportPlan, parsed200: list[ParsedBody]) -> None:
    stats = plan200.stats
    kinds = Counter(k for p in parsed200 for k in p.kinds)
    assert stats.bodies == len(parsed200)
    assert stats.records == sum(kinds.values())
    assert stats.records_by_kind == dict(kinds)
    assert stats.bodies_by_shape == dict(Counter(p.shape for p in parsed200))
    assert stats.bodies_with_bom == sum(p.bom for p in parsed200)
    assert stats.alerts == kinds["alert"]
    assert stats.finding_records == kinds["container_finding"] + kinds["qualys_finding"]
    actions: Counter[str] = Counter()
    snapshots = 0
    for p in parsed200:
        for record, kind in zip(p.records, p.kinds, strict=True):
            if kind != "alert":
                snapshots += bool(ci(enrichment(record), "isSnapshot"))
            if kind in FINDINGS:
                actions[ci(enrichment(record), "action")] += 1
    assert stats.finding_records_by_action == dict(actions)
    assert stats.snapshot_records == snapshots


def test_manifest_ground_truth_matches_bodies(plan200: ExportPlan, parsed200: list[ParsedBody]) -> None:
    stats = plan200.stats
    states = Counter(state for _, _, state in _finding_states(parsed200).values())
    assert stats.distinct_findings == sum(states.values()) > 1000
    assert stats.resolved_findings == states["resolved"] > 0
    assert stats.muted_findings == states["muted"] > 0
    assert stats.open_findings == states["open"] + states["muted"]
    assert stats.open_findings == sum(stats.open_findings_by_severity.values())


def test_redelivered_bodies_repeat_earlier_bytes(plan200: ExportPlan, parsed200: list[ParsedBody]) -> None:
    seen: dict[bytes, ParsedBody] = {}
    repeats = 0
    for body in parsed200:
        if body.raw in seen:
            repeats += 1
            assert body.enqueued_time == seen[body.raw].enqueued_time
        seen[body.raw] = body
    assert repeats == plan200.stats.redelivered_bodies > 0


def test_delete_comes_after_insert(parsed200: list[ParsedBody]) -> None:
    """Per finding: every Insert precedes the Delete in time generated, enqueued time and delivery order."""
    history: dict[str, list[tuple[int, str, datetime, datetime]]] = defaultdict(list)
    for seq, body in enumerate(parsed200):
        for record, kind in zip(body.records, body.kinds, strict=True):
            if kind in FINDINGS:
                generated = parse_time(ci(ci(record, "properties"), "timeGenerated"))
                action = ci(enrichment(record), "action")
                history[str(ci(record, "id")).lower()].append((seq, action, generated, body.enqueued_time))
    deleted = 0
    for fid, events in history.items():
        deletes = [e for e in events if e[1] == "Delete"]
        if not deletes:
            continue
        deleted += 1
        assert len({(e[2], e[3]) for e in deletes}) == 1, f"{fid}: deleted more than once"
        first_delete = min(deletes)
        for seq, action, generated, enqueued in events:
            if action == "Insert":
                assert seq < first_delete[0], fid
                assert generated < first_delete[2], fid
                assert enqueued < first_delete[3], fid
    assert deleted > 100


def test_write_export_files_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "9999999.json").write_bytes(b"[]")  # a body of an earlier, bigger export
    (out / "notes.json").write_bytes(b"{}")  # not ours: kept
    stats = write_export(out, 25, 4, now=NOW)
    assert (out / "notes.json").exists()
    (out / "notes.json").unlink()
    manifest = orjson.loads((out / MANIFEST).read_bytes())
    files = sorted(p for p in out.iterdir() if p.name != MANIFEST)
    assert [p.name for p in files] == [f"{i:06d}.json" for i in range(1, stats.bodies + 1)]
    times: dict[str, Any] = manifest.pop("enqueued_times")
    assert manifest == stats.to_manifest()
    assert list(times) == [p.name for p in files]
    parsed = [parse(_Body(p.name, p.read_bytes(), parse_time(times[p.name]))) for p in files]
    assert sum(len(p.records) for p in parsed) == stats.records
    assert dict(Counter(k for p in parsed for k in p.kinds)) == stats.records_by_kind
    states = Counter(state for _, _, state in _finding_states(parsed).values())
    assert stats.open_findings == states["open"] + states["muted"]
    assert stats.resolved_findings == states["resolved"]


class _Body:
    def __init__(self, name: str, body: bytes, enqueued_time: datetime) -> None:
        self.name, self.body, self.enqueued_time = name, body, enqueued_time

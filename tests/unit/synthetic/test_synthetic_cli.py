"""`seclake generate` end to end through the real CLI app."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from seclake.cli import app


def test_generate_writes_bodies_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "export"
    args = ["generate", "--images", "12", "--seed", "3", "--out", str(out), "--now", "2025-06-01T00:00:00Z"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    bodies = sorted(out.glob("0*.json"))
    assert len(bodies) == manifest["bodies"] > 0
    assert manifest["now"] == "2025-06-01T00:00:00Z"
    assert "distinct findings" in result.output
    assert str(manifest["distinct_findings"]) in result.output
    again = tmp_path / "again"
    assert CliRunner().invoke(app, [*args[:-3], str(again), *args[-2:]]).exit_code == 0
    assert [p.read_bytes() for p in bodies] == [p.read_bytes() for p in sorted(again.glob("0*.json"))]


def test_generate_rejects_a_bad_now(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--now", "yesterday"])
    assert result.exit_code == 2
    assert "--now" in result.output

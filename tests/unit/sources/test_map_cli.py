"""`seclake map`: files or stdin, one body per file or NDJSON of bodies; events on stdout, summary on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from defender_samples import GOLDEN, records
from typer.testing import CliRunner

from seclake.cli import app
from seclake.model import validate_event

runner = CliRunner()


def events_of(stdout: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in stdout.splitlines() if line.strip()]


def test_files_map_to_ndjson_events_and_a_summary() -> None:
    files = [str(GOLDEN / "acr_first_generation.input.json"), str(GOLDEN / "skipped_kinds.input.json")]
    result = runner.invoke(app, ["map", *files])
    assert result.exit_code == 0, result.stderr
    events = events_of(result.stdout)
    assert [e["event.type"] for e in events] == ["VULNERABILITY_FINDING"] * 2 + ["VULNERABILITY_SCAN"]
    assert all(validate_event(e) == [] for e in events)
    assert "records: 10" in result.stderr
    assert "mapped: 3 events (VULNERABILITY_FINDING: 2, VULNERABILITY_SCAN: 1)" in result.stderr
    assert "secure_score: 2" in result.stderr and "errors: 0" in result.stderr


def test_ndjson_of_bodies_names_the_line_of_each_error(tmp_path: Path) -> None:
    lines = [orjson.dumps(records("acr_first_generation")), b"", orjson.dumps(records("malformed_records"))]
    path = tmp_path / "bodies.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = runner.invoke(app, ["map", str(path)])
    assert result.exit_code == 0
    assert len(events_of(result.stdout)) == 3 + 2
    assert "bodies: 2, records: 10" in result.stderr
    assert f"{path}:3: record 2 at $.properties.additionalData.softwareDetails.packageName" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not json", "not JSON"), (b'{"a": 1}\n{"b": \n', "line 2 is not JSON")],
)
def test_unreadable_input_exits_non_zero_with_a_clear_message(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = runner.invoke(app, ["map", str(path)])
    assert result.exit_code == 2
    assert f"seclake map: {path}: {message}" in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_non_zero(tmp_path: Path) -> None:
    result = runner.invoke(app, ["map", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_stdin_through_the_real_entry_point() -> None:
    body = (GOLDEN / "aws_ecr_records_wrapper.input.json").read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "seclake", "map"], input=body, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    events = events_of(done.stdout.decode())
    assert {e["event.type"] for e in events} == {"VULNERABILITY_FINDING", "VULNERABILITY_SCAN"}
    assert events[0]["container_image.repository"] == "billing/invoicer"
    assert b"records: 1" in done.stderr

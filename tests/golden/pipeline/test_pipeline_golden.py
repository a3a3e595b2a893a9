"""Golden tests: each `<case>.request.json` (an ingest request) → `<case>.expected.json`.

A request file holds the body (`body` as JSON, or `body_text` verbatim) and the request's facts:
`content_type` (default application/json), `content_encoding` (gzip/deflate: the test compresses the
body), `params`, `source`, `connection_id`, `connection_name`. The expected file holds the processed
events, the warning counts and the body size — or the rejection (status, index, message). Every case is
processed at the same fixed ingest time. Refresh with `SECLAKE_UPDATE_GOLDEN=1` (`make golden`).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from golden_util import UPDATE, assert_golden_json
from seclake.errors import RequestError
from seclake.model import validate_event
from seclake.pipeline import process_ingest

HERE = Path(__file__).parent
CASES = sorted(p.name.removesuffix(".request.json") for p in HERE.glob("*.request.json"))
NOW_NS = 1_714_564_800_000_000_000  # 2024-05-01T12:00:00Z
ENCODERS: dict[str, Callable[[bytes], bytes]] = {"gzip": gzip.compress, "deflate": zlib.compress}


def process(request: dict[str, Any]) -> dict[str, Any]:
    body = request["body_text"].encode() if "body_text" in request else orjson.dumps(request["body"])
    encoding = request.get("content_encoding")
    wire = ENCODERS[encoding](body) if encoding in ENCODERS else body
    try:
        batch = process_ingest(
            wire,
            content_type=request.get("content_type", "application/json"),
            content_encoding=encoding,
            params=request.get("params", {}),
            source=request.get("source", "/platform/ingest/v1/security.events"),
            connection_id=request.get("connection_id"),
            connection_name=request.get("connection_name"),
            now_ns=NOW_NS,
            max_bytes=10_000_000,
        )
    except RequestError as error:
        return {"error": {"status": error.status, "index": error.index, "message": str(error)}}
    return {
        "body_bytes": len(body),
        "warnings": dict(sorted(batch.warnings.items())),
        "events": batch.events,
    }


def test_every_case_has_an_expected_file() -> None:
    assert len(CASES) >= 8
    if not UPDATE:
        missing = [c for c in CASES if not (HERE / f"{c}.expected.json").exists()]
        assert not missing, f"run `make golden`: no expected output for {missing}"


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str) -> None:
    request = orjson.loads((HERE / f"{case}.request.json").read_bytes())
    result = process(request)
    assert process(request) == result, "processing is not deterministic"
    for event in result.get("events", []):
        warnings = event.get("dt.ingest.warnings", [])
        problems = validate_event({k: v for k, v in event.items() if k != "dt.ingest.warnings"})
        for problem in problems:  # each model problem is listed, or its field was flagged by a step
            assert str(problem) in warnings or any(w.startswith(f"{problem.field}: ") for w in warnings)
        step_notes = [w for w in warnings if w not in {str(p) for p in problems}]
        assert all("unreadable" in w or "clamped" in w for w in step_notes), step_notes
    assert_golden_json(HERE / f"{case}.expected.json", result)

"""Golden-file comparison shared by every golden test.

`assert_golden(path, actual)` compares `actual` (text) with the file at `path`; with
SECLAKE_UPDATE_GOLDEN=1 it (re)writes the file instead, so `make golden` refreshes all of them and the
change is reviewed as a diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN_ROOT = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SECLAKE_UPDATE_GOLDEN") == "1"


def assert_golden(path: Path, actual: str) -> None:
    """Compare `actual` with the golden file at `path` (or write it when updating)."""
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"golden file {path} is missing: run `make golden` and review the diff"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path} differs from the output; run `make golden` if the change is intended"


def assert_golden_json(path: Path, actual: Any) -> None:
    """Compare a JSON-serializable value with a golden JSON file (stable, sorted, indented)."""
    assert_golden(path, json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

"""Real-shaped Defender records for unit tests: the project's own golden inputs, parsed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson

from seclake.errors import MappingError
from seclake.sources.defender import decode_body

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "defender"


def records(case: str) -> list[Any]:
    """The records of golden input `case` (a fresh deep copy each call)."""
    return copy.deepcopy(decode_body((GOLDEN / f"{case}.input.json").read_bytes()))


def record(case: str, index: int = 0) -> dict[str, Any]:
    """One record of a golden input."""
    found = records(case)[index]
    assert isinstance(found, dict)
    return found


def all_object_records() -> list[dict[str, Any]]:
    """Every object record of every golden input (the seeds of the mutation tests)."""
    out: list[dict[str, Any]] = []
    for path in sorted(GOLDEN.glob("*.input.json")):
        try:
            found = decode_body(path.read_bytes())
        except MappingError:  # the deliberately broken input
            continue
        out += [r for r in found if isinstance(r, dict)]
    return out


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)

"""Golden files for a small export: its manifest and one sample record of each kind (reviewable diffs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from synthetic_helpers import parse

from golden_util import GOLDEN_ROOT, assert_golden_json
from seclake.synthetic import plan_export

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_small_export_golden() -> None:
    plan = plan_export(20, 1, now=NOW)
    samples: dict[str, Any] = {}
    for body in plan:
        parsed = parse(body)
        for kind, record in zip(parsed.kinds, parsed.records, strict=True):
            key = f"{kind} ({'PascalCase' if 'Properties' in record else 'camelCase'})"
            samples.setdefault(key, {"body": body.name, "shape": parsed.shape, "record": record})
    assert_golden_json(GOLDEN_ROOT / "synthetic" / "manifest-20-seed1.json", plan.stats.to_manifest())
    assert_golden_json(GOLDEN_ROOT / "synthetic" / "records-20-seed1.json", samples)

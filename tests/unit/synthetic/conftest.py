"""Exports generated once per test session (generation is deterministic, so sharing is safe)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from synthetic_helpers import ParsedBody, parse

from seclake.synthetic import ExportPlan, GeneratedBody, plan_export

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def plan200() -> ExportPlan:
    return plan_export(200, 7, now=NOW)


@pytest.fixture(scope="session")
def bodies200(plan200: ExportPlan) -> list[GeneratedBody]:
    return list(plan200)


@pytest.fixture(scope="session")
def parsed200(bodies200: list[GeneratedBody]) -> list[ParsedBody]:
    """Every body of the 200-image export parsed once: shape, BOM, records and their kinds."""
    return [parse(b) for b in bodies200]


@pytest.fixture(scope="session")
def records200(parsed200: list[ParsedBody]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, record) for every record of the 200-image export, in delivery order."""
    return [(kind, record) for p in parsed200 for kind, record in zip(p.kinds, p.records, strict=True)]

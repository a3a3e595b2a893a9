"""Fixtures of the store tests: settings and a DuckDB store on a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from seclake.settings import Settings
from seclake.store.duckdb import DB_FILE_NAME, DuckDBStore


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def store(settings: Settings) -> Iterator[DuckDBStore]:
    s = DuckDBStore(settings.data_dir / DB_FILE_NAME, settings=settings, run_retention=False)
    try:
        yield s
    finally:
        s.close()

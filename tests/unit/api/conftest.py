"""Fixtures for API unit tests (helpers in api_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import Api, MemoryStore, sync_client

from seclake.api.app import create_app
from seclake.control import scopes
from seclake.control.tokens import create_token
from seclake.settings import Settings


@pytest.fixture
def memory_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def api(tmp_path: Path, memory_store: MemoryStore, request: pytest.FixtureRequest) -> Iterator[Api]:
    overrides: dict[str, Any] = getattr(request, "param", {})
    settings = Settings(data_dir=tmp_path, **overrides)
    _, admin = create_token(tmp_path, "admin", sorted(scopes.ALL_SCOPES))
    with sync_client(create_app(settings, store=memory_store)) as client:
        yield Api(client, memory_store, settings, admin)

"""docs/ generated from the code's own tables must be current (make docs refreshes them)."""

from __future__ import annotations

import pytest

from seclake.docs import DOCS_DIR, GENERATED
from seclake.model import FIELDS
from seclake.settings import SETTING_NAMES


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_doc_is_current(name: str) -> None:
    path = DOCS_DIR / name
    assert path.exists(), f"{path} missing: run `make docs`"
    assert path.read_text(encoding="utf-8") == GENERATED[name](), f"{path} is stale: run `make docs`"


def test_every_field_and_setting_is_documented() -> None:
    fields_md = GENERATED["fields.md"]()
    settings_md = GENERATED["settings.md"]()
    assert all(f"`{name}`" in fields_md for name in FIELDS)
    assert all(f"| {name} |" in settings_md for name in SETTING_NAMES)

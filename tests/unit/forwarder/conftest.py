"""Fixtures of the forwarder's unit tests (helpers live in fwd_helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fwd_helpers import ingest_stub

__all__ = ["ingest_stub"]

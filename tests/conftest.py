"""Project-wide pytest configuration."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# golden_util lives beside this file; make it importable as a top-level module in every test.
sys.path.insert(0, str(Path(__file__).parent))

# Timing-based health checks and deadlines fail at random on a loaded 2-core CI machine; example
# counts are set per test, and correctness checks stay on.
settings.register_profile(
    "seclake",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
# CI (CI=true) runs a fixed, reproducible set of examples; local runs explore new ones every time.
settings.register_profile("seclake-ci", parent=settings.get_profile("seclake"), derandomize=True)
settings.load_profile("seclake-ci" if os.environ.get("CI") == "true" else "seclake")

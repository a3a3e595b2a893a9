"""Synthetic Microsoft Defender for Cloud continuous export (`seclake generate`), deterministic per seed.

`generate_export(images, seed, now=...)` yields the Event Hub bodies; `write_export(out_dir, ...)` writes
them as `<seq>.json` plus `manifest.json` (the ground truth); `summary.render_summary` prints what matters
first about mapped security events.
"""

from __future__ import annotations

from seclake.synthetic.export import (
    MANIFEST,
    ExportPlan,
    ExportStats,
    GeneratedBody,
    default_now,
    generate_export,
    plan_export,
    write_export,
)

__all__ = [
    "MANIFEST",
    "ExportPlan",
    "ExportStats",
    "GeneratedBody",
    "default_now",
    "generate_export",
    "plan_export",
    "write_export",
]

"""Generate docs/ from the code's own tables: the field reference and the settings reference.

`python -m seclake.docs` (make docs) writes them; tests/unit/test_docs.py fails when they are stale.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

from seclake.model import FIELDS, EventType
from seclake.settings import Settings, env_var

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
_SHORT = {
    EventType.VULNERABILITY_FINDING: "VF",
    EventType.VULNERABILITY_SCAN: "VS",
    EventType.DETECTION_FINDING: "DF",
    EventType.COMPLIANCE_FINDING: "CF",
    EventType.COMPLIANCE_SCAN: "CS",
}


def _types(types: frozenset[EventType]) -> str:
    return " ".join(_SHORT[t] for t in EventType if t in types) or "—"


def render_fields() -> str:
    """docs/fields.md: every catalog field with its type, meaning and which event types need it."""
    legend = ", ".join(f"{abbr} = {t}" for t, abbr in _SHORT.items())
    lines = [
        "# Security event fields",
        "",
        "Generated from `seclake.model.FIELDS` by `make docs`; do not edit by hand.",
        "",
        f"Event types: {legend}.",
        "",
        "| field | type | required for | forbidden on | allowed values | set by | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in FIELDS.values():
        allowed = ", ".join(f"`{v}`" for v in f.allowed) or ""
        lines.append(
            f"| `{f.name}` | {f.type} | {_types(f.required_for)} | {_types(f.forbidden_for)} | {allowed} "
            f"| {f.origin} | {f.description} |"
        )
    return "\n".join(lines) + "\n"


def render_settings() -> str:
    """docs/settings.md: every setting, its variable and its default."""
    lines = [
        "# Settings",
        "",
        "Generated from `seclake.settings.Settings` by `make docs`; do not edit by hand.",
        "Precedence: command-line flag, then environment variable, then `seclake.toml`, then default.",
        "",
        "| setting | flag | variable | default | meaning |",
        "|---|---|---|---|---|",
    ]
    defaults = Settings()
    for f in fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        shown = "(empty)" if default == "" else f"`{default}`"
        lines.append(f"| {f.name} | `{flag}` | `{env_var(f.name)}` | {shown} | {f.metadata['help']} |")
    return "\n".join(lines) + "\n"


GENERATED: dict[str, Callable[[], str]] = {"fields.md": render_fields, "settings.md": render_settings}


def main(out_dir: Path = DOCS_DIR) -> None:
    """Write every generated document."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, render in GENERATED.items():
        (out_dir / name).write_text(render(), encoding="utf-8")
        sys.stdout.write(f"wrote {out_dir / name}\n")


if __name__ == "__main__":
    main()

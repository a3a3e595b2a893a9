"""Shared by the DQL tests: the golden cases file (which holds docs/dql.md's examples verbatim)."""

from __future__ import annotations

import tomllib
from pathlib import Path

CASES_FILE = Path(__file__).resolve().parents[2] / "golden" / "dql" / "cases.toml"


def cases() -> dict[str, str]:
    """name -> DQL text of every golden case, in file order."""
    data = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))
    return {c["name"]: c["query"] for c in data["case"]}


def doc_examples() -> list[str]:
    return [q for name, q in cases().items() if name.startswith("doc_")]

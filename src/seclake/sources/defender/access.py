"""Case-insensitive, typed reads from parsed JSON records, with the JSON path in every complaint.

Continuous export mixes camelCase and PascalCase (and ARG rows use lowercase `type` values), so every
key is looked up case-insensitively: the exact spelling first, then PascalCase, then a scan of the
mapping. Nothing is copied or lower-cased up front, which keeps the common (camelCase) path cheap.

A value of the wrong type raises `FieldProblem(path, reason)`; the mapper turns it into a per-record
`MappingError`. Paths use the documented (camelCase) spelling, e.g. `$.properties.status.code`.
`None` (JSON null) always reads as "absent".
"""

from __future__ import annotations

import math
from typing import Any

from seclake.sources.defender.times import Timestamp, parse_timestamp

__all__ = [
    "EMPTY",
    "FieldProblem",
    "ci",
    "opt_bool",
    "opt_dict",
    "opt_list",
    "opt_num",
    "opt_str",
    "opt_time",
    "req_str",
]

EMPTY: dict[str, Any] = {}
_MISSING: Any = object()
_PASCAL: dict[str, str] = {}


class FieldProblem(Exception):  # noqa: N818 - an internal signal, converted to MappingError at the edge
    """A field the mapping needs is missing or of the wrong type."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def ci(d: dict[str, Any], key: str) -> Any:
    """`d[key]` looked up case-insensitively; None when absent."""
    value = d.get(key, _MISSING)
    if value is not _MISSING:
        return value
    pascal = _PASCAL.get(key)
    if pascal is None:
        pascal = _PASCAL.setdefault(key, key[:1].upper() + key[1:])
    value = d.get(pascal, _MISSING)
    if value is not _MISSING:
        return value
    size = len(key)
    lowered = None
    for k, v in d.items():
        if len(k) == size:  # cheap filter: only same-length keys can match
            if lowered is None:
                lowered = key.lower()
            if k.lower() == lowered:
                return v
    return None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def opt_dict(d: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """An object field, or an empty mapping when absent."""
    value = d.get(key)
    if type(value) is dict:  # the common case, without a second call
        return value
    value = ci(d, key) if value is None else value
    if value is None:
        return EMPTY
    if type(value) is dict:
        return value
    raise FieldProblem(f"{path}.{key}", f"expected an object, got {_kind(value)}")


def opt_list(d: dict[str, Any], key: str, path: str) -> list[Any]:
    """An array field, or an empty list when absent."""
    value = d.get(key)
    if type(value) is list:
        return value
    value = ci(d, key) if value is None else value
    if value is None:
        return []
    if type(value) is list:
        return value
    raise FieldProblem(f"{path}.{key}", f"expected an array, got {_kind(value)}")


def opt_str(d: dict[str, Any], key: str, path: str) -> str | None:
    """A string field, or None when absent."""
    value = d.get(key)
    if type(value) is str:
        return value
    value = ci(d, key) if value is None else value
    if value is None or type(value) is str:
        return value
    raise FieldProblem(f"{path}.{key}", f"expected a string, got {_kind(value)}")


def req_str(d: dict[str, Any], key: str, path: str) -> str:
    """A string field that must be present and non-empty."""
    value = opt_str(d, key, path)
    if not value:
        raise FieldProblem(f"{path}.{key}", "missing (a non-empty string is required)")
    return value


def opt_bool(d: dict[str, Any], key: str, path: str) -> bool | None:
    """A boolean field (also "true"/"false" text), or None when absent."""
    value = d.get(key)
    if value is None:
        value = ci(d, key)
    if value is None or type(value) is bool:
        return value
    if type(value) is str and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise FieldProblem(f"{path}.{key}", f"expected a boolean, got {_kind(value)}")


def opt_num(d: dict[str, Any], key: str, path: str) -> float | None:
    """A finite number (numeric text accepted: some Defender numbers arrive as strings), or None."""
    value = d.get(key)
    if type(value) is float and math.isfinite(value):
        return value
    if value is None:
        value = ci(d, key)
        if value is None:
            return None
    if type(value) is str:
        try:
            number = float(value)
        except ValueError:
            raise FieldProblem(f"{path}.{key}", f"expected a number, got text {value[:40]!r}") from None
    elif isinstance(value, int | float) and type(value) is not bool:
        number = float(value)
    else:
        raise FieldProblem(f"{path}.{key}", f"expected a number, got {_kind(value)}")
    if math.isfinite(number):
        return number
    raise FieldProblem(f"{path}.{key}", f"expected a finite number, got {value!r}")


def opt_time(d: dict[str, Any], key: str, path: str) -> Timestamp | None:
    """A date-time field as `(ns, rfc3339)`, or None when absent."""
    value = opt_str(d, key, path)
    if not value:
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        raise FieldProblem(f"{path}.{key}", f"not an ISO 8601 date-time: {value[:40]!r}")
    return parsed

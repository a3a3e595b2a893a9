"""Event Hub body → records.

The body's shape is not documented (defender-export.md, "The pipe"); consumers accept all three:
a JSON array of records, a single record object, or `{"records": [...]}` (key matched
case-insensitively). UTF-8, with or without a byte-order mark. The records are returned as parsed,
never copied: `dt.raw_data` is re-serialized from them later.
"""

from __future__ import annotations

from typing import Any

import orjson

from seclake.errors import MappingError

__all__ = ["decode_body", "unwrap"]

_BOM = b"\xef\xbb\xbf"


def decode_body(body: bytes | str) -> list[Any]:
    """The records of one Event Hub body; raises MappingError (path `$`) when it is not usable JSON."""
    if isinstance(body, str):
        if body.startswith("\ufeff"):
            body = body[1:]
    elif body.startswith(_BOM):
        body = body[3:]
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MappingError(f"body is not valid JSON: {exc}", path="$") from None
    return unwrap(parsed)


def unwrap(parsed: Any) -> list[Any]:
    """Records of a parsed body: an array as is, `{"records": [...]}` unwrapped, an object as one record."""
    if type(parsed) is list:
        return parsed
    if type(parsed) is dict:
        records = _records_member(parsed)
        return [parsed] if records is None else records
    raise MappingError(f"body must be a JSON array or object, got {type(parsed).__name__}", path="$")


def _records_member(obj: dict[str, Any]) -> list[Any] | None:
    """The `records` array when the object is a `{"records": [...]}` wrapper (its only member)."""
    if len(obj) != 1:
        return None
    ((key, value),) = obj.items()
    if key.lower() == "records" and type(value) is list:
        return value
    return None

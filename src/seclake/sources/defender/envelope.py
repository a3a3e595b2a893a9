"""Event Hub body → records.

The body's shape is not documented (defender-export.md, "The pipe"); consumers accept all three:
a JSON array of records, a single record object, or `{"records": [...]}` (key matched
case-insensitively). UTF-8, with or without a byte-order mark.

`decode_body` returns the parsed records (for `map_records`, whose `dt.raw_data` is re-serialized).
`split_body` returns each record's original JSON text instead (msgspec `Raw` slices of the body, found
without building any Python objects), so `map_body` can keep it verbatim as `dt.raw_data` and parse it
only where needed. A multi-line body is compacted first (whitespace between tokens removed, every token
kept as written), so `dt.raw_data` is always one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import orjson

from seclake.errors import MappingError

__all__ = ["decode_body", "split_body", "unwrap"]

_BOM = b"\xef\xbb\xbf"
_WS = b" \t\r\n"
_RECORDS = msgspec.json.Decoder(list[msgspec.Raw])
_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])


class _Wrapper(msgspec.Struct, forbid_unknown_fields=True):
    """`{"records": [...]}` spelled exactly so (other casings go through `_MEMBERS`)."""

    records: list[msgspec.Raw]


_WRAPPER = msgspec.json.Decoder(_Wrapper)


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


def split_body(body: bytes | str) -> tuple[Sequence[msgspec.Raw | bytes], list[str]] | None:
    """The original JSON text of each record of one body, as bytes and as str; None when only
    `decode_body` can tell.

    None for anything unusual (not JSON, not an array or object, not UTF-8, nested too deep): the
    caller then takes the `decode_body` path, which reports the problem. Never raises.
    """
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        data = data.removeprefix(_BOM)
        if b"\n" in data or b"\r" in data or b"\t" in data:
            data = msgspec.json.format(data, indent=-1)
        texts = _texts(data)
        return None if texts is None else (texts, _strings(data, texts))
    except (UnicodeEncodeError, UnicodeDecodeError, msgspec.DecodeError, RecursionError):
        return None


def _texts(data: bytes) -> Sequence[msgspec.Raw | bytes] | None:
    first = data.lstrip(_WS)[:1]
    if first == b"[":
        return _RECORDS.decode(data)
    if first != b"{":
        return None
    try:
        return _WRAPPER.decode(data).records  # one pass for the usual wrapper
    except msgspec.ValidationError:
        pass
    members = _MEMBERS.decode(data)
    if len(members) == 1:
        ((key, value),) = members.items()
        if key.lower() == "records" and bytes(memoryview(value)[:1]) == b"[":
            return _RECORDS.decode(value)
    return [data.strip(_WS)]


def _strings(data: bytes, texts: Sequence[msgspec.Raw | bytes]) -> list[str]:
    """Each text as str (raises UnicodeDecodeError). An ASCII array body with nothing between its
    records but single commas (the usual Event Hub body; the lengths prove it) is decoded once and
    sliced; anything else is decoded text by text."""
    array = data.strip(_WS)
    lengths = [len(t) for t in texts]
    if (
        array[:1] == b"["
        and len(array) == sum(lengths) + len(lengths) + (not lengths) + 1
        and array.isascii()
    ):
        whole = array.decode("ascii")
        strings = []
        start = 1
        for length in lengths:
            strings.append(whole[start : start + length])
            start += length + 1
        return strings
    return [str(t, "utf-8") for t in texts]

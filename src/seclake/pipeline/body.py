"""The request body: size limits, content type, decompression, parsing and shape checks.

Every rejection is a `RequestError` carrying the HTTP status (interfaces.md, "Ingest errors and limits"):

- 415: a content type other than JSON, a charset other than UTF-8, an unknown `Content-Encoding`;
- 413: a body over `max_bytes` as received, or after decompression. Decompression streams with a hard
  output limit (`zlib.decompressobj(...).decompress(data, max_length)`), stopping at `max_bytes + 1`
  bytes, so a gzip bomb is refused without ever being inflated in memory;
- 400: a corrupt compressed stream; a body that is not JSON, not an object or an array, or an array
  with an element that is not an object or is nested too deeply to be written back as JSON. The message
  says why and, for arrays, names the index of the first bad element (also for a JSON syntax error
  inside an element, best effort).

Leniency, decided on purpose: a missing `Content-Type` is read as JSON (OpenPipeline clients and
`curl --data-binary` often omit it; the body must still be JSON); `application/json`, `text/json` and any
`*/*+json` type are JSON; a `charset` parameter, when given, must name UTF-8.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from typing import Any

import orjson

from seclake.errors import RequestError

__all__ = ["JSON_KINDS", "MAX_DEPTH", "check_content_type", "decode_body", "parse_events"]

_JSON_TYPES = frozenset({"application/json", "text/json"})
_UTF8 = frozenset({"utf-8", "utf8"})
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS
JSON_KINDS: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}
# Most nesting passes spent locating the element of a JSON syntax error (bounds the error path's cost).
_LOCATE_MAX_PASSES = 32
MAX_DEPTH = 254  # levels of nesting orjson.dumps writes (the event object itself included)


def check_content_type(content_type: str | None) -> None:
    """Accept JSON media types (see the module docstring); anything else is a 415."""
    if content_type is None or not content_type.strip():
        return
    media, _, rest = content_type.partition(";")
    media = media.strip().lower()
    if media not in _JSON_TYPES and not (media.count("/") == 1 and media.endswith("+json")):
        raise RequestError(415, f"Content-Type {content_type!r} is not supported: send application/json")
    for param in rest.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            if charset not in _UTF8:
                raise RequestError(415, f"charset {charset!r} is not supported: JSON bodies must be UTF-8")


def _inflate(data: bytes, wbits: int, max_bytes: int, name: str) -> bytes:
    """Inflate one stream (all members for gzip) with a hard output limit of max_bytes + 1."""
    chunks: list[bytes] = []
    total = 0
    pending = data
    while pending:
        inflater = zlib.decompressobj(wbits)
        try:
            while pending:
                chunk = inflater.decompress(pending, max_bytes + 1 - total)
                total += len(chunk)
                if total > max_bytes:
                    raise RequestError(413, f"request body over {max_bytes} bytes after {name} decompression")
                chunks.append(chunk)
                pending = inflater.unconsumed_tail
                if inflater.eof:
                    break
            if not inflater.eof:
                raise RequestError(
                    400, f"request body is not valid {name}: the compressed stream is truncated"
                )
        except zlib.error as exc:
            raise RequestError(400, f"request body is not valid {name}: {exc}") from None
        pending = inflater.unused_data
        if pending and wbits != _GZIP_WBITS:
            raise RequestError(400, f"request body is not valid {name}: data after the end of the stream")
    return b"".join(chunks)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    return _inflate(data, _GZIP_WBITS, max_bytes, "gzip")


def _inflate_deflate(data: bytes, max_bytes: int) -> bytes:
    """HTTP `deflate` is zlib-wrapped; some clients send raw deflate, which is accepted too."""
    wbits = _ZLIB_WBITS if len(data) >= 2 and (data[0] * 256 + data[1]) % 31 == 0 else _RAW_DEFLATE_WBITS
    return _inflate(data, wbits, max_bytes, "deflate")


def _identity(data: bytes, max_bytes: int) -> bytes:
    return data


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate_deflate,
    "identity": _identity,
    "": _identity,
}


def decode_body(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """The body after undoing `Content-Encoding` (a comma-separated list, applied in order by the sender)."""
    if len(body) > max_bytes:
        raise RequestError(413, f"request body of {len(body)} bytes is over the limit of {max_bytes} bytes")
    if not content_encoding:
        return body
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    unknown = [c for c in codings if c not in DECODERS]
    if unknown:
        raise RequestError(
            415, f"Content-Encoding {unknown[0]!r} is not supported: use gzip, deflate or identity"
        )
    for coding in reversed(codings):
        body = DECODERS[coding](body, max_bytes)
    return body


def _locate_element(text: str) -> int | None:
    """Index of the top-level array element that `text` (a body prefix ending at an error) ends in."""
    text = _STRINGS.sub("", text.lstrip())
    text = text.partition('"')[0]  # a quote left over opens a string that runs to the error
    if not text.startswith("["):
        return None
    structure = "".join(_STRUCTURE.findall(text[1:]))
    for _ in range(_LOCATE_MAX_PASSES):
        reduced = _GROUPS.sub("", structure)
        if reduced == structure:
            break
        structure = reduced
    else:
        return None
    opened = re.search(r"[\[{]", structure)
    return (structure if opened is None else structure[: opened.start()]).count(",")


_STRINGS = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_STRUCTURE = re.compile(r"[\[\]{},]")
_GROUPS = re.compile(r"\{[^\[\]{}]*\}|\[[^\[\]{}]*\]")


def _syntax_error(body: bytes, exc: orjson.JSONDecodeError) -> RequestError:
    if not body.strip():
        return RequestError(400, "request body is empty: send a JSON object or an array of objects")
    where = f"line {exc.lineno} column {exc.colno}"
    index = _locate_element(body.decode("utf-8", "replace")[: exc.pos])
    if index is None:
        return RequestError(400, f"request body is not valid JSON: {exc.msg} at {where}")
    return RequestError(
        400, f"element {index} of the array is not valid JSON: {exc.msg} at {where}", index=index
    )


def parse_events(body: bytes, *, check_depth: bool = True) -> list[dict[str, Any]]:
    """One orjson parse; a single object is a batch of one. Rejects anything but objects (400).

    `check_depth=False` leaves the nesting check of an array's elements to the caller (the pipeline's
    `keep_raw` step dumps every event anyway and names the index of one nested too deeply).
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _syntax_error(body, exc) from None
    if type(data) is dict:
        try:
            orjson.dumps(data)
        except orjson.JSONEncodeError:
            raise RequestError(400, f"the event is nested deeper than {MAX_DEPTH} levels") from None
        return [data]
    if type(data) is not list:
        kind = JSON_KINDS.get(type(data), type(data).__name__)
        raise RequestError(400, f"request body must be a JSON object or an array of objects, got {kind}")
    for index, element in enumerate(data):
        if type(element) is not dict:
            kind = JSON_KINDS.get(type(element), type(element).__name__)
            raise RequestError(
                400, f"element {index} of the array must be a JSON object, got {kind}", index=index
            )
    if check_depth:
        _check_depth(data)
    return data


def _check_depth(events: list[dict[str, Any]]) -> None:
    """Reject events nested deeper than JSON can be written back (orjson writes 254 levels, reads 1024).

    One `orjson.dumps` of the batch (a fraction of the parse's cost) proves every event can become
    `dt.raw_data` or stored attributes; only when it fails are the events tried one by one.
    """
    try:
        orjson.dumps(events)
    except orjson.JSONEncodeError:
        for index, event in enumerate(events):
            try:
                orjson.dumps(event)
            except orjson.JSONEncodeError:
                raise RequestError(
                    400,
                    f"element {index} of the array is nested deeper than {MAX_DEPTH} levels",
                    index=index,
                ) from None
        # Only the array's own level was too many: each event on its own can be written.

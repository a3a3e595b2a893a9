"""Body checks: content type (415), sizes and decompression (413, gzip bombs), parsing and shape (400)."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import orjson
import pytest
from pipeline_samples import MAX_BYTES, finding, run

from seclake.errors import RequestError

EVENTS = [finding(0), finding(1), finding(2)]
BODY = orjson.dumps(EVENTS)


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _reject(body: bytes, **kwargs: object) -> RequestError:
    with pytest.raises(RequestError) as caught:
        run(body, **kwargs)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/json",
        "application/json; charset=utf-8",
        'Application/JSON; Charset="UTF-8"',
        "application/json;charset=utf8;foo=bar",
        "application/vnd.seclake.events+json",
        "text/json",
    ],
)
def test_json_content_types_are_accepted(content_type: str | None) -> None:
    assert len(run(BODY, content_type=content_type).events) == len(EVENTS)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
        "multipart/form-data; boundary=x",
        "application/xml",
        "json",
        "+json",
        "application/x-ndjson",
    ],
)
def test_other_content_types_are_415(content_type: str) -> None:
    error = _reject(BODY, content_type=content_type)
    assert error.status == 415
    assert content_type.rsplit(";", maxsplit=1)[-1].rsplit("=", maxsplit=1)[-1].strip() in error.args[0]


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("GZip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", _raw_deflate),
        ("identity", lambda b: b),
        ("", lambda b: b),
        ("identity, gzip", gzip.compress),
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
    ],
)
def test_content_encodings_decode_to_the_same_events(encoding: str, encode: object) -> None:
    plain = run(BODY)
    wire = encode(BODY)  # type: ignore[operator]
    decoded = run(wire, content_encoding=encoding)
    assert decoded.events == plain.events
    assert decoded.body_bytes == len(wire)


def test_concatenated_gzip_members_are_one_body() -> None:
    half = len(BODY) // 2
    wire = gzip.compress(BODY[:half]) + gzip.compress(BODY[half:])
    assert run(wire, content_encoding="gzip").events == run(BODY).events


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br", "compress"])
def test_unknown_encodings_are_415(encoding: str) -> None:
    error = _reject(BODY, content_encoding=encoding)
    assert error.status == 415
    assert "Content-Encoding" in error.args[0]


@pytest.mark.parametrize(
    ("wire", "why"),
    [
        (gzip.compress(BODY)[:-12], "truncated"),
        (b"\x1f\x8b" + b"garbage" * 10, "not valid gzip"),
        (gzip.compress(BODY) + b"trailing", "not valid gzip"),
    ],
)
def test_corrupt_gzip_is_400(wire: bytes, why: str) -> None:
    error = _reject(wire, content_encoding="gzip")
    assert error.status == 400
    assert why in error.args[0]


def test_body_over_the_limit_as_received_is_413() -> None:
    body = orjson.dumps([finding(i) for i in range(3)])
    assert len(run(body, max_bytes=len(body)).events) == 3
    error = _reject(body, max_bytes=len(body) - 1)
    assert error.status == 413
    assert str(len(body) - 1) in error.args[0]


def test_body_over_the_limit_after_decompression_is_413() -> None:
    body = orjson.dumps([finding(i) for i in range(50)])
    wire = gzip.compress(body)
    assert len(run(wire, content_encoding="gzip", max_bytes=len(body)).events) == 50
    error = _reject(wire, content_encoding="gzip", max_bytes=len(body) - 1)
    assert error.status == 413
    assert "after gzip decompression" in error.args[0]


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"[" + b" " * (1 << 20)
    bomb = packer.compress(block) + b"".join(packer.compress(b" " * (1 << 20)) for _ in range(63))
    bomb += packer.flush()
    assert len(bomb) < MAX_BYTES // 10  # 64 MiB inflated, a few dozen KiB on the wire
    tracemalloc.start()
    try:
        error = _reject(bomb, content_encoding="gzip", max_bytes=MAX_BYTES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.status == 413
    assert peak < 4 * MAX_BYTES, f"inflated {peak} bytes to refuse a bomb"


@pytest.mark.parametrize(
    ("body", "index", "words"),
    [
        (b"", None, "empty"),
        (b"  \n", None, "empty"),
        (b"nope", None, "not valid JSON"),
        (b"42", None, "got number"),
        (b'"text"', None, "got string"),
        (b"null", None, "got null"),
        (b"[{}, 3]", 1, "element 1 of the array must be a JSON object, got number"),
        (b"[[{}]]", 0, "element 0 of the array must be a JSON object, got array"),
        (b'[{}, {}, {"a": }]', 2, "element 2 of the array is not valid JSON"),
        (b'[{"a": "[,{\\"x"}, {"b": tru}]', 1, "element 1"),
        (b'[{"a": [1, {"b": [2, 3]}]}, {"c": [4, {"d": 5}]}, {"e": x}]', 2, "line 1"),
        (b'[\n{"a": 1},\n{"b": 2,,}\n]', 1, "line 3"),
        (b'{"a": 1', None, "not valid JSON"),
        (b"[{}, {}", 1, "element 1"),
        (b"\xef\xbb\xbf{}", None, "not valid JSON"),
    ],
)
def test_bad_bodies_are_400_naming_the_element_and_why(body: bytes, index: int | None, words: str) -> None:
    error = _reject(body)
    assert error.status == 400
    assert error.index == index
    assert words in error.args[0]
    if index is not None:
        assert f"element {index}" in error.args[0]


def test_an_empty_array_is_zero_events() -> None:
    batch = run(b"[]")
    assert batch.events == []
    assert not batch.warnings
    assert batch.body_bytes == 2


def test_a_single_object_is_a_batch_of_one() -> None:
    assert len(run(finding(7)).events) == 1


@pytest.mark.parametrize("depth", [253, 254, 600, 1020])
@pytest.mark.parametrize("as_array", [True, False])
def test_events_nested_deeper_than_json_can_be_written_are_400(depth: int, as_array: bool) -> None:
    deep = b"[" * depth + b"]" * depth
    event = b'{"timestamp": ' + deep + b', "custom": ' + deep + b"}"
    body = b"[{}, " + event + b"]" if as_array else event
    if depth < 254:  # the event object plus 253 levels is what orjson writes back
        batch = run(body)
        assert batch.events[-1]["dt.raw_data"].count("[") == 2 * depth
        assert batch.events[-1]["dt.ingest.warnings"][0].startswith("timestamp: unreadable")
        return
    error = _reject(body)
    assert error.status == 400
    assert error.index == (1 if as_array else None)
    assert "nested deeper than 254 levels" in error.args[0]

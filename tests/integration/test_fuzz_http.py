"""Bad input over HTTP: no 5xx for any body, header or path; every rejection a 4xx with a JSON message.

1. hypothesis against a real `seclake serve` (bodies, content types and encodings, query strings,
   custom endpoint names, Authorization headers);
2. a gzip bomb is refused with 413 without the server inflating it (its RSS barely moves);
3. schemathesis over the OpenAPI spec, in-process (ASGI) with the real DuckDB store, with and
   without an admin token.
"""

from __future__ import annotations

import gzip
import json
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from server_support import SeclakeServer

from seclake.api.app import create_app
from seclake.api.ingest import INGEST_PATH, LEGACY_PATH, custom_path
from seclake.control.scopes import ALL_SCOPES
from seclake.control.tokens import create_token
from seclake.settings import Settings

MB = 1024 * 1024


def _dumps(value: Any) -> bytes:
    """stdlib JSON: big integers and Infinity are sent as-is (orjson would refuse them)."""
    return json.dumps(value).encode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=5),
    max_leaves=20,
)
event_like = st.dictionaries(
    st.sampled_from(
        ["event.id", "event.type", "timestamp", "finding.severity", "dt.security.risk.score", "x"]
    )
    | st.text(max_size=15),
    json_values,
    max_size=8,
)
bodies = (
    st.binary(max_size=300)
    | json_values.map(_dumps)
    | st.lists(event_like, max_size=5).map(_dumps)
    | event_like.map(_dumps)
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "", "application/x-ndjson", "json"]
) | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20).map(str.strip)
encodings = st.sampled_from([None, "gzip", "identity", "deflate", "br", "gzip, gzip", "x"])
paths = st.sampled_from([INGEST_PATH, LEGACY_PATH]) | st.text(min_size=1, max_size=20).map(
    lambda name: custom_path(quote(name, safe=""))
)
query = st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=3)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = SeclakeServer(tmp_path_factory.mktemp("fuzz"), env={"SECLAKE_MAX_REQUEST_BYTES": str(MB)})
    server.start()
    yield server
    server.stop()
    server.kill()


def _assert_clean_answer(response: httpx.Response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] == response.status_code and error["message"].strip(), where


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=[Phase.generate]
)
@given(
    body=bodies,
    content_type=content_types,
    encoding=encodings,
    compress=st.booleans(),
    path=paths,
    params=query,
    auth=st.sampled_from(["admin", "none", "garbage", "bearer"]),
)
def test_no_server_error_for_any_request(
    fuzz_server: Any,
    *,
    body: bytes,
    content_type: str,
    encoding: str | None,
    compress: bool,
    path: str,
    params: dict[str, str],
    auth: str,
) -> None:
    headers = {"Content-Type": content_type}
    if encoding is not None:
        headers["Content-Encoding"] = encoding
        if compress and encoding == "gzip":
            body = gzip.compress(body)
    headers |= {
        "admin": {"Authorization": f"Api-Token {fuzz_server.admin_token}"},
        "bearer": {"Authorization": f"Bearer {fuzz_server.admin_token}"},
        "garbage": {"Authorization": "Api-Token sl0c01.x.y"},
        "none": {},
    }[auth]
    try:
        response = httpx.post(
            fuzz_server.url + path, content=body, headers=headers, params=params, timeout=30
        )
    except (httpx.InvalidURL, httpx.LocalProtocolError):
        return  # the client refused to send it (not the server's answer)
    _assert_clean_answer(response, f"POST {path}")


def _gzip_bomb(inflated: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    block = b" " * MB
    parts = [packer.compress(b"[")] + [packer.compress(block) for _ in range(inflated // MB)]
    return b"".join([*parts, packer.compress(b"]"), packer.flush()])


def test_gzip_bomb_is_refused_without_inflating(fuzz_server: Any) -> None:
    bomb = _gzip_bomb(256 * MB)  # 256 MiB of JSON whitespace, 256 times the limit
    assert len(bomb) < MB  # passes the compressed-size check: only decompression can catch it
    headers = {
        "Authorization": f"Api-Token {fuzz_server.admin_token}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    before = fuzz_server.rss_bytes()
    response = httpx.post(fuzz_server.url + INGEST_PATH, content=bomb, headers=headers, timeout=60)
    after = fuzz_server.rss_bytes()
    assert response.status_code == 413, response.text
    assert "bytes" in response.json()["error"]["message"]
    assert after - before < 64 * MB, f"server RSS grew by {(after - before) / MB:.0f} MB for a 256 MiB bomb"


# schemathesis in-process: the real app and DuckDB store in a temp data dir (its lifespan is run by
# schemathesis' ASGI client and shut down at exit). Built at import: `from_fixture` does not work with pytest 9.
_SCHEMA_DIR = Path(tempfile.mkdtemp(prefix="seclake-schemathesis-"))
_SCHEMA_TOKEN = create_token(_SCHEMA_DIR, "schemathesis", sorted(ALL_SCOPES))[1]
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(data_dir=_SCHEMA_DIR, max_request_bytes=MB))
)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_openapi_operations_never_fail_on_the_server(case: Any) -> None:
    for headers in ({}, {"Authorization": f"Api-Token {_SCHEMA_TOKEN}"}):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["code"] == response.status_code and error["message"], response.text

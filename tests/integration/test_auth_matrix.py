"""Auth matrix on a real server: every protected route × no / malformed / unknown / revoked token × each scope.

ROUTE_SCOPES is the expected scope table (docs: interfaces.md). Rows whose route the app does not have
are not exercised, and `test_every_protected_route_is_in_the_table` fails when the app gains a route
that needs a token but has no row here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from server_support import SeclakeServer

from seclake.api.app import create_app
from seclake.control import scopes
from seclake.control.tokens import create_token, list_tokens, revoke_token
from seclake.settings import Settings

QUERY_SCOPES = frozenset({scopes.QUERY, scopes.BUCKETS_READ})
INGEST, LEGACY, CUSTOM = (
    "/platform/ingest/v1/security.events",
    "/platform/ingest/v1/events.security",
    "/platform/ingest/custom/security.events/",
)
QUERY = "/platform/storage/query/v1/"
# (method, OpenAPI path, concrete path, JSON body, the scopes a token needs)
ROUTE_SCOPES: list[tuple[str, str, str, Any, frozenset[str]]] = [
    ("POST", INGEST, INGEST, [], frozenset({scopes.INGEST})),
    ("POST", LEGACY, LEGACY, [], frozenset({scopes.INGEST})),
    ("POST", CUSTOM + "{name}", CUSTOM + "matrix", [], frozenset({scopes.INGEST_CUSTOM})),
    ("GET", "/api/v1/tokens", "/api/v1/tokens", None, frozenset({scopes.TOKENS_READ})),
    ("POST", "/api/v1/tokens", "/api/v1/tokens", "GRANT_OWN", frozenset({scopes.TOKENS_WRITE})),
    ("DELETE", "/api/v1/tokens/{token_id}", "/api/v1/tokens/0000000000000000", None, frozenset({scopes.TOKENS_WRITE})),
    ("POST", QUERY + "query:execute", QUERY + "query:execute", {"query": "fetch security.events | limit 1"}, QUERY_SCOPES),
    ("GET", QUERY + "query:poll", QUERY + "query:poll?request-token=none", None, QUERY_SCOPES),
    ("GET", "/api/v1/connections", "/api/v1/connections", None, frozenset({scopes.SETTINGS_READ})),
    ("POST", "/api/v1/connections", "/api/v1/connections", {"name": "matrix"}, frozenset({scopes.SETTINGS_WRITE})),
    ("GET", "/api/v1/connections/{connection_id}", "/api/v1/connections/none", None, frozenset({scopes.SETTINGS_READ})),
    ("DELETE", "/api/v1/connections/{connection_id}", "/api/v1/connections/none", None, frozenset({scopes.SETTINGS_WRITE})),
]  # fmt: skip
PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics"}


@pytest.fixture(scope="module")
def matrix_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeclakeServer]:
    server = SeclakeServer(tmp_path_factory.mktemp("auth-matrix")).start()
    yield server
    server.stop()
    server.kill()


def _protected_operations() -> set[tuple[str, str]]:
    spec = create_app(Settings(), store=None).openapi()
    return {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if path not in PUBLIC_PATHS and operation.get("security")
    }


def test_every_protected_route_is_in_the_table() -> None:
    known = {(row[0], row[1]) for row in ROUTE_SCOPES}
    missing = _protected_operations() - known
    assert missing == set(), f"routes without an auth-matrix row: {sorted(missing)}"
    assert _protected_operations(), "no protected routes found: is the spec's security section gone?"


def _call(http: httpx.Client, method: str, path: str, body: Any, *, token: str | None, grant: str) -> int:
    headers = {"Authorization": f"Api-Token {token}"} if token is not None else {}
    if body == "GRANT_OWN":
        body = {"name": "matrix child", "scopes": [grant]}
    return http.request(method, path, json=body, headers=headers).status_code


def test_auth_matrix(matrix_server: SeclakeServer) -> None:
    seclake_server = matrix_server
    data_dir = seclake_server.data_dir
    present = _protected_operations()
    rows = [row for row in ROUTE_SCOPES if (row[0], row[1]) in present]
    assert len(rows) >= 6
    revoked_record, revoked = create_token(data_dir, "revoked", sorted(scopes.ALL_SCOPES))
    assert revoke_token(data_dir, revoked_record.id)
    admin_id = seclake_server.admin_token.split(".")[1]
    bad_tokens = {
        "none": None,
        "malformed": "not-a-token",
        "unknown id": "sl0c01.0123456789abcdef." + "A" * 43,
        "wrong secret": f"sl0c01.{admin_id}." + "B" * 43,
        "revoked": revoked,
    }
    scope_tokens = {scope: create_token(data_dir, scope, [scope])[1] for scope in sorted(scopes.ALL_SCOPES)}
    failures: list[str] = []
    with httpx.Client(base_url=seclake_server.url, timeout=30.0) as http:
        for method, _, path, body, needed in rows:
            for label, token in bad_tokens.items():
                status = _call(http, method, path, body, token=token, grant=scopes.INGEST)
                if status != 401:
                    failures.append(f"{method} {path} with {label} token: {status}, expected 401")
            for scope, token in scope_tokens.items():
                status = _call(http, method, path, body, token=token, grant=scope)
                allowed = needed <= {scope}
                if (allowed and status in (401, 403)) or status >= 500:
                    failures.append(f"{method} {path} with {scope}: {status}, expected access")
                if not allowed and status != 403:
                    failures.append(f"{method} {path} with only {scope}: {status}, expected 403")
            status = _call(http, method, path, body, token=seclake_server.admin_token, grant=scopes.INGEST)
            if status in (401, 403) or status >= 500:
                failures.append(f"{method} {path} with all scopes: {status}")
    assert failures == [], "\n".join(failures)
    children = [t for t in list_tokens(data_dir) if t.name == "matrix child"]
    assert sorted(sorted(t.scopes) for t in children) == [[scopes.TOKENS_WRITE], [scopes.INGEST]]


def test_both_schemes_are_accepted_and_others_refused(matrix_server: SeclakeServer) -> None:
    seclake_server = matrix_server
    expected = {"Api-Token": 200, "Bearer": 200, "api-token": 200, "bearer": 200, "Basic": 401, "Token": 401}
    for scheme, status in expected.items():
        headers = {"Authorization": f"{scheme} {seclake_server.admin_token}"}
        assert httpx.get(seclake_server.url + "/api/v1/tokens", headers=headers).status_code == status, scheme

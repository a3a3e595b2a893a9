"""Auth header parsing, scope checks, revocation, and the token API (/api/v1/tokens)."""

from __future__ import annotations

import pytest
from api_support import Api

from seclake.api.auth import presented_token
from seclake.control import scopes
from seclake.control.tokens import authenticate, list_tokens

TOKENS = "/api/v1/tokens"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Api-Token abc", "abc"),
        ("api-token   abc  ", "abc"),
        ("Bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("Basic abc", None),
        ("Api-Token", None),
        ("Api-Token ", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_presented_token(header: str | None, expected: str | None) -> None:
    assert presented_token(header) == expected


def test_missing_unknown_and_wrong_scope(api: Api) -> None:
    response = api.client.get(TOKENS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Api-Token"
    assert "Authorization" in response.json()["error"]["message"]
    bogus = api.admin_token[:-1] + ("A" if api.admin_token[-1] != "A" else "B")
    assert api.client.get(TOKENS, headers=api.auth(bogus)).status_code == 401
    ingest_only = api.token(scopes.INGEST)
    response = api.client.get(TOKENS, headers=api.auth(ingest_only, "Bearer"))
    assert response.status_code == 403
    assert scopes.TOKENS_READ in response.json()["error"]["message"]


def test_create_list_revoke_roundtrip(api: Api) -> None:
    created = api.client.post(TOKENS, json={"name": "fwd", "scopes": [scopes.INGEST]}, headers=api.admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["scopes"] == [scopes.INGEST] and body["revoked"] is False
    new_token = body["token"]
    assert authenticate(api.settings.data_dir, new_token) is not None
    listed = api.client.get(TOKENS, headers=api.admin).json()["tokens"]
    assert [t["name"] for t in listed] == ["admin", "fwd"]
    assert all("token" not in t for t in listed)
    post = {"Content-Type": "application/json"} | api.auth(new_token)
    ingest = "/platform/ingest/v1/security.events"
    assert api.client.post(ingest, content=b"[]", headers=post).status_code == 202
    assert api.client.delete(f"{TOKENS}/{body['id']}", headers=api.admin).status_code == 204
    assert api.client.post(ingest, content=b"[]", headers=post).status_code == 401  # the very next request
    assert api.client.delete(f"{TOKENS}/{body['id']}", headers=api.admin).status_code == 204  # idempotent
    missing = api.client.delete(f"{TOKENS}/0000000000000000", headers=api.admin)
    assert missing.status_code == 404 and "0000000000000000" in missing.json()["error"]["message"]


def test_cannot_grant_scopes_the_caller_lacks(api: Api) -> None:
    writer = api.token(scopes.TOKENS_WRITE, scopes.INGEST)
    ok = api.client.post(TOKENS, json={"name": "a", "scopes": [scopes.INGEST]}, headers=api.auth(writer))
    assert ok.status_code == 201
    escalate = {"name": "b", "scopes": [scopes.INGEST, scopes.SETTINGS_WRITE]}
    refused = api.client.post(TOKENS, json=escalate, headers=api.auth(writer))
    assert refused.status_code == 403 and scopes.SETTINGS_WRITE in refused.json()["error"]["message"]
    assert [t.name for t in list_tokens(api.settings.data_dir)].count("b") == 0


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"name": "x", "scopes": ["no:such:scope"]}, "no:such:scope"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "", "scopes": [scopes.INGEST]}, "name"),
        ({"scopes": [scopes.INGEST]}, "name"),
        ([1, 2], "body"),
    ],
)
def test_bad_token_requests_are_400_with_a_reason(api: Api, payload: object, needle: str) -> None:
    response = api.client.post(TOKENS, json=payload, headers=api.admin)
    assert response.status_code == 400, response.text
    assert needle in response.json()["error"]["message"]


def test_health_ready_docs(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").status_code == 200
    api.store.mode = "unhealthy"
    not_ready = api.client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["error"]["code"] == 503
    assert api.client.get("/docs").status_code == 200
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/platform/ingest/v1/security.events",
        "/platform/ingest/v1/events.security",
        "/platform/ingest/custom/security.events/{name}",
        TOKENS,
        "/metrics",
    ):
        assert path in paths, path
    unknown = api.client.get("/no/such/route")
    assert unknown.status_code == 404 and unknown.json() == {"error": {"code": 404, "message": "Not Found"}}


def test_the_token_api_cannot_bind_a_token_to_a_connection(api: Api) -> None:
    body = {"name": "sneaky", "scopes": [scopes.INGEST], "connection_id": "does-not-exist"}
    response = api.client.post(TOKENS, json=body, headers=api.admin)
    assert response.status_code == 400, response.text
    assert "connection_id" in response.json()["error"]["message"]
    assert [t.name for t in list_tokens(api.settings.data_dir)] == ["admin"]


def test_not_found_errors_are_404_through_the_error_tree(api: Api) -> None:
    from seclake.api.errors import status_of
    from seclake.control.connections import ConnectionNotFoundError
    from seclake.errors import InputError, NotFoundError

    assert issubclass(ConnectionNotFoundError, NotFoundError) and issubclass(NotFoundError, InputError)
    assert status_of(NotFoundError("x")) == 404 and status_of(ConnectionNotFoundError("x")) == 404
    for method in ("get", "delete"):
        response = getattr(api.client, method)("/api/v1/connections/nope", headers=api.admin)
        assert response.status_code == 404 and "nope" in response.json()["error"]["message"], response.text

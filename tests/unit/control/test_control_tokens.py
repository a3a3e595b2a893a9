"""Control DB tokens: create / authenticate / list / revoke against a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seclake.control import scopes
from seclake.control.db import connect, control_path, utc_now
from seclake.control.tokens import (
    TOKEN_PREFIX,
    authenticate,
    create_token,
    get_token,
    list_tokens,
    parse_token,
    revoke_token,
)
from seclake.errors import InputError


def test_created_token_authenticates_with_its_scopes(tmp_path: Path) -> None:
    record, token = create_token(tmp_path, "ingest bot", [scopes.INGEST, scopes.QUERY])
    assert token.startswith(f"{TOKEN_PREFIX}.{record.id}.")
    info = authenticate(tmp_path, token)
    assert info is not None
    assert (info.id, info.name) == (record.id, "ingest bot")
    assert info.scopes == frozenset({scopes.INGEST, scopes.QUERY})
    assert info.connection_id is None and info.connection_name is None


def test_secret_is_not_stored(tmp_path: Path) -> None:
    _, token = create_token(tmp_path, "t", [scopes.INGEST])
    secret = token.rsplit(".", 1)[1]
    for path in tmp_path.iterdir():
        assert secret.encode() not in path.read_bytes(), path


def test_wrong_secret_and_malformed_tokens_are_refused(tmp_path: Path) -> None:
    record, token = create_token(tmp_path, "t", [scopes.INGEST])
    secret = token.rsplit(".", 1)[1]
    flipped = ("A" if secret[0] != "A" else "B") + secret[1:]
    assert authenticate(tmp_path, f"{TOKEN_PREFIX}.{record.id}.{flipped}") is None
    other_id = ("0" if record.id[0] != "0" else "1") + record.id[1:]
    assert authenticate(tmp_path, f"{TOKEN_PREFIX}.{other_id}.{secret}") is None
    for bad in ["", token + "x", token[:-1], token.replace(TOKEN_PREFIX, "sl0c02"), token.upper()]:
        assert authenticate(tmp_path, bad) is None, bad


def test_revocation_applies_to_the_next_check(tmp_path: Path) -> None:
    record, token = create_token(tmp_path, "t", [scopes.INGEST])
    keep, keep_token = create_token(tmp_path, "keep", [scopes.INGEST])
    assert authenticate(tmp_path, token) is not None
    assert revoke_token(tmp_path, record.id) is True
    assert authenticate(tmp_path, token) is None
    assert authenticate(tmp_path, keep_token) is not None
    assert revoke_token(tmp_path, record.id) is False  # already revoked
    assert revoke_token(tmp_path, "0" * 16) is False  # unknown
    listed = {r.id: r for r in list_tokens(tmp_path)}
    assert listed[record.id].revoked and not listed[keep.id].revoked
    fetched = get_token(tmp_path, record.id)
    assert fetched is not None and fetched.revoked_at is not None


def test_list_is_ordered_and_complete(tmp_path: Path) -> None:
    made = [create_token(tmp_path, f"t{i}", [scopes.TOKENS_READ])[0] for i in range(5)]
    assert [r.id for r in list_tokens(tmp_path)] == [r.id for r in made]


def test_connection_name_comes_from_the_connections_table(tmp_path: Path) -> None:
    with connect(tmp_path) as conn:
        conn.execute(
            "INSERT INTO connections (id, name, created_at) VALUES ('c1', 'prod-tenant', ?)", (utc_now(),)
        )
    _, token = create_token(tmp_path, "fwd", [scopes.INGEST], connection_id="c1")
    info = authenticate(tmp_path, token)
    assert info is not None and (info.connection_id, info.connection_name) == ("c1", "prod-tenant")


@pytest.mark.parametrize(
    ("name", "scope_list", "needle"),
    [
        ("", [scopes.INGEST], "name"),
        ("x" * 201, [scopes.INGEST], "name"),
        ("ok", [], "at least one scope"),
        ("ok", ["storage:everything"], "storage:everything"),
        ("ok", "openpipeline.events_security", "at least one scope"),
    ],
)
def test_bad_new_tokens_say_why(tmp_path: Path, name: str, scope_list: object, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        create_token(tmp_path, name, scope_list)
    assert list_tokens(tmp_path) == []


def test_writes_proceed_while_a_reader_holds_a_snapshot(tmp_path: Path) -> None:
    _, first = create_token(tmp_path, "first", [scopes.INGEST])
    reader = sqlite3.connect(control_path(tmp_path), isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM tokens").fetchone() == (1,)
        record, second = create_token(tmp_path, "second", [scopes.INGEST])  # a server reading meanwhile
        assert revoke_token(tmp_path, record.id)
        assert reader.execute("SELECT count(*) FROM tokens").fetchone() == (1,)  # its snapshot
        reader.execute("COMMIT")
    finally:
        reader.close()
    assert authenticate(tmp_path, first) is not None and authenticate(tmp_path, second) is None
    with connect(tmp_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    garbage=st.text(max_size=120) | st.from_regex(r"sl0c01\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}", fullmatch=True)
)
def test_random_text_never_authenticates(tmp_path: Path, garbage: str) -> None:
    assert authenticate(tmp_path, garbage) is None
    parsed = parse_token(garbage)
    assert parsed is None or garbage == f"{TOKEN_PREFIX}.{parsed[0]}.{parsed[1]}"

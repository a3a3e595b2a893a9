"""API tokens: `sl0c01.<id>.<secret>`, stored as a sha256 of the secret, checked in constant time.

Why sha256 and not a password KDF (bcrypt, scrypt, argon2): a KDF makes guessing a *low-entropy*
password expensive. The secret here is 256 random bits from `secrets`, so there is nothing to guess: a
leaked hash cannot be reversed or brute-forced either way, and a slow KDF would only add milliseconds of
CPU to every ingest request. The public id selects the row; the secret's hash is compared with
`hmac.compare_digest`, so the comparison time does not depend on how many bytes match.

Tokens are never logged; only their public id is.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import orjson

from seclake.control.db import connect, transaction, utc_now
from seclake.control.scopes import unknown_scopes
from seclake.errors import InputError

__all__ = [
    "TOKEN_PREFIX",
    "TokenInfo",
    "TokenRecord",
    "authenticate",
    "create_token",
    "get_token",
    "list_tokens",
    "parse_token",
    "revoke_connection_tokens",
    "revoke_token",
]

TOKEN_PREFIX = "sl0c01"
ID_BYTES = 8  # public id: 16 hex characters
SECRET_BYTES = 32  # 256-bit secret: 43 base64url characters
MAX_NAME_CHARS = 200
_TOKEN_RE = re.compile(rf"^{TOKEN_PREFIX}\.([0-9a-f]{{{ID_BYTES * 2}}})\.([A-Za-z0-9_-]{{43}})$")
_DUMMY_HASH = hashlib.sha256(b"seclake-no-such-token").digest()


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token as listed: everything but the secret."""

    id: str
    name: str
    scopes: frozenset[str]
    connection_id: str | None
    created_at: str
    revoked_at: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """Who is calling: the authenticated token, as routes see it."""

    id: str
    name: str
    scopes: frozenset[str]
    connection_id: str | None
    connection_name: str | None


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("ascii")).digest()


def parse_token(presented: str) -> tuple[str, str] | None:
    """(public id, secret) of a well-formed token, else None."""
    match = _TOKEN_RE.match(presented)
    return (match.group(1), match.group(2)) if match else None


def _check_new(name: str, scopes: object) -> frozenset[str]:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_CHARS:
        raise InputError(f"token name must be 1-{MAX_NAME_CHARS} characters, got {name!r:.80}")
    if not isinstance(scopes, list | tuple | set | frozenset) or not scopes:
        raise InputError("a token needs at least one scope")
    unknown = unknown_scopes(scopes)
    if unknown:
        raise InputError(f"unknown scope(s): {', '.join(unknown)}")
    return frozenset(scopes)


def create_token(
    data_dir: Path, name: str, scopes: object, *, connection_id: str | None = None
) -> tuple[TokenRecord, str]:
    """Create a token; returns its record and the full token text, which is shown once and not kept."""
    scope_set = _check_new(name, scopes)
    token_id = secrets.token_hex(ID_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    record = TokenRecord(token_id, name.strip(), scope_set, connection_id, utc_now(), None)
    with connect(data_dir) as conn, transaction(conn):
        conn.execute(
            "INSERT INTO tokens (id, name, scopes, secret_sha256, connection_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.id,
                record.name,
                orjson.dumps(sorted(scope_set)).decode(),
                _hash(secret),
                connection_id,
                record.created_at,
            ),
        )
    return record, f"{TOKEN_PREFIX}.{token_id}.{secret}"


_RECORD_SQL = "SELECT id, name, scopes, connection_id, created_at, revoked_at FROM tokens"


def _record(row: tuple[str, str, str, str | None, str, str | None]) -> TokenRecord:
    return TokenRecord(row[0], row[1], frozenset(orjson.loads(row[2])), row[3], row[4], row[5])


def list_tokens(data_dir: Path) -> list[TokenRecord]:
    """Every token, oldest first, revoked ones included."""
    with connect(data_dir) as conn:
        rows = conn.execute(_RECORD_SQL + " ORDER BY created_at, id").fetchall()
    return [_record(row) for row in rows]


def get_token(data_dir: Path, token_id: str) -> TokenRecord | None:
    """One token by its public id."""
    with connect(data_dir) as conn:
        row = conn.execute(_RECORD_SQL + " WHERE id = ?", (token_id,)).fetchone()
    return _record(row) if row else None


def revoke_token(data_dir: Path, token_id: str) -> bool:
    """Revoke a token; True when it was valid and is revoked now, False when unknown or already revoked."""
    with connect(data_dir) as conn, transaction(conn):
        cursor = conn.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (utc_now(), token_id)
        )
        return cursor.rowcount == 1


def revoke_connection_tokens(conn: sqlite3.Connection, connection_id: str) -> list[str]:
    """Revoke, inside the caller's transaction, every valid token bound to a connection; their ids."""
    rows = conn.execute(
        "UPDATE tokens SET revoked_at = ? WHERE connection_id = ? AND revoked_at IS NULL RETURNING id",
        (utc_now(), connection_id),
    ).fetchall()
    return sorted(str(row[0]) for row in rows)


def authenticate(data_dir: Path, presented: str) -> TokenInfo | None:
    """The token's identity when `presented` is a valid, unrevoked token; None otherwise.

    Reads the database on every call (no cache), so revocation applies to the next request.
    """
    parsed = parse_token(presented) if isinstance(presented, str) else None
    if parsed is None:
        return None
    token_id, secret = parsed
    with connect(data_dir) as conn:
        row = conn.execute(
            "SELECT t.name, t.scopes, t.secret_sha256, t.connection_id, t.revoked_at, c.name"
            " FROM tokens t LEFT JOIN connections c ON c.id = t.connection_id WHERE t.id = ?",
            (token_id,),
        ).fetchone()
    stored = bytes(row[2]) if row else _DUMMY_HASH
    matches = hmac.compare_digest(_hash(secret), stored)
    if row is None or not matches or row[4] is not None:
        return None
    return TokenInfo(token_id, row[0], frozenset(orjson.loads(row[1])), row[3], row[5])

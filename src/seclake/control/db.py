"""The control database: a small SQLite file, `<data_dir>/control.sqlite`, for tokens and connections.

SQLite in WAL mode, opened for one operation and closed again, so `seclake token create` can run while a
server on the same data directory answers requests: WAL lets readers (every authenticated request) go on
while one writer commits, and `busy_timeout` makes a second writer wait instead of failing. Nothing is
cached between operations, so a revoked token is refused on the very next request.

The tables are defined here, in one place. The connections module owns the rows of `connections`;
fields it needs beyond the ones below live in its `details` JSON column.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from seclake.errors import StorageError

CONTROL_FILE = "control.sqlite"
BUSY_TIMEOUT_S = 10.0

SCHEMA: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS tokens (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        scopes        TEXT NOT NULL,            -- JSON array of scope names
        secret_sha256 BLOB NOT NULL,            -- sha256 of the secret part; the secret is never stored
        connection_id TEXT,                     -- the Defender connection the token belongs to, if any
        created_at    TEXT NOT NULL,            -- RFC 3339 UTC
        revoked_at    TEXT                      -- RFC 3339 UTC, NULL while valid
    )""",
    """CREATE TABLE IF NOT EXISTS connections (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        details    TEXT NOT NULL DEFAULT '{}'   -- JSON object owned by seclake.control.connections
    )""",
)

_ready: set[Path] = set()
_ready_lock = threading.Lock()


def control_path(data_dir: Path) -> Path:
    """Where the control database of `data_dir` lives."""
    return Path(data_dir) / CONTROL_FILE


def utc_now() -> str:
    """The current time as RFC 3339 UTC text with a `Z`, the form every control timestamp uses."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ensure_schema(conn: sqlite3.Connection, path: Path) -> None:
    with _ready_lock:
        if path in _ready and path.exists():
            return
        conn.execute("PRAGMA journal_mode=WAL")
        for ddl in SCHEMA:
            conn.execute(ddl)
        _ready.add(path)


@contextmanager
def connect(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """Open the control database of `data_dir` for one operation (creating it when absent).

    The connection is in autocommit mode; use `with transaction(conn):` around multi-statement writes.
    SQLite failures surface as StorageError naming the file.
    """
    path = control_path(data_dir).resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open control database {path}: {exc}") from exc
    try:
        _ensure_schema(conn, path)
        yield conn
    except sqlite3.Error as exc:
        raise StorageError(f"control database {path}: {exc}") from exc
    finally:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error) on an autocommit connection from `connect`."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")

"""A real in-memory DuckDB `security_events` table with hand-made rows, and a helper to run DQL on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import duckdb
import pytest
from dql_rows import NOW, ROWS, Run, load

from seclake.dql import compile_query
from seclake.store.schema import duckdb_ddl


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(duckdb_ddl())
    load(connection, ROWS)
    yield connection
    connection.close()


@pytest.fixture()
def run(con: duckdb.DuckDBPyConnection) -> Run:
    def _run(text: str) -> list[dict[str, Any]]:
        cq = compile_query(
            text, dialect="duckdb", now=NOW, default_from=NOW - timedelta(hours=2), default_to=NOW
        )
        cur = con.execute(cq.sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    return _run

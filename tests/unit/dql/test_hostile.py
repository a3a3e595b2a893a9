"""Hostile input: a DQLError or a correct result, never another exception, never SQL we did not build."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest
import sqlglot
from dql_rows import Run
from hypothesis import given, settings
from hypothesis import strategies as st

from seclake.dql import DQLError, compile_query
from seclake.dql.parser import MAX_DEPTH
from seclake.store.schema import duckdb_ddl

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
INJECTIONS = [
    "'; DROP TABLE security_events; --",
    '"; DROP TABLE security_events; --',
    "\\'); SELECT 1; --",
    "x` ; DROP TABLE t; --",
    '" OR 1=1 --',
]


def compile_(text: str) -> str:
    return compile_query(text, dialect="duckdb", now=NOW, default_from=None, default_to=None).sql


def single_statement(sql: str) -> None:
    assert len(sqlglot.parse(sql, read="duckdb")) == 1
    assert "DROP" not in [
        t.text.upper() for t in sqlglot.tokenize(sql, read="duckdb") if t.token_type.name == "DROP"
    ]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_in_strings_and_names_stays_data(run: Run, payload: str) -> None:
    quoted = '"' + payload.replace("\\", "\\\\").replace('"', '\\"') + '"'
    backticked = "`" + payload.replace("`", "``") + "`"
    renamed = "`" + payload.replace("`", "``") + "2`"
    for text in (
        f"fetch security.events | filter event.id == {quoted}",
        f"fetch security.events | fields {backticked} = event.id, {backticked}",
        f"fetch security.events | filter {backticked} == {quoted} | fieldsRename {renamed} = event.id",
        f"fetch security.events | summarize {backticked} = count(), by: {{{backticked} = lower({quoted})}}",
    ):
        single_statement(compile_(text))
        run(text)
    assert len(run("fetch security.events, from: -30d")) > 0  # the table is still there


def test_deep_nesting_is_a_clear_error() -> None:
    for text in (
        "fetch events | filter " + "(" * 5000 + "a" + ")" * 5000,
        "fetch events | filter " + " and ".join(["a == 1"] * 5000),
        "fetch events | filter " + "not " * 5000 + "a",
        "fetch events | fields x = " + "lower(" * 5000 + "a" + ")" * 5000,
        "fetch events | append [" * 300 + "fetch events" + "]" * 300,
        "fetch events | filter " + "-" * 5000 + "1 > 0",
    ):
        with pytest.raises(DQLError) as info:
            compile_(text)
        assert info.value.error_type == "LIMIT_ERROR"


def test_nesting_just_under_the_limit_compiles_and_runs(run: Run) -> None:
    depth = MAX_DEPTH // 3
    text = "fetch security.events | filter " + "(" * depth + 'event.id == "e1"' + ")" * depth
    assert [r["event.id"] for r in run(text)] == ["e1"]


def test_huge_literals_and_a_megabyte_of_query(run: Run) -> None:
    big = "9" * 400
    with pytest.raises(DQLError):
        compile_(f"fetch events | filter x == {big}")
    long_string = "a" * 1_000_000
    assert run(f'fetch security.events | filter event.id == "{long_string}"') == []
    many = ", ".join(f'"id{i}"' for i in range(3_000))
    text = f'fetch security.events | filter in(event.id, {{"e2", {many}}}) | fields event.id'
    assert run(text) == [{"event.id": "e2"}]
    with pytest.raises(DQLError) as info:
        compile_("fetch events | filter " + " " * 1_100_000 + "a")
    assert info.value.error_type == "LIMIT_ERROR"


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("fetch security.events|filter=\"'`()[]{}<>!,:-*/@ abc01d\n\\")),
        max_size=80,
    )
)
def test_random_text_gives_dql_error_or_sql(text: str) -> None:
    try:
        sql = compile_(text)
    except DQLError as err:
        assert err.line >= 1 and err.column >= 1 and err.error_type
    else:
        single_statement(sql)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40), st.text(max_size=20))
def test_any_string_and_name_round_trip_through_sql(value: str, name: str) -> None:
    quoted = (
        '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'
    )
    backticked = "`" + name.replace("`", "``") + "`"
    text = f"fetch security.events | fields {backticked} = {quoted}"
    try:
        sql = compile_(text)
    except DQLError as err:
        assert err.error_type == "PARSE_ERROR"  # only names the lexer cannot take (e.g. empty)
        assert name == ""
        return
    cur = _one_row().execute(sql)
    assert cur.fetchall() == [(value,)]
    assert cur.description[0][0] == name


_CON: list[duckdb.DuckDBPyConnection] = []


def _one_row() -> duckdb.DuckDBPyConnection:
    """One shared connection holding a one-row table (hypothesis examples reuse it)."""
    if not _CON:
        con = duckdb.connect()
        con.execute(duckdb_ddl())
        con.execute("INSERT INTO security_events (\"event.id\") VALUES ('x')")
        _CON.append(con)
    return _CON[0]

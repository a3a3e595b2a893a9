"""DQL -> SQL golden files per dialect (tests/golden/dql/<case>.<dialect>.sql); ClickHouse SQL must parse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlglot
from dql_support import cases

from golden_util import GOLDEN_ROOT, assert_golden
from seclake.dql import compile_query

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CASES = cases()


@pytest.mark.parametrize("dialect", ["duckdb", "clickhouse"])
@pytest.mark.parametrize("name", list(CASES))
def test_golden_sql(name: str, dialect: str) -> None:
    cq = compile_query(
        CASES[name],
        dialect=dialect,
        now=NOW,
        default_from=NOW - timedelta(hours=2),
        default_to=NOW,  # type: ignore[arg-type]
    )
    pretty = sqlglot.parse_one(cq.sql, read=dialect).sql(dialect=dialect, pretty=True)
    assert_golden(GOLDEN_ROOT / "dql" / f"{name}.{dialect}.sql", pretty + "\n")


def test_fetch_time_filter_is_a_plain_range_on_timestamp() -> None:
    cq = compile_query(
        CASES["doc_scan_events"], dialect="duckdb", now=NOW, default_from=None, default_to=None
    )
    assert "security_events" in cq.sql and '"timestamp" >=' not in cq.sql
    cq = compile_query(
        CASES["doc_critical_images_7d"], dialect="duckdb", now=NOW, default_from=None, default_to=None
    )
    assert (
        """WHERE "timestamp" >= CAST('2024-05-25 12:00:00.000000000' AS TIMESTAMP_NS) AND "timestamp" < """
        in cq.sql
    )
    assert cq.timeframe == (NOW - timedelta(days=7), NOW)


def test_dedup_is_a_group_by_with_arg_max_when_later_fields_are_known() -> None:
    cq = compile_query(
        CASES["doc_container_images"], dialect="duckdb", now=NOW, default_from=None, default_to=None
    )
    # the key itself is read from the grouping: no arg_max, no struct
    assert 'SELECT "container_image.digest" FROM s1 GROUP BY "container_image.digest"' in cq.sql
    assert "ROW_NUMBER" not in cq.sql and "STRUCT" not in cq.sql.upper()
    cq = compile_query(
        CASES["doc_critical_vulnerabilities"], dialect="duckdb", now=NOW, default_from=None, default_to=None
    )  # one field besides the keys: its own arg_max_null, no struct
    assert 'ARG_MAX_NULL("dt.security.risk.level", (NOT "timestamp" IS NULL, "timestamp"))' in cq.sql
    assert "STRUCT" not in cq.sql.upper() and "{" not in cq.sql
    assert "JSON" not in cq.sql.upper().replace("SECURITY_EVENTS", "")


def test_dedup_uses_qualify_row_number_otherwise() -> None:
    cq = compile_query(
        CASES["doc_container_images"], dialect="clickhouse", now=NOW, default_from=None, default_to=None
    )
    assert (
        'QUALIFY ROW_NUMBER() OVER (PARTITION BY "container_image.digest" ORDER BY "timestamp" DESC) = 1'
        in cq.sql
    )
    cq = compile_query(  # the whole record reaches the output: every field is carried
        "fetch security.events | dedup {object.id}, sort: {timestamp desc}",
        dialect="duckdb",
        now=NOW,
        default_from=None,
        default_to=None,
    )
    assert "SELECT * FROM s0 QUALIFY ROW_NUMBER() OVER (PARTITION BY" in cq.sql

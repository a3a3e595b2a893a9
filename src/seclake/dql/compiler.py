"""compile_query: DQL text -> one SQL statement (chained CTEs, one per command) for DuckDB or ClickHouse.

The pipeline is lowered command by command through the LOWER table; the final SELECT lists the
output fields and applies a pending `sort`. The result describes its columns (`output`), which of them
hold JSON text (`json_columns`), and whether the `__attributes` column (other fields, JSON) is present.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlglot import exp

from seclake.dql import ast, commands, commands_dedup, commands_fields, commands_multi
from seclake.dql import sqlbuild as sb
from seclake.dql.canonical import to_text
from seclake.dql.errors import LIMIT_ERROR, SEMANTIC_ERROR, DQLError
from seclake.dql.parser import parse
from seclake.dql.program import Program, State, projection
from seclake.dql.prune import Needed, needed_after
from seclake.dql.sqlbuild import Dialect
from seclake.dql.timeutil import from_ns, to_ns
from seclake.store.schema import ATTRIBUTES_COLUMN


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """One compiled query.

    sql: the statement; output: (field name, DQL type or None when only known at run time) for every
    result column except `__attributes`; canonical: canonical DQL text; timeframe: the fetch timeframe
    (start, end) when known; json_columns: result columns whose values are JSON text to decode;
    attributes_column: "__attributes" when the result carries it (its JSON keys are extra fields).
    DQL type names: string long double boolean timestamp duration timeframe record, array<T>.
    """

    sql: str
    output: list[tuple[str, str | None]]
    canonical: str
    timeframe: tuple[datetime, datetime] | None
    json_columns: frozenset[str]
    attributes_column: str | None
    dialect: Dialect


PARSE_CACHE_SIZE = 256
PARSE_CACHE_MAX_CHARS = 16_384

Lower = Callable[[Program, State, Any], State]
LOWER: dict[type, Lower] = {
    ast.Filter: commands.filter_,
    ast.FilterOut: commands.filter_out,
    ast.Fields: commands_fields.fields,
    ast.FieldsAdd: commands_fields.fields_add,
    ast.FieldsRemove: commands_fields.fields_remove,
    ast.FieldsKeep: commands_fields.fields_keep,
    ast.FieldsRename: commands_fields.fields_rename,
    ast.Sort: commands.sort,
    ast.Limit: commands.limit,
    ast.Dedup: commands_dedup.dedup,
    ast.Summarize: commands.summarize,
    ast.Expand: commands.expand,
    ast.Parse: commands.parse_cmd,
    ast.MakeTimeseries: commands_multi.make_timeseries,
    ast.Lookup: lambda p, s, c: commands_multi.lookup(p, s, c, compile_pipeline),
    ast.Join: lambda p, s, c: commands_multi.join(p, s, c, compile_pipeline),
    ast.Append: lambda p, s, c: commands_multi.append(p, s, c, compile_pipeline),
}


def _semantic(p: Program, reason: str, node: ast.Node) -> DQLError:
    pos = node.pos
    return DQLError(
        reason,
        line=pos.line,
        column=pos.column,
        end_line=pos.end_line,
        end_column=pos.end_column,
        token=to_text(node)[:60],
        error_type=SEMANTIC_ERROR,
        text=p.text,
    )


def compile_pipeline(p: Program, query: ast.Query) -> State:
    first = query.commands[0]
    if not isinstance(first, ast.Fetch):
        raise _semantic(p, "a query starts with fetch (e.g. fetch security.events)", first)
    state = commands.fetch(p, None, first)
    needs: list[Needed] = [None] * len(query.commands)
    if any(isinstance(c, ast.Dedup) for c in query.commands):  # only dedup reads them
        needs = needed_after(query.commands)
    for cmd, needed in zip(query.commands[1:], needs[1:], strict=True):
        if isinstance(cmd, ast.Fetch):
            raise _semantic(p, "fetch can only be the first command", cmd)
        p.needed = needed  # read by the command's lowering before any subquery is compiled
        state = LOWER[type(cmd)](p, state, cmd)
    return state


def _final(p: Program, state: State) -> exp.Select:
    select = sb.select(*projection(state.scope), source=sb.table(state.source))
    if state.order:
        select = sb.order_by(select, *state.order)
    return sb.with_ctes(select, p.ctes)


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parsed_cached(text: str) -> tuple[ast.Query, str]:
    query = parse(text)
    return query, to_text(query)


def clear_parse_cache() -> None:
    _parsed_cached.cache_clear()


def parsed(text: str) -> tuple[ast.Query, str]:
    """The AST and canonical text of `text`: dashboards send the same texts again and again, and
    parsing is about a third of compile time, so texts up to PARSE_CACHE_MAX_CHARS are cached (the AST
    is immutable; errors are not cached)."""
    if len(text) > PARSE_CACHE_MAX_CHARS:
        query = parse(text)
        return query, to_text(query)
    return _parsed_cached(text)


def compile_query(
    text: str,
    *,
    dialect: Dialect,
    now: datetime,
    default_from: datetime | None,
    default_to: datetime | None,
    misfit_fields: Collection[str] = (),
) -> CompiledQuery:
    """Compile DQL `text`; raises DQLError (PARSE_ERROR, SEMANTIC_ERROR, LIMIT_ERROR) for bad queries.

    `misfit_fields`: catalog fields for which the store holds values that did not fit the typed column
    (kept in `__attributes` under the field's name). Reads of these fields coalesce the column with the
    attribute (as JSON); the default, none, compiles every catalog field to its typed column alone, so
    well-typed stores run exactly the SQL one would write by hand.
    """
    if dialect not in ("duckdb", "clickhouse"):
        raise ValueError(f"unknown SQL dialect {dialect!r}")
    try:
        query, canonical = parsed(text)
        program = Program(
            dialect,
            to_ns(now),
            text,
            to_ns(default_from) if default_from is not None else None,
            to_ns(default_to) if default_to is not None else None,
            frozenset(misfit_fields),
        )
        state = compile_pipeline(program, query)
        sql = sb.to_sql(_final(program, state), dialect)
    except RecursionError:
        raise DQLError(
            "query nested too deeply to compile", line=1, column=1, error_type=LIMIT_ERROR
        ) from None
    cols = state.scope.columns
    frame = state.timeframe
    return CompiledQuery(
        sql=sql,
        output=[(n, c.type) for n, c in cols.items()],
        canonical=canonical,
        timeframe=(from_ns(frame[0]), from_ns(frame[1])) if frame else None,
        json_columns=frozenset(n for n, c in cols.items() if c.json)
        | (frozenset({ATTRIBUTES_COLUMN}) if state.scope.attributes else frozenset()),
        attributes_column=ATTRIBUTES_COLUMN if state.scope.attributes else None,
        dialect=dialect,
    )

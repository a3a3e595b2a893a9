"""Lowering of the row commands: each command becomes one CTE over the previous one.

fetch, filter, filterOut, sort, limit, dedup, summarize, expand, parse. The field commands live in
`commands_fields`; makeTimeseries, lookup, join and append in `commands_multi`.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql import sqljson as sj
from seclake.dql.expressions import Column, Scope
from seclake.dql.misfits import star_with_misfits
from seclake.dql.program import (
    Program,
    State,
    column_for,
    numbered,
    referenced_columns,
    select_from,
    star_with,
)
from seclake.dql.sqlbuild import Typed
from seclake.dql.sqljson import Json
from seclake.dql.timeutil import parse_timestamp
from seclake.dql.walk import category
from seclake.model import EVENT_KIND
from seclake.store.schema import COLUMN_TYPES, EVENTS_RELATION

_JSON_ARRAY = {"duckdb": "ARRAY", "clickhouse": "Array"}
_JSON_PATTERN = re.compile(r"\s*JSON(?:_OBJECT)?\s*:\s*([A-Za-z_][A-Za-z0-9_.]*)\s*")


_BASE_COLUMNS = {name: Column(str(t)) for name, t in COLUMN_TYPES.items()}


def base_scope() -> Scope:
    return Scope(dict(_BASE_COLUMNS), attributes=True)


def time_bound(p: Program, node: ast.Expr | None, what: str) -> int | None:
    """A fetch/makeTimeseries bound as ns: timestamp, ISO string, or a duration back from now."""
    if node is None:
        return None
    c = p.exprs(State("", Scope()))
    v = c.compile(node)
    if v.type == "duration" and v.is_const:
        return p.now_ns - abs(int(v.const))
    if v.type == "timestamp" and v.is_const:
        return int(v.const)
    if v.type == "string" and v.is_const:
        ns = parse_timestamp(str(v.const))
        if ns is not None:
            return ns
    raise c.error(f"{what}: expects a timestamp, an ISO 8601 string or a duration", node)


def timeframe_of(p: Program, f: ast.Fetch | ast.MakeTimeseries) -> tuple[int | None, int | None]:
    if f.timeframe is not None:
        c = p.exprs(State("", Scope()))
        v = c.compile(f.timeframe)
        parts = str(v.const).split("/") if v.is_const and isinstance(v.const, str) else []
        bounds = [parse_timestamp(x) for x in parts]
        if len(bounds) != 2 or bounds[0] is None or bounds[1] is None:
            raise c.error('timeframe: expects "start/end" with ISO 8601 timestamps', f.timeframe)
        return bounds[0], bounds[1]
    start, end = time_bound(p, f.from_, "from"), time_bound(p, f.to, "to")
    if start is not None and end is None:
        end = p.now_ns
    return start, end


def fetch(p: Program, state: State | None, f: ast.Fetch) -> State:
    start, end = timeframe_of(p, f)
    if start is None and end is None:
        start, end = p.default_from, p.default_to
        if start is not None and end is None:
            end = p.now_ns
    ts = sb.col("timestamp")
    conds: list[exp.Expr] = []
    if start is not None:
        conds.append(exp.GTE(this=ts, expression=sb.timestamp_literal(start, p.dialect)))
    if end is not None:
        conds.append(exp.LT(this=ts, expression=sb.timestamp_literal(end, p.dialect)))
    if f.source == "events":
        conds.append(exp.EQ(this=sb.col("event.kind"), expression=sb.string(EVENT_KIND)))
    if f.bucket is not None:
        c = p.exprs(State("", Scope()))
        bucket = c.compile(f.bucket)
        if not bucket.is_const or not isinstance(bucket.const, str):
            raise c.error("bucket: expects a bucket name string", f.bucket)
        conds.append(exp.EQ(this=sb.col("dt.system.bucket"), expression=sb.string(bucket.const)))
    scope = base_scope()
    star = star_with_misfits(p, scope)
    select = sb.select(star, source=sb.table(EVENTS_RELATION))
    if conds:
        select = sb.where(select, sb.and_(*conds))
    frame = (start, end) if start is not None and end is not None else None
    return State(p.add(select), scope, timeframe=frame)


def _filter(p: Program, state: State, cond: ast.Expr, keep: bool) -> State:
    sql = p.exprs(state).condition(cond)
    where = sql if keep else exp.Not(this=exp.Is(this=exp.Paren(this=sql), expression=exp.true()))
    return state.then(p.add(sb.where(sb.select(exp.Star(), source=sb.table(state.source)), where)))


def filter_(p: Program, state: State, f: ast.Filter) -> State:
    return _filter(p, state, f.condition, True)


def filter_out(p: Program, state: State, f: ast.FilterOut) -> State:
    return _filter(p, state, f.condition, False)


def sort_keys(p: Program, state: State, keys: tuple[ast.SortKey, ...]) -> tuple[exp.Ordered, ...]:
    c = p.exprs(state)
    return tuple(exp.Ordered(this=c.compile(k.expr).sql, desc=k.descending, nulls_first=False) for k in keys)


def sort(p: Program, state: State, s: ast.Sort) -> State:
    """No CTE of its own: the order is applied where it matters (limit, dedup, the final SELECT)."""
    order = sort_keys(p, state, s.keys)
    return replace(state, order=order, order_columns=referenced_columns(order))


def limit(p: Program, state: State, lim: ast.Limit) -> State:
    c = p.exprs(state)
    n = c.compile(lim.count)
    if not n.is_const or not isinstance(n.const, int) or isinstance(n.const, bool) or n.const < 0:
        raise c.error("limit expects a whole number >= 0", lim.count)
    select = sb.select(exp.Star(), source=sb.table(state.source))
    if state.order:
        select = sb.order_by(select, *state.order)
    return state.then(p.add(sb.limit(select, n.const)))


def summarize(p: Program, state: State, s: ast.Summarize) -> State:
    c = p.exprs(state)
    scope = Scope()
    items: list[exp.Expr] = []
    groups: list[exp.Expr] = []
    for item in s.by:
        t = c.compile(item.expr)
        key = sj.group_key(t, p.dialect)
        items.append(sb.alias(key, item.alias))
        groups.append(key.copy())
        scope.columns[item.alias] = column_for(t)
    c.allow_agg = True
    for item in s.aggregations:
        t = c.compile(item.expr)
        items.append(sb.alias(t.sql, item.alias))
        scope.columns[item.alias] = column_for(t)
    source = numbered(p, state) if c.needs_row_number else state.source
    select = select_from(source, items)
    if groups:
        select = sb.group_by(select, *groups)
    return state.then(p.add(select), scope, keep_order=False)


def expand(p: Program, state: State, e: ast.Expand) -> State:
    c = p.exprs(state)
    arr = c.compile(e.expr)
    array_sql, column = _expand_source(p, arr)
    if e.limit is not None:
        n = c.compile(e.limit)
        if not n.is_const or not isinstance(n.const, int) or n.const < 1:
            raise c.error("limit: expects a whole number >= 1", e.limit)
        array_sql = sb.fn(p.dialect, "list_slice", array_sql, sb.number(1), sb.number(n.const))
    unnest = (
        sb.call("arrayJoin", array_sql) if p.dialect == "clickhouse" else exp.Unnest(expressions=[array_sql])
    )
    return _replace_column(p, state, e.alias, unnest, column)


def _expand_source(p: Program, arr: Typed) -> tuple[exp.Expr, Column]:
    """The list to UNNEST and the column its elements make.

    DQL: one row per element; a record whose value is null (or an empty array) yields no row; a value
    that is not an array is kept as it is (one row). So a JSON-held value that is not an array in some
    row (F3), and a field that is already a scalar (`expand` twice, F4), never reach UNNEST as a scalar.
    """
    cat = category(arr.type)
    if arr.json is not None:
        value = sj.json_value(arr.json, p.dialect)
        is_array = exp.EQ(
            this=sj.json_type(Json(value, ()), p.dialect), expression=sb.string(_JSON_ARRAY[p.dialect])
        )
        if p.dialect == "clickhouse":
            as_list: exp.Expr = sb.call("JSONExtractArrayRaw", value)
        else:
            as_list = exp.Cast(this=value, to=sb.datatype("JSON[]"))
        single = exp.Array(expressions=[value])
        ifs = [exp.If(this=is_array, true=as_list), exp.If(this=exp.Not(this=sb.is_null(value)), true=single)]
        return exp.Case(ifs=ifs), Column(None, json=True)
    if cat not in ("array", None):
        single = exp.Array(expressions=[arr.sql])
        return exp.Case(ifs=[exp.If(this=exp.Not(this=sb.is_null(arr.sql)), true=single)]), Column(arr.type)
    elem = sb.elem_type(arr.type)
    return arr.sql, Column(None, json=True) if elem == "json" else Column(elem)


def _replace_column(p: Program, state: State, name: str, sql: exp.Expr, column: Column) -> State:
    scope = state.scope.copy()
    scope.columns[name] = column
    items = star_with(state, {name: sql})
    return state.then(
        p.add(select_from(state.source, items)), scope, keep_order=name not in state.order_columns
    )


def parse_cmd(p: Program, state: State, cmd: ast.Parse) -> State:
    c = p.exprs(state)
    m = _JSON_PATTERN.fullmatch(cmd.pattern)
    if m is None:
        raise c.error('parse supports the JSON matcher only, e.g. """JSON:raw"""', cmd)
    text = c.as_type(c.compile(cmd.expr), "string")
    valid = sb.fn(p.dialect, "json_valid", text)
    as_json = sb.cast(text, "json", p.dialect)
    value = exp.Case(ifs=[exp.If(this=valid, true=as_json)])
    return _replace_column(p, state, m.group(1), value, Column("record", json=True))

"""Aggregation functions of summarize / makeTimeseries.

Choices where dql.md is silent (following Grail where its behavior is known):
- a count (count, countIf, countDistinct*) is never null: 0 when no record matches;
- collectArray / collectDistinct over no non-null values give an empty array, not null (A3);
- min / max / takeMin / takeMax over values of mixed types (fields held as JSON) order by type family
  first, as `sort` does: booleans < numbers < strings < arrays < records, numbers numerically, strings
  case-sensitively; the result is the JSON value itself (F7);
- takeFirst / takeLast / collectArray follow a preceding `sort` (record order); without one the order
  is the engine's scan order. DuckDB: ordered aggregates `FIRST(x ORDER BY ...)`; ClickHouse:
  `argMin(x, __rn)` over a ROW_NUMBER() column the command adds (`ExprCompiler.needs_row_number`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql import sqljson as sj
from seclake.dql.funcspec import FuncSpec
from seclake.dql.sqlbuild import Dialect, Typed
from seclake.dql.sqljson import Json

if TYPE_CHECKING:
    from seclake.dql.expressions import ExprCompiler

# JSON type name -> family rank (the order `sort` uses between types), per dialect.
_JSON_RANKS: dict[Dialect, tuple[tuple[int, tuple[str, ...]], ...]] = {
    "duckdb": ((0, ("BOOLEAN",)), (1, ("BIGINT", "UBIGINT", "DOUBLE")), (2, ("VARCHAR",))),
    "clickhouse": ((0, ("Bool",)), (1, ("Int64", "UInt64", "Double")), (2, ("String",))),
}
_JSON_RANKS_NESTED: dict[Dialect, tuple[tuple[int, str], ...]] = {
    "duckdb": ((5, "ARRAY"), (6, "OBJECT")),
    "clickhouse": ((5, "Array"), (6, "Object")),
}


def _arg(c: ExprCompiler, e: ast.FunctionCall, i: int = 0) -> Typed:
    return c.compile(c.plain(e.args[i]))


def _num(c: ExprCompiler, t: Typed) -> exp.Expr:
    return c.as_type(t, "double") if t.json is not None else t.sql


def _json_result(sql: exp.Expr) -> Typed:
    return Typed(sql, None, json=Json(sql, ()))


def _count(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    return Typed(exp.Count(this=exp.Star()), "long")


def _count_if(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    """A count is never null: DuckDB's COUNT_IF is NULL when every input is NULL, COUNT(*) FILTER is 0."""
    cond = c.condition(c.plain(e.args[0]))
    if c.dialect == "clickhouse":
        return Typed(sb.fn(c.dialect, "count_if", cond), "long")
    return Typed(exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=cond)), "long")


def _count_distinct(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a = _arg(c, e)
    return Typed(exp.Count(this=exp.Distinct(expressions=[sj.group_key(a, c.dialect)])), "long")


def _json_sort_key(c: ExprCompiler, value: exp.Expr) -> exp.Expr:
    """(family rank, number, text) of a JSON value: compares like `sort` does across types."""
    j = Json(value, ())
    kind = sj.json_type(j, c.dialect)
    ifs = [
        exp.If(this=exp.In(this=kind, expressions=[sb.string(n) for n in names]), true=sb.number(rank))
        for rank, names in _JSON_RANKS[c.dialect]
    ]
    ifs += [
        exp.If(this=exp.EQ(this=kind, expression=sb.string(name)), true=sb.number(rank))
        for rank, name in _JSON_RANKS_NESTED[c.dialect]
    ]
    rank = exp.Case(ifs=ifs)
    number = exp.Case(
        ifs=[exp.If(this=sj.json_is(j, "double", c.dialect), true=sj.json_as(j, "double", c.dialect))]
    )
    text = sb.fn(c.dialect, "json_get_string", *sj.json_args(j, c.dialect))
    return exp.Tuple(expressions=[rank, number, text])


def _extreme(node: type[exp.Expr], pick: str) -> FuncSpec:
    """min/max (and takeMin/takeMax): SQL MIN/MAX for typed values, arg_min/arg_max of a sort key for JSON."""

    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        a = _arg(c, e)
        if a.json is None:
            return Typed(node(this=a.sql), a.type)
        value = sj.json_value(a.json, c.dialect)
        return _json_result(sb.fn(c.dialect, pick, value, _json_sort_key(c, value)))

    return FuncSpec(1, 1, build, aggregate=True)


def _avg(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    return Typed(exp.Avg(this=_num(c, _arg(c, e))), "double")


def _sum(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a = _arg(c, e)
    typ = a.type if a.type in ("long", "duration") else "double"
    sql: exp.Expr = exp.Sum(this=_num(c, a))
    if typ in ("long", "duration"):
        sql = exp.Cast(this=sql, to=sb.datatype("BIGINT"))
    return Typed(sql, typ)


def _ordered(c: ExprCompiler, value: exp.Expr) -> exp.Expr:
    """`value ORDER BY <the pending sort>` inside a DuckDB aggregate (just `value` without a sort)."""
    if not c.order:
        return value
    return exp.Order(this=value, expressions=[o.copy() for o in c.order])


def _take(first: bool) -> FuncSpec:
    """takeFirst / takeLast: the value of the first / last record in record order (nulls included)."""

    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        a = _arg(c, e)
        value = a.sql if a.json is None else sj.json_value(a.json, c.dialect)
        if c.dialect == "clickhouse" and c.order:
            c.needs_row_number = True
            rn = sb.col(sb.ROW_NUMBER_COLUMN)
            sql = sb.fn(c.dialect, "arg_min" if first else "arg_max", value, rn)
        else:
            sql = sb.fn(
                c.dialect,
                "first" if first else "last",
                _ordered(c, value) if c.dialect == "duckdb" else value,
            )
        return _json_result(sql) if a.json is not None else Typed(sql, a.type)

    return FuncSpec(1, 1, build, aggregate=True)


def _take_any(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a = _arg(c, e)
    if a.json is not None:
        return _json_result(sb.fn(c.dialect, "any", sj.json_value(a.json, c.dialect)))
    return Typed(sb.fn(c.dialect, "any", a.sql), a.type)


def _percentile(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a, p = _arg(c, e), _arg(c, e, 1)
    if not p.is_const or not isinstance(p.const, int | float) or not 0 <= p.const <= 100:
        raise c.error("percentile() needs a constant percentile between 0 and 100", e.args[1])
    q = sb.number(p.const / 100)
    if c.dialect == "clickhouse":
        inner = exp.Anonymous(this="quantileExact", expressions=[q])
        return Typed(exp.Anonymous(this=inner.sql("clickhouse"), expressions=[_num(c, a)]), "double")
    return Typed(sb.fn(c.dialect, "quantile", _num(c, a), q), "double")


def _collect(distinct: bool) -> FuncSpec:
    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        a = _arg(c, e)
        if distinct:  # distinct by DQL equality: JSON 1 and 1.0 are one value (A2)
            value = sj.group_key(a, c.dialect)
        else:
            value = a.sql if a.json is None else sj.json_value(a.json, c.dialect)
        agg: exp.Expr
        if c.dialect == "clickhouse":
            agg = sb.call("groupUniqArray", value) if distinct else sb.fn(c.dialect, "collect", value)
        else:
            inner = exp.Distinct(expressions=[value]) if distinct else _ordered(c, value)
            agg = sb.fn(c.dialect, "collect", inner)
            if not isinstance(value, exp.Struct):  # a record() is never null: no filter needed
                agg = exp.Filter(this=agg, expression=exp.Where(this=exp.Not(this=sb.is_null(value))))
        limit = e.named_arg("maxLength") or (e.args[1] if len(e.args) > 1 else None)
        if limit is not None:
            n = c.compile(c.plain(limit))
            if not n.is_const or not isinstance(n.const, int) or n.const < 1:
                raise c.error("maxLength must be a positive whole number", limit)
            agg = sb.fn(c.dialect, "list_slice", agg, sb.number(1), sb.number(n.const))
        if c.dialect == "duckdb":  # no values: [] (A3), as Grail shows
            agg = exp.Coalesce(this=agg, expressions=[exp.Array(expressions=[])])
        elem = "json" if a.json is not None else (a.type or "")
        return Typed(agg, f"array<{elem}>")

    return FuncSpec(1, 2, build, named={"maxLength": False}, aggregate=True)


SPECS: dict[str, FuncSpec] = {
    "count": FuncSpec(0, 0, _count, aggregate=True),
    "countIf": FuncSpec(1, 1, _count_if, aggregate=True),
    "countDistinct": FuncSpec(1, 1, _count_distinct, named={"precision": False}, aggregate=True),
    "countDistinctExact": FuncSpec(1, 1, _count_distinct, aggregate=True),
    "countDistinctApprox": FuncSpec(1, 1, _count_distinct, named={"precision": False}, aggregate=True),
    "sum": FuncSpec(1, 1, _sum, aggregate=True),
    "avg": FuncSpec(1, 1, _avg, aggregate=True),
    "min": _extreme(exp.Min, "arg_min"),
    "max": _extreme(exp.Max, "arg_max"),
    "takeMin": _extreme(exp.Min, "arg_min"),
    "takeMax": _extreme(exp.Max, "arg_max"),
    "takeFirst": _take(first=True),
    "takeLast": _take(first=False),
    "takeAny": FuncSpec(1, 1, _take_any, aggregate=True),
    "percentile": FuncSpec(2, 2, _percentile, aggregate=True),
    "collectDistinct": _collect(distinct=True),
    "collectArray": _collect(distinct=False),
}

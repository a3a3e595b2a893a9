"""Aggregation functions of summarize / makeTimeseries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql.funcspec import FuncSpec
from seclake.dql.sqlbuild import Typed

if TYPE_CHECKING:
    from seclake.dql.expressions import ExprCompiler


def _arg(c: ExprCompiler, e: ast.FunctionCall, i: int = 0) -> Typed:
    return c.compile(c.plain(e.args[i]))


def _num(c: ExprCompiler, t: Typed) -> exp.Expr:
    return c.as_type(t, "double") if t.json is not None else t.sql


def _count(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    return Typed(exp.Count(this=exp.Star()), "long")


def _count_if(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    return Typed(sb.fn(c.dialect, "count_if", c.condition(c.plain(e.args[0]))), "long")


def _count_distinct(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a = _arg(c, e)
    return Typed(exp.Count(this=exp.Distinct(expressions=[a.sql])), "long")


def _simple(node: type[exp.Expr], result: str | None = None, numeric: bool = False) -> FuncSpec:
    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        a = _arg(c, e)
        sql = _num(c, a) if numeric else a.sql
        typ = result if result is not None else ("double" if numeric and a.type != "long" else a.type)
        return Typed(node(this=sql), typ)

    return FuncSpec(1, 1, build, aggregate=True)


def _sum(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a = _arg(c, e)
    typ = a.type if a.type in ("long", "duration") else "double"
    sql: exp.Expr = exp.Sum(this=_num(c, a))
    if typ in ("long", "duration"):
        sql = exp.Cast(this=sql, to=sb.datatype("BIGINT"))
    return Typed(sql, typ)


def _named(key: str, result_same: bool = True) -> FuncSpec:
    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        a = _arg(c, e)
        return Typed(sb.fn(c.dialect, key, a.sql), a.type if result_same else None, json=None)

    return FuncSpec(1, 1, build, aggregate=True)


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
        value = a.sql
        if distinct:
            value = exp.Distinct(expressions=[value])
        agg: exp.Expr = sb.fn(c.dialect, "collect", value)
        if c.dialect == "duckdb":
            agg = exp.Filter(this=agg, expression=exp.Where(this=exp.Not(this=sb.is_null(a.sql))))
        if distinct and c.dialect == "clickhouse":
            agg = sb.call("groupUniqArray", a.sql)
        limit = e.named_arg("maxLength") or (e.args[1] if len(e.args) > 1 else None)
        if limit is not None:
            n = c.compile(c.plain(limit))
            if not n.is_const or not isinstance(n.const, int) or n.const < 1:
                raise c.error("maxLength must be a positive whole number", limit)
            agg = sb.fn(c.dialect, "list_slice", agg, sb.number(1), sb.number(n.const))
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
    "avg": _simple(exp.Avg, "double", numeric=True),
    "min": _simple(exp.Min),
    "max": _simple(exp.Max),
    "takeMin": _simple(exp.Min),
    "takeMax": _simple(exp.Max),
    "takeFirst": _named("first"),
    "takeLast": _named("last"),
    "takeAny": _named("any"),
    "percentile": FuncSpec(2, 2, _percentile, aggregate=True),
    "collectDistinct": _collect(distinct=True),
    "collectArray": _collect(distinct=False),
}

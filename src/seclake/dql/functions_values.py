"""Scalar DQL functions that compute values: if/coalesce (mixed types become JSON), concat, conversions,
round, bin, time, records, arrays, splitString, jsonPath, arraySize."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql import sqljson as sj
from seclake.dql.funcspec import FuncSpec, arg, string_of
from seclake.dql.sqlbuild import Typed
from seclake.dql.sqljson import Json
from seclake.dql.timeutil import parse_timestamp
from seclake.dql.walk import category

if TYPE_CHECKING:
    from seclake.dql.expressions import ExprCompiler

_JSON_ARRAY = {"duckdb": "ARRAY", "clickhouse": "Array"}


def _common(c: ExprCompiler, values: list[Typed]) -> tuple[list[exp.Expr], str | None, bool]:
    """The SQL of `values` in one SQL type: as they are when their DQL types agree, else as JSON.

    Branches of different types (or any JSON-held value) would be a Binder error in SQL (F5, F5b, F9):
    they become JSON text, so each row keeps its own value and type and the column is marked JSON.
    Returns (sql per value, DQL type or None, whether the values are JSON).
    """
    types = {v.type for v in values if v.type != "null"}
    cats = {category(t) for t in types}
    if all(v.json is None for v in values) and len(cats) <= 1 and None not in cats:
        if len(types) <= 1:
            return [v.sql for v in values], (types.pop() if types else "null"), False
        return [v.sql for v in values], "double" if cats == {"number"} else None, False
    return [sj.to_json(v, c.dialect) for v in values], None, True


def _choice(node: exp.Expr, typ: str | None, as_json: bool) -> Typed:
    if as_json:
        return Typed(node, None, json=Json(node, ()))
    if typ == "null":
        return Typed(node, "null")
    return Typed(node, typ)


def _if(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    cond, then = c.condition(c.plain(e.args[0])), arg(c, e, 1)
    other_node = e.named_arg("else") or (e.args[2] if len(e.args) > 2 else None)
    other = (
        c.compile(c.plain(other_node)) if other_node is not None else Typed(exp.Null(), "null", const=None)
    )
    (then_sql, other_sql), typ, as_json = _common(c, [then, other])
    return _choice(sb.case(cond, then_sql, other_sql), typ, as_json)


def _coalesce(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    args = [arg(c, e, i) for i in range(len(e.args))]
    sqls, typ, as_json = _common(c, args)
    return _choice(exp.Coalesce(this=sqls[0], expressions=sqls[1:]), typ, as_json)


def _concat(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    parts = [_to_string_sql(c, arg(c, e, i)) for i in range(len(e.args))]
    return Typed(exp.Concat(expressions=parts, safe=True, coalesce=True), "string")


def _to_string_sql(c: ExprCompiler, t: Typed) -> exp.Expr:
    if t.json is not None:
        return exp.Coalesce(this=c.as_type(t, "string"), expressions=[sb.cast(t.sql, "string", c.dialect)])
    return t.sql if t.type == "string" else sb.cast(t.sql, "string", c.dialect)


def _convert(target: str) -> FuncSpec:
    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        a = arg(c, e, 0)
        if a.json is not None:
            src = exp.Coalesce(this=c.as_type(a, "double"), expressions=[c.as_type(a, "string")])
            return Typed(sb.cast(src, target, c.dialect, safe=True), target)
        sql = a.sql
        if target == "long" and a.type == "double":
            sql = exp.Anonymous(this="trunc", expressions=[sql])
        return Typed(sb.cast(sql, target, c.dialect, safe=True), target)

    return FuncSpec(1, 1, build)


def _to_string(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    return Typed(_to_string_sql(c, arg(c, e, 0)), "string")


def _round(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a = arg(c, e, 0)
    node = e.named_arg("decimals")
    d = c.compile(node) if node is not None else None
    if d is not None and (not d.is_const or not isinstance(d.const, int)):
        raise c.error("decimals: must be a whole number", node or e)
    sql = exp.Round(this=c.as_type(a, "double"), decimals=sb.number(d.const) if d is not None else None)
    return Typed(sql, "double" if d is not None and d.const > 0 else a.type or "double")


def _bin(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    value, width = arg(c, e, 0), arg(c, e, 1)
    if not width.is_const or not isinstance(width.const, int | float) or width.const <= 0:
        raise c.error("bin() needs a positive constant interval", e.args[1])
    w = sb.number(width.const)
    if value.type == "timestamp":
        ns = sb.fn(c.dialect, "epoch_ns", value.sql)
        floored = exp.Sub(this=ns, expression=exp.Paren(this=exp.Mod(this=ns, expression=w)))
        return Typed(sb.fn(c.dialect, "from_epoch_ns", floored), "timestamp")
    num = c.as_type(value, "double")
    return Typed(exp.Mul(this=exp.Floor(this=exp.Div(this=num, expression=w)), expression=w), value.type)


def _now(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    return Typed(sb.timestamp_literal(c.now_ns, c.dialect), "timestamp", const=c.now_ns)


def _to_timestamp(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a = arg(c, e, 0)
    if a.is_const and isinstance(a.const, str):
        ns = parse_timestamp(a.const)
        if ns is None:
            return Typed(exp.Null(), "null", const=None)
        return Typed(sb.timestamp_literal(ns, c.dialect), "timestamp", const=ns)
    if a.type == "timestamp":
        return a
    if a.type == "long":
        return Typed(sb.fn(c.dialect, "from_epoch_ns", a.sql), "timestamp")
    to = sb.datatype("TIMESTAMP_NS" if c.dialect == "duckdb" else "DateTime64(9)", c.dialect)
    return Typed(exp.TryCast(this=string_of(c, a), to=to), "timestamp")


def _record(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    pairs: list[exp.Expr] = []
    for a in e.args:
        if isinstance(a, ast.Assignment):
            name, value = a.alias, c.compile(a.expr)
        elif isinstance(a, ast.FieldRef):
            name, value = a.name, c.compile(a)
        else:
            raise c.error("record() takes `name = value` pairs or field names", a)
        pairs.append(exp.PropertyEQ(this=sb.ident(name), expression=value.sql))
    return Typed(exp.Struct(expressions=pairs), "record")


def _array(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    return c.brace_list(ast.BraceList(tuple(e.args), pos=e.pos))


def _split(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    s, sep = string_of(c, arg(c, e, 0)), string_of(c, arg(c, e, 1))
    args = (sep, s) if c.dialect == "clickhouse" else (s, sep)
    return Typed(sb.fn(c.dialect, "split", *args), "array<string>")


def _json_path(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    doc, path = arg(c, e, 0), arg(c, e, 1)
    if not path.is_const or not isinstance(path.const, str):
        raise c.error("jsonPath() needs a constant path string", e.args[1])
    return Typed(sb.fn(c.dialect, "json_get_string", string_of(c, doc), sb.string(path.const)), "string")


def _array_size(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    """The number of elements of an array; null for anything else (F8: never the length of a text)."""
    a = arg(c, e, 0)
    if a.json is not None:
        value = sj.json_value(a.json, c.dialect)
        is_array = exp.EQ(
            this=sj.json_type(Json(value, ()), c.dialect), expression=sb.string(_JSON_ARRAY[c.dialect])
        )
        length = sb.fn(c.dialect, "json_array_length", value)
        return Typed(exp.Case(ifs=[exp.If(this=is_array, true=length)]), "long")
    if category(a.type) not in ("array", None):
        return Typed(exp.Null(), "null", const=None)
    return Typed(sb.fn(c.dialect, "list_len", a.sql), "long")


SPECS: dict[str, FuncSpec] = {
    "if": FuncSpec(2, 3, _if, named={"else": False}),
    "coalesce": FuncSpec(1, None, _coalesce),
    "concat": FuncSpec(1, None, _concat),
    "splitString": FuncSpec(2, 2, _split),
    "toString": FuncSpec(1, 1, _to_string),
    "toDouble": _convert("double"),
    "toLong": _convert("long"),
    "round": FuncSpec(1, 1, _round, named={"decimals": False}),
    "bin": FuncSpec(2, 2, _bin, named={"at": False}),
    "now": FuncSpec(0, 0, _now),
    "toTimestamp": FuncSpec(1, 1, _to_timestamp),
    "timestamp": FuncSpec(1, 1, _to_timestamp),
    "record": FuncSpec(1, None, _record),
    "array": FuncSpec(0, None, _array),
    "arraySize": FuncSpec(1, 1, _array_size),
    "jsonPath": FuncSpec(2, 2, _json_path),
}

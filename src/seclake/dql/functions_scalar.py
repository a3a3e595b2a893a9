"""Scalar DQL functions: string matching, membership, case, null tests, iteration (iAny/iAll).

Conditionals, conversions, time, records and arrays live in `functions_values`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql import sqljson as sj
from seclake.dql.funcspec import FuncSpec, arg, string_of
from seclake.dql.sqlbuild import Typed
from seclake.dql.walk import category, find_iteration

if TYPE_CHECKING:
    from seclake.dql.expressions import ExprCompiler

Build = Callable[["ExprCompiler", ast.FunctionCall], Typed]
_JSON_ARRAY = {"duckdb": "ARRAY", "clickhouse": "Array"}


def _flag(c: ExprCompiler, e: ast.FunctionCall, name: str, default: bool) -> bool:
    node = e.named_arg(name)
    if node is None:
        return default
    v = c.compile(node)
    if not v.is_const or not isinstance(v.const, bool):
        raise c.error(f"{name}: must be true or false", node)
    return v.const


def _any_element(c: ExprCompiler, arr: Typed, test: Callable[[exp.Expr], exp.Expr]) -> Typed:
    var = f"__m{c._var_seq}"
    c._var_seq += 1
    lam = exp.Lambda(this=test(exp.column(sb.ident(var))), expressions=[sb.ident(var)])
    key = "list_any" if c.dialect == "clickhouse" else "list_transform"
    if c.dialect == "clickhouse":
        return Typed(sb.fn(c.dialect, key, lam, arr.sql), "boolean")
    return Typed(sb.call("list_bool_or", sb.fn(c.dialect, key, arr.sql, lam)), "boolean")


def _string_match(kind: str, default_case: bool) -> FuncSpec:
    """contains / startsWith / endsWith / matchesPhrase: on strings, or any element of an array."""

    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        subject, needle = arg(c, e, 0), arg(c, e, 1)
        sensitive = _flag(c, e, "caseSensitive", default_case)

        def test(s: exp.Expr) -> exp.Expr:
            n = string_of(c, needle)
            if not sensitive:
                s, n = exp.Lower(this=s), exp.Lower(this=n)
            if kind == "contains" and c.dialect == "clickhouse":
                return exp.GT(this=sb.call("position", s, n), expression=sb.number(0))
            return sb.fn(c.dialect, kind, s, n)

        if category(subject.type) == "array":
            return _any_element(c, subject, test)
        return Typed(test(string_of(c, subject)), "boolean")

    return FuncSpec(2, 2, build, named={"caseSensitive": False})


def _matches_value(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    subject, value = arg(c, e, 0), arg(c, e, 1)
    if not value.is_const or not isinstance(value.const, str):
        raise c.error("matchesValue() needs a constant string value", e.args[1])
    sensitive = _flag(c, e, "caseSensitive", False)
    text = value.const if sensitive else value.const.lower()
    like = text.startswith("*") or text.endswith("*")

    def test(s: exp.Expr) -> exp.Expr:
        s = s if sensitive else exp.Lower(this=s)
        if not like:
            return exp.EQ(this=s, expression=sb.string(text))
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = (
            ("%" if text.startswith("*") else "") + escaped.strip("*") + ("%" if text.endswith("*") else "")
        )
        return exp.Escape(this=exp.Like(this=s, expression=sb.string(pattern)), expression=sb.string("\\"))

    if category(subject.type) == "array":
        return _any_element(c, subject, test)
    return Typed(test(string_of(c, subject)), "boolean")


def _in(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    needle = arg(c, e, 0)
    hay = e.args[1]
    if isinstance(hay, ast.BraceList) or len(e.args) > 2:
        items = [c.compile(c.plain(i)) for i in (hay.items if isinstance(hay, ast.BraceList) else ())]
        items += [arg(c, e, i) for i in range(2 if isinstance(hay, ast.BraceList) else 1, len(e.args))]
        ncat = category(needle.type)
        same = [i for i in items if i.type != "null" and (ncat is None or category(i.type) in (ncat, None))]
        if not same:
            return Typed(sb.case(sb.is_null(needle.sql), exp.Null(), sb.boolean(False)), "boolean")
        target = needle.sql
        if needle.json is not None:
            first = category(same[0].type)
            target = c.as_type(needle, "double" if first == "number" else (first or "string"))
        return Typed(exp.In(this=target, expressions=[i.sql for i in same]), "boolean")
    arr = c.compile(c.plain(hay))
    return Typed(sb.fn(c.dialect, "list_contains", arr.sql, needle.sql), "boolean")


def _string_fn(node: Callable[[exp.Expr], exp.Expr]) -> FuncSpec:
    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        return Typed(node(string_of(c, arg(c, e, 0))), "string")

    return FuncSpec(1, 1, build)


def _iterate(all_: bool) -> FuncSpec:
    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        cond = c.plain(e.args[0])
        base = find_iteration(cond)
        if base is None:
            raise c.error(f"{e.name}() needs an iterative expression such as arr[][field] < x", e)
        var, arr = c.bind(base)
        try:
            body = c.condition(cond)
        finally:
            del c.bindings[next(reversed(c.bindings))]
        lam = exp.Lambda(this=body, expressions=[sb.ident(var)])
        if c.dialect == "clickhouse":
            return Typed(sb.fn(c.dialect, "list_all" if all_ else "list_any", lam, arr.sql), "boolean")
        mapped = sb.fn(c.dialect, "list_transform", arr.sql, lam)
        return Typed(sb.fn(c.dialect, "list_all" if all_ else "list_any", mapped), "boolean")

    return FuncSpec(1, 1, build)


def _exists(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    a = arg(c, e, 0)
    if a.json is not None:
        return Typed(exp.Not(this=exp.Paren(this=sj.json_is_null(a.json, c.dialect))), "boolean")
    return Typed(exp.Not(this=sb.is_null(a.sql)), "boolean")


def _null_test(negate: bool, boolean_value: bool | None = None) -> FuncSpec:
    """isNull/isNotNull (boolean_value None), isTrueOrNull/isFalseOrNull (value whose IS test is negated)."""

    def build(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
        a = arg(c, e, 0)
        if boolean_value is not None:
            value = c.as_type(a, "boolean")
            return Typed(exp.Not(this=exp.Is(this=value, expression=sb.boolean(boolean_value))), "boolean")
        test = exp.Paren(this=sj.json_is_null(a.json, c.dialect)) if a.json is not None else sb.is_null(a.sql)
        return Typed(exp.Not(this=test) if negate else test, "boolean")

    return FuncSpec(1, 1, build)


SPECS: dict[str, FuncSpec] = {
    "in": FuncSpec(2, None, _in),
    "contains": _string_match("contains", True),
    "startsWith": _string_match("starts_with", True),
    "endsWith": _string_match("ends_with", True),
    "matchesPhrase": _string_match("contains", False),
    "matchesValue": FuncSpec(2, 2, _matches_value, named={"caseSensitive": False}),
    "isNull": _null_test(negate=False),
    "isNotNull": _null_test(negate=True),
    "isTrueOrNull": _null_test(negate=True, boolean_value=False),
    "isFalseOrNull": _null_test(negate=True, boolean_value=True),
    "exists": FuncSpec(1, 1, _exists),
    "lower": _string_fn(lambda s: exp.Lower(this=s)),
    "upper": _string_fn(lambda s: exp.Upper(this=s)),
    "iAny": _iterate(all_=False),
    "iAll": _iterate(all_=True),
}

"""Expression lowering: DQL expression AST -> `Typed` sqlglot trees over the current scope.

DQL semantics kept here: three-valued logic (SQL's own), comparisons of incompatible types are false
(`!=` true) unless a side is null, fields of `__attributes`/JSON records are coerced per use, and
constants (now(), durations, timestamps) are folded at compile time so time filters are plain ranges.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql import sqljson as sj
from seclake.dql.arith import arithmetic
from seclake.dql.canonical import to_text
from seclake.dql.errors import SEMANTIC_ERROR, DQLError
from seclake.dql.functions import compile_call
from seclake.dql.sqlbuild import Dialect, Typed
from seclake.dql.sqljson import Json
from seclake.dql.timeutil import ALIGN_UNITS, align
from seclake.dql.walk import category, find_iteration
from seclake.store.schema import ATTRIBUTES_COLUMN

_CMP: dict[str, type[exp.Expr]] = {
    "==": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}
_ARITH: dict[str, type[exp.Expr]] = {
    "+": exp.Add,
    "-": exp.Sub,
    "*": exp.Mul,
    "/": exp.Div,
    "%": exp.Mod,
}
_PY_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass
class Column:
    type: str | None
    json: bool = False  # the column holds JSON (a parsed record or a dynamic field)


@dataclass
class Scope:
    """The fields a command sees: typed columns in order, plus `__attributes` for any other field."""

    columns: dict[str, Column] = field(default_factory=dict)
    attributes: bool = False

    def copy(self) -> Scope:
        return Scope(dict(self.columns), self.attributes)


class ExprCompiler:
    """Compiles expressions of one command; `allow_agg` is set where aggregations may appear."""

    def __init__(
        self,
        dialect: Dialect,
        scope: Scope,
        now_ns: int,
        text: str,
        *,
        table: str | None = None,
        order: tuple[exp.Ordered, ...] = (),
    ):
        self.dialect = dialect
        self.order = order  # the pending sort: record order for takeFirst/takeLast/collectArray
        self.needs_row_number = False  # an aggregation reads ROW_NUMBER() in record order (ClickHouse)
        self.scope = scope
        self.now_ns = now_ns
        self.text = text
        self.table = table
        self.allow_agg = False
        self.in_agg = False
        self.bindings: dict[str, tuple[str, str | None]] = {}
        self._var_seq = 0
        self._plain = False

    # ── errors ──
    def error(self, reason: str, node: ast.Node) -> DQLError:
        p = node.pos
        return DQLError(
            reason,
            line=p.line,
            column=p.column,
            end_line=p.end_line,
            end_column=p.end_column,
            token=to_text(node)[:60],
            error_type=SEMANTIC_ERROR,
            text=self.text,
        )

    # ── entry points ──
    def compile(self, e: ast.Expr) -> Typed:
        """An expression in value position: `arr[]` outside iAny/iAll maps over the array."""
        if self._plain:  # an enclosing compile() found no `x[]` to map over: neither has `e`
            return self.expr(e)
        base = find_iteration(e)
        if base is None:
            self._plain = True  # skip the (repeated, quadratic) search in nested compile() calls
            try:
                return self.expr(e)
            finally:
                self._plain = False
        if to_text(base) in self.bindings:
            return self.expr(e)
        var, arr = self.bind(base)
        try:
            body = self.expr(e)
        finally:
            del self.bindings[to_text(base)]
        lam = exp.Lambda(this=body.sql, expressions=[sb.ident(var)])
        return Typed(sb.fn(self.dialect, "list_transform", arr.sql, lam), f"array<{body.type or ''}>")

    def bind(self, base: ast.Expr) -> tuple[str, Typed]:
        arr = self.expr(base)
        if category(arr.type) not in ("array", None):
            raise self.error(f"'{to_text(base)}' is not an array, so [] cannot iterate it", base)
        var = f"__e{len(self.bindings)}_{self._var_seq}"
        self._var_seq += 1
        self.bindings[to_text(base)] = (var, sb.elem_type(arr.type))
        return var, arr

    def condition(self, e: ast.Expr) -> exp.Expr:
        """A boolean expression for WHERE: JSON values coerced, non-booleans never TRUE."""
        return self.as_type(self.compile(e), "boolean")

    def expr(self, e: ast.Expr) -> Typed:
        handler = _HANDLERS.get(type(e))
        if handler is None:
            raise self.error(f"{type(e).__name__.lower()} is not allowed in an expression", e)
        return handler(self, e)

    # ── coercion ──
    def as_type(self, t: Typed, dql_type: str) -> exp.Expr:
        if t.json is not None:
            return sj.json_as(t.json, dql_type, self.dialect)
        return t.sql

    def field(self, name: str) -> Typed:
        info = self.scope.columns.get(name)
        if info is not None:
            c = sb.col(name, self.table)
            if info.json:
                return Typed(c, info.type, json=Json(c, ()))
            return Typed(c, info.type)
        if self.scope.attributes:
            j = Json(sb.col(ATTRIBUTES_COLUMN, self.table), (name,))
            return Typed(sj.json_value(j, self.dialect), None, json=j)
        return Typed(exp.Null(), "null", const=None)

    # ── node handlers ──
    def field_ref(self, e: ast.FieldRef) -> Typed:
        return self.field(e.name)

    def literal(self, e: ast.Literal) -> Typed:
        v, t = e.value, e.type
        if t == "string":
            return Typed(sb.string(v), t, const=v)
        if t in ("long", "double", "duration"):
            if isinstance(v, float) and math.isnan(v):
                return Typed(exp.Null(), "null", const=None)
            if t == "long" and not -(2**63) <= v < 2**63:
                raise self.error("number out of the range of a long", e)
            return Typed(sb.number(v), t, const=v)
        if t == "boolean":
            return Typed(sb.boolean(bool(v)), t, const=bool(v))
        if t == "timestamp":
            return Typed(sb.timestamp_literal(int(v), self.dialect), t, const=int(v))
        return Typed(exp.Null(), "null", const=None)

    def unary(self, e: ast.Unary) -> Typed:
        inner = self.compile(e.operand)
        if e.op == "not":
            if inner.is_const and isinstance(inner.const, bool | None):
                return Typed(sb.boolean(None if inner.const is None else not inner.const), "boolean")
            return Typed(exp.Not(this=sb.paren(self.as_type(inner, "boolean"))), "boolean")
        if inner.is_const and isinstance(inner.const, int | float) and not isinstance(inner.const, bool):
            return self.literal(ast.Literal(-inner.const, inner.type or "double", pos=e.pos))
        return Typed(exp.Neg(this=sb.paren(self.as_type(inner, "double"))), inner.type)

    def binary(self, e: ast.Binary) -> Typed:
        left, right = self.compile(e.left), self.compile(e.right)
        if e.op in ("and", "or", "xor"):
            lsql, rsql = self.as_type(left, "boolean"), self.as_type(right, "boolean")
            if e.op == "and":
                return Typed(sb.and_(lsql, rsql), "boolean")
            if e.op == "or":
                return Typed(sb.or_(lsql, rsql), "boolean")
            both = sb.and_(lsql, rsql)
            return Typed(sb.and_(sb.or_(lsql, rsql), exp.Not(this=exp.Paren(this=both))), "boolean")
        if e.op in _CMP:
            return self.compare(e.op, left, right)
        return arithmetic(self, e, left, right)

    def compare(self, op: str, left: Typed, right: Typed) -> Typed:
        if left.type == "null" or right.type == "null":
            return Typed(exp.Null(), "boolean", const=None)
        lc, rc = category(left.type), category(right.type)
        if left.is_const and right.is_const and lc == rc:
            return Typed(sb.boolean(_PY_CMP[op](left.const, right.const)), "boolean")
        node = _CMP[op]
        if left.json is not None and right.json is None and rc in ("string", "number", "boolean"):
            return self._compare_json(op, left.json, right, rc, swapped=False)
        if right.json is not None and left.json is None and lc in ("string", "number", "boolean"):
            return self._compare_json(op, right.json, left, lc, swapped=True)
        if lc is not None and rc is not None and lc != rc:
            mismatch = sb.boolean(op == "!=")
            either_null = sb.or_(sb.is_null(left.sql), sb.is_null(right.sql))
            return Typed(sb.case(either_null, exp.Null(), mismatch), "boolean")
        return Typed(node(this=left.sql, expression=right.sql), "boolean")

    def _compare_json(self, op: str, j: Json, other: Typed, cat: str, *, swapped: bool) -> Typed:
        dql_type = "double" if cat == "number" else cat
        value = sj.json_as(j, dql_type, self.dialect)
        left, right = (other.sql, value) if swapped else (value, other.sql)
        cmp = _CMP[op](this=left, expression=right)
        null = sb.or_(sj.json_is_null(j, self.dialect), sb.is_null(other.sql))
        cases = [
            exp.If(this=null, true=exp.Null()),
            exp.If(this=sj.json_is(j, dql_type, self.dialect), true=cmp),
        ]
        return Typed(exp.Case(ifs=cases, default=sb.boolean(op == "!=")), "boolean")

    def call(self, e: ast.FunctionCall) -> Typed:
        return compile_call(self, e)

    def brace_list(self, e: ast.BraceList) -> Typed:
        items = [self.compile(self.plain(i)) for i in e.items]
        types = {i.type for i in items if i.type != "null"}
        elem = types.pop() if len(types) == 1 else None
        return Typed(exp.Array(expressions=[i.sql for i in items]), f"array<{elem or ''}>")

    def plain(self, item: ast.Expr | ast.Assignment | ast.SortKey) -> ast.Expr:
        if isinstance(item, ast.Assignment | ast.SortKey):
            raise self.error("expected an expression", item)
        return item

    def index(self, e: ast.Index) -> Typed:
        if e.key is None:
            bound = self.bindings.get(to_text(e.base))
            if bound is None:
                raise self.error("[] iterates an array only inside iAny(), iAll() or a field value", e)
            var, elem = bound
            c = exp.column(sb.ident(var))
            return Typed(c, elem, json=Json(c, ()) if elem == "json" else None)
        base = self.expr(e.base)
        key = e.key
        name: str | int | None = None
        if isinstance(key, ast.FieldRef):
            name = key.name
        elif isinstance(key, ast.Literal) and key.type in ("string", "long"):
            name = key.value
        if name is None:
            raise self.error("an index must be a field name, a string or a whole number", key)
        if base.json is not None:
            j = Json(base.json.doc, (*base.json.keys, name))
            return Typed(sj.json_value(j, self.dialect), None, json=j)
        if isinstance(name, int):
            if category(base.type) not in ("array", None):
                return Typed(exp.Null(), "null", const=None)
            idx = sb.number(name + 1) if name >= 0 else sb.number(name)
            return Typed(sb.fn(self.dialect, "list_extract", base.sql, idx), sb.elem_type(base.type))
        if base.type not in ("record", None):
            return Typed(exp.Null(), "null", const=None)
        return Typed(sb.fn(self.dialect, "struct_get", base.sql, sb.string(name)), None)

    def time_align(self, e: ast.TimeAlign) -> Typed:
        inner = self.compile(e.operand)
        if e.unit not in ALIGN_UNITS:
            raise self.error(f"unknown alignment unit '{e.unit}' (use one of s, m, h, d, w, M, q, y)", e)
        if inner.type != "timestamp" or not inner.is_const:
            raise self.error("@ alignment needs a constant timestamp, e.g. now()@d", e)
        ns = align(int(inner.const), e.unit)
        return Typed(sb.timestamp_literal(ns, self.dialect), "timestamp", const=ns)


_HANDLERS: dict[type, Callable[[ExprCompiler, Any], Typed]] = {
    ast.FieldRef: ExprCompiler.field_ref,
    ast.Literal: ExprCompiler.literal,
    ast.Unary: ExprCompiler.unary,
    ast.Binary: ExprCompiler.binary,
    ast.FunctionCall: ExprCompiler.call,
    ast.BraceList: ExprCompiler.brace_list,
    ast.Index: ExprCompiler.index,
    ast.TimeAlign: ExprCompiler.time_align,
}

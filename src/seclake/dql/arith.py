"""Arithmetic `+ - * / %` over numbers, timestamps and durations (durations are long nanoseconds).

A table keyed by (operator, left category, right category) gives the result type; constants are
folded in Python so `now() - 7d` is one timestamp literal. Other combinations yield null, as in DQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql.sqlbuild import Typed

if TYPE_CHECKING:
    from seclake.dql.expressions import ExprCompiler

_NUM = "number"
# (op, left, right) -> result DQL type ("number": long if both long and op is not "/", else double)
_RESULT: dict[tuple[str, str, str], str] = {
    **{(op, _NUM, _NUM): _NUM for op in "+-*/%"},
    ("+", "timestamp", "duration"): "timestamp",
    ("+", "duration", "timestamp"): "timestamp",
    ("-", "timestamp", "duration"): "timestamp",
    ("-", "timestamp", "timestamp"): "duration",
    ("+", "duration", "duration"): "duration",
    ("-", "duration", "duration"): "duration",
    ("*", "duration", _NUM): "duration",
    ("*", _NUM, "duration"): "duration",
    ("/", "duration", _NUM): "duration",
    ("/", "duration", "duration"): "double",
}
_SQL = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div, "%": exp.Mod}
_MAX_LONG = 2**63


def _cat(t: str | None) -> str | None:
    return _NUM if t in ("long", "double") else t


def _fold(op: str, a: int | float, b: int | float, integral: bool) -> int | float | None:
    if op in "/%" and b == 0:
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "%":
        return a % b if not integral else int(a - b * int(a / b))
    return a // b if integral and isinstance(a, int) and isinstance(b, int) and a % b == 0 else a / b


def arithmetic(c: ExprCompiler, e: ast.Binary, left: Typed, right: Typed) -> Typed:
    lc, rc = _cat(left.type), _cat(right.type)
    if left.json is not None:
        lc = _NUM if rc in (_NUM, None) else lc
    if right.json is not None:
        rc = _NUM if lc in (_NUM, None) else rc
    if lc is None and rc is None:
        lc = rc = _NUM
    elif lc is None:
        lc = rc if rc == _NUM else lc
    elif rc is None:
        rc = lc if lc == _NUM else rc
    result = _RESULT.get((e.op, lc or "", rc or ""))
    if result is None:
        return Typed(exp.Null(), "null", const=None)
    both_long = left.type in ("long", "duration") and right.type in ("long", "duration")
    out_type = ("long" if both_long and e.op != "/" else "double") if result == _NUM else result
    if e.op == "/" and result == "duration":
        out_type = "duration"
    if left.is_const and right.is_const and left.const is not None and right.const is not None:
        integral = out_type in ("long", "duration", "timestamp")
        value = _fold(e.op, left.const, right.const, integral)
        if value is None:
            return Typed(exp.Null(), "null", const=None)
        if integral:
            value = int(value)
            if not -_MAX_LONG <= value < _MAX_LONG:
                raise c.error("arithmetic overflow in a constant expression", e)
        if out_type == "timestamp":
            return Typed(sb.timestamp_literal(int(value), c.dialect), "timestamp", const=int(value))
        return Typed(sb.number(value), out_type, const=value)
    lsql = _operand(c, left, lc)
    rsql = _operand(c, right, rc)
    node: exp.Expr = _SQL[e.op](this=sb.paren(lsql), expression=sb.paren(rsql))
    if out_type == "timestamp":
        node = sb.fn(c.dialect, "from_epoch_ns", node)
    elif out_type == "duration" and e.op in "*/":
        node = exp.Cast(this=node, to=sb.datatype("BIGINT"))
    return Typed(node, out_type)


def _operand(c: ExprCompiler, t: Typed, cat: str | None) -> exp.Expr:
    """Numbers as numbers; timestamps as epoch nanoseconds (so every sum is integer arithmetic)."""
    if t.type == "timestamp":
        return sb.fn(c.dialect, "epoch_ns", t.sql)
    if t.json is not None:
        return c.as_type(t, "double")
    return t.sql

"""The reference evaluator's values and expressions: DQL semantics as written in dql.md, in plain Python.

Deliberately simple and slow: one record at a time, no SQL. Values are Python's (None, bool, int, float,
str, list, dict) plus `Timestamp` and `Duration` (nanoseconds) and `Timeframe`. `arr[]` yields an `Iter`
(a list that operators and functions map over) until `iAny`/`iAll` or an assignment consumes it.

Rules (dql.md "Semantics that matter"): three-valued logic; `==`/`!=` with a null side give null;
comparing incompatible types gives false (`!=` true); string comparison case-sensitive; arithmetic with
a null, an incompatible operand or a division by zero gives null.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from seclake.dql import ast

__all__ = [
    "Duration",
    "Iter",
    "Timeframe",
    "Timestamp",
    "compare",
    "equals",
    "evaluate",
    "sort_key",
    "truth",
]

NS = 1_000_000_000
_ALIGN_NS = {"s": NS, "m": 60 * NS, "h": 3600 * NS, "d": 86400 * NS, "w": 7 * 86400 * NS}


@dataclass(frozen=True, order=True, slots=True)
class Timestamp:
    ns: int


@dataclass(frozen=True, order=True, slots=True)
class Duration:
    ns: int


@dataclass(frozen=True, slots=True)
class Timeframe:
    start: Timestamp
    end: Timestamp


class Iter(list[Any]):
    """The elements of `arr[]`: operators and functions apply to each element."""


def parse_timestamp(text: str) -> Timestamp | None:
    """RFC 3339 text (nanoseconds allowed) → Timestamp, or None when it is not one."""
    m = re.fullmatch(
        r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d)?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?", text.strip()
    )
    if not m:
        return None
    try:
        base = datetime.fromisoformat(m.group(1) + (m.group(3) or "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    frac = int((m.group(2) or "").ljust(9, "0"))
    return Timestamp(int(base.replace(tzinfo=base.tzinfo or UTC).timestamp()) * NS + frac)


# ── comparisons ──

_RANK: dict[type, int] = {
    bool: 0,
    int: 1,
    float: 1,
    str: 2,
    Timestamp: 3,
    Duration: 4,
    list: 5,
    Iter: 5,
    dict: 6,
}


def _family(v: Any) -> int:
    return _RANK.get(type(v), 7)


def equals(a: Any, b: Any) -> bool | None:
    """`a == b`: null with a null side; false for incompatible types."""
    if a is None or b is None:
        return None
    if _family(a) != _family(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(equals(x, y) is True for x, y in zip(a, b, strict=True))
    return bool(a == b)


def compare(a: Any, b: Any) -> int | None:
    """-1/0/1 for comparable values; None when either is null or the types are incompatible."""
    if a is None or b is None or _family(a) != _family(b) or isinstance(a, list | dict):
        return None
    return int((a > b) - (a < b))


def sort_key(v: Any) -> tuple[int, Any]:
    """A total order for `sort`: by type family, then value; nulls are placed by the caller.

    Arrays compare element by element (a prefix first: [] < ["a"] < ["a", "b"]), as the engines do.
    """
    if isinstance(v, list):
        return (_family(v), tuple((1, None) if x is None else (0, sort_key(x)) for x in v))
    if isinstance(v, dict):
        return (_family(v), orjson.dumps(v, default=str, option=orjson.OPT_SORT_KEYS))
    if isinstance(v, bool):
        return (0, int(v))
    return (_family(v), v)


def truth(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


# ── operators ──


def _logic(op: str, a: Any, b: Any) -> bool | None:
    x, y = truth(a), truth(b)
    if op == "and":
        return False if x is False or y is False else (None if x is None or y is None else True)
    if op == "or":
        return True if x is True or y is True else (None if x is None or y is None else False)
    return None if x is None or y is None else x != y


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if _num(a) and _num(b):
        if op in ("/", "%") and b == 0:
            return None
        if op == "/":
            return a / b
        if op == "%":
            return math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else int(math.fmod(a, b))
        return {"+": a + b, "-": a - b, "*": a * b}[op]
    kinds = (type(a), type(b), op)
    temporal: dict[tuple[type, type, str], Callable[[], Any]] = {
        (Timestamp, Duration, "+"): lambda: Timestamp(a.ns + b.ns),
        (Duration, Timestamp, "+"): lambda: Timestamp(a.ns + b.ns),
        (Timestamp, Duration, "-"): lambda: Timestamp(a.ns - b.ns),
        (Timestamp, Timestamp, "-"): lambda: Duration(a.ns - b.ns),
        (Duration, Duration, "+"): lambda: Duration(a.ns + b.ns),
        (Duration, Duration, "-"): lambda: Duration(a.ns - b.ns),
        (Duration, int, "*"): lambda: Duration(a.ns * b),
        (int, Duration, "*"): lambda: Duration(a * b.ns),
    }
    return temporal[kinds]() if kinds in temporal else None


def _binary(op: str, a: Any, b: Any) -> Any:
    if op in ("and", "or", "xor"):
        return _logic(op, a, b)
    if op in ("==", "!="):
        eq = equals(a, b)
        return eq if op == "==" or eq is None else not eq
    if op in ("<", "<=", ">", ">="):
        if a is None or b is None:
            return None
        c = compare(a, b)
        return False if c is None else {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
    return _arith(op, a, b)


def lift(fn: Callable[..., Any], *args: Any) -> Any:
    """Apply `fn` element-wise when any argument is an Iter (`arr[]`), else once."""
    n = next((len(a) for a in args if isinstance(a, Iter)), None)
    if n is None:
        return fn(*args)
    return Iter(fn(*(a[i] if isinstance(a, Iter) else a for a in args)) for i in range(n))


# ── expressions ──


@dataclass
class Env:
    """What an expression can see besides the record."""

    now: Timestamp
    functions: Mapping[str, Callable[[Env, Mapping[str, Any], ast.FunctionCall], Any]]


def _index(base: Any, key: Any, by_name: bool) -> Any:
    if isinstance(base, dict) and isinstance(key, str):
        return base.get(key)
    if isinstance(base, list) and isinstance(key, int) and not isinstance(key, bool) and not by_name:
        return base[key] if -len(base) <= key < len(base) else None
    return None


def _align(v: Any, unit: str) -> Any:
    if not isinstance(v, Timestamp):
        return None
    if unit in _ALIGN_NS:
        return Timestamp(v.ns - v.ns % _ALIGN_NS[unit])
    dt = datetime.fromtimestamp(v.ns // NS, tz=UTC)
    month = {"M": dt.month, "q": dt.month - (dt.month - 1) % 3, "y": 1}.get(unit)
    if month is None:
        return None
    return Timestamp(int(datetime(dt.year, month, 1, tzinfo=UTC).timestamp()) * NS)


def evaluate(node: ast.Expr | ast.Assignment, record: Mapping[str, Any], env: Env) -> Any:
    """The value of an expression over one record."""
    match node:
        case ast.FieldRef(name=name):
            return record.get(name)
        case ast.Literal(value=value, type=typ):
            return {"duration": Duration, "timestamp": Timestamp}.get(typ, lambda v: v)(value)
        case ast.Assignment(expr=expr):
            return evaluate(expr, record, env)
        case ast.Unary(op="not", operand=operand):
            return lift(lambda v: None if truth(v) is None else not v, evaluate(operand, record, env))
        case ast.Unary(operand=operand):
            return lift(_negate, evaluate(operand, record, env))
        case ast.Binary(op=op, left=left, right=right):
            if op in ("and", "or"):  # short-circuit exactly as the three-valued tables allow
                a = evaluate(left, record, env)
                if not isinstance(a, Iter) and truth(a) is (op == "or"):
                    return a
                return lift(lambda x, y: _binary(op, x, y), a, evaluate(right, record, env))
            return lift(
                lambda x, y: _binary(op, x, y), evaluate(left, record, env), evaluate(right, record, env)
            )
        case ast.FunctionCall(name=name):
            fn = env.functions.get(name.lower())
            if fn is None:
                raise ValueError(f"reference evaluator: unknown function {name!r}")
            return fn(env, record, node)
        case ast.BraceList(items=items):
            return [evaluate(i, record, env) for i in items if not isinstance(i, ast.SortKey)]
        case ast.Index(base=base, key=None):
            value = evaluate(base, record, env)
            return Iter(value) if isinstance(value, list) else None
        case ast.Index(base=base, key=key):
            by_name = isinstance(key, ast.FieldRef)
            k = (
                key.name
                if isinstance(key, ast.FieldRef)
                else None
                if key is None
                else evaluate(key, record, env)
            )
            return lift(lambda b: _index(b, k, by_name), evaluate(base, record, env))
        case ast.TimeAlign(operand=operand, unit=unit):
            return lift(lambda v: _align(v, unit), evaluate(operand, record, env))
    raise ValueError(f"reference evaluator: cannot evaluate {type(node).__name__}")


def _negate(v: Any) -> Any:
    if _num(v):
        return -v
    return Duration(-v.ns) if isinstance(v, Duration) else None

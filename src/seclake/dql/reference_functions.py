"""The reference evaluator's functions: scalar functions and aggregations, one small Python function each.

Written from dql.md (and the signatures in the DQL definitions), never from the compiler. Scalars take
(env, record, call) and evaluate their own arguments; aggregations take the group's records.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from seclake.dql import ast
from seclake.dql.reference_values import (
    NS,
    Duration,
    Env,
    Iter,
    Timestamp,
    equals,
    evaluate,
    lift,
    parse_timestamp,
    sort_key,
    truth,
)
from seclake.dql.result import format_timestamp_ns

__all__ = ["AGGREGATIONS", "SCALARS", "aggregate", "to_string"]

Scalar = Callable[[Env, Mapping[str, Any], ast.FunctionCall], Any]


def _args(env: Env, record: Mapping[str, Any], call: ast.FunctionCall) -> list[Any]:
    return [evaluate(a, record, env) for a in call.args]


def _named(env: Env, record: Mapping[str, Any], call: ast.FunctionCall, name: str, default: Any) -> Any:
    node = call.named_arg(name)
    return default if node is None else evaluate(node, record, env)


def _simple(fn: Callable[..., Any]) -> Scalar:
    """A scalar whose positional arguments are evaluated and mapped over `arr[]`."""
    return lambda env, record, call: lift(fn, *_args(env, record, call))


def _text_test(test: Callable[[str, str], bool], default_case: bool) -> Scalar:
    def run(env: Env, record: Mapping[str, Any], call: ast.FunctionCall) -> Any:
        sensitive = _named(env, record, call, "caseSensitive", default_case)

        def one(e: Any, s: Any) -> Any:
            if e is None or s is None:
                return None
            if not isinstance(e, str) or not isinstance(s, str):
                return False
            return test(e, s) if sensitive else test(e.lower(), s.lower())

        return lift(one, *_args(env, record, call)[:2])

    return run


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text)


def _phrase(value: str, phrase: str) -> bool:
    words, wanted = _tokens(value), _tokens(phrase)
    if not wanted:
        return False
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


def _value_match(value: str, pattern: str) -> bool:
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), value, re.DOTALL) is not None


def _matcher(test: Callable[[str, str], bool]) -> Scalar:
    def run(env: Env, record: Mapping[str, Any], call: ast.FunctionCall) -> Any:
        sensitive = _named(env, record, call, "caseSensitive", False)
        value, *patterns = _args(env, record, call)
        flat = [p for pat in patterns for p in (pat if isinstance(pat, list) else [pat])]
        if value is None:
            return None
        values = value if isinstance(value, list) else [value]
        fold = (lambda s: s) if sensitive else str.lower
        return any(
            isinstance(v, str) and isinstance(p, str) and test(fold(v), fold(p)) for v in values for p in flat
        )

    return run


def _in(env: Env, record: Mapping[str, Any], call: ast.FunctionCall) -> Any:
    needle, *haystack = _args(env, record, call)
    items = [x for h in haystack for x in (h if isinstance(h, list) else [h])]

    def one(n: Any) -> Any:
        return None if n is None else any(equals(n, x) is True for x in items)

    return lift(one, needle)


def _if(env: Env, record: Mapping[str, Any], call: ast.FunctionCall) -> Any:
    cond = truth(evaluate(call.args[0], record, env))
    if cond is True:
        return evaluate(call.args[1], record, env)
    return _named(env, record, call, "else", None)


def _exists(env: Env, record: Mapping[str, Any], call: ast.FunctionCall) -> Any:
    arg = call.args[0]
    return isinstance(arg, ast.FieldRef) and record.get(arg.name) is not None


def to_string(v: Any) -> str | None:
    """DQL toString of a value."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Timestamp):
        return format_timestamp_ns(v.ns)
    if isinstance(v, int | float):
        return repr(v)
    return orjson.dumps(v, default=lambda x: getattr(x, "ns", str(x))).decode()


def _to_double(v: Any) -> Any:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _to_long(v: Any) -> Any:
    if isinstance(v, list):
        return _to_long(v[0]) if v else None
    if isinstance(v, bool | int):
        return int(v)
    if isinstance(v, float):
        return int(v) if math.isfinite(v) else None
    if isinstance(v, Timestamp | Duration):
        return v.ns
    if isinstance(v, str) and re.fullmatch(r"\s*[+-]?\d+\s*", v):
        return int(v)
    return None


def _round(env: Env, record: Mapping[str, Any], call: ast.FunctionCall) -> Any:
    decimals = _named(env, record, call, "decimals", None)

    def one(v: Any) -> Any:
        if not isinstance(v, int | float) or isinstance(v, bool):
            return None
        if isinstance(v, int) and not decimals:
            return v
        scale = 10 ** (decimals or 0)
        rounded = math.floor(abs(v) * scale + 0.5) / scale * (1 if v >= 0 else -1)
        return float(rounded) if decimals else int(rounded)

    return lift(one, *_args(env, record, call)[:1])


def _bin(v: Any, width: Any) -> Any:
    if isinstance(v, Timestamp) and isinstance(width, Duration) and width.ns > 0:
        return Timestamp(v.ns - v.ns % width.ns)
    if isinstance(v, int | float) and not isinstance(v, bool) and isinstance(width, int | float) and width:
        return math.floor(v / width) * width
    return None


def _json_path(s: Any, path: Any) -> Any:
    if not isinstance(s, str) or not isinstance(path, str) or not path.startswith("$"):
        return None
    try:
        value: Any = orjson.loads(s)
    except orjson.JSONDecodeError:
        return None
    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path[1:]):
        value = value.get(name) if name and isinstance(value, dict) else None if name else value
        if index and value is not None:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    return value


def _timestamp_of(*parts: Any) -> Any:
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
        return None
    try:
        return Timestamp(int(datetime(*parts).replace(tzinfo=UTC).timestamp()) * NS)
    except (TypeError, ValueError):
        return None


def _iterative(test: Callable[[list[Any]], bool | None]) -> Scalar:
    def run(env: Env, record: Mapping[str, Any], call: ast.FunctionCall) -> Any:
        value = evaluate(call.args[0], record, env)
        return test([truth(v) for v in value]) if isinstance(value, Iter) else truth(value)

    return run


def _any(bools: list[bool | None]) -> bool | None:
    return True if True in bools else (None if None in bools else False)


def _all(bools: list[bool | None]) -> bool | None:
    return False if False in bools else (None if None in bools else True)


def _str_fn(fn: Callable[[str], Any]) -> Callable[[Any], Any]:
    return lambda v: fn(v) if isinstance(v, str) else None


SCALARS: dict[str, Scalar] = {
    "in": _in,
    "contains": _text_test(lambda e, s: s in e, True),
    "startswith": _text_test(str.startswith, True),
    "endswith": _text_test(str.endswith, True),
    "matchesphrase": _matcher(_phrase),
    "matchesvalue": _matcher(_value_match),
    "isnull": _simple(lambda v: v is None),
    "isnotnull": _simple(lambda v: v is not None),
    "istrueornull": _simple(lambda v: v is None or v is True),
    "isfalseornull": _simple(lambda v: v is None or v is False),
    "exists": _exists,
    "if": _if,
    "coalesce": lambda env, record, call: next((v for v in _args(env, record, call) if v is not None), None),
    "lower": _simple(_str_fn(str.lower)),
    "upper": _simple(_str_fn(str.upper)),
    "concat": _simple(lambda *vs: "".join(to_string(v) or "" for v in vs)),
    "splitstring": _simple(
        lambda s, sep: s.split(sep) if isinstance(s, str) and isinstance(sep, str) else None
    ),
    "tostring": _simple(to_string),
    "todouble": _simple(_to_double),
    "tolong": _simple(_to_long),
    "round": _round,
    "bin": _simple(_bin),
    "now": lambda env, record, call: env.now,
    "totimestamp": _simple(
        lambda v: v if isinstance(v, Timestamp) else parse_timestamp(v) if isinstance(v, str) else None
    ),
    "timestamp": _simple(_timestamp_of),
    "record": lambda env, record, call: {
        a.alias if isinstance(a, ast.Assignment) else getattr(a, "name", str(i)): evaluate(a, record, env)
        for i, a in enumerate(call.args)
    },
    "array": _args,
    "arraysize": _simple(lambda a: len(a) if isinstance(a, list) else None),
    "iany": _iterative(_any),
    "iall": _iterative(_all),
    "jsonpath": _simple(_json_path),
}


# ── aggregations: (env, group records, call) -> value ──

Aggregation = Callable[[Env, Sequence[Mapping[str, Any]], ast.FunctionCall], Any]


def _values(env: Env, group: Sequence[Mapping[str, Any]], call: ast.FunctionCall) -> list[Any]:
    return [v for r in group if (v := evaluate(call.args[0], r, env)) is not None]


def _numbers(env: Env, group: Sequence[Mapping[str, Any]], call: ast.FunctionCall) -> list[Any]:
    return [v for v in _values(env, group, call) if isinstance(v, int | float) and not isinstance(v, bool)]


def _distinct(values: list[Any]) -> list[Any]:
    seen: dict[Any, Any] = {}
    for v in values:
        seen.setdefault(sort_key(v), v)
    return list(seen.values())


def _extreme(pick: Callable[..., Any]) -> Aggregation:
    def run(env: Env, group: Sequence[Mapping[str, Any]], call: ast.FunctionCall) -> Any:
        values = _values(env, group, call)
        return pick(values, key=sort_key) if values else None

    return run


def _percentile(env: Env, group: Sequence[Mapping[str, Any]], call: ast.FunctionCall) -> Any:
    values = sorted(_numbers(env, group, call))
    p = evaluate(call.args[1], {}, env)
    if not values or not isinstance(p, int | float):
        return None
    pos = (len(values) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def _limited(values: list[Any], env: Env, call: ast.FunctionCall) -> list[Any]:
    n = call.named_arg("maxLength")
    return values[: evaluate(n, {}, env)] if n is not None else values


AGGREGATIONS: dict[str, Aggregation] = {
    "count": lambda env, group, call: len(group) if not call.args else len(_values(env, group, call)),
    "countif": lambda env, group, call: sum(
        1 for r in group if truth(evaluate(call.args[0], r, env)) is True
    ),
    "countdistinct": lambda env, group, call: len(_distinct(_values(env, group, call))),
    "countdistinctexact": lambda env, group, call: len(_distinct(_values(env, group, call))),
    "sum": lambda env, group, call: sum(ns) if (ns := _numbers(env, group, call)) else None,
    "avg": lambda env, group, call: sum(ns) / len(ns) if (ns := _numbers(env, group, call)) else None,
    "min": _extreme(min),
    "max": _extreme(max),
    "takemin": _extreme(min),
    "takemax": _extreme(max),
    "percentile": _percentile,
    "takefirst": lambda env, group, call: evaluate(call.args[0], group[0], env) if group else None,
    "takelast": lambda env, group, call: evaluate(call.args[0], group[-1], env) if group else None,
    "takeany": lambda env, group, call: next(iter(_values(env, group, call)), None),
    "collectdistinct": lambda env, group, call: _limited(_distinct(_values(env, group, call)), env, call),
    "collectarray": lambda env, group, call: _limited(_values(env, group, call), env, call),
}


def aggregate(env: Env, group: Sequence[Mapping[str, Any]], expr: ast.Expr) -> Any:
    """The value of an aggregation expression over a group (an aggregation call, or arithmetic over them)."""
    if isinstance(expr, ast.FunctionCall) and expr.name.lower() in AGGREGATIONS:
        return AGGREGATIONS[expr.name.lower()](env, group, expr)
    if isinstance(expr, ast.Binary):
        a, b = aggregate(env, group, expr.left), aggregate(env, group, expr.right)
        return evaluate(ast.Binary(expr.op, ast.Literal(a, "any"), ast.Literal(b, "any")), {}, env)
    if isinstance(expr, ast.Literal):
        return evaluate(expr, {}, env)
    raise ValueError(f"reference evaluator: {type(expr).__name__} is not an aggregation")

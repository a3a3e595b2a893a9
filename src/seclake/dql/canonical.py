"""Render AST nodes back to canonical DQL text (used for default field names and canonicalQuery)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from seclake.dql import ast
from seclake.dql.lexer import DURATION_UNITS, KEYWORDS

_PLAIN_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$]+)*")
_UNITS_DESC = sorted(((u, n) for u, n in DURATION_UNITS.items() if u != "w"), key=lambda kv: -kv[1])
_PREC = {"or": 1, "xor": 2, "and": 3, "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5}
_PREC.update({"+": 7, "-": 7, "*": 8, "/": 8, "%": 8})


def name_text(name: str) -> str:
    """A field name as DQL text: plain when it lexes as one name, else backtick-quoted."""
    if _PLAIN_NAME.fullmatch(name) and name.lower() not in KEYWORDS:
        return name
    return "`" + name.replace("`", "``") + "`"


def duration_text(ns: int) -> str:
    sign, ns = ("-", -ns) if ns < 0 else ("", ns)
    for unit, scale in _UNITS_DESC:
        if ns % scale == 0 and ns:
            return f"{sign}{ns // scale}{unit}"
    return f"{sign}{ns}ns"


def _literal(node: ast.Literal) -> str:
    v, t = node.value, node.type
    if t == "string":
        return json.dumps(v, ensure_ascii=False)
    if t == "null":
        return "null"
    if t == "boolean":
        return "true" if v else "false"
    if t == "duration":
        return duration_text(int(v))
    if t == "timestamp":
        dt = datetime.fromtimestamp(int(v) // 1_000_000_000, UTC)
        frac = int(v) % 1_000_000_000
        return f'toTimestamp("{dt:%Y-%m-%dT%H:%M:%S}.{frac:09d}Z")'
    return repr(v)


def _binary(node: ast.Binary) -> str:
    p = _PREC[node.op]
    left, right = to_text(node.left), to_text(node.right)
    if isinstance(node.left, ast.Binary) and _PREC[node.left.op] < p:
        left = f"({left})"
    if isinstance(node.right, ast.Binary) and _PREC[node.right.op] <= p:
        right = f"({right})"
    return f"{left} {node.op} {right}"


def _items(items: Iterable[Any]) -> str:
    return ", ".join(to_text(i) for i in items)


def _braces(items: Iterable[Any]) -> str:
    return "{" + _items(items) + "}"


def _call(node: ast.FunctionCall) -> str:
    parts = [_full_assignment(a) if isinstance(a, ast.Assignment) else to_text(a) for a in node.args]
    parts += [to_text(n) for n in node.named]
    return f"{node.name}({', '.join(parts)})"


def _opt(name: str, value: Any) -> list[str]:
    return [] if value is None else [f"{name}: {to_text(value)}"]


def _fetch(n: ast.Fetch) -> str:
    parts = [n.source, *_opt("from", n.from_), *_opt("to", n.to)]
    parts += [*_opt("timeframe", n.timeframe), *_opt("bucket", n.bucket)]
    return "fetch " + ", ".join(parts)


def _aggs(word: str, aggs: tuple[ast.Assignment, ...], by: tuple[ast.Assignment, ...]) -> str:
    text = f"{word} {_braces(aggs)}"
    return text + (f", by: {_braces(by)}" if by else "")


def _mts(n: ast.MakeTimeseries) -> str:
    extra = [*_opt("interval", n.interval), *_opt("bins", n.bins), *_opt("from", n.from_)]
    extra += [*_opt("to", n.to), *_opt("timeframe", n.timeframe), *_opt("time", n.time)]
    return ", ".join([_aggs("makeTimeseries", n.aggregations, n.by), *extra])


def _fields_opt(fields: tuple[ast.Assignment, ...] | None) -> list[str]:
    return [] if fields is None else [f"fields: {_braces(fields)}"]


def _full_assignment(n: ast.Assignment) -> str:
    return f"{name_text(n.alias)} = {to_text(n.expr)}"


def _assignment(n: ast.Assignment) -> str:
    if isinstance(n.expr, ast.FieldRef) and n.expr.name == n.alias:
        return name_text(n.alias)
    return f"{name_text(n.alias)} = {to_text(n.expr)}"


_RENDER: dict[type, Callable[[Any], str]] = {
    ast.FieldRef: lambda n: name_text(n.name),
    ast.Literal: _literal,
    ast.Unary: lambda n: f"not {_wrap(n.operand)}" if n.op == "not" else f"-{_wrap(n.operand)}",
    ast.Binary: _binary,
    ast.FunctionCall: _call,
    ast.NamedArg: lambda n: f"{n.name}: {to_text(n.value)}",
    ast.BraceList: lambda n: _braces(n.items),
    ast.Index: lambda n: f"{to_text(n.base)}[{'' if n.key is None else to_text(n.key)}]",
    ast.TimeAlign: lambda n: f"{_wrap(n.operand)}@{n.unit}",
    ast.Subquery: lambda n: f"[{to_text(n.query)}]",
    ast.Assignment: _assignment,
    ast.SortKey: lambda n: f"{to_text(n.expr)} {'desc' if n.descending else 'asc'}",
    ast.Query: lambda n: "\n| ".join(to_text(c) for c in n.commands),
    ast.Fetch: _fetch,
    ast.Filter: lambda n: f"filter {to_text(n.condition)}",
    ast.FilterOut: lambda n: f"filterOut {to_text(n.condition)}",
    ast.Fields: lambda n: f"fields {_items(n.items)}",
    ast.FieldsAdd: lambda n: f"fieldsAdd {_items(n.items)}",
    ast.FieldsRemove: lambda n: f"fieldsRemove {_patterns(n.patterns)}",
    ast.FieldsKeep: lambda n: f"fieldsKeep {_patterns(n.patterns)}",
    ast.Rename: lambda n: f"{name_text(n.new)} = {name_text(n.old)}",
    ast.FieldsRename: lambda n: f"fieldsRename {_items(n.renames)}",
    ast.Sort: lambda n: f"sort {_items(n.keys)}",
    ast.Limit: lambda n: f"limit {to_text(n.count)}",
    ast.Dedup: lambda n: f"dedup {_braces(n.keys)}" + (f", sort: {_braces(n.sort)}" if n.sort else ""),
    ast.Summarize: lambda n: _aggs("summarize", n.aggregations, n.by),
    ast.MakeTimeseries: _mts,
    ast.Expand: lambda n: ", ".join(
        [f"expand {_assignment(ast.Assignment(n.alias, n.expr))}", *_opt("limit", n.limit)]
    ),
    ast.Parse: lambda n: f"parse {to_text(n.expr)}, {json.dumps(n.pattern, ensure_ascii=False)}",
    ast.Lookup: lambda n: ", ".join(
        [
            f"lookup [{to_text(n.subquery)}]",
            f"sourceField: {name_text(n.source_field)}",
            f"lookupField: {name_text(n.lookup_field)}",
            f"prefix: {json.dumps(n.prefix)}",
            *_fields_opt(n.fields),
        ]
    ),
    ast.JoinOn: lambda n: f"left[{name_text(n.left)}] == right[{name_text(n.right)}]",
    ast.Join: lambda n: ", ".join(
        [
            f"join [{to_text(n.subquery)}]",
            f"on: {_braces(n.on)}",
            f"kind: {n.kind}",
            f"prefix: {json.dumps(n.prefix)}",
            *_fields_opt(n.fields),
        ]
    ),
    ast.Append: lambda n: f"append [{to_text(n.subquery)}]",
}


def _patterns(patterns: tuple[str, ...]) -> str:
    return ", ".join(p if "*" in p else name_text(p) for p in patterns)


def _wrap(node: Any) -> str:
    text = to_text(node)
    return f"({text})" if isinstance(node, ast.Binary | ast.Unary) else text


def to_text(node: Any) -> str:
    """Canonical DQL text of any AST node."""
    return _RENDER[type(node)](node)

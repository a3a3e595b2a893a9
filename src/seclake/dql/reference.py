"""A deliberately simple reference evaluator of DQL over a list of records (flat dotted keys).

It runs the parsed query command by command in plain Python, straight from the semantics in dql.md,
so the SQL compiler can be checked against it (tests/unit/dql/test_equivalence.py). It shares only the
parser and the AST with the compiler. Speed is no goal: a few thousand records are plenty.

    run_query(text_or_ast, records, now=...) -> list[dict]     records in, records out (typed values)
    typed_records(events)                                      catalog timestamps (strings/ns) -> Timestamp
    to_json_records(rows)                                      typed values -> the query API's JSON shapes
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from seclake.dql import ast
from seclake.dql.parser import parse
from seclake.dql.reference_functions import SCALARS, aggregate
from seclake.dql.reference_values import (
    Duration,
    Env,
    Iter,
    Timeframe,
    Timestamp,
    equals,
    evaluate,
    parse_timestamp,
    sort_key,
    truth,
)
from seclake.dql.result import format_timestamp_ns
from seclake.model import FIELDS, FieldType

__all__ = ["Duration", "Timeframe", "Timestamp", "run_query", "to_json", "to_json_records", "typed_records"]

Row = dict[str, Any]
DEFAULT_RANGE = timedelta(hours=2)
NICE_INTERVALS_S = (1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 10800, 21600, 43200, 86400, 604800)
TIMESTAMP_FIELDS = frozenset(name for name, f in FIELDS.items() if f.type == FieldType.TIMESTAMP)


def _ns(dt: datetime) -> int:
    return int(dt.replace(tzinfo=dt.tzinfo or UTC).timestamp()) * 1_000_000_000 + dt.microsecond * 1000


def typed_records(events: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Events as the store holds them: catalog timestamp fields become Timestamp (strings or ns ints)."""
    out: list[Row] = []
    for event in events:
        row = dict(event)
        for name in TIMESTAMP_FIELDS & row.keys():
            v = row[name]
            row[name] = (
                parse_timestamp(v) if isinstance(v, str) else Timestamp(v) if isinstance(v, int) else v
            )
        out.append(row)
    return out


def to_json(v: Any) -> Any:
    """A typed value in the query API's JSON form (timestamps RFC 3339 with ns, durations ns)."""
    if isinstance(v, Timestamp):
        return format_timestamp_ns(v.ns)
    if isinstance(v, Duration):
        return v.ns
    if isinstance(v, Timeframe):
        return {"start": format_timestamp_ns(v.start.ns), "end": format_timestamp_ns(v.end.ns)}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    return v


def to_json_records(rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    return [{k: to_json(v) for k, v in row.items()} for row in rows]


# ── the evaluation context ──


@dataclass
class Context:
    source: Sequence[Row]
    env: Env
    default_from: Timestamp
    default_to: Timestamp
    timeframe: tuple[Timestamp, Timestamp] | None = None  # set by fetch


def _value(v: Any) -> Any:
    return list(v) if isinstance(v, Iter) else v


def _when(expr: ast.Expr | None, ctx: Context) -> Timestamp | None:
    if expr is None:
        return None
    v = evaluate(expr, {}, ctx.env)
    if isinstance(v, Duration):
        return Timestamp(ctx.env.now.ns - abs(v.ns))
    if isinstance(v, str):
        return parse_timestamp(v)
    return v if isinstance(v, Timestamp) else None


def _fetch(rows: list[Row], cmd: ast.Fetch, ctx: Context) -> list[Row]:
    start, end = _when(cmd.from_, ctx), _when(cmd.to, ctx)
    if cmd.timeframe is not None:
        text = str(evaluate(cmd.timeframe, {}, ctx.env))
        a, _, b = text.partition("/")
        start, end = parse_timestamp(a), parse_timestamp(b)
    if start is None and end is None:
        start, end = ctx.default_from, ctx.default_to
    end = end or ctx.env.now
    start = start or Timestamp(end.ns - int(DEFAULT_RANGE.total_seconds()) * 1_000_000_000)
    ctx.timeframe = (start, end)
    bucket = None if cmd.bucket is None else evaluate(cmd.bucket, {}, ctx.env)
    out = []
    for row in ctx.source:
        ts = row.get("timestamp")
        if not isinstance(ts, Timestamp) or not start.ns <= ts.ns < end.ns:
            continue
        if cmd.source == "events" and row.get("event.kind") != "SECURITY_EVENT":
            continue
        if bucket is not None and row.get("dt.system.bucket") != bucket:
            continue
        out.append(dict(row))
    return out


def _pattern(p: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in p.split("*")) + r"\Z")


def _assign(row: Row, items: Sequence[ast.Assignment], ctx: Context, base: Row) -> Row:
    for item in items:
        base[item.alias] = _value(evaluate(item.expr, row, ctx.env))
    return base


def _ordered(rows: list[Row], keys: Sequence[ast.SortKey], ctx: Context) -> list[Row]:
    out = list(rows)
    for key in reversed(keys):  # stable sorts, least significant key first; nulls last either way
        values = [(evaluate(key.expr, r, ctx.env), r) for r in out]
        present = sorted(
            (p for p in values if p[0] is not None), key=lambda p: sort_key(p[0]), reverse=key.descending
        )
        out = [r for _, r in present] + [r for v, r in values if v is None]
    return out


def _group_key(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(("null",) if v is None else sort_key(v) for v in values)


def _groups(
    rows: list[Row], by: Sequence[ast.Assignment], ctx: Context
) -> dict[tuple[Any, ...], tuple[Row, list[Row]]]:
    groups: dict[tuple[Any, ...], tuple[Row, list[Row]]] = {}
    for row in rows:
        keys = {b.alias: _value(evaluate(b.expr, row, ctx.env)) for b in by}
        groups.setdefault(_group_key(list(keys.values())), (keys, []))[1].append(row)
    return groups


def _summarize(rows: list[Row], cmd: ast.Summarize, ctx: Context) -> list[Row]:
    groups = _groups(rows, cmd.by, ctx)
    if not cmd.by and not groups:
        groups[()] = ({}, [])
    return [
        {**keys, **{a.alias: _value(aggregate(ctx.env, members, a.expr)) for a in cmd.aggregations}}
        for keys, members in groups.values()
    ]


def _dedup(rows: list[Row], cmd: ast.Dedup, ctx: Context) -> list[Row]:
    seen: dict[tuple[Any, ...], Row] = {}
    for row in _ordered(rows, cmd.sort, ctx):
        seen.setdefault(_group_key([evaluate(k, row, ctx.env) for k in cmd.keys]), row)
    return list(seen.values())


def _interval(cmd: ast.MakeTimeseries, span_ns: int, ctx: Context) -> int:
    if cmd.interval is not None:
        v = evaluate(cmd.interval, {}, ctx.env)
        return int(v.ns if isinstance(v, Duration) else v)
    bins = int(evaluate(cmd.bins, {}, ctx.env)) if cmd.bins is not None else 120
    wanted = -(-span_ns // max(bins, 1))
    return next((s * 10**9 for s in NICE_INTERVALS_S if s * 10**9 >= wanted), wanted)


def _timeseries(rows: list[Row], cmd: ast.MakeTimeseries, ctx: Context) -> list[Row]:
    start, end = ctx.timeframe or (ctx.default_from, ctx.default_to)
    start, end = _when(cmd.from_, ctx) or start, _when(cmd.to, ctx) or end
    step = _interval(cmd, end.ns - start.ns, ctx)
    first, last = start.ns - start.ns % step, -(-end.ns // step) * step
    nbins = (last - first) // step
    time_of = cmd.time or ast.FieldRef("timestamp")
    out = []
    for keys, members in _groups(rows, cmd.by, ctx).values():
        bins: list[list[Row]] = [[] for _ in range(nbins)]
        for row in members:
            t = evaluate(time_of, row, ctx.env)
            if isinstance(t, Timestamp) and start.ns <= t.ns < end.ns:
                bins[(t.ns - first) // step].append(row)
        if not any(bins):
            continue
        series = {
            a.alias: [aggregate(ctx.env, b, a.expr) if b else None for b in bins] for a in cmd.aggregations
        }
        out.append(
            {
                **keys,
                "timeframe": Timeframe(Timestamp(first), Timestamp(last)),
                "interval": Duration(step),
                **series,
            }
        )
    return out


def _expand(rows: list[Row], cmd: ast.Expand, ctx: Context) -> list[Row]:
    limit = None if cmd.limit is None else int(evaluate(cmd.limit, {}, ctx.env))
    out = []
    for row in rows:
        value = _value(evaluate(cmd.expr, row, ctx.env))
        if value is None:
            continue  # one row per element: null has none
        if not isinstance(value, list):
            out.append({**row, cmd.alias: value})
            continue
        out.extend({**row, cmd.alias: element} for element in value[:limit])
    return out


def _parse(rows: list[Row], cmd: ast.Parse, ctx: Context) -> list[Row]:
    kind, _, alias = cmd.pattern.strip().partition(":")
    if kind.strip().upper() != "JSON" or not alias.strip():
        raise ValueError(f"reference evaluator: unsupported parse pattern {cmd.pattern!r}")
    out = []
    for row in rows:
        text = evaluate(cmd.expr, row, ctx.env)
        try:
            parsed = orjson.loads(text) if isinstance(text, str) else None
        except orjson.JSONDecodeError:
            parsed = None
        out.append({**row, alias.strip(): parsed if isinstance(parsed, dict) else None})
    return out


def _picked(right: Row, fields: Sequence[ast.Assignment] | None, prefix: str, ctx: Context) -> Row:
    if fields is None:
        return {prefix + k: v for k, v in right.items()}
    return {prefix + f.alias: _value(evaluate(f.expr, right, ctx.env)) for f in fields}


def _lookup(rows: list[Row], cmd: ast.Lookup, ctx: Context) -> list[Row]:
    table = _run(cmd.subquery, ctx)
    out = []
    for row in rows:
        key = row.get(cmd.source_field)
        match = next((r for r in table if equals(key, r.get(cmd.lookup_field)) is True), None)
        out.append({**row, **_picked(match, cmd.fields, cmd.prefix, ctx)} if match is not None else row)
    return out


def _join(rows: list[Row], cmd: ast.Join, ctx: Context) -> list[Row]:
    table = _run(cmd.subquery, ctx)
    out: list[Row] = []
    for row in rows:
        matches = [r for r in table if all(equals(row.get(o.left), r.get(o.right)) is True for o in cmd.on)]
        out.extend({**row, **_picked(m, cmd.fields, cmd.prefix, ctx)} for m in matches)
        if not matches and cmd.kind != "inner":
            out.append(row)
    return out


def _fields_remove(rows: list[Row], cmd: ast.FieldsRemove, ctx: Context) -> list[Row]:
    pats = [_pattern(p) for p in cmd.patterns]
    return [{k: v for k, v in r.items() if not any(p.match(k) for p in pats)} for r in rows]


def _fields_keep(rows: list[Row], cmd: ast.FieldsKeep, ctx: Context) -> list[Row]:
    pats = [_pattern(p) for p in cmd.patterns]
    return [{k: v for k, v in r.items() if any(p.match(k) for p in pats)} for r in rows]


def _fields_rename(rows: list[Row], cmd: ast.FieldsRename, ctx: Context) -> list[Row]:
    out = []
    for row in rows:
        new = dict(row)
        for r in cmd.renames:
            value = new.pop(r.old, None)
            new[r.new] = value
        out.append(new)
    return out


COMMANDS: dict[type, Callable[[list[Row], Any, Context], list[Row]]] = {
    ast.Fetch: _fetch,
    ast.Filter: lambda rows, c, ctx: [r for r in rows if truth(evaluate(c.condition, r, ctx.env)) is True],
    ast.FilterOut: lambda rows, c, ctx: [
        r for r in rows if truth(evaluate(c.condition, r, ctx.env)) is not True
    ],
    ast.Fields: lambda rows, c, ctx: [_assign(r, c.items, ctx, {}) for r in rows],
    ast.FieldsAdd: lambda rows, c, ctx: [_assign(r, c.items, ctx, dict(r)) for r in rows],
    ast.FieldsRemove: _fields_remove,
    ast.FieldsKeep: _fields_keep,
    ast.FieldsRename: _fields_rename,
    ast.Sort: lambda rows, c, ctx: _ordered(rows, c.keys, ctx),
    ast.Limit: lambda rows, c, ctx: rows[: max(0, int(evaluate(c.count, {}, ctx.env)))],
    ast.Dedup: _dedup,
    ast.Summarize: _summarize,
    ast.MakeTimeseries: _timeseries,
    ast.Expand: _expand,
    ast.Parse: _parse,
    ast.Lookup: _lookup,
    ast.Join: _join,
    ast.Append: lambda rows, c, ctx: rows + _run(c.subquery, ctx),
}


def _run(query: ast.Query, ctx: Context) -> list[Row]:
    rows: list[Row] = []
    sub = Context(ctx.source, ctx.env, ctx.default_from, ctx.default_to)
    for cmd in query.commands:
        rows = COMMANDS[type(cmd)](rows, cmd, sub)
    return rows


def run_query(
    query: str | ast.Query,
    records: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    default_from: datetime | None = None,
    default_to: datetime | None = None,
) -> list[Row]:
    """Evaluate DQL over `records` (typed values, see typed_records); returns the result records."""
    tree = parse(query) if isinstance(query, str) else query
    now_ts = Timestamp(_ns(now))
    to = Timestamp(_ns(default_to)) if default_to else now_ts
    start = (
        Timestamp(_ns(default_from))
        if default_from
        else Timestamp(to.ns - _ns(datetime(1970, 1, 1, 2, tzinfo=UTC)))
    )
    ctx = Context([dict(r) for r in records], Env(now_ts, SCALARS), start, to)
    return _run(tree, ctx)

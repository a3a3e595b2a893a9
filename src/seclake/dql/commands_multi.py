"""Lowering of the commands that build more than one CTE: makeTimeseries, lookup, join, append.

makeTimeseries empty bins (A1; dql.md is silent): count, countIf and countDistinct* give 0, as Grail
shows in practice; every other aggregation gives null in a bin without records.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql import sqljson as sj
from seclake.dql.commands import timeframe_of
from seclake.dql.expressions import Column, Scope
from seclake.dql.program import Program, State, column_for, numbered, select_from
from seclake.dql.timeutil import nice_interval, series_grid
from seclake.store.schema import ATTRIBUTES_COLUMN

MAX_BINS = 10_000
DEFAULT_BINS = 120
DEFAULT_SPAN_NS = 2 * 3600 * 1_000_000_000
_ZERO_WHEN_EMPTY = frozenset(
    {"count", "countIf", "countDistinct", "countDistinctExact", "countDistinctApprox"}
)
_BIN = "__bin"

# Compiles a subquery pipeline in the same program (set by seclake.dql.compiler).
PipelineCompiler = Callable[[Program, ast.Query], State]


def _const(p: Program, state: State, node: ast.Expr | None, typ: str, what: str) -> int | None:
    if node is None:
        return None
    c = p.exprs(state)
    v = c.compile(node)
    if v.type != typ or not v.is_const or not isinstance(v.const, int) or v.const <= 0:
        raise c.error(f"{what}: expects a positive constant {typ}", node)
    return int(v.const)


def make_timeseries(p: Program, state: State, m: ast.MakeTimeseries) -> State:
    start, end = timeframe_of(p, m)
    if start is None or end is None:
        frame = state.timeframe or (p.now_ns - DEFAULT_SPAN_NS, p.now_ns)
        start, end = start if start is not None else frame[0], end if end is not None else frame[1]
    c = p.exprs(state)
    if end <= start:
        raise c.error("makeTimeseries needs a timeframe whose end is after its start", m)
    interval = _const(p, state, m.interval, "duration", "interval")
    bins = _const(p, state, m.bins, "long", "bins") or DEFAULT_BINS
    interval = interval or nice_interval(end - start, bins)
    first, last, n = series_grid(start, end, interval)
    if n > MAX_BINS:
        raise c.error(f"makeTimeseries would create {n} bins (at most {MAX_BINS}); use a larger interval", m)
    time = c.compile(m.time) if m.time is not None else c.field("timestamp")
    if time.type != "timestamp":
        raise c.error("time: must be a timestamp field", m.time or m)
    ns = sb.fn(p.dialect, "epoch_ns", time.sql)
    bin_sql = exp.IntDiv(
        this=exp.Paren(this=exp.Sub(this=ns, expression=sb.number(first))), expression=sb.number(interval)
    )
    by_items, by_names, by_scope = [], [], Scope()
    for item in m.by:
        t = c.compile(item.expr)
        by_items.append((sj.group_key(t, p.dialect), item.alias))
        by_names.append(item.alias)
        by_scope.columns[item.alias] = column_for(t)
    c.allow_agg = True
    aggs = []
    for item in m.aggregations:
        t = c.compile(item.expr)
        name = item.expr.name if isinstance(item.expr, ast.FunctionCall) else ""
        aggs.append((t, item.alias, name in _ZERO_WHEN_EMPTY))
    where = sb.and_(
        exp.GTE(this=time.sql, expression=sb.timestamp_literal(first, p.dialect)),
        exp.LT(this=time.sql, expression=sb.timestamp_literal(last, p.dialect)),
    )
    agg_cols = [sb.alias(sql, a) for sql, a in by_items] + [sb.alias(bin_sql, _BIN)]
    agg_cols += [sb.alias(t.sql, a) for t, a, _ in aggs]
    agg_source = numbered(p, state) if c.needs_row_number else state.source
    agg_select = sb.group_by(
        sb.where(select_from(agg_source, agg_cols), where), *[s for s, _ in by_items], bin_sql
    )
    agg_name = p.add(agg_select)
    grid_name = p.add(_grid(p, agg_name, by_names, n))
    g, a = "g", "a"
    join_on: list[exp.Expr] = [exp.EQ(this=sb.col(_BIN, g), expression=sb.col(_BIN, a))]
    join_on += [exp.NullSafeEQ(this=sb.col(b, g), expression=sb.col(b, a)) for b in by_names]
    frame_sql = exp.Struct(
        expressions=[
            exp.PropertyEQ(this=sb.ident("start"), expression=sb.timestamp_literal(first, p.dialect)),
            exp.PropertyEQ(this=sb.ident("end"), expression=sb.timestamp_literal(last, p.dialect)),
        ]
    )
    items = [sb.alias(frame_sql, "timeframe"), sb.alias(sb.number(interval), "interval")]
    items += [sb.col(b, g) for b in by_names]
    order = exp.Order(expressions=[exp.Ordered(this=sb.col(_BIN, g))])
    for _t, alias, zero in aggs:
        value: exp.Expr = sb.col(alias, a)
        if zero:
            value = exp.Coalesce(this=value, expressions=[sb.number(0)])
        listed = (
            sb.fn(p.dialect, "collect", value)
            if p.dialect == "clickhouse"
            else exp.ArrayAgg(this=exp.Order(this=value, expressions=order.expressions))
        )
        items.append(sb.alias(listed, alias))
    final = sb.join(
        sb.select(*items, source=sb.table(grid_name, g)),
        sb.table(agg_name, a),
        on=sb.and_(*join_on),
        side="LEFT",
    )
    if by_names:
        final = sb.group_by(final, *[sb.col(b, g) for b in by_names])
    scope = Scope({"timeframe": Column("timeframe"), "interval": Column("duration")})
    scope.columns.update(by_scope.columns)
    for t, alias, _ in aggs:
        scope.columns[alias] = Column(f"array<{'json' if t.json is not None else t.type or ''}>")
    new = state.then(p.add(final), scope, keep_order=False)
    new.timeframe = (first, last)
    return new


def _grid(p: Program, agg_name: str, by_names: list[str], n: int) -> exp.Select:
    rng = exp.Table(this=sb.fn(p.dialect, "range", sb.number(n)))
    bin_col = "number" if p.dialect == "clickhouse" else "range"
    bins = sb.select(sb.alias(exp.column(bin_col), _BIN), source=rng)
    if not by_names:
        return bins
    groups = sb.select(*[sb.col(b) for b in by_names], source=sb.table(agg_name))
    groups.set("distinct", exp.Distinct())
    return sb.join(
        sb.select(
            *[sb.col(b, "k") for b in by_names],
            sb.col(_BIN, "r"),
            source=exp.alias_(groups.subquery(copy=False), "k", copy=False),
        ),
        exp.alias_(bins.subquery(copy=False), "r", copy=False),
        on=None,
        kind="CROSS",
    )


def _added(
    right: State, fields: tuple[ast.Assignment, ...] | None, prefix: str, p: Program
) -> list[tuple[exp.Expr, str, Column]]:
    """(right-side SQL, output name, column) for the fields lookup/join add."""
    c = p.exprs(right, table="r")
    if fields is None:
        return [(sb.col(n, "r"), prefix + n, col) for n, col in right.scope.columns.items()]
    out = []
    for f in fields:
        t = c.compile(f.expr)
        out.append((t.sql, prefix + f.alias, column_for(t)))
    return out


def _joined(
    p: Program,
    left: State,
    right_source: str,
    added: list[tuple[exp.Expr, str, Column]],
    on: exp.Expr,
    *,
    kind: str,
) -> State:
    names = {name for _, name, _ in added}
    scope = Scope({n: col for n, col in left.scope.columns.items() if n not in names}, left.scope.attributes)
    items: list[exp.Expr] = [sb.col(n, "l") for n in scope.columns]
    for sql, name, col in added:
        items.append(sb.alias(sql, name))
        scope.columns[name] = col
    if scope.attributes:
        items.append(sb.col(ATTRIBUTES_COLUMN, "l"))
    select = sb.join(
        sb.select(*items, source=sb.table(left.source, "l")),
        sb.table(right_source, "r"),
        on=on,
        side=kind,
    )
    return left.then(p.add(select), scope, keep_order=False)


def lookup(p: Program, state: State, lk: ast.Lookup, compile_pipeline: PipelineCompiler) -> State:
    right = compile_pipeline(p, lk.subquery)
    rc = p.exprs(right)
    key = rc.compile(ast.FieldRef(lk.lookup_field, pos=lk.pos)).sql
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=[key],
        order=exp.Order(expressions=list(right.order)) if right.order else None,
    )
    first = sb.select(exp.Star(), source=sb.table(right.source))
    first.set("qualify", exp.Qualify(this=exp.EQ(this=window, expression=sb.number(1))))
    right = right.then(p.add(first))
    lhs = p.exprs(state, table="l").compile(ast.FieldRef(lk.source_field, pos=lk.pos)).sql
    rhs = p.exprs(right, table="r").compile(ast.FieldRef(lk.lookup_field, pos=lk.pos)).sql
    added = _added(right, lk.fields, lk.prefix, p)
    return _joined(p, state, right.source, added, exp.EQ(this=lhs, expression=rhs), kind="LEFT")


_JOIN_KINDS = {"inner": "", "leftOuter": "LEFT", "outer": "FULL"}


def join(p: Program, state: State, j: ast.Join, compile_pipeline: PipelineCompiler) -> State:
    right = compile_pipeline(p, j.subquery)
    lc, rc = p.exprs(state, table="l"), p.exprs(right, table="r")
    conds = [
        exp.EQ(
            this=lc.compile(ast.FieldRef(o.left, pos=o.pos)).sql,
            expression=rc.compile(ast.FieldRef(o.right, pos=o.pos)).sql,
        )
        for o in j.on
    ]
    added = _added(right, j.fields, j.prefix, p)
    return _joined(p, state, right.source, added, sb.and_(*conds), kind=_JOIN_KINDS[j.kind])


def append(p: Program, state: State, a: ast.Append, compile_pipeline: PipelineCompiler) -> State:
    right = compile_pipeline(p, a.subquery)
    names = list(state.scope.columns) + [n for n in right.scope.columns if n not in state.scope.columns]
    attributes = state.scope.attributes or right.scope.attributes
    scope = Scope(attributes=attributes)
    for n in names:
        lt, rt = state.scope.columns.get(n), right.scope.columns.get(n)
        types = {x.type for x in (lt, rt) if x is not None}
        scope.columns[n] = Column(
            types.pop() if len(types) == 1 else None, json=any(x.json for x in (lt, rt) if x)
        )

    def side(s: State) -> exp.Select:
        cols = [sb.col(n) if n in s.scope.columns else sb.alias(exp.Null(), n) for n in names]
        if attributes:
            cols.append(
                sb.col(ATTRIBUTES_COLUMN) if s.scope.attributes else sb.alias(exp.Null(), ATTRIBUTES_COLUMN)
            )
        return select_from(s.source, cols)

    union = exp.union(side(state), side(right), distinct=False)
    return state.then(p.add(union), scope, keep_order=False)

"""Lowering of `dedup {keys}, sort: {...}`: the first record per key in the sort order.

Two forms, both carrying only the fields later commands read (`Program.needed`, see
seclake.dql.prune) instead of every column (finding P1):
- DuckDB, when later needs are known and the sort keys share one direction: a hash aggregate,
  `GROUP BY keys` with `arg_max_null({carried fields}, (k IS NOT NULL, k, ...))` (arg_min_null for
  ascending), then the struct unpacked. One struct per group keeps all fields from the same record;
  the `IS NOT NULL` flags put nulls last, as `sort` does. This is the hand-written form and avoids
  sorting every row in a window.
- otherwise `QUALIFY ROW_NUMBER() OVER (PARTITION BY keys ORDER BY ...) = 1`.
"""

from __future__ import annotations

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql import sqljson as sj
from seclake.dql.commands import sort_keys
from seclake.dql.expressions import Scope
from seclake.dql.program import Program, State, projection, select_from
from seclake.dql.prune import field_refs
from seclake.store.schema import ATTRIBUTES_COLUMN

_ROW = "__row"


def dedup(p: Program, state: State, d: ast.Dedup) -> State:
    c = p.exprs(state)
    keys = [sj.group_key(c.compile(k), p.dialect) for k in d.keys]
    order = sort_keys(p, state, d.sort) if d.sort else state.order
    scope = _carried(state, p.needed, frozenset(field_refs(d.keys)))
    directions = {bool(o.args.get("desc")) for o in order}
    if scope is not None and p.dialect == "duckdb" and len(directions) == 1:
        plain = _plain_keys(state, d.keys)
        return _by_aggregate(p, state, scope, keys, order, plain=plain, desc=directions.pop())
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=keys,
        order=exp.Order(expressions=list(order)) if order else None,
    )
    items: list[exp.Expr] = projection(scope) if scope is not None else [exp.Star()]
    select = sb.qualify(select_from(state.source, items), exp.EQ(this=window, expression=sb.number(1)))
    return state.then(p.add(select), scope)


def _plain_keys(state: State, keys: tuple[ast.Expr, ...]) -> frozenset[str]:
    """Keys that are typed columns as they are: equal within a group, so read from GROUP BY directly."""
    return frozenset(
        k.name
        for k in keys
        if isinstance(k, ast.FieldRef)
        and (column := state.scope.columns.get(k.name)) is not None
        and not column.json
    )


def _carried(state: State, needed: frozenset[str] | None, keys: frozenset[str]) -> Scope | None:
    """The fields to carry: those later commands read, the keys and a pending sort's columns;
    `__attributes` too when a needed name is not a column (it may be held there). None: all."""
    if needed is None:
        return None
    keep = needed | keys | state.order_columns
    columns = {n: col for n, col in state.scope.columns.items() if n in keep}
    attributes = state.scope.attributes and not needed <= state.scope.columns.keys()
    if not columns and not attributes:
        return None  # nothing is read later (e.g. count()): nothing to choose between
    return Scope(columns, attributes)


def _by_aggregate(
    p: Program,
    state: State,
    scope: Scope,
    keys: list[exp.Expr],
    order: tuple[exp.Ordered, ...],
    *,
    plain: frozenset[str],
    desc: bool,
) -> State:
    """GROUP BY keys; plain keys straight from the grouping, one other field by its own arg_max_null
    (no struct: a struct argument makes DuckDB's arg_max several times slower), several in one struct
    (so that all of them come from the same record, even when sort values tie)."""
    names = [*scope.columns, *([ATTRIBUTES_COLUMN] if scope.attributes else [])]
    carried = [n for n in names if n not in plain]
    rank: list[exp.Expr] = []
    for o in order:
        value = o.this.copy()
        present = exp.Not(this=sb.is_null(value.copy())) if desc else sb.is_null(value.copy())
        rank += [present, value]
    pick_name = "arg_max_null" if desc else "arg_min_null"

    def pick(value: exp.Expr) -> exp.Expr:
        return sb.call(pick_name, value, exp.Tuple(expressions=[r.copy() for r in rank]))

    if len(carried) <= 1:
        items = [sb.col(n) if n in plain else sb.alias(pick(sb.col(n)), n) for n in names]
        return state.then(p.add(sb.group_by(select_from(state.source, items), *keys)), scope)
    row = exp.Struct(expressions=[exp.PropertyEQ(this=sb.ident(n), expression=sb.col(n)) for n in carried])
    grouped_items = [*(sb.col(n) for n in names if n in plain), sb.alias(pick(row), _ROW)]
    source = p.add(sb.group_by(select_from(state.source, grouped_items), *keys))
    unpacked = [
        sb.col(n) if n in plain else sb.alias(sb.call("struct_extract", sb.col(_ROW), sb.string(n)), n)
        for n in names
    ]
    return state.then(p.add(select_from(source, unpacked)), scope)

"""Compilation state: the growing list of CTEs (one per command) and the state after each command."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlglot import exp

from seclake.dql import sqlbuild as sb
from seclake.dql.expressions import Column, ExprCompiler, Scope
from seclake.dql.sqlbuild import Dialect
from seclake.store.schema import ATTRIBUTES_COLUMN


@dataclass
class Program:
    """Everything one query compiles into: CTEs in order (subqueries share the list)."""

    dialect: Dialect
    now_ns: int
    text: str
    default_from: int | None
    default_to: int | None
    misfits: frozenset[str] = frozenset()  # catalog fields that may have values in __attributes
    needed: frozenset[str] | None = None  # fields the commands after the current one read (None: all)
    ctes: list[tuple[str, exp.Expr]] = field(default_factory=list)

    def add(self, select: exp.Expr) -> str:
        name = f"s{len(self.ctes)}"
        self.ctes.append((name, select))
        return name

    def exprs(self, state: State, table: str | None = None) -> ExprCompiler:
        return ExprCompiler(self.dialect, state.scope, self.now_ns, self.text, table=table, order=state.order)


@dataclass
class State:
    """After a command: the CTE holding its rows, the fields, a pending order and the timeframe."""

    source: str
    scope: Scope
    order: tuple[exp.Ordered, ...] = ()
    order_columns: frozenset[str] = frozenset()
    timeframe: tuple[int, int] | None = None

    def then(self, source: str, scope: Scope | None = None, *, keep_order: bool = True) -> State:
        scope = scope if scope is not None else self.scope
        order, cols = self.order, self.order_columns
        if not keep_order or any(
            c not in scope.columns and not (c == ATTRIBUTES_COLUMN and scope.attributes) for c in cols
        ):
            order, cols = (), frozenset()
        return replace(self, source=source, scope=scope, order=order, order_columns=cols)


def projection(scope: Scope, table: str | None = None) -> list[exp.Expr]:
    """Every column of `scope` (plus `__attributes` when present), in order."""
    cols: list[exp.Expr] = [sb.col(n, table) for n in scope.columns]
    if scope.attributes:
        cols.append(sb.col(ATTRIBUTES_COLUMN, table))
    return cols


def column_for(t: sb.Typed) -> Column:
    """The scope entry for a computed value."""
    if t.json is not None:
        return Column(t.type if t.type != "null" else None, json=True)
    return Column(None if t.type in ("null", None) else t.type)


def referenced_columns(nodes: tuple[exp.Expr, ...]) -> frozenset[str]:
    return frozenset(c.name for n in nodes for c in n.find_all(exp.Column))


def select_from(source: str, items: list[exp.Expr]) -> exp.Select:
    return sb.select(*items, source=sb.table(source))


def numbered(p: Program, state: State) -> str:
    """A CTE over `state` adding ROW_NUMBER() in the pending sort order (ClickHouse's takeFirst/takeLast)."""
    window = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=[o.copy() for o in state.order]))
    return p.add(select_from(state.source, [exp.Star(), sb.alias(window, sb.ROW_NUMBER_COLUMN)]))


def star_with(state: State, values: dict[str, exp.Expr]) -> list[exp.Expr]:
    """`* REPLACE (...)` for overwritten columns, then the new ones: no re-listing of every column."""
    replaced = [
        exp.Alias(this=sql, alias=sb.ident(n)) for n, sql in values.items() if n in state.scope.columns
    ]
    star = exp.Star(**{"replace": replaced}) if replaced else exp.Star()
    return [star, *(sb.alias(sql, n) for n, sql in values.items() if n not in state.scope.columns)]

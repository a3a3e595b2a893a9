"""Lowering of the field commands: fields, fieldsAdd, fieldsRemove, fieldsKeep, fieldsRename.

Fields that are not typed columns live in the `__attributes` JSON object; fieldsRemove / fieldsKeep
with a pattern filter that object's keys too, so `fieldsRemove dt.*` also drops `dt.`-fields held there.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

from sqlglot import exp

from seclake.dql import ast
from seclake.dql import sqlbuild as sb
from seclake.dql.expressions import Column, Scope
from seclake.dql.program import Program, State, column_for, projection, select_from, star_with
from seclake.store.schema import ATTRIBUTES_COLUMN


def _computed(p: Program, state: State, items: tuple[ast.Assignment, ...]) -> dict[str, tuple[Any, Column]]:
    c = p.exprs(state)
    out: dict[str, tuple[Any, Column]] = {}
    for item in items:
        t = c.compile(item.expr)
        out[item.alias] = (t.sql, column_for(t))
    return out


def fields(p: Program, state: State, f: ast.Fields) -> State:
    computed = _computed(p, state, f.items)
    scope = Scope({name: column for name, (_, column) in computed.items()})
    items = [sb.alias(sql, name) for name, (sql, _) in computed.items()]
    return state.then(p.add(select_from(state.source, items)), scope)


def fields_add(p: Program, state: State, f: ast.FieldsAdd) -> State:
    computed = _computed(p, state, f.items)
    scope = state.scope.copy()
    for name, (_, column) in computed.items():
        scope.columns[name] = column
    items = star_with(state, {n: sql for n, (sql, _) in computed.items()})
    new = state.then(p.add(select_from(state.source, items)), scope)
    return new if not set(computed) & new.order_columns else new.then(new.source, keep_order=False)


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(name, pat) for pat in patterns)


def _attributes_filtered(p: Program, patterns: tuple[str, ...], *, keep: bool) -> exp.Expr:
    """`__attributes` with only the keys that match (keep) / do not match (remove) `patterns` (F1).

    DuckDB: the object as a MAP, entries filtered with GLOB, back to JSON. ClickHouse: the raw
    key/value pairs filtered with LIKE and joined back into an object text.
    """
    attrs = sb.col(ATTRIBUTES_COLUMN)
    var = sb.ident("__kv")
    if p.dialect == "clickhouse":
        key: exp.Expr = sb.call("tupleElement", exp.column(var), sb.number(1))
        test = sb.or_(*(exp.Like(this=key, expression=sb.string(_like(pat))) for pat in patterns))
        pairs = sb.call("JSONExtractKeysAndValuesRaw", attrs)
        kept = sb.call(
            "arrayFilter",
            exp.Lambda(this=test if keep else exp.Not(this=exp.Paren(this=test)), expressions=[var]),
            pairs,
        )
        member = exp.Concat(
            expressions=[
                sb.call("toJSONString", key.copy()),
                sb.string(":"),
                sb.call("tupleElement", exp.column(var), sb.number(2)),
            ]
        )
        joined = sb.call(
            "arrayStringConcat",
            sb.call("arrayMap", exp.Lambda(this=member, expressions=[var]), kept),
            sb.string(","),
        )
        return exp.Concat(expressions=[sb.string("{"), joined, sb.string("}")])
    key = exp.Dot(this=exp.column(var), expression=exp.to_identifier("key"))
    test = sb.or_(*(exp.Glob(this=key.copy(), expression=sb.string(pat)) for pat in patterns))
    as_map = exp.Cast(this=attrs, to=sb.datatype("MAP(VARCHAR, JSON)"))
    cond = test if keep else exp.Not(this=exp.Paren(this=test))
    kept = sb.call("list_filter", sb.call("map_entries", as_map), exp.Lambda(this=cond, expressions=[var]))
    return sb.call("to_json", sb.call("map_from_entries", kept))


def _like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def fields_remove(p: Program, state: State, f: ast.FieldsRemove) -> State:
    """Drops matching columns, and matching keys of `__attributes` (fields not in a typed column)."""
    scope = Scope({n: c for n, c in state.scope.columns.items() if not _matches(n, f.patterns)})
    scope.attributes = state.scope.attributes
    items: list[exp.Expr] = [sb.col(n) for n in scope.columns]
    if scope.attributes:
        typed_only = all(
            "*" not in pat and pat in state.scope.columns and pat not in p.misfits for pat in f.patterns
        )
        if typed_only:  # only typed columns removed (none with misfits held in the attributes)
            items.append(sb.col(ATTRIBUTES_COLUMN))
        else:
            items.append(sb.alias(_attributes_filtered(p, f.patterns, keep=False), ATTRIBUTES_COLUMN))
    return state.then(p.add(select_from(state.source, items)), scope)


def fields_keep(p: Program, state: State, f: ast.FieldsKeep) -> State:
    """Keeps matching columns; a plain name held in `__attributes` becomes a column; wildcard patterns
    also keep the matching keys of `__attributes`."""
    c = p.exprs(state)
    scope = Scope({n: col for n, col in state.scope.columns.items() if _matches(n, f.patterns)})
    items = projection(scope)
    for pat in f.patterns:
        if "*" not in pat and pat not in scope.columns and state.scope.attributes:
            t = c.field(pat)
            items.append(sb.alias(t.sql, pat))
            scope.columns[pat] = column_for(t)
    wild = tuple(pat for pat in f.patterns if "*" in pat)
    if wild and state.scope.attributes:
        items.append(sb.alias(_attributes_filtered(p, wild, keep=True), ATTRIBUTES_COLUMN))
        scope.attributes = True
    return state.then(p.add(select_from(state.source, items)), scope)


def fields_rename(p: Program, state: State, f: ast.FieldsRename) -> State:
    c = p.exprs(state)
    renames = {r.old: r.new for r in f.renames}
    scope = Scope(attributes=state.scope.attributes)
    items: list[exp.Expr] = []
    targets = set(renames.values())
    for name, column in state.scope.columns.items():
        if name in targets and name not in renames:
            continue
        new = renames.get(name, name)
        items.append(sb.alias(sb.col(name), new) if new != name else sb.col(name))
        scope.columns[new] = column
    for old, new in renames.items():
        if old not in state.scope.columns:
            t = c.field(old)
            items.append(sb.alias(t.sql, new))
            scope.columns[new] = column_for(t)
    if scope.attributes:
        items.append(sb.col("__attributes"))
    return state.then(
        p.add(select_from(state.source, items)), scope, keep_order=not renames.keys() & state.order_columns
    )

"""Per-command builders: the generic parameters the parser read -> the command's AST node.

One table, COMMAND_BUILDERS (name -> (builder, allowed named parameters)); an unknown command or
parameter is an error listing the closest known names.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import TYPE_CHECKING

from seclake.dql import ast
from seclake.dql.canonical import to_text
from seclake.dql.errors import SEMANTIC_ERROR, DQLError, suggestions
from seclake.dql.lexer import Token

if TYPE_CHECKING:
    from seclake.dql.parser import Params, Parser

Item = ast.Expr | ast.Assignment | ast.SortKey
FETCH_SOURCES = ("security.events", "events")


class _Ctx:
    """What a builder needs: the parser (for errors), the command token and its parameters."""

    def __init__(self, parser: Parser, tok: Token, params: Params) -> None:
        self.parser, self.tok, self.params = parser, tok, params
        self.pos = ast.Pos(tok.line, tok.column, parser.last.end_line, parser.last.end_column)

    def fail(self, reason: str, node: ast.Node | None = None) -> Exception:
        p = node.pos if node is not None and node.pos is not ast.NOPOS else None
        if p is None:
            return self.parser.error(reason, self.tok, SEMANTIC_ERROR)
        return DQLError(
            reason,
            line=p.line,
            column=p.column,
            end_line=p.end_line,
            end_column=p.end_column,
            token=to_text(node)[:60] if node is not None else "",
            error_type=SEMANTIC_ERROR,
            text=self.parser.text,
        )

    def positional(self, low: int, high: int | None = None) -> list[Item]:
        items = self.params.positional
        if len(items) < low or (high is not None and len(items) > high):
            want = f"{low}" if high == low else f"at least {low}" if high is None else f"{low} to {high}"
            raise self.fail(f"{self.tok.value} takes {want} positional parameter(s), got {len(items)}")
        return items

    def items(self) -> list[Item]:
        """Positional items, a single brace list flattened."""
        items = self.params.positional
        if len(items) == 1 and isinstance(items[0], ast.BraceList):
            return list(items[0].items)
        return list(items)

    def named(self, name: str) -> Item | None:
        return self.params.named.get(name)

    def expr(self, item: Item | None, what: str) -> ast.Expr:
        if isinstance(item, ast.Assignment | ast.SortKey) or item is None:
            raise self.fail(f"expected an expression for {what}", item)
        return item

    def opt_expr(self, name: str) -> ast.Expr | None:
        item = self.named(name)
        return None if item is None else self.expr(item, f"{name}:")

    def assignments(self, items: list[Item]) -> tuple[ast.Assignment, ...]:
        out: list[ast.Assignment] = []
        for item in items:
            if isinstance(item, ast.Assignment):
                out.append(item)
            elif isinstance(item, ast.SortKey):
                raise self.fail("asc/desc is not allowed here", item)
            elif isinstance(item, ast.FieldRef):
                out.append(ast.Assignment(item.name, item, pos=item.pos))
            else:
                out.append(ast.Assignment(to_text(item), item, pos=item.pos))
        return tuple(out)

    def named_list(self, name: str) -> list[Item]:
        item = self.named(name)
        if item is None:
            return []
        return list(item.items) if isinstance(item, ast.BraceList) else [item]

    def sort_keys(self, items: list[Item]) -> tuple[ast.SortKey, ...]:
        return tuple(
            i if isinstance(i, ast.SortKey) else ast.SortKey(self.expr(i, "sort"), pos=i.pos) for i in items
        )

    def name_of(self, item: Item | None, what: str) -> str:
        if isinstance(item, ast.FieldRef):
            return item.name
        raise self.fail(f"expected a field name for {what}", item)

    def string(self, name: str, default: str) -> str:
        item = self.named(name)
        if item is None:
            return default
        if isinstance(item, ast.Literal) and item.type == "string":
            return str(item.value)
        raise self.fail(f"{name}: expects a string literal", item)

    def subquery(self) -> ast.Query:
        first = self.positional(1)[0]
        if not isinstance(first, ast.Subquery):
            raise self.fail(f"{self.tok.value} expects a subquery in brackets: [fetch ...]", first)
        return first.query


def _fetch(c: _Ctx) -> ast.Command:
    source = c.positional(1, 1)[0]
    name = source.name if isinstance(source, ast.FieldRef) else ""
    if name not in FETCH_SOURCES:
        raise c.fail(f"unknown data object '{to_text(source)}'{suggestions(name, FETCH_SOURCES)}", source)
    return ast.Fetch(
        name,
        c.opt_expr("from"),
        c.opt_expr("to"),
        c.opt_expr("timeframe"),
        c.opt_expr("bucket"),
        pos=c.pos,
    )


def _patterns(c: _Ctx) -> tuple[str, ...]:
    out: list[str] = []
    for toks in c.params.raw_tokens:
        bad = not toks or any(
            t.kind not in ("IDENT", "QIDENT") and not (t.is_op("*") or t.is_op(".")) for t in toks
        )
        gaps = any(b.line != a.end_line or b.column != a.end_column + 1 for a, b in pairwise(toks))
        if bad or gaps:
            where = toks[0] if toks else c.tok
            raise c.parser.error(f"{c.tok.value} expects field names (wildcards with *)", where)
        out.append("".join(str(t.value) for t in toks))
    if not out:
        raise c.fail(f"{c.tok.value} expects at least one field name")
    return tuple(out)


def _rename(c: _Ctx) -> ast.Command:
    renames: list[ast.Rename] = []
    for item in c.positional(1):
        if not isinstance(item, ast.Assignment) or not isinstance(item.expr, ast.FieldRef):
            raise c.fail("fieldsRename expects `new = old`", item)
        renames.append(ast.Rename(item.alias, item.expr.name, pos=item.pos))
    return ast.FieldsRename(tuple(renames), pos=c.pos)


def _dedup(c: _Ctx) -> ast.Command:
    keys = tuple(c.expr(i, "dedup key") for i in c.items())
    if not keys:
        raise c.fail("dedup expects at least one key")
    return ast.Dedup(keys, c.sort_keys(c.named_list("sort")), pos=c.pos)


def _summarize(c: _Ctx) -> ast.Command:
    aggs = c.assignments(c.items())
    if not aggs:
        raise c.fail("summarize expects at least one aggregation")
    return ast.Summarize(aggs, c.assignments(c.named_list("by")), pos=c.pos)


def _make_timeseries(c: _Ctx) -> ast.Command:
    aggs = c.assignments(c.items())
    if not aggs:
        raise c.fail("makeTimeseries expects at least one aggregation")
    return ast.MakeTimeseries(
        aggs,
        c.assignments(c.named_list("by")),
        interval=c.opt_expr("interval"),
        bins=c.opt_expr("bins"),
        from_=c.opt_expr("from"),
        to=c.opt_expr("to"),
        timeframe=c.opt_expr("timeframe"),
        time=c.opt_expr("time"),
        pos=c.pos,
    )


def _expand(c: _Ctx) -> ast.Command:
    (item,) = c.assignments(c.positional(1, 1))
    return ast.Expand(item.alias, item.expr, c.opt_expr("limit"), pos=c.pos)


def _parse(c: _Ctx) -> ast.Command:
    expr, pattern = c.positional(2, 2)
    if not isinstance(pattern, ast.Literal) or pattern.type != "string":
        raise c.fail("parse expects a pattern string as its second parameter", pattern)
    return ast.Parse(c.expr(expr, "parse"), str(pattern.value), pos=c.pos)


def _fields_param(c: _Ctx) -> tuple[ast.Assignment, ...] | None:
    return c.assignments(c.named_list("fields")) if c.named("fields") is not None else None


def _lookup(c: _Ctx) -> ast.Command:
    query = c.subquery()
    lookup_field = c.name_of(c.named("lookupField"), "lookupField:")
    source = c.named("sourceField")
    source_field = lookup_field if source is None else c.name_of(source, "sourceField:")
    return ast.Lookup(
        query, source_field, lookup_field, c.string("prefix", "lookup."), _fields_param(c), pos=c.pos
    )


def _join_on(c: _Ctx, item: Item) -> ast.JoinOn:
    if isinstance(item, ast.FieldRef):
        return ast.JoinOn(item.name, item.name, pos=item.pos)
    if isinstance(item, ast.Binary) and item.op == "==":
        sides = [_side(s) for s in (item.left, item.right)]
        names = {side: name for side, name in sides if side}
        if set(names) == {"left", "right"}:
            return ast.JoinOn(names["left"], names["right"], pos=item.pos)
    raise c.fail("join on: expects `left[a] == right[b]` or a field name", item)


def _side(e: ast.Expr) -> tuple[str, str]:
    if isinstance(e, ast.Index) and isinstance(e.base, ast.FieldRef) and isinstance(e.key, ast.FieldRef):
        return e.base.name, e.key.name
    return "", ""


def _join(c: _Ctx) -> ast.Command:
    query = c.subquery()
    on = tuple(_join_on(c, i) for i in c.named_list("on"))
    if not on:
        raise c.fail("join expects on: {left[a] == right[b]}")
    kind_item = c.named("kind")
    kind = "inner" if kind_item is None else c.name_of(kind_item, "kind:")
    if kind not in ("inner", "leftOuter", "outer"):
        raise c.fail(f"join kind: must be inner, leftOuter or outer, not {kind}", kind_item)
    return ast.Join(query, on, kind, c.string("prefix", "right."), _fields_param(c), pos=c.pos)


def _append(c: _Ctx) -> ast.Command:
    c.positional(1, 1)
    return ast.Append(c.subquery(), pos=c.pos)


def _one_expr(c: _Ctx) -> ast.Expr:
    return c.expr(c.positional(1, 1)[0], str(c.tok.value))


Builder = Callable[[_Ctx], ast.Command]
COMMAND_BUILDERS: dict[str, tuple[Builder, frozenset[str]]] = {
    "fetch": (_fetch, frozenset({"from", "to", "timeframe", "bucket", "samplingRatio", "scanLimitGBytes"})),
    "filter": (lambda c: ast.Filter(_one_expr(c), pos=c.pos), frozenset()),
    "filterOut": (lambda c: ast.FilterOut(_one_expr(c), pos=c.pos), frozenset()),
    "fields": (lambda c: ast.Fields(c.assignments(c.positional(1)), pos=c.pos), frozenset()),
    "fieldsAdd": (lambda c: ast.FieldsAdd(c.assignments(c.positional(1)), pos=c.pos), frozenset()),
    "fieldsRemove": (lambda c: ast.FieldsRemove(_patterns(c), pos=c.pos), frozenset()),
    "fieldsKeep": (lambda c: ast.FieldsKeep(_patterns(c), pos=c.pos), frozenset()),
    "fieldsRename": (_rename, frozenset()),
    "sort": (lambda c: ast.Sort(c.sort_keys(c.positional(1)), pos=c.pos), frozenset()),
    "limit": (lambda c: ast.Limit(_one_expr(c), pos=c.pos), frozenset()),
    "dedup": (_dedup, frozenset({"sort"})),
    "summarize": (_summarize, frozenset({"by"})),
    "makeTimeseries": (
        _make_timeseries,
        frozenset({"by", "interval", "bins", "from", "to", "timeframe", "time"}),
    ),
    "expand": (_expand, frozenset({"limit"})),
    "parse": (_parse, frozenset()),
    "lookup": (_lookup, frozenset({"sourceField", "lookupField", "prefix", "fields"})),
    "join": (_join, frozenset({"on", "kind", "prefix", "fields"})),
    "append": (_append, frozenset()),
}


def build_command(parser: Parser, tok: Token, params: Params) -> ast.Command:
    """The AST node of command `tok` with `params`; unknown command/parameter -> DQLError."""
    name = str(tok.value)
    entry = COMMAND_BUILDERS.get(name)
    if entry is None:
        raise parser.error(f"unknown command '{name}'{suggestions(name, COMMAND_BUILDERS)}", tok)
    builder, allowed = entry
    for pname, ptok in params.named_pos.items():
        if pname not in allowed:
            hint = suggestions(pname, allowed) if allowed else ""
            raise parser.error(f"{name} has no parameter '{pname}'{hint}", ptok, SEMANTIC_ERROR)
    return builder(_Ctx(parser, tok, params))

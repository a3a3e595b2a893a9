from __future__ import annotations

import pytest
from dql_support import doc_examples

from seclake.dql import ast
from seclake.dql.canonical import to_text
from seclake.dql.errors import DQLError
from seclake.dql.parser import parse

EXAMPLES = doc_examples()


def test_doc_has_examples() -> None:
    assert len(EXAMPLES) >= 7


@pytest.mark.parametrize("text", EXAMPLES)
def test_examples_parse_and_canonical_text_round_trips(text: str) -> None:
    query = parse(text)
    assert isinstance(query.commands[0], ast.Fetch)
    assert parse(to_text(query)) == query


def test_precedence_not_and_or_comparison_arithmetic() -> None:
    (cmd,) = parse("fetch events | filter not a == 1 and b or c > -2 * d + 1").commands[1:]
    assert isinstance(cmd, ast.Filter)
    cond = cmd.condition
    assert isinstance(cond, ast.Binary) and cond.op == "or"
    assert isinstance(cond.left, ast.Binary) and cond.left.op == "and"
    assert cond.left.left == ast.Unary("not", ast.Binary("==", ast.FieldRef("a"), ast.Literal(1, "long")))
    right = cond.right
    assert isinstance(right, ast.Binary) and right.op == ">"
    assert right.right == ast.Binary(
        "+", ast.Binary("*", ast.Literal(-2, "long"), ast.FieldRef("d")), ast.Literal(1, "long")
    )


def test_commands_build_their_nodes() -> None:
    q = parse(
        "fetch security.events, from: -7d | dedup {a, b}, sort: {t desc} "
        "| summarize {n = count(), max(x)}, by: {k, g = lower(y)} | fieldsRemove a*, `b c` "
        "| expand arr, limit: 3 | fieldsRename new = old | sort n desc, k"
    )
    fetch, dedup, summ, rem, exp_, ren, srt = q.commands
    assert fetch == ast.Fetch("security.events", from_=ast.Literal(-7 * 86_400 * 10**9, "duration"))
    assert dedup == ast.Dedup((ast.FieldRef("a"), ast.FieldRef("b")), (ast.SortKey(ast.FieldRef("t"), True),))
    assert isinstance(summ, ast.Summarize)
    assert [a.alias for a in summ.aggregations] == ["n", "max(x)"]
    assert [a.alias for a in summ.by] == ["k", "g"]
    assert rem == ast.FieldsRemove(("a*", "b c"))
    assert exp_ == ast.Expand("arr", ast.FieldRef("arr"), ast.Literal(3, "long"))
    assert ren == ast.FieldsRename((ast.Rename("new", "old"),))
    assert srt == ast.Sort((ast.SortKey(ast.FieldRef("n"), True), ast.SortKey(ast.FieldRef("k"))))


def test_index_iteration_alignment_and_subqueries() -> None:
    q = parse(
        "fetch events | filter iAny(a[][f] < now() - 1d@d) "
        '| join [fetch events | fields x], on: {left[id] == right[x]}, kind: leftOuter | parse s, """JSON:raw"""'
    )
    flt, join, prs = q.commands[1:]
    assert isinstance(flt, ast.Filter) and isinstance(flt.condition, ast.FunctionCall)
    cmp = flt.condition.args[0]
    assert isinstance(cmp, ast.Binary)
    assert cmp.left == ast.Index(ast.Index(ast.FieldRef("a"), None), ast.FieldRef("f"))
    assert isinstance(cmp.right, ast.TimeAlign) and cmp.right.unit == "d"
    assert isinstance(join, ast.Join)
    assert join.on == (ast.JoinOn("id", "x"),) and join.kind == "leftOuter"
    assert prs == ast.Parse(ast.FieldRef("s"), "JSON:raw")


def test_positions_point_at_nodes() -> None:
    q = parse("fetch events\n| filter  x == 1")
    flt = q.commands[1]
    assert (flt.pos.line, flt.pos.column) == (2, 3)
    assert isinstance(flt, ast.Filter)
    assert (flt.condition.pos.line, flt.condition.pos.column, flt.condition.pos.end_column) == (2, 11, 16)


@pytest.mark.parametrize(
    ("text", "error_type", "needle", "column"),
    [
        ("fetch events | filtr x", "PARSE_ERROR", "did you mean: filter", 16),
        ("fetch events | filter (a", "PARSE_ERROR", "expected ')'", 25),
        ("fetch logs", "SEMANTIC_ERROR", "unknown data object 'logs'", 7),
        ("fetch events | summarize count(), bx: {a}", "SEMANTIC_ERROR", "did you mean: by", 35),
        ("fetch events | filter a ==", "PARSE_ERROR", "expected an expression", 27),
        ("fetch events | fieldsRemove a b", "PARSE_ERROR", "expects field names", 29),
        ("", "PARSE_ERROR", "empty", 1),
        ("fetch events | limit 1 2", "PARSE_ERROR", "expected '|'", 24),
    ],
)
def test_errors(text: str, error_type: str, needle: str, column: int) -> None:
    with pytest.raises(DQLError) as info:
        parse(text)
    err = info.value
    assert err.error_type == error_type
    assert needle in err.message
    assert err.column == column
    assert "^" in err.message.splitlines()[-1]

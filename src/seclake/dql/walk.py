"""Small pure helpers over the AST and DQL type names, shared by the expression and function lowering."""

from __future__ import annotations

from typing import Any

from seclake.dql import ast

_ORDERED_CATEGORIES = {"long": "number", "double": "number"}


def category(t: str | None) -> str | None:
    if t is None:
        return None
    if t.startswith("array"):
        return "array"
    return _ORDERED_CATEGORIES.get(t, t)


def find_iteration(e: ast.Expr) -> ast.Expr | None:
    """The base of the first `x[]` in `e` that is not inside iAny/iAll (None if there is none)."""
    stack: list[Any] = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Index):
            if node.key is None:
                return node.base
            stack.append(node.base)
        elif isinstance(node, ast.FunctionCall):
            if node.name not in ("iAny", "iAll"):
                stack.extend(node.args)
                stack.extend(n.value for n in node.named)
        elif isinstance(node, ast.Binary):
            stack.extend((node.left, node.right))
        elif isinstance(node, ast.Unary | ast.TimeAlign):
            stack.append(node.operand)
        elif isinstance(node, ast.Assignment | ast.SortKey):
            stack.append(node.expr)
        elif isinstance(node, ast.BraceList):
            stack.extend(node.items)
    return None

"""FuncSpec: one row of the DQL function table (see seclake.dql.functions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp

from seclake.dql import ast
from seclake.dql.sqlbuild import Typed

if TYPE_CHECKING:
    from seclake.dql.expressions import ExprCompiler

Builder = Callable[["ExprCompiler", ast.FunctionCall], Typed]


@dataclass(frozen=True, slots=True)
class FuncSpec:
    min_args: int
    max_args: int | None  # None: variadic
    build: Builder
    named: dict[str, bool] = field(default_factory=dict)  # name -> required
    aggregate: bool = False


def arg(c: ExprCompiler, e: ast.FunctionCall, i: int) -> Typed:
    """Argument `i` of a call, compiled (an `x[]` in it is not mapped over)."""
    return c.compile(c.plain(e.args[i]))


def string_of(c: ExprCompiler, t: Typed) -> exp.Expr:
    """`t` as a string (a JSON-held value: its text where it is a JSON string, else NULL)."""
    return c.as_type(t, "string")

"""FuncSpec: one row of the DQL function table (see seclake.dql.functions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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

"""The DQL function table: name -> arity, named parameters, aggregation flag and SQL builder.

`compile_call` checks a call against its entry (unknown function -> closest names; wrong arity or a
missing/unknown named parameter -> SEMANTIC_ERROR at the call) and then runs the builder. Builders
receive the expression compiler and the call node; scalar builders live in `functions_scalar` and `functions_values`,
aggregations in `functions_agg`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seclake.dql import ast, functions_agg, functions_scalar, functions_values
from seclake.dql.errors import suggestions
from seclake.dql.funcspec import FuncSpec
from seclake.dql.sqlbuild import Typed

if TYPE_CHECKING:
    from seclake.dql.expressions import ExprCompiler

FUNCTIONS: dict[str, FuncSpec] = {**functions_scalar.SPECS, **functions_values.SPECS, **functions_agg.SPECS}


def compile_call(c: ExprCompiler, e: ast.FunctionCall) -> Typed:
    spec = FUNCTIONS.get(e.name)
    if spec is None:
        raise c.error(f"unknown function '{e.name}'{suggestions(e.name, FUNCTIONS)}", e)
    n = len(e.args)
    if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
        if spec.max_args is None:
            want = f"at least {spec.min_args}"
        elif spec.min_args == spec.max_args:
            want = str(spec.min_args)
        else:
            want = f"{spec.min_args} to {spec.max_args}"
        raise c.error(f"{e.name}() takes {want} argument(s), got {n}", e)
    given = {a.name: a for a in e.named}
    for arg in e.named:
        if arg.name not in spec.named:
            hint = suggestions(arg.name, spec.named) if spec.named else ""
            raise c.error(f"{e.name}() has no parameter '{arg.name}'{hint}", arg)
    for pname, required in spec.named.items():
        if required and pname not in given:
            raise c.error(f"{e.name}() needs the named parameter '{pname}:'", e)
    if spec.aggregate:
        if not c.allow_agg:
            raise c.error(f"{e.name}() is an aggregation: use it in summarize or makeTimeseries", e)
        if c.in_agg:
            raise c.error(f"aggregation {e.name}() inside another aggregation", e)
        c.in_agg = True
        try:
            return spec.build(c, e)
        finally:
            c.in_agg = False
    return spec.build(c, e)


def function_names() -> list[str]:
    return sorted(FUNCTIONS)

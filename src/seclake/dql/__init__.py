"""DQL: lexer, parser, AST, checks and the compiler to SQL (DuckDB, ClickHouse) through sqlglot.

compile_query(text, *, dialect, now, default_from, default_to, misfit_fields=()) -> CompiledQuery
parse(text) -> ast.Query
DQLError (seclake.dql.errors) for every bad query: line, column, token, error_type, caret snippet.
"""

from __future__ import annotations

from seclake.dql.compiler import CompiledQuery, compile_query
from seclake.dql.errors import DQLError
from seclake.dql.parser import parse

__all__ = ["CompiledQuery", "DQLError", "compile_query", "parse"]

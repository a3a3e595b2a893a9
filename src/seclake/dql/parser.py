"""DQL parser: tokens -> `seclake.dql.ast.Query` (recursive descent, precedence climbing).

Every command is read the same way: `name item, item, param: value, ...`; the per-command builders in
`seclake.dql.commands_ast` turn those generic parameters into the command's AST node. Expressions
(precedence, nesting limit) are parsed by `seclake.dql.parser_expr.ExprParser`, which Parser extends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seclake.dql import ast
from seclake.dql.commands_ast import build_command
from seclake.dql.lexer import Token
from seclake.dql.parser_expr import MAX_DEPTH, ExprParser, span

__all__ = ["MAX_DEPTH", "Params", "Parser", "parse"]

_PATTERN_COMMANDS = frozenset({"fieldsRemove", "fieldsKeep"})


@dataclass
class Params:
    """The generic parameters of one command: positional items and named values, in order."""

    positional: list[ast.Expr | ast.Assignment | ast.SortKey] = field(default_factory=list)
    named: dict[str, ast.Expr | ast.Assignment | ast.SortKey] = field(default_factory=dict)
    named_pos: dict[str, Token] = field(default_factory=dict)
    raw_tokens: list[list[Token]] = field(default_factory=list)  # per positional item, for patterns


class Parser(ExprParser):
    # ── queries and commands ──
    def parse_query(self, closing: str | None = None) -> ast.Query:
        first = self.tok
        commands: list[ast.Command] = []
        while True:
            name_tok = self.tok
            if name_tok.kind != "IDENT":
                raise self.error(f"expected a command, found {self._describe(name_tok)}")
            self.advance()
            if name_tok.value in _PATTERN_COMMANDS:
                params = self.parse_patterns(closing)
            else:
                params = self.parse_params(closing)
            commands.append(build_command(self, name_tok, params))
            if self.tok.is_op("|"):
                self.advance()
                continue
            if closing is not None and self.tok.is_op(closing):
                break
            if self.tok.kind == "EOF" and closing is None:
                break
            raise self.error(f"expected '|' or the end of the query, found {self._describe(self.tok)}")
        return ast.Query(tuple(commands), pos=span(first, self.last))

    def parse_params(self, closing: str | None) -> Params:
        params = Params()
        if self._at_command_end(closing):
            return params
        while True:
            t = self.tok
            if t.kind == "IDENT" and "." not in str(t.value) and self.peek().is_op(":"):
                self.advance()
                self.advance()
                name = str(t.value)
                if name in params.named:
                    raise self.error(f"parameter '{name}' given twice", t)
                params.named[name] = self.parse_item()
                params.named_pos[name] = t
            else:
                start = self.i
                params.positional.append(self.parse_item())
                params.raw_tokens.append(self.tokens[start : self.i])
            if not self.tok.is_op(","):
                break
            self.advance()
        return params

    def parse_patterns(self, closing: str | None) -> Params:
        """Field-name patterns (`a, b*, `x y``) as raw token groups, split at commas."""
        params = Params()
        group: list[Token] = []
        while not self._at_command_end(closing):
            t = self.advance()
            if t.is_op(","):
                params.raw_tokens.append(group)
                group = []
            else:
                group.append(t)
        params.raw_tokens.append(group)
        return params

    def _at_command_end(self, closing: str | None) -> bool:
        t = self.tok
        return t.kind == "EOF" or t.is_op("|") or (closing is not None and t.is_op(closing))


def parse(text: str) -> ast.Query:
    """Parse DQL text into a Query; raises DQLError (PARSE_ERROR, SEMANTIC_ERROR or LIMIT_ERROR)."""
    parser = Parser(text)
    if parser.tok.kind == "EOF":
        raise parser.error("the query is empty")
    return parser.parse_query()

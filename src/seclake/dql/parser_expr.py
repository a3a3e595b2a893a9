"""DQL expression parsing: the token cursor and precedence climbing over expressions.

Precedence, lowest first: `or`, `xor`, `and`, `not`, comparisons, `@` alignment, `+ -`, `* / %`,
unary `-`, postfix `[...]`. Nesting is bounded (MAX_DEPTH) so hostile input yields a DQLError, never a
RecursionError. `seclake.dql.parser.Parser` adds queries and commands (a subquery `[...]` inside an
expression calls back into `parse_query`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from seclake.dql import ast
from seclake.dql.errors import LIMIT_ERROR, DQLError
from seclake.dql.lexer import Token, tokenize

MAX_DEPTH = 96  # expression nesting (parentheses, calls, operator chains, subqueries) allowed
_BINARY_PREC: dict[str, int] = {"or": 1, "xor": 2, "and": 3}
_BINARY_PREC.update({op: 5 for op in ("==", "!=", "<", "<=", ">", ">=")})
_BINARY_PREC.update({"@": 6, "+": 7, "-": 7, "*": 8, "/": 8, "%": 8})
_NOT_PREC = 4
_WORD_OPS = frozenset({"or", "xor", "and"})
_CONSTANTS: dict[str, tuple[object, str]] = {
    "true": (True, "boolean"),
    "false": (False, "boolean"),
    "null": (None, "null"),
}


def span(first: Token, last: Token) -> ast.Pos:
    return ast.Pos(first.line, first.column, last.end_line, last.end_column)


class ExprParser(ABC):
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.load = 0  # an upper bound on the depth of the tree being built

    # ── token helpers ──
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        if t.kind != "EOF":
            self.i += 1
        return t

    @property
    def last(self) -> Token:
        return self.tokens[max(self.i - 1, 0)]

    def error(self, reason: str, tok: Token | None = None, error_type: str = "PARSE_ERROR") -> DQLError:
        t = tok or self.tok
        shown = t.text if t.kind != "EOF" else "<end of query>"
        return DQLError(
            reason,
            line=t.line,
            column=t.column,
            end_line=t.end_line,
            end_column=max(t.end_column, t.column),
            token=shown,
            error_type=error_type,
            text=self.text,
        )

    def expect_op(self, op: str, what: str) -> Token:
        if not self.tok.is_op(op):
            raise self.error(f"expected '{op}' {what}, found {self._describe(self.tok)}")
        return self.advance()

    @staticmethod
    def _describe(t: Token) -> str:
        return "the end of the query" if t.kind == "EOF" else f"'{t.text[:40]}'"

    def enter(self, tok: Token) -> int:
        saved = self.load
        self.load += 1
        if self.load > MAX_DEPTH:
            raise self.error(f"expression nested too deeply (more than {MAX_DEPTH} levels)", tok, LIMIT_ERROR)
        return saved

    @abstractmethod
    def parse_query(self, closing: str | None = None) -> ast.Query:
        """A (sub)query (subqueries nest inside expressions); seclake.dql.parser.Parser implements it."""

    def parse_item(self) -> ast.Expr | ast.Assignment | ast.SortKey:
        """`alias = expr`, or `expr [asc|desc]`."""
        first = self.tok
        if first.kind in ("IDENT", "QIDENT") and self.peek().is_op("="):
            self.advance()
            self.advance()
            value = self.parse_expr()
            return ast.Assignment(str(first.value), value, pos=span(first, self.last))
        expr = self.parse_expr()
        if self.tok.is_keyword("asc") or self.tok.is_keyword("desc"):
            desc = self.advance().is_keyword("desc")
            return ast.SortKey(expr, desc, pos=span(first, self.last))
        return expr

    # ── expressions ──
    def parse_expr(self, min_prec: int = 1) -> ast.Expr:
        first = self.tok
        saved = self.enter(first)
        try:
            if self.tok.is_keyword("not") and min_prec <= _NOT_PREC:
                self.advance()
                operand = self.parse_expr(_NOT_PREC)
                left: ast.Expr = ast.Unary("not", operand, pos=span(first, self.last))
            else:
                left = self.parse_unary()
            while True:
                op = self._binary_op()
                if op is None or _BINARY_PREC[op] < min_prec:
                    return left
                op_tok = self.advance()
                self.load += 1
                if self.load > MAX_DEPTH:
                    raise self.error(f"expression nested too deeply (more than {MAX_DEPTH} levels)", op_tok)
                if op == "@":
                    unit = self.advance()
                    if unit.kind != "IDENT":
                        raise self.error("expected a time unit after '@' (e.g. d, h)", unit)
                    left = ast.TimeAlign(left, str(unit.value), pos=span(first, unit))
                    continue
                right = self.parse_expr(_BINARY_PREC[op] + 1)
                left = ast.Binary(op, left, right, pos=span(first, self.last))
        finally:
            self.load = saved

    def _binary_op(self) -> str | None:
        t = self.tok
        if t.kind == "OP" and t.value in _BINARY_PREC:
            return str(t.value)
        if t.kind == "IDENT" and str(t.value).lower() in _WORD_OPS:
            return str(t.value).lower()
        return None

    def parse_unary(self) -> ast.Expr:
        first = self.tok
        if first.is_op("-"):
            self.advance()
            saved = self.enter(first)
            try:
                operand = self.parse_unary()
            finally:
                self.load = saved
            p = span(first, self.last)
            if isinstance(operand, ast.Literal) and operand.type in ("long", "double", "duration"):
                return ast.Literal(-operand.value, operand.type, pos=p)
            return ast.Unary("-", operand, pos=p)
        if first.is_op("+"):
            self.advance()
            return self.parse_unary()
        return self.parse_postfix(self.parse_primary())

    def parse_postfix(self, expr: ast.Expr) -> ast.Expr:
        while self.tok.is_op("["):
            open_tok = self.advance()
            saved = self.enter(open_tok)
            try:
                key: ast.Expr | None = None
                if not self.tok.is_op("]"):
                    key = self.parse_expr()
                self.expect_op("]", "to close the index")
            finally:
                self.load = saved
            expr = ast.Index(expr, key, pos=ast.Pos(expr.pos.line, expr.pos.column, *self._end()))
        return expr

    def _end(self) -> tuple[int, int]:
        return self.last.end_line, self.last.end_column

    def parse_primary(self) -> ast.Expr:
        t = self.tok
        p = span(t, t)
        if t.kind == "STRING":
            self.advance()
            return ast.Literal(t.value, "string", pos=p)
        if t.kind == "NUMBER":
            self.advance()
            return ast.Literal(t.value, "long" if isinstance(t.value, int) else "double", pos=p)
        if t.kind == "DURATION":
            self.advance()
            return ast.Literal(t.value, "duration", pos=p)
        if t.kind == "QIDENT":
            self.advance()
            return ast.FieldRef(str(t.value), pos=p)
        if t.kind == "IDENT":
            word = str(t.value)
            if word.lower() in _CONSTANTS:
                self.advance()
                value, typ = _CONSTANTS[word.lower()]
                return ast.Literal(value, typ, pos=p)
            if self.peek().is_op("(") and "." not in word:
                return self.parse_call()
            if word.lower() in _WORD_OPS or word.lower() in ("not", "asc", "desc"):
                raise self.error(f"expected an expression, found the keyword '{word}'")
            self.advance()
            return ast.FieldRef(word, pos=p)
        if t.is_op("("):
            self.advance()
            saved = self.enter(t)
            try:
                inner = self.parse_expr()
            finally:
                self.load = saved
            self.expect_op(")", "to close the parenthesis")
            return inner
        if t.is_op("{"):
            return self.parse_brace_list()
        if t.is_op("["):
            self.advance()
            saved = self.enter(t)
            try:
                query = self.parse_query(closing="]")
            finally:
                self.load = saved
            self.expect_op("]", "to close the subquery")
            return ast.Subquery(query, pos=span(t, self.last))
        raise self.error(f"expected an expression, found {self._describe(t)}")

    def parse_call(self) -> ast.FunctionCall:
        name_tok = self.advance()
        self.advance()  # "("
        saved = self.enter(name_tok)
        args: list[ast.Expr | ast.Assignment] = []
        named: list[ast.NamedArg] = []
        try:
            while not self.tok.is_op(")"):
                t = self.tok
                if t.kind == "IDENT" and "." not in str(t.value) and self.peek().is_op(":"):
                    self.advance()
                    self.advance()
                    value = self.parse_expr()
                    named.append(ast.NamedArg(str(t.value), value, pos=span(t, self.last)))
                else:
                    if named:
                        raise self.error("positional argument after a named argument", t)
                    item = self.parse_item()
                    if isinstance(item, ast.SortKey):
                        raise self.error("asc/desc is not allowed in a function argument", self.last)
                    args.append(item)
                if not self.tok.is_op(","):
                    break
                self.advance()
            self.expect_op(")", f"to close the call of {name_tok.value}()")
        finally:
            self.load = saved
        return ast.FunctionCall(str(name_tok.value), tuple(args), tuple(named), pos=span(name_tok, self.last))

    def parse_brace_list(self) -> ast.BraceList:
        open_tok = self.advance()
        saved = self.enter(open_tok)
        items: list[ast.Expr | ast.Assignment | ast.SortKey] = []
        try:
            while not self.tok.is_op("}"):
                items.append(self.parse_item())
                if not self.tok.is_op(","):
                    break
                self.advance()
            self.expect_op("}", "to close the list")
        finally:
            self.load = saved
        return ast.BraceList(tuple(items), pos=span(open_tok, self.last))

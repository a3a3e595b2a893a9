"""DQL lexer: text -> tokens with positions. Linear time (one compiled regex), no recursion.

Token kinds: IDENT (dotted names like `event.type`; keywords are IDENTs the parser recognizes
case-insensitively), QIDENT (backtick-quoted name), STRING, NUMBER, DURATION, OP, EOF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seclake.dql.errors import DQLError

MAX_QUERY_CHARS = 1_000_000 + 1024  # 1 MB of query text is accepted; more is a LIMIT error

# Duration units -> nanoseconds.
DURATION_UNITS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3_600 * 1_000_000_000,
    "d": 86_400 * 1_000_000_000,
    "w": 7 * 86_400 * 1_000_000_000,
}
KEYWORDS = frozenset({"and", "or", "xor", "not", "true", "false", "null", "asc", "desc"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0", "/": "/", "b": "\b"}

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<triple>\"\"\"(?:.|\n)*?\"\"\")
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<duration>\d+(?:\.\d+)?(?:ns|us|ms|s|m|h|d|w)(?![A-Za-z0-9_]))
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?(?![A-Za-z_]))
  | (?P<ident>[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$]+)*)
  | (?P<qident>`(?:[^`]|``)*`)
  | (?P<op>==|!=|<=|>=|/(?!\*)|[-+*%<>=(){}\[\],:|@.])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(slots=True)
class Token:
    """One token (treated as immutable; not frozen because a frozen dataclass is ~4x slower to build)."""

    kind: str
    value: object  # str for names/ops/strings, int|float for numbers, int ns for durations
    text: str  # as written
    line: int
    column: int
    end_line: int
    end_column: int

    def is_op(self, op: str) -> bool:
        return self.kind == "OP" and self.value == op

    def is_keyword(self, word: str) -> bool:
        return self.kind == "IDENT" and str(self.value).lower() == word


def _unescape(body: str, line: int, column: int, text: str) -> str:
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            if nxt not in _ESCAPES:
                raise DQLError(
                    f"unknown escape sequence '\\{nxt}' in string",
                    line=line,
                    column=column,
                    token="\\" + nxt,
                    text=text,
                )
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _value(kind: str, raw: str, line: int, column: int, text: str) -> tuple[str, object]:
    if kind == "triple":
        return "STRING", raw[3:-3]
    if kind == "string":
        return "STRING", _unescape(raw[1:-1], line, column, text)
    if kind == "duration":
        m = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]+)", raw)
        assert m is not None
        amount, unit = m.group(1), m.group(2)
        scale = DURATION_UNITS[unit]
        ns = int(amount) * scale if "." not in amount else round(float(amount) * scale)
        return "DURATION", ns
    if kind == "number":
        if re.fullmatch(r"\d+", raw):
            return "NUMBER", int(raw)
        return "NUMBER", float(raw)
    if kind == "qident":
        return "QIDENT", raw[1:-1].replace("``", "`")
    if kind == "ident":
        return "IDENT", raw
    return "OP", raw


_PLAIN = {"ident": "IDENT", "op": "OP"}


def _bad_character(text: str, pos: int, line: int, column: int) -> DQLError:
    bad = text[pos]
    reason = f"unexpected character {bad!r}"
    if bad in "\"'`":
        reason = f"unterminated {'name' if bad == '`' else 'string'} starting here"
    elif text.startswith("/*", pos):
        reason = "unterminated comment starting here"
    return DQLError(reason, line=line, column=column, token=bad, text=text)


def tokenize(text: str) -> list[Token]:
    """All tokens of `text`, ending with an EOF token; DQLError (PARSE_ERROR) on a bad character."""
    if len(text) > MAX_QUERY_CHARS:
        raise DQLError(
            f"query text is too long ({len(text)} characters; at most {MAX_QUERY_CHARS})",
            line=1,
            column=1,
            error_type="LIMIT_ERROR",
        )
    tokens: list[Token] = []
    append = tokens.append
    pos, line, line_start, n = 0, 1, 0, len(text)
    match = _TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            raise _bad_character(text, pos, line, pos - line_start + 1)
        kind = m.lastgroup or ""
        end = m.end()
        if kind in _PLAIN:  # most tokens: one line, value = text (no conversion)
            raw = m.group()
            column = pos - line_start + 1
            append(Token(_PLAIN[kind], raw, raw, line, column, line, end - line_start))
            pos = end
            continue
        raw = m.group()
        column = pos - line_start + 1
        newlines = raw.count("\n")
        if newlines:
            end_line = line + newlines
            end_line_start = pos + raw.rfind("\n") + 1
        else:
            end_line, end_line_start = line, line_start
        if kind == "qident" and raw == "``":
            raise DQLError("empty field name", line=line, column=column, token=raw, text=text)
        if kind not in ("ws", "comment"):
            tkind, value = _value(kind, raw, line, column, text)
            append(Token(tkind, value, raw, line, column, end_line, end - end_line_start))
        pos, line, line_start = end, end_line, end_line_start
    tokens.append(Token("EOF", "", "", line, pos - line_start + 1, line, pos - line_start + 1))
    return tokens

"""DQLError: a query that could not be parsed or checked, with where it went wrong.

The message names the problem, the line and column, and shows the offending line with a caret under
the token, e.g.::

    line 2, column 10: unknown function 'cont' (did you mean: contains, count?)
      | filter cont(x, "a")
      |        ^^^^
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from seclake.errors import QueryError

PARSE_ERROR = "PARSE_ERROR"
SEMANTIC_ERROR = "SEMANTIC_ERROR"
LIMIT_ERROR = "LIMIT_ERROR"  # query too large or too deeply nested

_SNIPPET_WIDTH = 120  # characters of the offending line shown around the caret


class DQLError(QueryError):
    """A DQL query error at a position; `message` (and str()) includes the caret snippet."""

    def __init__(
        self,
        reason: str,
        *,
        line: int,
        column: int,
        end_line: int | None = None,
        end_column: int | None = None,
        token: str = "",
        error_type: str = PARSE_ERROR,
        text: str | None = None,
    ) -> None:
        self.reason = reason
        self.line = line
        self.column = column
        self.end_line = end_line if end_line is not None else line
        self.end_column = end_column if end_column is not None else column + max(len(token), 1) - 1
        self.token = token
        self.error_type = error_type
        self.message = f"line {line}, column {column}: {reason}"
        if text is not None:
            self.message += "\n" + caret_snippet(text, line, column, self.end_line, self.end_column)
        super().__init__(self.message)


def caret_snippet(text: str, line: int, column: int, end_line: int, end_column: int) -> str:
    """The offending line (trimmed around the column) with carets under the span on that line."""
    lines = text.split("\n")
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    width = (end_column - column + 1) if end_line == line else len(src) - column + 1
    width = max(1, min(width, _SNIPPET_WIDTH // 2))
    start = max(0, column - 1 - _SNIPPET_WIDTH // 2)
    shown = src[start : start + _SNIPPET_WIDTH].replace("\t", " ")
    prefix = "..." if start > 0 else ""
    return f"  | {prefix}{shown}\n  | {' ' * (len(prefix) + column - 1 - start)}{'^' * width}"


def suggestions(name: str, known: Iterable[str], n: int = 3) -> str:
    """' (did you mean: a, b?)' for the closest known names (case-insensitive), or ''."""
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.5)
    return f" (did you mean: {', '.join(by_lower[c] for c in close)}?)" if close else ""

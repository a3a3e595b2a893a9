from __future__ import annotations

import pytest

from seclake.dql.errors import DQLError
from seclake.dql.lexer import DURATION_UNITS, tokenize


def kinds(text: str) -> list[tuple[str, object]]:
    return [(t.kind, t.value) for t in tokenize(text)[:-1]]


def test_names_numbers_strings_and_operators() -> None:
    toks = kinds('filter dt.security.risk.level == "CRITICAL" and x >= 2.5e3 | limit 10')
    assert toks == [
        ("IDENT", "filter"),
        ("IDENT", "dt.security.risk.level"),
        ("OP", "=="),
        ("STRING", "CRITICAL"),
        ("IDENT", "and"),
        ("IDENT", "x"),
        ("OP", ">="),
        ("NUMBER", 2500.0),
        ("OP", "|"),
        ("IDENT", "limit"),
        ("NUMBER", 10),
    ]


@pytest.mark.parametrize(("unit", "scale"), sorted(DURATION_UNITS.items()))
def test_durations_are_nanoseconds(unit: str, scale: int) -> None:
    assert kinds(f"7{unit}") == [("DURATION", 7 * scale)]


def test_string_escapes_triple_quotes_backticks_and_comments() -> None:
    toks = kinds(
        '\'it\\\'s\' "a\\nb\\u00e9" """JSON:raw \\n""" `Open ``x`` findings` // comment\n /* block\n */ y'
    )
    assert toks == [
        ("STRING", "it's"),
        ("STRING", "a\nbé"),
        ("STRING", "JSON:raw \\n"),
        ("QIDENT", "Open `x` findings"),
        ("IDENT", "y"),
    ]


def test_positions_are_line_and_column() -> None:
    toks = tokenize('fetch security.events\n| filter  x == "a"')
    where = [(t.text, t.line, t.column, t.end_column) for t in toks[:-1]]
    assert where[2] == ("|", 2, 1, 1)
    assert where[4] == ("x", 2, 11, 11)
    assert where[6] == ('"a"', 2, 16, 18)


@pytest.mark.parametrize(
    ("text", "line", "column", "needle"),
    [
        ('filter x == "abc', 1, 13, "unterminated string"),
        ("filter x\n  # y", 2, 3, "unexpected character '#'"),
        ("a /* never closed", 1, 3, "unterminated comment"),
        ('x == "bad \\q escape"', 1, 6, "unknown escape"),
    ],
)
def test_errors_carry_position_and_caret(text: str, line: int, column: int, needle: str) -> None:
    with pytest.raises(DQLError) as info:
        tokenize(text)
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert needle in err.message
    assert err.message.splitlines()[-1].index("^") == len("  | ") + column - 1

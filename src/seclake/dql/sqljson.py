"""JSON-held values in SQL: fields of `__attributes`, `parse ... JSON:` records, mixed-type results.

A `Json` is a JSON document (a JSON-typed SQL value) and a pointer into it; each use coerces it to the
type it needs (`json_as`), tests its JSON type (`json_is`, `json_is_null`) or takes it as JSON text
(`json_value`, SQL NULL for a missing value or a JSON null, F10). `group_key` is the form that groups,
deduplicates and counts distinct values by DQL equality (1 == 1.0, A2).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from seclake.dql import sqlbuild as sb
from seclake.dql.sqlbuild import Dialect, Typed

JSON_TYPES: dict[str, dict[Dialect, tuple[str, ...]]] = {
    "string": {"duckdb": ("VARCHAR",), "clickhouse": ("String",)},
    "long": {"duckdb": ("BIGINT", "UBIGINT", "DOUBLE"), "clickhouse": ("Int64", "UInt64", "Double")},
    "double": {"duckdb": ("BIGINT", "UBIGINT", "DOUBLE"), "clickhouse": ("Int64", "UInt64", "Double")},
    "boolean": {"duckdb": ("BOOLEAN",), "clickhouse": ("Bool",)},
}
JSON_NULL: dict[Dialect, str] = {"duckdb": "NULL", "clickhouse": "Null"}


@dataclass(slots=True)
class Json:
    """A value inside a JSON document: `doc` (a JSON-typed SQL value) at JSON pointer `keys`."""

    doc: exp.Expr
    keys: tuple[str | int, ...]


def pointer(keys: tuple[str | int, ...]) -> str:
    """A JSON pointer (RFC 6901) for `keys`; escapes `~` and `/` so any key text is safe."""
    return "".join("/" + str(k).replace("~", "~0").replace("/", "~1") for k in keys)


def json_args(j: Json, dialect: Dialect) -> list[exp.Expr]:
    if dialect == "clickhouse":
        return [j.doc, *(sb.number(k + 1) if isinstance(k, int) else sb.string(k) for k in j.keys)]
    return [j.doc, sb.string(pointer(j.keys))]


def json_get(j: Json, dialect: Dialect) -> exp.Expr:
    if not j.keys:
        return j.doc
    return sb.fn(dialect, "json_get", *json_args(j, dialect))


def json_value(j: Json, dialect: Dialect) -> exp.Expr:
    """The JSON value at `j`, SQL NULL where it is missing or JSON null (a null is a null, F10)."""
    if not j.keys:
        return j.doc
    return exp.Nullif(this=json_get(j, dialect), expression=sb.string("null"))


def to_json(t: Typed, dialect: Dialect) -> exp.Expr:
    """Any value as JSON text (NULL stays NULL): for results whose type differs from row to row."""
    if t.json is not None:
        return json_value(t.json, dialect)
    if t.type == "null":
        return exp.Null()
    return sb.fn(dialect, "to_json", t.sql)


def json_type(j: Json, dialect: Dialect) -> exp.Expr:
    return sb.fn(dialect, "json_type", *json_args(j, dialect))


def json_is_null(j: Json, dialect: Dialect) -> exp.Expr:
    """TRUE when the JSON value is missing or JSON null."""
    t = json_type(j, dialect)
    return sb.or_(
        exp.Is(this=t, expression=exp.Null()), exp.EQ(this=t, expression=sb.string(JSON_NULL[dialect]))
    )


def json_is(j: Json, dql_type: str, dialect: Dialect) -> exp.Expr:
    kinds = JSON_TYPES[dql_type][dialect]
    return exp.In(this=json_type(j, dialect), expressions=[sb.string(k) for k in kinds])


def json_as(j: Json, dql_type: str, dialect: Dialect) -> exp.Expr:
    """The JSON value as `dql_type` where it has that JSON type, else NULL."""
    if dql_type == "string":
        value = sb.fn(dialect, "json_get_string", *json_args(j, dialect))
    else:
        value = sb.cast(json_get(j, dialect), dql_type, dialect, safe=True)
    return exp.Case(ifs=[exp.If(this=json_is(j, dql_type, dialect), true=value)])


_DOUBLE = {"duckdb": "DOUBLE", "clickhouse": "Double"}
_EXACT_INT_LIMIT = 2**53  # doubles below this are exact integers when they have no fraction


def group_key(t: Typed, dialect: Dialect) -> exp.Expr:
    """The value to group, deduplicate or count distinct `t` by: DQL equality, not JSON text (A2).

    JSON text tells 1 from 1.0; DQL does not (1 == 1.0). A JSON double with no fraction becomes the
    JSON integer of the same value, so both land in one group (whose key reads as the integer).
    Typed values group as SQL compares them already.
    """
    if t.json is None:
        return t.sql
    value = json_value(t.json, dialect)
    number = sb.cast(value.copy(), "double", dialect, safe=True)
    whole = sb.and_(
        exp.EQ(this=json_type(t.json, dialect), expression=sb.string(_DOUBLE[dialect])),
        exp.EQ(this=number.copy(), expression=exp.Anonymous(this="trunc", expressions=[number.copy()])),
        exp.LT(this=exp.Abs(this=number.copy()), expression=sb.number(_EXACT_INT_LIMIT)),
    )
    as_int = to_json(Typed(sb.cast(number, "long", dialect), "long"), dialect)
    return sb.case(whole, as_int, value)

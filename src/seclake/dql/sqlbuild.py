"""SQL building blocks over sqlglot expressions, and the per-dialect function-name table.

`Typed` is a compiled DQL expression: its sqlglot tree, its DQL type (None = unknown), the folded
Python value when it is a compile-time constant, and, for values held in JSON (fields of
`__attributes`, `parse ... JSON:` records), the JSON document and pointer so that each use can coerce
it to the type it needs. User text only ever enters the tree as sqlglot literals or identifiers.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect as SqlDialect
from sqlglot.generator import Generator

if TYPE_CHECKING:
    from seclake.dql.sqljson import Json

Dialect = Literal["duckdb", "clickhouse"]
NUMERIC = frozenset({"long", "double"})
ROW_NUMBER_COLUMN = "__rn"  # record order, added for ClickHouse's takeFirst/takeLast after a sort

# DQL function -> SQL function name per dialect, where one name is all that differs.
NAMES: dict[str, dict[Dialect, str]] = {
    "json_get": {"duckdb": "json_extract", "clickhouse": "JSONExtractRaw"},
    "json_get_string": {"duckdb": "json_extract_string", "clickhouse": "JSONExtractString"},
    "json_type": {"duckdb": "json_type", "clickhouse": "JSONType"},
    "json_valid": {"duckdb": "json_valid", "clickhouse": "isValidJSON"},
    "epoch_ns": {"duckdb": "epoch_ns", "clickhouse": "toUnixTimestamp64Nano"},
    "from_epoch_ns": {"duckdb": "make_timestamp_ns", "clickhouse": "fromUnixTimestamp64Nano"},
    "contains": {"duckdb": "contains", "clickhouse": "__ch_contains"},
    "starts_with": {"duckdb": "starts_with", "clickhouse": "startsWith"},
    "ends_with": {"duckdb": "suffix", "clickhouse": "endsWith"},
    "list_transform": {"duckdb": "list_transform", "clickhouse": "arrayMap"},
    "list_any": {"duckdb": "list_bool_or", "clickhouse": "arrayExists"},
    "list_all": {"duckdb": "list_bool_and", "clickhouse": "arrayAll"},
    "list_contains": {"duckdb": "list_contains", "clickhouse": "has"},
    "list_extract": {"duckdb": "list_extract", "clickhouse": "arrayElement"},
    "list_slice": {"duckdb": "list_slice", "clickhouse": "arraySlice"},
    "list_len": {"duckdb": "len", "clickhouse": "length"},
    "struct_get": {"duckdb": "struct_extract", "clickhouse": "tupleElement"},
    "split": {"duckdb": "string_split", "clickhouse": "splitByString"},
    "count_if": {"duckdb": "count_if", "clickhouse": "countIf"},
    "collect": {"duckdb": "list", "clickhouse": "groupArray"},
    "first": {"duckdb": "first", "clickhouse": "any"},
    "last": {"duckdb": "last", "clickhouse": "anyLast"},
    "any": {"duckdb": "any_value", "clickhouse": "any"},
    "range": {"duckdb": "range", "clickhouse": "numbers"},
    "quantile": {"duckdb": "quantile_cont", "clickhouse": "quantileExact"},
    "to_json": {"duckdb": "to_json", "clickhouse": "toJSONString"},
    "json_array_length": {"duckdb": "json_array_length", "clickhouse": "JSONLength"},
    "arg_min": {"duckdb": "arg_min", "clickhouse": "argMin"},
    "arg_max": {"duckdb": "arg_max", "clickhouse": "argMax"},
}
SQL_TYPES: dict[str, dict[Dialect, str]] = {
    "string": {"duckdb": "VARCHAR", "clickhouse": "String"},
    "long": {"duckdb": "BIGINT", "clickhouse": "Int64"},
    "double": {"duckdb": "DOUBLE", "clickhouse": "Float64"},
    "boolean": {"duckdb": "BOOLEAN", "clickhouse": "Bool"},
    "json": {"duckdb": "JSON", "clickhouse": "String"},
}


# Typed (and sqljson.Json) are built for every compiled expression: plain slots dataclasses (a frozen one is
# ~4x slower to construct); they are never changed after construction.
NO_CONST = object()


@dataclass(slots=True)
class Typed:
    sql: exp.Expr
    type: str | None
    const: Any = NO_CONST
    json: Json | None = None

    @property
    def is_const(self) -> bool:
        return self.const is not NO_CONST


@functools.cache
def _datatype(text: str, dialect: str) -> exp.DataType:
    return exp.DataType.build(text, dialect=dialect)


def datatype(text: str, dialect: str = "duckdb") -> exp.DataType:
    """A SQL type node (parsed once per process; a simple type is rebuilt, a nested one copied)."""
    parsed = _datatype(text, dialect)
    if any(v is not None for k, v in parsed.args.items() if k not in ("this", "nested")):
        return parsed.copy()
    return exp.DataType(this=parsed.this, nested=parsed.args.get("nested", False))


def select(*items: exp.Expr, source: exp.Expr) -> exp.Select:
    """SELECT items FROM source, built without the builder API's defensive copies."""
    return exp.Select(expressions=list(items), **{"from_": exp.From(this=source)})


# Clause setters: sqlglot's builder methods (`.where()`, `.with_()`, ...) parse and copy their
# arguments; building the nodes directly keeps compilation cheap (see benchmarks/bench_dql_compile.py).
def where(query: exp.Select, cond: exp.Expr) -> exp.Select:
    query.set("where", exp.Where(this=cond))
    return query


def group_by(query: exp.Select, *keys: exp.Expr) -> exp.Select:
    query.set("group", exp.Group(expressions=list(keys)))
    return query


def order_by(query: exp.Select, *keys: exp.Ordered) -> exp.Select:
    query.set("order", exp.Order(expressions=list(keys)))
    return query


def limit(query: exp.Select, n: int) -> exp.Select:
    query.set("limit", exp.Limit(expression=number(n)))
    return query


def qualify(query: exp.Select, cond: exp.Expr) -> exp.Select:
    query.set("qualify", exp.Qualify(this=cond))
    return query


def with_ctes(query: exp.Select, ctes: list[tuple[str, exp.Expr]]) -> exp.Select:
    """WITH name AS (cte), ... in front of `query`."""
    if ctes:
        nodes = [
            exp.CTE(this=cte, alias=exp.TableAlias(this=exp.Identifier(this=n, quoted=False)))
            for n, cte in ctes
        ]
        query.set("with_", exp.With(expressions=nodes))
    return query


def table(name: str, alias_name: str | None = None) -> exp.Expr:
    """A CTE/table reference, optionally aliased (`s3 AS l`)."""
    ref = exp.Table(this=exp.Identifier(this=name, quoted=False))
    if alias_name is not None:
        ref.set("alias", exp.TableAlias(this=exp.Identifier(this=alias_name, quoted=False)))
    return ref


def _connect(node: type[exp.Connector], parts: tuple[exp.Expr, ...]) -> exp.Expr:
    """a AND b AND ... like exp.and_ (operands that are AND/OR are parenthesized), without copies."""
    items = [exp.Paren(this=e) if isinstance(e, exp.Connector) else e for e in parts]
    if len(parts) == 1:
        return parts[0]
    out = items[0]
    for e in items[1:]:
        out = node(this=out, expression=e)
    return out


def and_(*parts: exp.Expr) -> exp.Expr:
    return _connect(exp.And, parts)


def or_(*parts: exp.Expr) -> exp.Expr:
    return _connect(exp.Or, parts)


_GENERATORS = threading.local()


def to_sql(tree: exp.Expr, dialect: Dialect) -> str:
    """The SQL text of `tree` (consumed: the generator may change it in place).

    One generator per dialect and thread (creating one per call is a measurable part of compile time),
    no defensive copy of the tree (it is built fresh per compile and dropped afterwards), and no comment
    handling (compiled trees carry none; ~7% of the generation time).
    """
    gens: dict[str, Generator] | None = getattr(_GENERATORS, "by_dialect", None)
    if gens is None:
        gens = _GENERATORS.by_dialect = {}
    gen = gens.get(dialect)
    if gen is None:
        gen = gens[dialect] = SqlDialect.get_or_raise(dialect).generator(comments=False)
    return gen.generate(tree, copy=False)


def join(
    query: exp.Select, table: exp.Expr, *, on: exp.Expr | None, side: str = "", kind: str = ""
) -> exp.Select:
    """Attach `[side] [kind] JOIN table ON on` to `query` in place."""
    node = exp.Join(this=table, on=on, side=side or None, kind=kind or None)
    query.set("joins", [*(query.args.get("joins") or []), node])
    return query


def fn(dialect: Dialect, key: str, *args: exp.Expr) -> exp.Expr:
    """A call of the dialect's function for `key` (a NAMES entry)."""
    return exp.Anonymous(this=NAMES[key][dialect], expressions=list(args))


def call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def string(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def number(value: int | float) -> exp.Expr:
    if value < 0:
        return exp.Neg(this=exp.Literal.number(-value))
    return exp.Literal.number(value)


def col(name: str, table: str | None = None) -> exp.Column:
    if table is None:
        return exp.Column(this=exp.Identifier(this=name, quoted=True))
    return exp.Column(
        this=exp.Identifier(this=name, quoted=True), table=exp.Identifier(this=table, quoted=False)
    )


def ident(name: str) -> exp.Identifier:
    return exp.Identifier(this=name, quoted=True)


def alias(e: exp.Expr, name: str) -> exp.Expr:
    """`e AS "name"`; a column of that very name stays bare (it already has the name)."""
    if isinstance(e, exp.Column) and not e.args.get("table") and e.name == name:
        return e
    return exp.alias_(e, ident(name), quoted=True, copy=False)


def cast(e: exp.Expr, dql_type: str, dialect: Dialect, *, safe: bool = False) -> exp.Expr:
    to = datatype(SQL_TYPES[dql_type][dialect], dialect)
    return exp.TryCast(this=e, to=to) if safe else exp.Cast(this=e, to=to)


@functools.lru_cache(maxsize=256)
def _timestamp_text(ns: int) -> str:
    secs, frac = divmod(ns, 1_000_000_000)
    return f"{datetime.fromtimestamp(secs, UTC):%Y-%m-%d %H:%M:%S}.{frac:09d}"


def timestamp_literal(ns: int, dialect: Dialect) -> exp.Expr:
    """A TIMESTAMP_NS (DuckDB) / DateTime64(9) (ClickHouse) constant for `ns` since the epoch."""
    text = _timestamp_text(ns)
    if dialect == "clickhouse":
        return call("toDateTime64", string(text), number(9), string("UTC"))
    return exp.Cast(this=string(text), to=datatype("TIMESTAMP_NS"))


def case(cond: exp.Expr, then: exp.Expr, otherwise: exp.Expr) -> exp.Expr:
    return exp.Case(ifs=[exp.If(this=cond, true=then)], default=otherwise)


def is_null(e: exp.Expr) -> exp.Expr:
    return exp.Is(this=e, expression=exp.Null())


def paren(e: exp.Expr) -> exp.Expr:
    return e if isinstance(e, exp.Column | exp.Literal | exp.Anonymous | exp.Paren) else exp.Paren(this=e)


def boolean(value: bool | None) -> exp.Expr:
    return exp.Null() if value is None else exp.Boolean(this=value)


def elem_type(t: str | None) -> str | None:
    """Element type of 'array<T>' (None when unknown)."""
    if t and t.startswith("array<") and t.endswith(">"):
        inner = t[6:-1]
        return inner or None
    return None

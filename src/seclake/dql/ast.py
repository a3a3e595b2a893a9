"""The DQL abstract syntax tree: immutable dataclasses, produced by `seclake.dql.parser.parse`.

Nodes are never changed after the parser builds them (use `dataclasses.replace` for a variant); they
are hashable and compare by value. They are not `frozen=True` only because a frozen dataclass is about
four times slower to construct, which was a third of the parse time (benchmarks/bench_dql_compile.py).

Every node carries `pos` (a `Pos`: 1-based line/column of its first character and the end of its last
token); `pos` is excluded from equality, so two parses of equivalent text compare equal.

    Query(commands: tuple[Command, ...])                       a pipeline `cmd | cmd | ...`

Expressions (`Expr`):
    FieldRef(name)                 a field: `event.type`, `` `Open findings` `` -> name "Open findings"
    Literal(value, type)           type in LITERAL_TYPES: "string" (str), "long" (int), "double" (float),
                                   "boolean" (bool), "null" (None), "duration" (int nanoseconds),
                                   "timestamp" (int nanoseconds since the epoch, UTC)
    Unary(op, operand)             op "-" or "not"
    Binary(op, left, right)        op in BINARY_OPS ("==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/",
                                   "%", "and", "or", "xor"); left-associative chains are left-deep
    FunctionCall(name, args, named) `name(arg, ..., n: v)`; name as written (case kept); args are
                                   Expr or Assignment (e.g. `record(k = v)`); named = NamedArg tuple
    NamedArg(name, value)          `name: value` (value an Expr, or a BraceList)
    BraceList(items)               `{a, b, x = c, t desc}`: items are Expr, Assignment or SortKey
    Index(base, key)               `x[0]` (key Literal long), `x[field]` (key FieldRef: member by name),
                                   `x["k"]` (key Literal string), `arr[]` (key None: iterate elements);
                                   `arr[][f]` = Index(Index(arr, None), FieldRef("f"))
    TimeAlign(operand, unit)       `expr@d` alignment; unit "s","m","h","d","w","M","q","y" (as written)
    Subquery(query)                `[ fetch ... | ... ]`
    Assignment(alias, expr)        `alias = expr` (alias a field name)
    SortKey(expr, descending)      `expr [asc|desc]`

Commands (`Command`); lists of output fields are always Assignments (the parser fills in the default
name: a plain field keeps its name, any other expression is named by its canonical text, as DQL does):
    Fetch(source, from_, to, timeframe, bucket)      source "security.events" or "events"
    Filter(condition) / FilterOut(condition)
    Fields(items) / FieldsAdd(items)                 items: tuple[Assignment, ...]
    FieldsRemove(patterns) / FieldsKeep(patterns)    patterns: field names, `*` wildcards allowed
    FieldsRename(renames)                            renames: tuple[Rename(new, old), ...]
    Sort(keys)                                       keys: tuple[SortKey, ...]
    Limit(count)                                     count: Expr (a long literal in practice)
    Dedup(keys, sort)                                keys: tuple[Expr, ...]; sort: tuple[SortKey, ...]
    Summarize(aggregations, by)                      both tuple[Assignment, ...]
    MakeTimeseries(aggregations, by, interval, bins, from_, to, timeframe, time)
    Expand(alias, expr, limit)                       `expand [alias =] expr [, limit: n]`
    Parse(expr, pattern)                             pattern: the pattern text, e.g. "JSON:raw"
    Lookup(subquery, source_field, lookup_field, prefix, fields)
    Join(subquery, on, kind, prefix, fields)         on: tuple[JoinOn(left, right), ...]
    Append(subquery)

`seclake.dql.canonical.to_text(node)` renders any node back to canonical DQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LITERAL_TYPES = frozenset({"string", "long", "double", "boolean", "null", "duration", "timestamp"})
BINARY_OPS = ("==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "and", "or", "xor")


@dataclass(slots=True, unsafe_hash=True)
class Pos:
    """Where a node is in the query text (1-based; end is the last character of its last token)."""

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


NOPOS = Pos()


@dataclass(slots=True, unsafe_hash=True)
class Node:
    pos: Pos = field(default=NOPOS, kw_only=True, compare=False, repr=False)


# ── expressions ──


@dataclass(slots=True, unsafe_hash=True)
class FieldRef(Node):
    name: str


@dataclass(slots=True, unsafe_hash=True)
class Literal(Node):
    value: Any
    type: str


@dataclass(slots=True, unsafe_hash=True)
class Unary(Node):
    op: str
    operand: Expr


@dataclass(slots=True, unsafe_hash=True)
class Binary(Node):
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True, unsafe_hash=True)
class NamedArg(Node):
    name: str
    value: Expr


@dataclass(slots=True, unsafe_hash=True)
class Assignment(Node):
    alias: str
    expr: Expr


@dataclass(slots=True, unsafe_hash=True)
class SortKey(Node):
    expr: Expr
    descending: bool = False


@dataclass(slots=True, unsafe_hash=True)
class FunctionCall(Node):
    name: str
    args: tuple[Expr | Assignment, ...] = ()
    named: tuple[NamedArg, ...] = ()

    def named_arg(self, name: str) -> Expr | None:
        """The value of named parameter `name`, or None."""
        for n in self.named:
            if n.name == name:
                return n.value
        return None


@dataclass(slots=True, unsafe_hash=True)
class BraceList(Node):
    items: tuple[Expr | Assignment | SortKey, ...]


@dataclass(slots=True, unsafe_hash=True)
class Index(Node):
    base: Expr
    key: Expr | None  # None: `arr[]`, iterate the elements


@dataclass(slots=True, unsafe_hash=True)
class TimeAlign(Node):
    operand: Expr
    unit: str


@dataclass(slots=True, unsafe_hash=True)
class Subquery(Node):
    query: Query


Expr = FieldRef | Literal | Unary | Binary | FunctionCall | BraceList | Index | TimeAlign | Subquery


# ── commands ──


@dataclass(slots=True, unsafe_hash=True)
class Fetch(Node):
    source: str
    from_: Expr | None = None
    to: Expr | None = None
    timeframe: Expr | None = None
    bucket: Expr | None = None


@dataclass(slots=True, unsafe_hash=True)
class Filter(Node):
    condition: Expr


@dataclass(slots=True, unsafe_hash=True)
class FilterOut(Node):
    condition: Expr


@dataclass(slots=True, unsafe_hash=True)
class Fields(Node):
    items: tuple[Assignment, ...]


@dataclass(slots=True, unsafe_hash=True)
class FieldsAdd(Node):
    items: tuple[Assignment, ...]


@dataclass(slots=True, unsafe_hash=True)
class FieldsRemove(Node):
    patterns: tuple[str, ...]


@dataclass(slots=True, unsafe_hash=True)
class FieldsKeep(Node):
    patterns: tuple[str, ...]


@dataclass(slots=True, unsafe_hash=True)
class Rename(Node):
    new: str
    old: str


@dataclass(slots=True, unsafe_hash=True)
class FieldsRename(Node):
    renames: tuple[Rename, ...]


@dataclass(slots=True, unsafe_hash=True)
class Sort(Node):
    keys: tuple[SortKey, ...]


@dataclass(slots=True, unsafe_hash=True)
class Limit(Node):
    count: Expr


@dataclass(slots=True, unsafe_hash=True)
class Dedup(Node):
    keys: tuple[Expr, ...]
    sort: tuple[SortKey, ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class Summarize(Node):
    aggregations: tuple[Assignment, ...]
    by: tuple[Assignment, ...] = ()


@dataclass(slots=True, unsafe_hash=True)
class MakeTimeseries(Node):
    aggregations: tuple[Assignment, ...]
    by: tuple[Assignment, ...] = ()
    interval: Expr | None = None
    bins: Expr | None = None
    from_: Expr | None = None
    to: Expr | None = None
    timeframe: Expr | None = None
    time: Expr | None = None  # None: the `timestamp` field


@dataclass(slots=True, unsafe_hash=True)
class Expand(Node):
    alias: str  # the output field: the expanded field's own name unless `expand alias = expr`
    expr: Expr
    limit: Expr | None = None


@dataclass(slots=True, unsafe_hash=True)
class Parse(Node):
    expr: Expr
    pattern: str


@dataclass(slots=True, unsafe_hash=True)
class Lookup(Node):
    subquery: Query
    source_field: str
    lookup_field: str
    prefix: str = "lookup."
    fields: tuple[Assignment, ...] | None = None  # None: every field of the subquery


@dataclass(slots=True, unsafe_hash=True)
class JoinOn(Node):
    left: str
    right: str


@dataclass(slots=True, unsafe_hash=True)
class Join(Node):
    subquery: Query
    on: tuple[JoinOn, ...]
    kind: str = "inner"  # "inner" | "leftOuter" | "outer"
    prefix: str = "right."
    fields: tuple[Assignment, ...] | None = None


@dataclass(slots=True, unsafe_hash=True)
class Append(Node):
    subquery: Query


Command = (
    Fetch
    | Filter
    | FilterOut
    | Fields
    | FieldsAdd
    | FieldsRemove
    | FieldsKeep
    | FieldsRename
    | Sort
    | Limit
    | Dedup
    | Summarize
    | MakeTimeseries
    | Expand
    | Parse
    | Lookup
    | Join
    | Append
)


@dataclass(slots=True, unsafe_hash=True)
class Query(Node):
    commands: tuple[Command, ...]

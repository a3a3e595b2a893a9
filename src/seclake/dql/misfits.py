"""Catalog values that did not fit their typed column (F6), read back from `__attributes`.

The store keeps a catalog value that does not fit its column (a string in a double column, ...) in
`__attributes` under the field's name, with the typed column NULL. Reading every catalog field as
COALESCE(column, attribute) would make every query pay for JSON on every row, so the compiler does it
only for the fields the caller names (`compile_query(..., misfit_fields=...)`); the store tracks them as
it writes (`EventStore.misfit_fields()`) and the query API passes them on. With none (the default), queries
read the typed columns alone, exactly like hand-written SQL.

For a named field the fetch CTE replaces the column by COALESCE(to_json(column), attribute): every
later command sees one JSON value per row, whatever its type. Timestamp and array fields stay typed
(time ranges, makeTimeseries and iteration need their type); their misfits still reach the output
through `__attributes`.
"""

from __future__ import annotations

from sqlglot import exp

from seclake.dql import sqlbuild as sb
from seclake.dql import sqljson as sj
from seclake.dql.expressions import Column, Scope
from seclake.dql.program import Program
from seclake.dql.sqlbuild import Typed
from seclake.dql.sqljson import Json
from seclake.model import FieldType
from seclake.store.schema import ATTRIBUTES_COLUMN, COLUMN_TYPES

COALESCED_TYPES = frozenset({FieldType.STRING, FieldType.LONG, FieldType.DOUBLE, FieldType.BOOLEAN})


def star_with_misfits(p: Program, scope: Scope) -> exp.Expr:
    """`*`, or `* REPLACE (...)` reading each named misfit-prone field as JSON; updates `scope`."""
    replaced: list[exp.Expr] = []
    for name in sorted(p.misfits):
        if COLUMN_TYPES.get(name) not in COALESCED_TYPES:
            continue
        column = Typed(sb.col(name), str(COLUMN_TYPES[name]))
        attr = sj.json_value(Json(sb.col(ATTRIBUTES_COLUMN), (name,)), p.dialect)
        value = exp.Coalesce(this=sj.to_json(column, p.dialect), expressions=[attr])
        replaced.append(sb.alias(value, name))
        scope.columns[name] = Column(None, json=True)
    return exp.Star(**{"replace": replaced}) if replaced else exp.Star()

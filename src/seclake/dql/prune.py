"""Which fields the rest of a pipeline reads: lets a window command (dedup) carry only those columns.

`dedup` compiles to `QUALIFY ROW_NUMBER() OVER (...) = 1`; DuckDB drags every column of its input (about
70 typed columns plus the attributes JSON) through the window sort, even when the next command is a
`summarize` of one field (finding P1: 3-13x slower than hand-written SQL). A backward pass over the
commands computes, for each command, the field names that later commands may read; None means "every
field" (the record reaches the output as a whole). Over-approximating is always safe: any name that
appears as a field reference anywhere later counts (also member names in `x[name]`), and wildcard
patterns count as "every field".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from seclake.dql import ast

Needed = frozenset[str] | None  # None: every field


_CHILDREN: dict[type, tuple[str, ...]] = {}


def _children(cls: type) -> tuple[str, ...]:
    names = _CHILDREN.get(cls)
    if names is None:
        is_node = dataclasses.is_dataclass(cls)
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name != "pos") if is_node else ()
        _CHILDREN[cls] = names
    return names


def field_refs(node: object) -> Iterator[str]:
    """Every FieldRef name under `node` (subqueries excluded: they read their own fetch)."""
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.FieldRef):
            yield item.name
        elif isinstance(item, tuple | list):
            stack.extend(item)
        elif not isinstance(item, ast.Subquery | ast.Query | ast.Literal):
            stack.extend(getattr(item, name) for name in _children(type(item)))


def _reads(cmd: ast.Command) -> frozenset[str] | None:
    """The fields `cmd` itself reads (None: every field)."""
    if isinstance(cmd, ast.FieldsKeep):
        return None if any("*" in p for p in cmd.patterns) else frozenset(cmd.patterns)
    if isinstance(cmd, ast.FieldsRename):
        return frozenset(r.old for r in cmd.renames)
    if isinstance(cmd, ast.Lookup):
        return frozenset({cmd.source_field})
    if isinstance(cmd, ast.Join):
        return frozenset(o.left for o in cmd.on)
    names = frozenset(field_refs(cmd))
    if isinstance(cmd, ast.MakeTimeseries) and cmd.time is None:
        names |= {"timestamp"}
    return names


# Commands whose output record is built only from what they read: later needs do not reach past them.
_BARRIERS = (ast.Summarize, ast.MakeTimeseries, ast.Fields, ast.FieldsKeep)


def needed_after(commands: Sequence[ast.Command]) -> list[Needed]:
    """For each command, the fields the commands after it may read (None: all of them)."""
    out: list[Needed] = [None] * len(commands)
    needed: Needed = None
    for i in range(len(commands) - 1, -1, -1):
        out[i] = needed
        cmd = commands[i]
        reads = _reads(cmd)
        if isinstance(cmd, _BARRIERS):
            needed = reads
        elif needed is not None and reads is not None:
            needed = needed | reads
        else:
            needed = None
    return out

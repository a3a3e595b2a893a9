"""A bounded, content-keyed memo of derived event fields.

Continuous export repeats itself: every finding of one image scan carries the same artifact and
resource details, and every image with a given CVE carries the same vulnerability details. Deriving
those fields is most of the mapper's Python work, so it is done once per distinct content: the key is
the exact content the derivation reads (compact JSON of the blocks plus the few scalars beside them),
so a hit returns exactly what a fresh derivation would. Failed derivations (FieldProblem) are never
stored. The memo is cleared when full, which keeps memory bounded and output unaffected.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["Memo"]

Part = tuple[dict[str, Any], tuple[str, ...]]  # (fields, names of the list-valued ones)


class Memo:
    """`apply(key, derive, event, *args)`: add the fields `derive(fields, *args)` produces for `key` to `event`."""

    def __init__(self, limit: int = 4096) -> None:
        self._parts: dict[Hashable, Part] = {}
        self._limit = limit
        self.get = (
            self._parts.get
        )  # `get(key) -> Part | None`: the hit path of hot callers, without a call layer

    def fill(self, key: Hashable, derive: Callable[..., None], *args: Any) -> Part:
        """Derive the part for `key` (a miss of `get`) and keep it; a raising `derive` keeps nothing."""
        fields: dict[str, Any] = {}
        derive(fields, *args)
        part = (fields, tuple(k for k, v in fields.items() if type(v) is list))
        if len(self._parts) >= self._limit:
            self._parts.clear()
        self._parts[key] = part
        return part

    def apply(
        self, key: Hashable | None, derive: Callable[..., None], event: dict[str, Any], *args: Any
    ) -> None:
        """Derive (or recall) the fields for `key` into `event`; `key` None means "do not memoize"."""
        if key is None:
            fields: dict[str, Any] = {}
            derive(fields, *args)
            part = (fields, tuple(k for k, v in fields.items() if type(v) is list))
        else:
            part = self._parts.get(key) or self.fill(key, derive, *args)
        fields, lists = part
        event.update(fields)
        if lists:
            for name in lists:  # every event gets its own lists
                event[name] = fields[name].copy()

    def clear(self) -> None:
        self._parts.clear()

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

import msgspec

__all__ = ["Memo", "Part", "SlotMemo"]

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


class SlotMemo(Memo):
    """A Memo for keys `(primary, rest)` where `rest` may hold `msgspec.Raw` slices of a body.

    `recall` first checks the last part seen for `primary` by comparing `rest` for equality (a
    memcmp for Raw blocks: no copying, no hashing); only when that differs does it build the full
    hashable key (Raw blocks copied to bytes) and use the memo. The slot keeps its own copies, never
    the caller's Raw slices, so no body outlives its batch. Output is the same as `Memo.apply` with
    the full key.
    """

    def __init__(self, limit: int = 4096) -> None:
        super().__init__(limit)
        self._slots: dict[Hashable, tuple[tuple[Any, ...], Part]] = {}
        self.slots = self._slots  # read-only view for callers that inline the slot check

    def recall(
        self, primary: Hashable, rest: tuple[Any, ...], derive: Callable[..., None], *args: Any
    ) -> Part:
        """The part for `(primary, rest)`, derived by `derive(fields, *args)` when never seen."""
        slot = self._slots.get(primary)
        if slot is not None and slot[0] == rest:
            return slot[1]
        owned = tuple(msgspec.Raw(bytes(v)) if type(v) is msgspec.Raw else v for v in rest)
        key = (primary, tuple(bytes(v) if type(v) is msgspec.Raw else v for v in owned))
        part = self.get(key) or self.fill(key, derive, *args)
        if len(self._slots) >= self._limit:
            self._slots.clear()
        self._slots[primary] = (owned, part)
        return part

    def clear(self) -> None:
        super().clear()
        self._slots.clear()

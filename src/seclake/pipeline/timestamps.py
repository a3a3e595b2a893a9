"""Timestamp values → nanoseconds since the Unix epoch (UTC), by the rules of interfaces.md.

- Numbers: up to 1e11 (in magnitude) are seconds, up to 1e14 milliseconds, up to 1e17 microseconds,
  anything larger nanoseconds. Floats keep their fraction (as far as a double holds it).
- Strings: RFC 3339 date-times (`T`, `t` or a space between date and time; `Z`, `z` or `±hh:mm`;
  `±hhmm` and a missing offset are read leniently, the latter as UTC). The fraction is parsed by hand,
  so nanosecond precision survives (`datetime` only keeps microseconds); digits past the ninth are
  truncated. Numeric strings (`[+-]digits[.digits]`, no exponent) follow the number rule, exactly
  (no float rounding of their decimal digits).
- Anything else, and values outside the range of a signed 64-bit nanosecond count (1677–2262), are
  unreadable: `to_ns` answers None and the caller decides (ingest time for `timestamp`, a warning for
  the other timestamp fields).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from seclake.model.timestamps import INT64_MAX, INT64_MIN, NS_PER_SECOND, rfc3339_to_ns

__all__ = ["MAX_FUTURE_NS", "NS_PER_SECOND", "to_ns"]

MAX_FUTURE_NS = 10 * 60 * NS_PER_SECOND  # timestamps further ahead than ingest time + this are clamped

# (upper bound of the magnitude, nanoseconds per unit): seconds, milliseconds, microseconds, else ns.
_UNITS: tuple[tuple[int, int], ...] = ((10**11, 10**9), (10**14, 10**6), (10**17, 10**3))

_NUMERIC = re.compile(r"([+-]?)(\d+)(?:\.(\d+))?")


def _unit_ns(magnitude: float) -> int:
    for bound, unit in _UNITS:
        if magnitude <= bound:
            return unit
    return 1


def _in_range(ns: int) -> int | None:
    return ns if INT64_MIN <= ns <= INT64_MAX else None


def _int_to_ns(value: int) -> int | None:
    return _in_range(value * _unit_ns(abs(value)))


def _float_to_ns(value: float) -> int | None:
    if not math.isfinite(value):
        return None
    unit = _unit_ns(abs(value))
    whole = int(value)
    return _in_range(whole * unit + round((value - whole) * unit))


def _decimal_unit_ns(whole: int, has_fraction: bool) -> int:
    """`_unit_ns` for `whole.fraction`, exact at the bounds (no float rounding)."""
    for bound, unit in _UNITS:
        if whole < bound or (whole == bound and not has_fraction):
            return unit
    return 1


def _numeric_str_to_ns(sign: str, digits: str, fraction: str | None) -> int | None:
    whole = int(digits)
    fraction = (fraction or "").rstrip("0")
    unit = _decimal_unit_ns(whole, bool(fraction))
    scale = len(str(unit)) - 1  # fraction digits that still count at this unit
    ns = whole * unit + (int(fraction[:scale].ljust(scale, "0")) if scale and fraction else 0)
    return _in_range(-ns if sign == "-" else ns)


def _parse_str(value: str) -> int | None:
    ns = rfc3339_to_ns(value)
    if ns is not None:
        return ns
    numeric = _NUMERIC.fullmatch(value.strip())
    if numeric is not None:
        return _numeric_str_to_ns(*numeric.groups())
    return None


# Events of one export share their times: a cache hit is far cheaper than a parse. Only short strings
# are cached, so a sender cannot make the cache hold large values.
_parse_cached = lru_cache(maxsize=8192)(_parse_str)
_CACHED_LENGTH = 40


def _str_to_ns(value: str) -> int | None:
    return _parse_cached(value) if len(value) <= _CACHED_LENGTH else _parse_str(value)


def to_ns(value: Any) -> int | None:
    """Nanoseconds since the epoch for a timestamp value, or None when it cannot be read."""
    kind = type(value)
    if kind is str:
        return _str_to_ns(value)
    if kind is int:
        return _int_to_ns(value)
    if kind is float:
        return _float_to_ns(value)
    return None

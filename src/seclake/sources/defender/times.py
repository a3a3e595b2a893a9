"""Timestamps: Defender's ISO 8601 strings → (nanoseconds since the epoch, RFC 3339 UTC text with `Z`).

Defender writes 100-ns precision (`2023-09-12T13:36:15.0772799Z`), sometimes no zone
(`2020-08-04T00:00:00`, read as UTC) or an offset (`+00:00`). Events carry the normalized text form:
UTC, `Z`, the fraction as given (up to nanoseconds, trailing zeros dropped). Parsing is cached because
the records of one export share a handful of distinct times.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

__all__ = ["Timestamp", "format_ns", "from_datetime", "parse_timestamp"]

Timestamp = tuple[int, str]  # (ns since the Unix epoch, RFC 3339 UTC text)

_NS = 1_000_000_000
_DAY_NS = 86_400 * _NS
_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_PATTERN = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,12}))?\s*(Z|z|[+-]\d\d:?\d\d)?"
)


@lru_cache(maxsize=8192)
def parse_timestamp(text: str) -> Timestamp | None:
    """`(ns, rfc3339)` for an ISO 8601 date-time string, or None when it is not one."""
    m = _PATTERN.fullmatch(text.strip())
    if m is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        ordinal = datetime(int(year), int(month), int(day)).toordinal()
    except ValueError:
        return None
    h, mi, s = int(hour), int(minute), int(second)
    if h > 23 or mi > 59 or s > 60:  # 60: a leap second, folded into the next minute by the arithmetic
        return None
    frac_ns = int((fraction or "0")[:9].ljust(9, "0"))
    offset_s = 0
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:])
        if oh > 23 or om > 59:
            return None
        offset_s = (oh * 3600 + om * 60) * (1 if zone[0] == "+" else -1)
    ns = (ordinal - _EPOCH_ORDINAL) * _DAY_NS + ((h * 3600 + mi * 60 + s - offset_s) * _NS) + frac_ns
    try:
        return ns, format_ns(ns)
    except (OverflowError, ValueError):  # an offset pushed it outside years 1–9999
        return None


def format_ns(ns: int) -> str:
    """RFC 3339 UTC text of `ns` nanoseconds since the epoch: seconds, then the fraction if non-zero."""
    seconds, frac = divmod(ns, _NS)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def from_datetime(value: datetime) -> Timestamp:
    """`(ns, rfc3339)` of a datetime; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH.replace(tzinfo=UTC)
    ns = (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1000
    return ns, format_ns(ns)

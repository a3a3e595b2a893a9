"""RFC 3339 timestamps → nanoseconds since the Unix epoch (UTC), exact to the nanosecond.

`datetime` stops at microseconds, so the fraction is read by hand. The one parser of seclake: the ingest
pipeline (which also reads epoch numbers) and the store (which also takes the mapper's RFC 3339 text)
both call it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

__all__ = ["INT64_MAX", "INT64_MIN", "NS_PER_SECOND", "rfc3339_to_ns"]

NS_PER_SECOND: Final = 1_000_000_000
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?"
)


def rfc3339_to_ns(text: str, *, require_offset: bool = False) -> int | None:
    """Nanoseconds since the epoch of an RFC 3339 time, or None when it is not one (or out of int64).

    Without `require_offset`, a time with no offset is read as UTC. Fractions past 9 digits are cut;
    second 60 (a leap second) is allowed, as RFC 3339 does.
    """
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if require_offset and zulu is None and sign is None:
        return None
    try:
        days = date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return None
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 60:
        return None
    offset = 0
    if sign is not None:
        oh, om = int(off_h), int(off_m)
        if oh > 23 or om > 59:
            return None
        offset = (oh * 3600 + om * 60) * (1 if sign == "+" else -1)
    ns = (days * 86400 + h * 3600 + m * 60 + s - offset) * NS_PER_SECOND
    if fraction:
        ns += int(fraction[:9].ljust(9, "0"))
    return ns if INT64_MIN <= ns <= INT64_MAX else None

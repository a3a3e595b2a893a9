"""Pure time arithmetic for compile-time constants: nanoseconds since the epoch (UTC) throughout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NS = 1_000_000_000
DAY = 86_400 * NS
# Grail-like "nice" series intervals; makeTimeseries picks the smallest one that fits `bins`.
NICE_INTERVALS = tuple(
    n * NS for n in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)
) + tuple(d * DAY for d in (1, 2, 7, 14, 30, 90, 365))


def to_ns(dt: datetime) -> int:
    """Nanoseconds since the epoch of an aware or naive-UTC datetime."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS + delta.microseconds * 1_000


def from_ns(ns: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1_000)


def parse_timestamp(text: str) -> int | None:
    """ns of an ISO 8601 / RFC 3339 timestamp (fraction up to 9 digits; naive = UTC), or None."""
    s = text.strip()
    if not s or len(s) > 64:
        return None
    frac_ns = 0
    main = s
    tz = ""
    for i in range(len(s) - 1, 9, -1):
        if s[i] in "Zz+-" and i > 10:
            main, tz = s[:i], s[i:]
            break
    if "." in main:
        main, frac = main.split(".", 1)
        if not frac.isdigit() or len(frac) > 9:
            return None
        frac_ns = int(frac.ljust(9, "0"))
    try:
        dt = datetime.fromisoformat(main + ("+00:00" if tz in ("Z", "z", "") else tz))
    except ValueError:
        return None
    return to_ns(dt) + frac_ns


def align(ns: int, unit: str) -> int:
    """Round `ns` down to the start of its `unit` (s m h d w M q y), UTC; weeks start on Monday."""
    fixed = {"s": NS, "m": 60 * NS, "h": 3600 * NS, "d": DAY}
    if unit in fixed:
        return ns - ns % fixed[unit]
    dt = from_ns(ns)
    if unit == "w":
        day = ns - ns % DAY
        return day - dt.weekday() * DAY
    month = {"M": dt.month, "q": (dt.month - 1) // 3 * 3 + 1, "y": 1}.get(unit)
    if month is None:
        raise ValueError(unit)
    return to_ns(datetime(dt.year, month, 1, tzinfo=UTC))


ALIGN_UNITS = frozenset({"s", "m", "h", "d", "w", "M", "q", "y"})


def nice_interval(span_ns: int, bins: int) -> int:
    """The smallest nice interval that covers `span_ns` in at most `bins` bins."""
    need = -(-max(span_ns, 1) // max(bins, 1))
    for interval in NICE_INTERVALS:
        if interval >= need:
            return interval
    return -(-need // DAY) * DAY


def series_grid(start_ns: int, end_ns: int, interval_ns: int) -> tuple[int, int, int]:
    """(aligned start, aligned end, bin count) of a series over [start, end) at `interval_ns`."""
    first = start_ns - start_ns % interval_ns
    last = end_ns if end_ns % interval_ns == 0 else end_ns - end_ns % interval_ns + interval_ns
    return first, last, max(1, (last - first) // interval_ns)

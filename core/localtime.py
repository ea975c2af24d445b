"""Turning a provider's local wall-clock times into UTC instants, DST-correct.

Two resolutions exist because the availability contract treats starts and ends
differently around DST transitions:

* a *start* that falls in a DST gap does not exist and is skipped; in a fold it
  means its first occurrence;
* an *end* (of an interval or a block window) that falls in a gap means the
  instant the gap ends; in a fold its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class UnknownTimeZone(ValueError):
    pass


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; :class:`UnknownTimeZone` when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "Europe" is a directory
        raise UnknownTimeZone(name) from exc


def require_utc(value: datetime, what: str = "time") -> datetime:
    """``value`` as aware UTC; naive datetimes are a programming error in the core."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def start_instant(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """UTC instant of a local start, ``None`` if the wall time does not exist (DST gap)."""
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return instant


def end_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """UTC instant of a local end: the gap's end for a nonexistent wall time."""
    instant = start_instant(wall, tz)
    if instant is not None:
        return instant
    return _gap_end(wall, tz)


def _gap_end(wall: datetime, tz: ZoneInfo) -> datetime:
    # The two folds of a nonexistent time read it with the offsets before and
    # after the transition; the transition instant lies between them. Offsets
    # change only at whole seconds, so a bisection over seconds finds it.
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    low, high = min(first, second), max(first, second)
    after = high.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local date (a midnight inside a DST gap means the gap's end)."""
    return end_instant(datetime.combine(day, time(0)), tz)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return require_utc(instant).astimezone(tz).date()

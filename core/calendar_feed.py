"""A provider's own calendar feed (iCalendar) read as busy intervals, in UTC.

Issue #13, part 1, the parsing half: fetching and storing come separately. The
libraries do what is easy to get wrong by hand — ``recurring-ical-events``
expands RRULE/RDATE/EXDATE and moved instances (RECURRENCE-ID) and, through its
own ``x-wr-timezone`` dependency, reads Google's calendar-wide ``X-WR-TIMEZONE``;
``icalendar`` reads VTIMEZONE blocks and Outlook's Windows zone names. What is
left here is the booking rules' view of an event:

* only what makes the provider busy counts: ``TRANSP:TRANSPARENT`` ("show as
  free") and ``STATUS:CANCELLED`` do not;
* an all-day event (DATE values) blocks the whole local day in the provider's
  zone, DST days included; a floating time is the provider's wall clock;
* only the window asked for is expanded (the booking horizon), so a daily
  rule with no end costs days, not forever;
* nothing but the event's UID and instants is kept: titles and descriptions
  never reach a client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from core.localtime import end_instant, require_utc, start_instant, zone


class FeedError(ValueError):
    """The feed is not an iCalendar file we can read (the last good busy set stays)."""


@dataclass(frozen=True, order=True)
class BusyInterval:
    start: datetime  # UTC
    end: datetime  # UTC, after start
    uid: str  # the event's UID (with the instance's start for a recurring one)


@dataclass(frozen=True)
class FeedContents:
    events: int  # event instances expanded for the window, free and cancelled ones included
    busy: list[BusyInterval]


def busy_intervals(
    data: bytes | str, provider_zone: str, first: datetime, last: datetime
) -> list[BusyInterval]:
    """The busy intervals of feed ``data`` overlapping ``first``…``last`` (aware instants)."""
    return read_feed(data, provider_zone, first, last).busy


def read_feed(
    data: bytes | str, provider_zone: str, first: datetime, last: datetime
) -> FeedContents:
    """:func:`busy_intervals`, with how many event instances the window held."""
    first, last = require_utc(first, "first"), require_utc(last, "last")
    tz = zone(provider_zone)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError) as exc:
        raise FeedError(f"not an iCalendar feed: {exc}") from exc
    # Expanded in the provider's local days around the window, then cut to it: an
    # all-day event starting the local day before ``first`` may still overlap it.
    try:
        events = recurring_ical_events.of(calendar).between(first - timedelta(days=1), last + timedelta(days=1))
    except (ValueError, TypeError) as exc:
        raise FeedError(f"cannot expand the feed's events: {exc}") from exc
    found = set()
    for event in events:
        interval = _busy(event, tz)
        if interval is not None and interval.start < last and interval.end > first:
            found.add(interval)
    return FeedContents(len(events), sorted(found))


def _busy(event: icalendar.cal.Component, tz: ZoneInfo) -> BusyInterval | None:
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "CONFIRMED")).upper() == "CANCELLED":
        return None
    if event.get("DTSTART") is None:
        return None
    start_value = event.decoded("DTSTART")
    end_value = event.decoded("DTEND") if event.get("DTEND") is not None else None
    if end_value is None and event.get("DURATION") is not None:
        end_value = start_value + event.decoded("DURATION")
    if isinstance(start_value, datetime):
        start = _instant(start_value, tz, is_end=False)
        # RFC 5545: a DATE-TIME start with neither end nor duration takes no time.
        end = _instant(end_value, tz, is_end=True) if isinstance(end_value, datetime) else start
    else:  # DATE: whole local days, the end exclusive (one day when it is missing)
        last_day = end_value if isinstance(end_value, date) else start_value + timedelta(days=1)
        start = _day_start(start_value, tz)
        end = _day_start(last_day, tz)
    if end <= start:
        return None  # a moment, or a broken event: it blocks nothing
    uid = str(event.get("UID", ""))
    return BusyInterval(start, end, f"{uid}@{start.isoformat()}")


def _instant(value: datetime, tz: ZoneInfo, *, is_end: bool) -> datetime:
    if value.tzinfo is None:  # floating: the provider's own wall clock
        local = end_instant(value, tz) if is_end else start_instant(value, tz)
        # A floating start inside a DST gap means the moment the gap ends.
        return local if local is not None else end_instant(value, tz)
    return value.astimezone(UTC)


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return end_instant(datetime.combine(day, time(0)), tz)

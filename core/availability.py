"""Which starts a provider offers: the availability contract, as pure functions.

The rules (numbered as in the contract, issue #3):

1. Weekly hours are local wall-clock intervals, any number per weekday; an
   interval whose end is not after its start runs past midnight.
2. An interval belongs to the local date it starts on; overrides of a date act on
   that date's intervals: SPECIAL_HOURS replace the weekly ones, a whole-day
   UNAVAILABLE removes them all, a timed UNAVAILABLE blocks its window.
3. Candidates step from the interval start by duration + buffer in wall-clock
   time; nonexistent starts are skipped, ambiguous ones mean the first
   occurrence; a slot lasts ``duration`` real minutes and ends no later than the
   interval's end instant.
4. PENDING and CONFIRMED bookings block, widened by the buffer on both sides;
   so do the busy times of the provider's own calendar feeds.
5. Group types share one start between up to ``max_participants`` bookings.
6. Nothing before ``now + min_notice``; no date after local today + max advance.
7. Results are sorted, unique UTC instants.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.bounds import DAYS_AHEAD
from core.localtime import end_instant, local_date, local_midnight, require_utc, start_instant, zone
from core.model import (
    AppointmentType,
    BusyPeriod,
    OverrideKind,
    ProviderCalendar,
    ProviderSettings,
    ScheduleOverride,
)


class DayStatus(str, enum.Enum):
    OPEN = "OPEN"  # at least one slot can be booked
    FULLY_BOOKED = "FULLY_BOOKED"  # working hours, but every slot is taken
    CLOSED = "CLOSED"  # day off, blocked, past, or beyond the booking horizon


@dataclass(frozen=True)
class DayAvailability:
    date: date
    status: DayStatus
    slots: tuple[datetime, ...]
    #: Starts the hours would offer but bookings hold (tells "full" from "day off").
    taken: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class _Window:
    start: datetime
    end: datetime


def intervals_for_date(calendar: ProviderCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """Local (naive) start and end wall times of the intervals that belong to ``day``."""
    return _intervals(calendar, day, [o for o in calendar.overrides if o.date == day])


def _intervals(
    calendar: ProviderCalendar, day: date, overrides: Sequence[ScheduleOverride]
) -> list[tuple[datetime, datetime]]:
    if any(o.kind is OverrideKind.UNAVAILABLE and o.is_whole_day for o in overrides):
        return []
    special = [o for o in overrides if o.kind is OverrideKind.SPECIAL_HOURS and not o.is_whole_day]
    if special:
        hours = [(o.start, o.end) for o in special]
    else:
        weekday = day.weekday()
        hours = [
            (i.start, i.end)
            for i in calendar.weekly
            if i.is_active and i.day_of_week == weekday
        ]
    return [_wall_span(day, start, end) for start, end in hours]  # type: ignore[arg-type]


def _wall_span(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    end_day = day if end > start else day + timedelta(days=1)
    return datetime.combine(day, start), datetime.combine(end_day, end)


def _blocked_windows(
    day: date, overrides: Sequence[ScheduleOverride], tz: ZoneInfo
) -> list[_Window]:
    windows = []
    for override in overrides:
        if override.kind is OverrideKind.UNAVAILABLE and not override.is_whole_day:
            wall_start, wall_end = _wall_span(day, override.start, override.end)  # type: ignore[arg-type]
            windows.append(_Window(end_instant(wall_start, tz), end_instant(wall_end, tz)))
    return windows


class _BusyIndex:
    """Active bookings sorted by start, for fast overlap and seat counting."""

    def __init__(self, busy: Iterable[BusyPeriod]) -> None:
        self._busy = sorted(busy, key=lambda b: (b.start, b.end))
        self._starts = [b.start for b in self._busy]
        self._longest = max((b.end - b.start for b in self._busy), default=timedelta(0))

    def is_free(
        self, start: datetime, end: datetime, appt_type: AppointmentType, buffer: timedelta
    ) -> bool:
        # Only bookings starting in (start - buffer - longest, end + buffer) can overlap.
        low = bisect_left(self._starts, start - buffer - self._longest)
        seats_taken = 0
        for booking in self._busy[low:]:
            if booking.start >= end + buffer:
                break
            same_session = booking.start == start and booking.type_id == appt_type.id
            # Rule 5: same type, same start share the slot. A calendar's busy time
            # (no type) is never a seat, even for a type without an id yet.
            if same_session and booking.type_id is not None:
                seats_taken += 1
            elif start < booking.end + buffer and end > booking.start - buffer:
                return False  # rule 4
        return seats_taken < appt_type.max_participants


def busy_window(tz_name: str, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """A UTC range that holds every booking able to affect slots of these dates.

    Slots of a date may run into the next day (overnight intervals), and buffers
    reach a little further; a day of margin on each side covers both.
    """
    tz = zone(tz_name)
    return (
        local_midnight(first_day - timedelta(days=1), tz),
        local_midnight(last_day + timedelta(days=3), tz),
    )


def last_bookable_date(settings: ProviderSettings, tz: ZoneInfo, now: datetime) -> date:
    # An imported provider may say any number of days; nothing is offered past the
    # date window (and timedelta(days=10**9) would overflow).
    return local_date(now, tz) + timedelta(days=min(settings.max_advance_days, DAYS_AHEAD))


def availability_for_dates(
    calendar: ProviderCalendar,
    appt_type: AppointmentType,
    busy: Iterable[BusyPeriod],
    days: Iterable[date],
    now: datetime,
) -> list[DayAvailability]:
    """Availability of each provider-local date in ``days`` (rules 1-7)."""
    now = require_utc(now, "now")
    settings = calendar.provider.settings
    tz = zone(calendar.provider.timezone)
    index = _BusyIndex(busy)
    earliest = now + settings.min_notice
    horizon = last_bookable_date(settings, tz, now)
    duration, buffer = appt_type.duration, settings.buffer
    step = duration + buffer
    overrides_by_date: dict[date, list[ScheduleOverride]] = defaultdict(list)
    for override in calendar.overrides:
        overrides_by_date[override.date].append(override)
    result = []
    for day in sorted(set(days)):
        if day > horizon:
            result.append(DayAvailability(day, DayStatus.CLOSED, ()))
            continue
        candidates = _candidates(
            calendar, day, overrides_by_date.get(day, []), tz, earliest, duration, step
        )
        free = {s for s in candidates if index.is_free(s, s + duration, appt_type, buffer)}
        slots, taken = tuple(sorted(free)), tuple(sorted(candidates - free))
        result.append(DayAvailability(day, _status(slots, taken), slots, taken))
    return result


def _candidates(
    calendar: ProviderCalendar,
    day: date,
    overrides: Sequence[ScheduleOverride],
    tz: ZoneInfo,
    earliest: datetime,
    duration: timedelta,
    step: timedelta,
) -> set[datetime]:
    """Starts the hours of ``day`` offer (rules 1-3, 6), bookings not yet considered."""
    blocks = _blocked_windows(day, overrides, tz)
    candidates: set[datetime] = set()
    for wall_start, wall_end in _intervals(calendar, day, overrides):
        limit = end_instant(wall_end, tz)
        for start in _grid(wall_start, wall_end, limit, step, tz):
            if start < earliest or start + duration > limit:
                continue
            if any(start < w.end and start + duration > w.start for w in blocks):
                continue
            candidates.add(start)
    return candidates


def _grid(
    wall_start: datetime, wall_end: datetime, limit: datetime, step: timedelta, tz: ZoneInfo
) -> Iterable[datetime]:
    """The UTC instants of the wall times ``wall_start + k * step`` below ``wall_end``
    (rule 3: one in a DST gap is skipped, one in a fold is its first reading)."""
    first = start_instant(wall_start, tz)
    # Most intervals (at most a day long) keep one UTC offset from start to end:
    # then the walk is a plain step in UTC, and converting every wall time (the
    # month view converts ~700) is not needed. No zone changes its offset twice
    # within a day, so equal offsets at both ends mean none in between.
    if first is not None and wall_end - wall_start <= timedelta(days=1):
        offset = wall_start - first.replace(tzinfo=None)
        if wall_end - limit.replace(tzinfo=None) == offset:
            count = -((wall_start - wall_end) // step)  # steps strictly below wall_end
            return [first + n * step for n in range(count)]
    found = []
    wall = wall_start
    while wall < wall_end:
        start = start_instant(wall, tz)
        wall += step
        if start is not None:
            found.append(start)
    return found


def _is_candidate(
    calendar: ProviderCalendar,
    day: date,
    overrides: Sequence[ScheduleOverride],
    tz: ZoneInfo,
    earliest: datetime,
    duration: timedelta,
    step: timedelta,
    start: datetime,
) -> bool:
    """``start in _candidates(...)``, without walking every interval's grid."""
    if start < earliest:
        return False
    wall = start.astimezone(tz).replace(tzinfo=None)
    if start_instant(wall, tz) != start:
        return False  # the later reading of a repeated wall time is never a start
    intervals = _intervals(calendar, day, overrides)
    if not _reaches(intervals, tz, duration, step, wall, start):
        return False
    return not _is_blocked(day, overrides, tz, start, start + duration)


def _reaches(
    intervals: Sequence[tuple[datetime, datetime]],
    tz: ZoneInfo,
    duration: timedelta,
    step: timedelta,
    wall: datetime,
    start: datetime,
) -> bool:
    """Whether an interval's walk visits ``wall`` and the slot ends by the interval's end."""
    for wall_start, wall_end in intervals:
        # The walk visits exactly wall_start + k * step below wall_end.
        if not wall_start <= wall < wall_end or (wall - wall_start) % step:
            continue
        if start + duration <= end_instant(wall_end, tz):
            return True
    return False


def _is_blocked(
    day: date, overrides: Sequence[ScheduleOverride], tz: ZoneInfo, start: datetime, end: datetime
) -> bool:
    return any(start < w.end and end > w.start for w in _blocked_windows(day, overrides, tz))


def hours_reach(
    calendar: ProviderCalendar, appt_type: AppointmentType, day: date, start: datetime
) -> bool:
    """Whether the hours of ``day`` (its overrides applied, but not its timed blocks)
    walk to ``start`` and hold the whole slot; notice, horizon and bookings aside."""
    tz = zone(calendar.provider.timezone)
    wall = require_utc(start, "start").astimezone(tz).replace(tzinfo=None)
    step = appt_type.duration + calendar.provider.settings.buffer
    intervals = intervals_for_date(calendar, day)
    return _reaches(intervals, tz, appt_type.duration, step, wall, start)


def is_blocked(calendar: ProviderCalendar, day: date, start: datetime, end: datetime) -> bool:
    """Whether a timed UNAVAILABLE window of ``day`` overlaps ``start``..``end``."""
    overrides = [o for o in calendar.overrides if o.date == day]
    return _is_blocked(day, overrides, zone(calendar.provider.timezone), start, end)


def _status(slots: Sequence[datetime], taken: Sequence[datetime]) -> DayStatus:
    if slots:
        return DayStatus.OPEN
    return DayStatus.FULLY_BOOKED if taken else DayStatus.CLOSED


def regroup_by_zone(
    days: Iterable[DayAvailability], tz_name: str, first: date, last: date
) -> list[DayAvailability]:
    """The same slots, grouped by the local dates of another zone (e.g. the client's).

    ``days`` must cover the provider dates whose slots can land on ``first`` to
    ``last`` in ``tz_name`` (one provider date more on each side suffices).
    """
    tz = zone(tz_name)
    slots: dict[date, list[datetime]] = defaultdict(list)
    taken: dict[date, list[datetime]] = defaultdict(list)
    for day in days:
        for start in day.slots:
            slots[local_date(start, tz)].append(start)
        for start in day.taken:
            taken[local_date(start, tz)].append(start)
    result = []
    for n in range((last - first).days + 1):
        current = first + timedelta(days=n)
        free = tuple(sorted(set(slots.get(current, ()))))
        held = tuple(sorted(set(taken.get(current, ())) - set(free)))
        result.append(DayAvailability(current, _status(free, held), free, held))
    return result


def available_slots(
    calendar: ProviderCalendar,
    appt_type: AppointmentType,
    busy: Iterable[BusyPeriod],
    day: date,
    now: datetime,
) -> list[datetime]:
    """UTC starts offered for the intervals belonging to provider-local ``day``."""
    (only,) = availability_for_dates(calendar, appt_type, busy, [day], now)
    return list(only.slots)


def slots_between(
    calendar: ProviderCalendar,
    appt_type: AppointmentType,
    busy: Iterable[BusyPeriod],
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[datetime]:
    """Offered starts ``s`` with ``start <= s < end`` (UTC), whatever date they belong to."""
    start, end = require_utc(start, "start"), require_utc(end, "end")
    tz = zone(calendar.provider.timezone)
    first = local_date(start, tz) - timedelta(days=1)
    last = local_date(end, tz)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found: set[datetime] = set()
    for day in availability_for_dates(calendar, appt_type, busy, days, now):
        found.update(s for s in day.slots if start <= s < end)
    return sorted(found)


def is_offered(
    calendar: ProviderCalendar,
    appt_type: AppointmentType,
    busy: Sequence[BusyPeriod],
    start: datetime,
    now: datetime,
) -> bool:
    """Whether ``start`` is a slot :func:`available_slots` offers at ``now`` (rule 8).

    The same answer as looking ``start`` up in :func:`slots_between`, without
    working out the rest of its days: a booking checks this inside the provider's
    write lock, where every microsecond holds up the next booking.
    """
    start, now = require_utc(start, "start"), require_utc(now, "now")
    settings = calendar.provider.settings
    tz = zone(calendar.provider.timezone)
    horizon = last_bookable_date(settings, tz, now)
    duration, step = appt_type.duration, appt_type.duration + settings.buffer
    earliest = now + settings.min_notice
    day = local_date(start, tz)
    # A start on local date D may belong to an overnight interval of D - 1.
    for owner in (day - timedelta(days=1), day):
        if owner > horizon:
            continue
        overrides = [o for o in calendar.overrides if o.date == owner]
        if _is_candidate(calendar, owner, overrides, tz, earliest, duration, step, start):
            return _BusyIndex(busy).is_free(start, start + duration, appt_type, settings.buffer)
    return False

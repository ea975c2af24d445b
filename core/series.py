"""Recurring sessions (issue #14): plan a series, and say of every occurrence whether it
can be booked and, if not, why.

Local time is stable: every occurrence starts at the first start's wall-clock time in
the provider's zone (10:00 Berlin stays 10:00 Berlin across a DST change; the UTC
instant moves). A wall time that does not exist on an occurrence's date (a DST gap)
is not moved to another time: that occurrence is not possible.

Every occurrence is checked, not only the first ones (Cal.com checked the first and
double-booked the rest: cal.com#11654, #15997), against the bookings and against the
earlier occurrences of the same series that can be booked. Pure: no I/O, no clock.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from core.availability import (
    hours_reach,
    intervals_for_date,
    is_blocked,
    is_offered,
    last_bookable_date,
)
from core.localtime import local_date, require_utc, start_instant, zone
from core.model import (
    DEFAULT_MAX_SERIES_OCCURRENCES,
    AppointmentType,
    BusyPeriod,
    ProviderCalendar,
)

EVERY_WEEKS = (1, 2, 4)
MIN_OCCURRENCES = 2
#: The cap when an appointment type sets none of its own.
DEFAULT_MAX_OCCURRENCES = DEFAULT_MAX_SERIES_OCCURRENCES


class InvalidSeries(ValueError):
    """A series request that breaks a rule: the message says which."""


@dataclass(frozen=True)
class SeriesRequest:
    """Every ``every_weeks`` weeks from ``first_start``: ``count`` times, or up to and
    including the provider-local date ``until``.

    Checks what it can alone here; :func:`occurrence_starts` checks the rest, which
    needs the provider's zone and the type's maximum.
    """

    first_start: datetime
    every_weeks: int
    count: int | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.first_start.tzinfo is None or self.first_start.utcoffset() is None:
            raise InvalidSeries(f"the first start must be timezone-aware: {self.first_start!r}")
        object.__setattr__(self, "first_start", self.first_start.astimezone(UTC))
        if isinstance(self.every_weeks, bool) or self.every_weeks not in EVERY_WEEKS:
            raise InvalidSeries(f"a series repeats every 1, 2 or 4 weeks, not {self.every_weeks!r}")
        if (self.count is None) == (self.until is None):
            raise InvalidSeries("a series needs exactly one of a count and an end date")
        if self.count is not None and self.count < MIN_OCCURRENCES:
            raise InvalidSeries(f"a series has at least {MIN_OCCURRENCES} occurrences")


@dataclass(frozen=True)
class PlannedStart:
    """An occurrence's provider-local date and UTC start; ``start`` is None when the
    series' wall time does not exist that date (a DST gap)."""

    local_date: date
    start: datetime | None

    @property
    def in_dst_gap(self) -> bool:
        return self.start is None


class OccurrenceState(str, enum.Enum):
    FREE = "FREE"  # offered: can be booked
    TAKEN = "TAKEN"  # a booking (buffer included) or an earlier FREE occurrence holds it
    DAY_OFF = "DAY_OFF"  # no working hours that date, or the whole date off
    BLOCKED = "BLOCKED"  # the hours offer it, a timed block covers it
    OUTSIDE_HOURS = "OUTSIDE_HOURS"  # that date's hours do not offer this time
    TOO_SOON = "TOO_SOON"  # inside the minimum notice
    BEYOND_HORIZON = "BEYOND_HORIZON"  # after the maximum advance
    DST_GAP = "DST_GAP"  # the wall time does not exist that date


@dataclass(frozen=True)
class Occurrence:
    local_date: date  # the provider's
    start: datetime | None  # UTC; None in a DST gap
    end: datetime | None
    state: OccurrenceState

    @property
    def is_free(self) -> bool:
        return self.state is OccurrenceState.FREE


def occurrence_starts(
    request: SeriesRequest, provider_zone: str, max_occurrences: int
) -> list[PlannedStart]:
    """The occurrences of ``request`` in the zone ``provider_zone``, first start first.

    The first keeps ``request.first_start`` itself; each later one is the first start's
    local wall time on its date (its first reading in a DST fold, None in a gap).
    :class:`InvalidSeries` unless there are 2 to ``max_occurrences`` of them.
    """
    tz = zone(provider_zone)
    first_wall = request.first_start.astimezone(tz).replace(tzinfo=None)
    dates = _dates(request, first_wall.date(), max_occurrences)
    planned = [PlannedStart(dates[0], request.first_start)]
    for day in dates[1:]:
        wall = datetime.combine(day, first_wall.time())
        planned.append(PlannedStart(day, start_instant(wall, tz)))
    return planned


def _dates(request: SeriesRequest, first: date, max_occurrences: int) -> list[date]:
    if max_occurrences < MIN_OCCURRENCES:
        raise InvalidSeries("this appointment type cannot be booked as a series")
    period = timedelta(weeks=request.every_weeks)
    if request.count is not None:
        count = request.count
        if count > max_occurrences:
            raise InvalidSeries(f"a series has at most {max_occurrences} occurrences, not {count}")
    else:
        assert request.until is not None  # SeriesRequest holds exactly one of them
        if request.until <= first:
            raise InvalidSeries(f"the end date {request.until} is not after the first date {first}")
        count = (request.until - first) // period + 1
        if count < MIN_OCCURRENCES:
            raise InvalidSeries(f"no second occurrence by {request.until}")
        if count > max_occurrences:
            latest = first + (max_occurrences - 1) * period
            raise InvalidSeries(
                f"a series has at most {max_occurrences} occurrences: until {latest} at the latest"
            )
    try:
        return [first + n * period for n in range(count)]
    except OverflowError:
        raise InvalidSeries("the series runs past the last representable date") from None


def plan_series(
    calendar: ProviderCalendar,
    appt_type: AppointmentType,
    busy: Iterable[BusyPeriod],
    request: SeriesRequest,
    now: datetime,
    *,
    max_occurrences: int,
) -> list[Occurrence]:
    """Every occurrence of ``request`` with its state, in order.

    An occurrence is FREE exactly when :func:`core.availability.is_offered` holds for
    it given ``busy`` plus the earlier FREE occurrences, so booking all FREE ones
    never double-books, within the series either. The rules about who books (the
    provider and type active, the client not blocked, the booking cap) are the
    booking service's, once for the whole series.
    """
    now = require_utc(now, "now")
    taken = list(busy)
    occurrences = []
    for planned in occurrence_starts(request, calendar.provider.timezone, max_occurrences):
        if planned.start is None:
            occurrences.append(Occurrence(planned.local_date, None, None, OccurrenceState.DST_GAP))
            continue
        start, end = planned.start, planned.start + appt_type.duration
        if is_offered(calendar, appt_type, taken, start, now):
            state = OccurrenceState.FREE
            taken.append(BusyPeriod(start, end, appt_type.id))
        else:
            state = refusal(calendar, appt_type, start, now)
        occurrences.append(Occurrence(planned.local_date, start, end, state))
    return occurrences


def refusal(
    calendar: ProviderCalendar, appt_type: AppointmentType, start: datetime, now: datetime
) -> OccurrenceState:
    """Why a start that :func:`core.availability.is_offered` refuses is refused: the
    first of its rules that fails, TAKEN when only the bookings stand in the way."""
    start, now = require_utc(start, "start"), require_utc(now, "now")
    settings = calendar.provider.settings
    tz = zone(calendar.provider.timezone)
    if start < now + settings.min_notice:
        return OccurrenceState.TOO_SOON
    horizon = last_bookable_date(settings, tz, now)
    day = local_date(start, tz)
    # As in is_offered: a start may belong to an overnight interval of the day before.
    owners = [owner for owner in (day - timedelta(days=1), day) if owner <= horizon]
    if not owners:
        return OccurrenceState.BEYOND_HORIZON
    wall = start.astimezone(tz).replace(tzinfo=None)
    if start_instant(wall, tz) != start:
        return OccurrenceState.OUTSIDE_HOURS  # the later reading of a repeated wall time
    reached = [owner for owner in owners if hours_reach(calendar, appt_type, owner, start)]
    if not reached:
        if day > horizon:
            return OccurrenceState.BEYOND_HORIZON
        if not intervals_for_date(calendar, day):
            return OccurrenceState.DAY_OFF
        return OccurrenceState.OUTSIDE_HOURS
    end = start + appt_type.duration
    if all(is_blocked(calendar, owner, start, end) for owner in reached):
        return OccurrenceState.BLOCKED
    return OccurrenceState.TAKEN

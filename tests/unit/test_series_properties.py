"""Property tests of series planning over random calendars, bookings and series (issue #14).

Whatever the calendar: booking every FREE occurrence never double-books (against the
bookings or within the series), every other occurrence is really not offered, and its
reason is one the calendar bears out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.availability import is_offered, last_bookable_date
from core.model import BusyPeriod, OverrideKind, ScheduleOverride
from core.series import OccurrenceState, SeriesRequest, plan_series
from tests.unit.builders import appt, calendar, hm

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham"]
# Sundays of 2027 transitions (Berlin, New York, Lord Howe, Chatham): a series starting
# a few weeks before on a Sunday lands on them.
TRANSITIONS = [
    date(2027, 3, 28), date(2027, 10, 31), date(2027, 3, 14), date(2027, 11, 7),
    date(2027, 4, 4), date(2027, 10, 3), date(2027, 9, 26),
]
TYPE_ID = 1
MAX_OCCURRENCES = 12


def _hhmm(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def series_scenarios(draw):
    tz = draw(st.sampled_from(ZONES))
    first_day = draw(st.one_of(
        st.builds(
            lambda d, weeks: d - timedelta(weeks=weeks),
            st.sampled_from(TRANSITIONS), st.integers(0, 4),
        ),
        st.dates(date(2027, 1, 1), date(2027, 12, 31)),
    ))
    duration = draw(st.sampled_from([30, 45, 60, 90, 120]))
    buffer = draw(st.sampled_from([0, 10, 15, 30]))
    # One interval on the series' weekday, sometimes starting in a DST gap hour.
    opens = draw(st.one_of(st.integers(0, 287).map(lambda n: n * 5), st.sampled_from([120, 150])))
    length = draw(st.integers(1, 288)) * 5
    weekly = [(first_day.weekday(), _hhmm(opens), _hhmm(opens + length))]
    for _ in range(draw(st.integers(0, 2))):
        start, end = draw(st.integers(0, 287)) * 5, draw(st.integers(0, 287)) * 5
        weekly.append((draw(st.integers(0, 6)), _hhmm(start), _hhmm(end)))
    # The first start mostly on the interval's slot grid, sometimes anywhere.
    on_grid = opens + draw(st.integers(0, 4)) * (duration + buffer)
    wall_minutes = draw(st.one_of(st.just(on_grid), st.integers(0, 287).map(lambda n: n * 5)))
    wall = datetime.combine(first_day, time(0)) + timedelta(minutes=wall_minutes)
    first_start = wall.replace(tzinfo=ZoneInfo(tz), fold=draw(st.integers(0, 1))).astimezone(UTC)
    every = draw(st.sampled_from([1, 2, 4]))
    period = timedelta(weeks=every)
    if draw(st.booleans()):
        count = draw(st.integers(2, MAX_OCCURRENCES))
        request = SeriesRequest(first_start, every, count)
    else:
        local_first = first_start.astimezone(ZoneInfo(tz)).date()
        count = draw(st.integers(2, MAX_OCCURRENCES))
        until = local_first + (count - 1) * period + timedelta(days=draw(st.integers(0, 6)))
        request = SeriesRequest(first_start, every, until=until)
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        when = wall.date() + draw(st.integers(0, count - 1)) * period
        kind = draw(st.sampled_from(list(OverrideKind)))
        if kind is OverrideKind.UNAVAILABLE and draw(st.booleans()):
            overrides.append(ScheduleOverride(when, kind))
            continue
        start, end = draw(st.integers(0, 287)) * 5, draw(st.integers(0, 287)) * 5
        if draw(st.booleans()):  # around the series' time
            start = wall_minutes - draw(st.integers(0, 12)) * 5
            end = wall_minutes + draw(st.integers(1, 24)) * 5
        overrides.append(ScheduleOverride(when, kind, hm(_hhmm(start)), hm(_hhmm(end))))
    busy = [
        BusyPeriod(
            first_start + n * period + timedelta(minutes=5 * offset),
            first_start + n * period + timedelta(minutes=5 * offset + minutes),
            type_id,
        )
        for n, offset, minutes, type_id in draw(st.lists(
            st.tuples(
                st.integers(0, count - 1), st.integers(-36, 36),
                st.sampled_from([15, 30, 60, 120]), st.sampled_from([TYPE_ID, 2, None]),
            ),
            max_size=8,
        ))
    ]
    now = first_start - timedelta(hours=draw(st.integers(-48, 21 * 24)))
    cal = calendar(
        tz, weekly=weekly, overrides=overrides, buffer=buffer,
        min_notice=draw(st.integers(0, 72)), max_advance=draw(st.one_of(st.integers(0, 120), st.just(400))),
    )
    return cal, appt(duration, 1, TYPE_ID), busy, request, now


def _overlaps(a: BusyPeriod, b: BusyPeriod, buffer: timedelta) -> bool:
    return a.start < b.end + buffer and b.start < a.end + buffer


PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(series_scenarios())
def test_free_occurrences_never_double_book_and_refused_ones_are_not_offered(scenario):
    cal, kind, busy, request, now = scenario
    buffer = cal.provider.settings.buffer
    occurrences = plan_series(cal, kind, busy, request, now, max_occurrences=MAX_OCCURRENCES)
    booked: list[BusyPeriod] = []
    for occurrence in occurrences:
        if occurrence.state is OccurrenceState.DST_GAP:
            assert occurrence.start is None and occurrence.end is None
            continue
        assert occurrence.end - occurrence.start == kind.duration
        offered = is_offered(cal, kind, busy + booked, occurrence.start, now)
        if occurrence.state is OccurrenceState.FREE:
            assert offered
            period = BusyPeriod(occurrence.start, occurrence.end, TYPE_ID)
            assert not any(_overlaps(period, other, buffer) for other in busy + booked)
            booked.append(period)
        else:
            assert not offered, occurrence


@PROPERTY_SETTINGS
@given(series_scenarios())
def test_every_occurrence_keeps_the_local_wall_time_and_its_reason_holds(scenario):
    cal, kind, busy, request, now = scenario
    tz = ZoneInfo(cal.provider.timezone)
    first_wall = request.first_start.astimezone(tz)
    occurrences = plan_series(cal, kind, busy, request, now, max_occurrences=MAX_OCCURRENCES)
    assert occurrences[0].start == request.first_start
    period = timedelta(weeks=request.every_weeks)
    assert [o.local_date for o in occurrences] == [
        first_wall.date() + n * period for n in range(len(occurrences))
    ]
    if request.until is not None:
        assert occurrences[-1].local_date <= request.until < occurrences[-1].local_date + period
    horizon = last_bookable_date(cal.provider.settings, tz, now)
    unblocked = replace(cal, overrides=tuple(
        o for o in cal.overrides if o.kind is not OverrideKind.UNAVAILABLE or o.is_whole_day
    ))
    for o in occurrences[1:]:
        wall = datetime.combine(o.local_date, first_wall.time().replace(tzinfo=None))
        round_trip = wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if o.state is OccurrenceState.DST_GAP:
            assert round_trip != wall  # that wall time does not exist that date
        else:
            assert o.start.astimezone(tz).replace(tzinfo=None) == wall
    for o in occurrences:
        if o.state in (OccurrenceState.FREE, OccurrenceState.DST_GAP):
            continue
        on_calendar_alone = is_offered(cal, kind, [], o.start, now)
        # TAKEN: only the bookings stand in the way; any other reason: the calendar does.
        assert on_calendar_alone == (o.state is OccurrenceState.TAKEN), o
        if o.state is OccurrenceState.TOO_SOON:
            assert o.start < now + cal.provider.settings.min_notice
        if o.state is OccurrenceState.BEYOND_HORIZON:
            assert o.start.astimezone(tz).date() > horizon
        if o.state is OccurrenceState.BLOCKED:
            assert is_offered(unblocked, kind, [], o.start, now)
        if o.state in (OccurrenceState.DAY_OFF, OccurrenceState.OUTSIDE_HOURS):
            assert not is_offered(unblocked, kind, [], o.start, now)

"""Property tests of the availability engine over random calendars, zones and bookings.

The oracle below resolves wall times with zoneinfo directly (first instant whose local
wall time is at or after the given one: first occurrence in a fold, the gap's end in a
gap), independently of ``core.localtime``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.availability import available_slots
from core.model import BusyPeriod
from tests.unit.builders import appt, calendar

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # DST changes at local midnight
]
DST_DATES = [
    date(2026, 3, 7), date(2026, 3, 8), date(2026, 10, 31), date(2026, 11, 1),  # New York
    date(2026, 3, 28), date(2026, 3, 29), date(2026, 10, 24), date(2026, 10, 25),  # Berlin
    date(2026, 9, 26), date(2026, 9, 27), date(2026, 4, 4), date(2026, 4, 5),  # Chatham
    date(2026, 10, 3), date(2026, 10, 4),  # Lord Howe
    date(2026, 9, 5), date(2026, 9, 6),  # Santiago
]
TYPE_ID = 1
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def scenarios(draw, seats=st.just(1)):
    tz = draw(st.sampled_from(ZONES))
    on = draw(st.one_of(st.sampled_from(DST_DATES), st.dates(date(2026, 1, 1), date(2026, 12, 31))))
    weekly = []
    for i in range(draw(st.integers(1, 4))):
        weekday = on.weekday() if i == 0 else draw(st.integers(0, 6))
        # Five-minute wall times; end <= start makes an overnight interval.
        start, end = draw(st.integers(0, 287)) * 5, draw(st.integers(0, 287)) * 5
        weekly.append((weekday, _hhmm(start), _hhmm(end)))
    duration = draw(st.sampled_from([15, 20, 30, 45, 60, 90]))
    buffer = draw(st.sampled_from([0, 5, 10, 15, 30]))
    min_notice = draw(st.integers(0, 48))
    midnight = datetime.combine(on, time(0), UTC)
    now = midnight + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 24 * 60)))
    busy = [
        BusyPeriod(
            midnight + timedelta(minutes=5 * offset),
            midnight + timedelta(minutes=5 * offset + length),
            type_id,
        )
        for offset, length, type_id in draw(
            st.lists(
                st.tuples(
                    st.integers(-2 * 288, 2 * 288),
                    st.sampled_from([15, 30, 45, 60, 90, 120]),
                    st.sampled_from([TYPE_ID, 2]),
                ),
                max_size=6,
            )
        )
    ]
    cal = calendar(tz, weekly=weekly, buffer=buffer, min_notice=min_notice, max_advance=400)
    return cal, appt(duration, draw(seats), TYPE_ID), busy, on, now


def run(scenario, busy=None):
    cal, kind, base_busy, on, now = scenario
    return available_slots(cal, kind, base_busy if busy is None else busy, on, now)


def bound(wall: datetime, tz: ZoneInfo) -> datetime:
    """First instant whose local wall time is at or after ``wall``."""
    instant = min(
        wall.replace(tzinfo=tz, fold=0).astimezone(UTC),
        wall.replace(tzinfo=tz, fold=1).astimezone(UTC),
    )
    while instant.astimezone(tz).replace(tzinfo=None) < wall:
        instant += timedelta(minutes=1)
    return instant


def intervals_of(cal, on: date):
    """(wall start, start instant, end instant) of the weekly intervals belonging to ``on``."""
    tz = ZoneInfo(cal.provider.timezone)
    spans = []
    for interval in cal.weekly:
        if interval.day_of_week != on.weekday():
            continue
        wall_start = datetime.combine(on, interval.start)
        end_day = on if interval.end > interval.start else on + timedelta(days=1)
        wall_end = datetime.combine(end_day, interval.end)
        spans.append((wall_start, bound(wall_start, tz), bound(wall_end, tz)))
    return spans


def conflicts(start, kind, buffer, busy):
    end = start + kind.duration
    shared = 0
    for b in busy:
        if b.type_id == kind.id and b.start == start:
            shared += 1
        elif start < b.end + buffer and end > b.start - buffer:
            return True
    return shared >= kind.max_participants


@PROPERTY_SETTINGS
@given(scenarios(seats=st.integers(1, 3)))
def test_results_are_sorted_unique_utc(scenario):
    result = run(scenario)
    assert result == sorted(set(result))
    assert all(s.tzinfo is not None and s.utcoffset() == timedelta(0) for s in result)


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_slot_lies_on_the_grid_of_an_interval_of_its_date(scenario):
    cal, kind, _, on, _ = scenario
    tz = ZoneInfo(cal.provider.timezone)
    step = kind.duration + cal.provider.settings.buffer
    spans = intervals_of(cal, on)
    for s in run(scenario):
        wall = s.astimezone(tz).replace(tzinfo=None)
        assert any(
            first <= s and s + kind.duration <= last and (wall - wall_start) % step == timedelta(0)
            for wall_start, first, last in spans
        ), (s, spans)


@PROPERTY_SETTINGS
@given(scenarios(seats=st.integers(1, 3)))
def test_no_slot_conflicts_with_a_booking(scenario):
    cal, kind, busy, _, _ = scenario
    buffer = cal.provider.settings.buffer
    for s in run(scenario):
        assert not conflicts(s, kind, buffer, busy), s


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_slot_before_min_notice(scenario):
    cal, _, _, _, now = scenario
    earliest = now + cal.provider.settings.min_notice
    assert all(s >= earliest for s in run(scenario))


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_booking_an_offered_slot_removes_it(scenario, data):
    cal, kind, busy, _, _ = scenario
    before = run(scenario)
    assume(before)
    s = data.draw(st.sampled_from(before))
    after = run(scenario, busy + [BusyPeriod(s, s + kind.duration, TYPE_ID)])
    assert s not in after
    assert set(after) <= set(before)


@PROPERTY_SETTINGS
@given(scenarios(seats=st.integers(2, 4)), st.data())
def test_group_slot_takes_n_minus_one_bookings_and_closes_at_n(scenario, data):
    cal, kind, busy, on, now = scenario
    before = run(scenario)
    assume(before)
    s = data.draw(st.sampled_from(before))
    others = [b for b in busy if not (b.type_id == TYPE_ID and b.start == s)]
    seat = BusyPeriod(s, s + kind.duration, TYPE_ID)
    n = kind.max_participants
    assert s in run(scenario, others + [seat] * (n - 1))
    assert s not in run(scenario, others + [seat] * n)

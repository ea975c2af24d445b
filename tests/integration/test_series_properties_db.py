"""Series booking as a property on real SQLite and PostgreSQL (issue #14).

Random series over random calendars (zones with DST changes, overnight hours, days
off, blocks, buffers) and random existing bookings, booked through book_series:

* no booked occurrence overlaps another active booking, buffer included, as
  core.availability counts it;
* every booked occurrence was offered at that moment (given the bookings and the
  series' earlier occurrences), every skipped one was not, and one skipped for a
  DST gap really has no such wall time that date;
* afterwards, booking a single start through core.booking.book succeeds exactly
  when core.availability.is_offered says it is offered.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.availability import availability_for_dates, is_offered
from core.booking import book
from core.clients import get_or_create_client
from core.errors import SlotNoLongerAvailable
from core.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    BusyPeriod,
    NewProvider,
    OverrideKind,
    Provider,
    ProviderSettings,
    ProviderType,
    ScheduleOverride,
    SeriesBookedBy,
    WeeklyInterval,
)
from core.providers import register_provider
from core.series import OccurrenceState, SeriesRequest
from core.series_booking import book_series

ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe"]
# Sundays of 2027's changes (Berlin, New York, Lord Howe): a series a few weeks before
# on a Sunday runs across them.
TRANSITIONS = [
    date(2027, 3, 28), date(2027, 10, 31), date(2027, 3, 14), date(2027, 11, 7),
    date(2027, 4, 4), date(2027, 10, 3),
]
FIVE = timedelta(minutes=5)
# One telegram id per client this module makes, so that examples never share a client.
_next_telegram_id = iter(range(5_000_000, 6_000_000))


def _wall(minutes: int) -> time:
    minutes %= 24 * 60
    return time(minutes // 60, minutes % 60)


@st.composite
def scenarios(draw):
    tz = draw(st.sampled_from(ZONES))
    first_day = draw(st.one_of(
        st.builds(
            lambda d, w: d - timedelta(weeks=w), st.sampled_from(TRANSITIONS), st.integers(0, 3)
        ),
        st.dates(date(2027, 1, 4), date(2027, 12, 20)),
    ))
    duration = draw(st.sampled_from([30, 45, 60, 90]))
    buffer = draw(st.sampled_from([0, 10, 15]))
    # The series' weekday has hours, sometimes opening in a DST gap hour, sometimes overnight.
    opens = draw(st.one_of(st.integers(0, 95).map(lambda n: n * 15), st.sampled_from([120, 150])))
    length = draw(st.integers(4, 48)) * 15
    weekly = [WeeklyInterval(first_day.weekday(), _wall(opens), _wall(opens + length))]
    for _ in range(draw(st.integers(0, 2))):
        start, hours = draw(st.integers(0, 95)) * 15, draw(st.integers(1, 10))
        weekly.append(
            WeeklyInterval(draw(st.integers(0, 6)), _wall(start), _wall(start + 60 * hours))
        )
    step = duration + buffer
    if draw(st.integers(0, 4)):  # mostly a start of the interval's slot grid
        wall_minutes = opens + draw(st.integers(0, max(0, (length - duration) // step))) * step
    else:
        wall_minutes = draw(st.integers(0, 287)) * 5
    wall = datetime.combine(first_day, time(0)) + timedelta(minutes=wall_minutes)
    first_start = wall.replace(tzinfo=ZoneInfo(tz), fold=draw(st.integers(0, 1))).astimezone(UTC)
    every = draw(st.sampled_from([1, 2, 4]))
    count = draw(st.integers(2, 8))
    period = timedelta(weeks=every)
    overrides = []
    for n in draw(st.lists(st.integers(0, count - 1), max_size=2, unique=True)):
        when = wall.date() + n * period
        kind = draw(st.sampled_from(["off", "block", "special"]))
        if kind == "off":
            overrides.append(ScheduleOverride(when, OverrideKind.UNAVAILABLE))
            continue
        start = wall_minutes - draw(st.integers(0, 12)) * 5
        end = wall_minutes + draw(st.integers(1, 36)) * 5
        overrides.append(ScheduleOverride(
            when,
            OverrideKind.UNAVAILABLE if kind == "block" else OverrideKind.SPECIAL_HOURS,
            _wall(start), _wall(end),
        ))
    existing = draw(st.lists(
        st.tuples(
            st.integers(0, count - 1), st.integers(-24, 24), st.sampled_from([15, 30, 60, 120]),
            st.booleans(),  # of the series' type, or of the other one
        ),
        max_size=8,
    ))
    provider = NewProvider(
        Provider(
            None, "Dr. Property", ProviderType.TUTOR, tz,
            settings=ProviderSettings(
                buffer_minutes_between_appointments=buffer,
                min_notice_hours=draw(st.integers(0, 48)),
                max_advance_days=draw(st.sampled_from([30, 90, 400, 400])),
            ),
        ),
        weekly=tuple(weekly),
        overrides=tuple(overrides),
        appointment_types=(
            AppointmentType(None, None, "Lesson", duration, max_series_occurrences=8),
            AppointmentType(None, None, "Other", 20),
        ),
    )
    now = first_start - timedelta(hours=draw(st.integers(-24, 21 * 24)))
    return provider, SeriesRequest(first_start, every, count=count), existing, now


async def _client(uow) -> int:
    return (await get_or_create_client(uow(), next(_next_telegram_id))).id


async def _insert_existing(uow, provider_id, types, request, existing, now) -> None:
    """Bookings already there, at any time and of either type (made before a change
    of hours or buffer, say): only never overlapping each other, as the database allows."""
    client = await _client(uow)
    period = timedelta(weeks=request.every_weeks)
    placed: list[tuple[datetime, datetime]] = []
    async with uow() as unit:
        await unit.begin_write(provider_id)
        for n, offset, minutes, same_type in existing:
            start = request.first_start + n * period + offset * FIVE
            kind = types[0] if same_type else types[1]
            end = start + (kind.duration if same_type else timedelta(minutes=minutes))
            if any(start < e and s < end for s, e in placed):
                continue
            placed.append((start, end))
            await unit.appointments.add(Appointment(
                id=None, provider_id=provider_id, client_id=client, type_id=kind.id,
                start=start, end=end, status=AppointmentStatus.CONFIRMED,
                created_at=now, updated_at=now, start_set_at=now,
            ))
        await unit.commit()


async def _state(uow, provider_id, type_id, request):
    span = (request.first_start - timedelta(days=3), request.first_start + timedelta(weeks=40))
    async with uow() as unit:
        calendar = await unit.providers.calendar(provider_id)
        appt_type = await unit.providers.appointment_type(type_id)
        busy = await unit.appointments.busy_between(provider_id, *span)
    return calendar, appt_type, busy


def _clashes(a: BusyPeriod, b: BusyPeriod, buffer: timedelta) -> bool:
    return a.start < b.end + buffer and b.start < a.end + buffer


def _in_dst_gap(start: datetime, day: date, first_start: datetime, tz: ZoneInfo) -> bool:
    wall = datetime.combine(day, first_start.astimezone(tz).time().replace(tzinfo=None))
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall


@settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios(), data=st.data())
async def test_series_never_double_books_and_skips_only_what_is_not_offered(uow, scenario, data):
    new_provider, request, existing, now = scenario
    provider, types = await register_provider(uow(), new_provider)
    lesson = types[0]
    await _insert_existing(uow, provider.id, types, request, existing, now)
    calendar, lesson, busy_before = await _state(uow, provider.id, lesson.id, request)
    tz = ZoneInfo(provider.timezone)
    buffer = provider.settings.buffer
    client = await _client(uow)

    outcome = await book_series(
        uow(), provider_id=provider.id, type_id=lesson.id, client_id=client,
        request=request, now=now, by=SeriesBookedBy.SYSTEM,
    )

    # Replay the series in order: each booked one offered given what came before it.
    booked = {a.start: a for a in outcome.appointments}
    skipped = {s.start: s for s in outcome.skipped}
    assert len(booked) + len(skipped) == request.count
    taken = list(busy_before)
    for start in sorted([*booked, *skipped]):
        if start in skipped and skipped[start].reason == OccurrenceState.DST_GAP.value:
            assert _in_dst_gap(start, skipped[start].local_date, request.first_start, tz)
            continue
        offered = is_offered(calendar, lesson, taken, start, now)
        assert offered == (start in booked), (start, skipped.get(start))
        if start in booked:
            taken.append(BusyPeriod(start, start + lesson.duration, lesson.id))

    _, _, busy_after = await _state(uow, provider.id, lesson.id, request)
    own = [BusyPeriod(a.start, a.end, a.type_id) for a in outcome.appointments]
    assert sorted(own, key=lambda b: b.start) == sorted(
        (b for b in busy_after if b not in busy_before), key=lambda b: b.start
    )
    for mine in own:
        others = [b for b in busy_after if b != mine]
        assert not any(_clashes(mine, other, buffer) for other in others), mine

    # Afterwards a single booking works exactly when the start is offered.
    period = timedelta(weeks=request.every_weeks)
    first_day = request.first_start.astimezone(tz).date()
    days = [first_day + n * period for n in range(request.count)]
    offered_now = [
        s for d in availability_for_dates(calendar, lesson, busy_after, days, now) for s in d.slots
    ]
    candidates = sorted({*offered_now, *booked, *skipped, *(s + FIVE * 3 for s in offered_now[:3])})
    busy = list(busy_after)
    for _ in range(data.draw(st.integers(0, 4))):
        if not candidates:
            break
        start = data.draw(st.sampled_from(candidates))
        expected = is_offered(calendar, lesson, busy, start, now)
        try:
            result = await book(
                uow(), provider_id=provider.id, type_id=lesson.id, client_id=await _client(uow),
                start=start, now=now,
            )
        except SlotNoLongerAvailable:
            assert not expected, start
            continue
        assert expected and result.created, start
        busy.append(BusyPeriod(start, start + lesson.duration, lesson.id))
    _, _, final = await _state(uow, provider.id, lesson.id, request)
    def by_time(periods):
        return sorted(periods, key=lambda b: (b.start, b.end))

    assert by_time(final) == by_time(busy)

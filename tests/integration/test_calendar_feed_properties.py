"""A property on real SQLite and PostgreSQL: no offered slot overlaps an imported busy time,
buffer included, whatever the busy times (long ones too), the buffer and the duration."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.calendar_sync import SyncOutcome, add_feed, sync_feed
from core.model import AppointmentType, NewProvider, Provider, ProviderSettings, ProviderType
from core.model import WeeklyInterval
from core.providers import register_provider
from core.slots import get_available_slots, get_month_availability
from tests.conftest import FIXED_NOW
from tests.unit.feed_helpers import ScriptedFetch, body, https_only, ics

MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
DAYS = [date(2026, 11, 30) + timedelta(days=n) for n in range(5)]
QUARTER = timedelta(minutes=15)

busy_times = st.lists(
    st.tuples(st.integers(0, 5 * 24 * 4), st.integers(1, 80 * 4)),  # start, length in quarters
    min_size=1, max_size=6,
)


def provider(buffer: int, duration: int) -> NewProvider:
    """Every day 08:00-20:00 in Madrid, and a Friday night shift into Saturday."""
    weekly = [WeeklyInterval(d, time(8), time(20)) for d in range(7)]
    weekly.append(WeeklyInterval(4, time(22), time(2)))
    return NewProvider(
        Provider(None, "Dr. Busy", ProviderType.DOCTOR, "Europe/Madrid",
                 settings=ProviderSettings(buffer_minutes_between_appointments=buffer)),
        weekly=tuple(weekly),
        appointment_types=(AppointmentType(None, None, "Visit", duration, max_participants=2),),
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(busy=busy_times, buffer=st.sampled_from([0, 10, 25]), duration=st.sampled_from([20, 30, 45]))
async def test_no_offered_slot_overlaps_an_imported_busy_time(uow, busy, buffer, duration):
    registered, (visit,) = await register_provider(uow(), provider(buffer, duration))
    feed = await add_feed(uow(), registered.id, "https://cal.example.org/x.ics",
                          now=FIXED_NOW, check_url=https_only)
    spans = [(MONDAY + start * QUARTER, MONDAY + (start + n) * QUARTER) for start, n in busy]
    feed_body = ics(*[(f"busy-{n}", s, e) for n, (s, e) in enumerate(spans)])
    result = await sync_feed(uow(), feed.id, ScriptedFetch([body(feed_body)]), now=FIXED_NOW)
    assert result.outcome is SyncOutcome.UPDATED

    offered = set()
    for day in DAYS:
        offered.update(await get_available_slots(uow(), registered.id, visit.id, day, FIXED_NOW))
    for month in await get_month_availability(uow(), registered.id, visit.id, 2026, 12, FIXED_NOW):
        offered.update(month.slots)
    assert offered  # the busy times end by 8 December: the month goes on
    gap, length = timedelta(minutes=buffer), timedelta(minutes=duration)
    for start in offered:
        for busy_start, busy_end in spans:
            clear = start + length <= busy_start - gap or start >= busy_end + gap
            assert clear, (start, busy_start, busy_end)

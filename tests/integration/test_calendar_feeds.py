"""Calendar feeds on real SQLite and PostgreSQL: busy times block slots and bookings, the
lease gives a feed to one sync at a time, and adding them costs no statement."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from core.booking import book_appointment, reschedule_appointment
from core.calendar_sync import FetchedFeed, SyncOutcome, add_feed, remove_feed, sync_feed
from core.clients import get_or_create_client
from core.errors import SlotNoLongerAvailable
from core.slots import get_available_slots, get_month_availability
from tests.conftest import FIXED_NOW
from tests.integration.clinic import berlin_doctor, register
from tests.integration.test_booking_statements import statements
from tests.unit.feed_helpers import ScriptedFetch, body, https_only, ics

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = date(2026, 12, 1)
URL = "https://calendar.example.org/secret/basic.ics"
BUFFER = timedelta(minutes=10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


async def with_feed(uow, **settings: object) -> tuple[int, int, int]:
    """Mon-Fri 09:00-17:00 Berlin (10-minute buffer unless said), with one feed."""
    provider_id, single, _group = await register(
        uow, berlin_doctor(**{"buffer_minutes_between_appointments": 10, **settings})
    )
    feed = await add_feed(uow(), provider_id, URL, now=FIXED_NOW, check_url=https_only)
    return provider_id, single, feed.id  # type: ignore[return-value]


async def synced(uow, feed_id: int, *events: tuple[str, datetime, datetime]) -> None:
    result = await sync_feed(uow(), feed_id, ScriptedFetch([body(ics(*events))]), now=FIXED_NOW)
    assert result.outcome is SyncOutcome.UPDATED, result


def clear_of(start: datetime, minutes: int, busy: tuple[datetime, datetime]) -> bool:
    return start + timedelta(minutes=minutes) <= busy[0] - BUFFER or start >= busy[1] + BUFFER


async def test_a_busy_time_removes_exactly_the_slots_it_overlaps_buffer_included(uow):
    provider_id, single, feed_id = await with_feed(uow)
    before = await get_available_slots(uow(), provider_id, single, TUESDAY, FIXED_NOW)
    meeting = (at(TUESDAY, 10), at(TUESDAY, 10, 30))
    await synced(uow, feed_id, ("meeting", *meeting))
    after = await get_available_slots(uow(), provider_id, single, TUESDAY, FIXED_NOW)
    assert after == [s for s in before if clear_of(s, 30, meeting)]
    # 09:40 ends 10:10, 10:20 starts inside the buffer: both gone; 09:00 and 11:00 stay.
    assert set(before) - set(after) == {at(TUESDAY, 9, 40), at(TUESDAY, 10, 20)}


async def test_a_slot_that_became_busy_after_it_was_offered_is_refused_in_the_transaction(uow):
    provider_id, single, feed_id = await with_feed(uow)
    client = await get_or_create_client(uow(), 7)
    offered = await get_available_slots(uow(), provider_id, single, TUESDAY, FIXED_NOW)
    assert at(TUESDAY, 9, 40) in offered
    await synced(uow, feed_id, ("meeting", at(TUESDAY, 10), at(TUESDAY, 10, 30)))
    with pytest.raises(SlotNoLongerAvailable):
        await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client.id,
                               start=at(TUESDAY, 9, 40), now=FIXED_NOW)
    booked = await book_appointment(uow(), provider_id=provider_id, type_id=single,
                                    client_id=client.id, start=at(TUESDAY, 9), now=FIXED_NOW)
    with pytest.raises(SlotNoLongerAvailable):  # a move into the busy time too
        await reschedule_appointment(uow(), booked.id, new_start=at(TUESDAY, 10, 20), now=FIXED_NOW)


async def test_a_holiday_longer_than_a_day_blocks_its_middle_day_in_every_read(uow):
    provider_id, single, feed_id = await with_feed(uow)
    wednesday = TUESDAY + timedelta(days=1)
    await synced(uow, feed_id, ("holiday", at(TUESDAY, 0), at(TUESDAY + timedelta(days=3), 0)))
    # Stored in day-long pieces, so the range reads bounded from below still find it.
    assert await get_available_slots(uow(), provider_id, single, wednesday, FIXED_NOW) == []
    client = await get_or_create_client(uow(), 8)
    with pytest.raises(SlotNoLongerAvailable):
        await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client.id,
                               start=at(wednesday, 13), now=FIXED_NOW)
    month = await get_month_availability(uow(), provider_id, single, 2026, 12, FIXED_NOW)
    assert [d.date.day for d in month if d.date.day in (1, 2, 3, 4) and d.slots] == [4]


async def test_removing_the_feed_removes_its_busy_rows_and_frees_the_slots(uow, engine):
    provider_id, single, feed_id = await with_feed(uow)
    before = await get_available_slots(uow(), provider_id, single, TUESDAY, FIXED_NOW)
    await synced(uow, feed_id, ("meeting", at(TUESDAY, 10), at(TUESDAY, 10, 30)))
    await remove_feed(uow(), feed_id)
    assert await get_available_slots(uow(), provider_id, single, TUESDAY, FIXED_NOW) == before
    async with engine.connect() as connection:
        left = (await connection.execute(text("SELECT count(*) FROM calendar_busy"))).scalar_one()
    assert left == 0


async def test_busy_times_cost_the_month_view_and_a_booking_no_statement(uow, engine):
    provider_id, single, feed_id = await with_feed(uow)
    with statements(engine) as plain:
        await get_month_availability(uow(), provider_id, single, 2026, 12, FIXED_NOW)
    await synced(uow, feed_id, *[(f"e{d}", at(TUESDAY + timedelta(days=d), 12),
                                  at(TUESDAY + timedelta(days=d), 13)) for d in range(20)])
    with statements(engine) as with_busy:
        month = await get_month_availability(uow(), provider_id, single, 2026, 12, FIXED_NOW)
    assert len(with_busy) == len(plain), with_busy
    assert at(TUESDAY, 12) not in month[0].slots
    client = (await get_or_create_client(uow(), 9)).id
    with statements(engine) as booking:
        await book_appointment(uow(), provider_id=provider_id, type_id=single, client_id=client,
                               start=at(TUESDAY, 9), now=FIXED_NOW)
    assert len(booking) == 3, booking  # the lock, the one read, the insert


async def test_two_syncs_of_one_feed_at_once_fetch_it_once(uow):
    _provider, _single, feed_id = await with_feed(uow)
    meeting = body(ics(("meeting", at(TUESDAY, 10), at(TUESDAY, 10, 30))))
    calls = 0

    async def slow_fetch(url: str, *, etag: str | None, last_modified: str | None) -> FetchedFeed:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.3)  # the other sync claims meanwhile
        return meeting

    outcomes = await asyncio.gather(
        sync_feed(uow(), feed_id, slow_fetch, now=FIXED_NOW),
        sync_feed(uow(), feed_id, slow_fetch, now=FIXED_NOW),
    )
    assert calls == 1
    assert sorted(o.outcome.value for o in outcomes) == ["HELD", "UPDATED"]


async def test_the_lease_lapses_after_its_time_and_is_given_back_by_the_store(uow):
    provider_id, _single, feed_id = await with_feed(uow)

    async def claim(token: str, now: datetime) -> bool:
        async with uow() as unit:
            await unit.begin_write(provider_id)
            won = await unit.feeds.claim(feed_id, token, now, now + timedelta(minutes=2))
            await unit.commit()
        return won

    assert await claim("a" * 32, FIXED_NOW)
    assert not await claim("b" * 32, FIXED_NOW + timedelta(minutes=1))
    assert await claim("c" * 32, FIXED_NOW + timedelta(minutes=3))
    async with uow() as unit:
        feed = await unit.feeds.get(feed_id)
        await unit.begin_write(provider_id)
        assert not await unit.feeds.finish(feed, "a" * 32)  # the lapsed holder stores nothing
        assert await unit.feeds.finish(feed, "c" * 32)
        await unit.commit()
    async with uow() as unit:
        assert await unit.feeds.due(FIXED_NOW, FIXED_NOW, 10) == [feed_id]  # never tried, free

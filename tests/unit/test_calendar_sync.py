"""The calendar feed service (core/calendar_sync.py) on the in-memory fake, scripted fetches."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking import book_appointment
from core.calendar_sync import (
    MAX_FEEDS_PER_PROVIDER,
    FeedLimitReached,
    FeedRefused,
    SyncOutcome,
    SyncResult,
    add_feed,
    list_feeds,
    mark_error_told,
    remove_feed,
    sync_due_feeds,
    sync_feed,
)
from core.clients import get_or_create_client
from core.errors import NotFound, SlotNoLongerAvailable
from core.model import AppointmentType, NewProvider, Provider, ProviderSettings, ProviderType
from core.model import WeeklyInterval
from core.providers import register_provider
from core.slots import get_available_slots
from tests.unit.fakes import FakeUnitOfWorkFactory
from tests.unit.feed_helpers import ScriptedFetch, body, failure, https_only, ics, not_modified

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TUESDAY = date(2026, 12, 1)
URL = "https://calendar.example.org/private-secret/basic.ics"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


# 09:00-12:30 Berlin, 30 minutes + 10 buffer: 09:00, 09:40, 10:20, 11:00, 11:40.
MORNING = [at(TUESDAY, h, m) for h, m in ((9, 0), (9, 40), (10, 20), (11, 0), (11, 40))]
MEETING = ics(("meeting", at(TUESDAY, 10), at(TUESDAY, 10, 30)))  # blocks 09:40 and 10:20


@pytest.fixture
def uows() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


async def provider(uows: FakeUnitOfWorkFactory) -> tuple[int, int, int]:
    """Mon-Fri 09:00-12:30 Berlin, 10-minute buffer, 30 days ahead; 30-minute and group types."""
    new = NewProvider(
        Provider(None, "Dr. Feed", ProviderType.DOCTOR, "Europe/Berlin", settings=ProviderSettings(
            buffer_minutes_between_appointments=10, max_advance_days=30)),
        weekly=tuple(WeeklyInterval(d, time(9), time(12, 30)) for d in range(5)),
        appointment_types=(AppointmentType(None, None, "Consultation", 30),
                           AppointmentType(None, None, "Group", 30, max_participants=3)),
    )
    registered, types = await register_provider(uows(), new)
    return registered.id, types[0].id, types[1].id  # type: ignore[return-value]


async def provider_with_feed(uows: FakeUnitOfWorkFactory) -> tuple[int, int, int]:
    provider_id, single, _group = await provider(uows)
    feed = await add_feed(uows(), provider_id, URL, now=NOW, check_url=https_only)
    return provider_id, single, feed.id  # type: ignore[return-value]


async def slots(uows: FakeUnitOfWorkFactory, provider_id: int, type_id: int) -> list[datetime]:
    offered = await get_available_slots(uows(), provider_id, type_id, TUESDAY, NOW)
    return [s for s in offered if s in MORNING]


async def stored(uows: FakeUnitOfWorkFactory, feed_id: int):  # type: ignore[no-untyped-def]
    async with uows() as unit:
        return await unit.feeds.get(feed_id), await unit.feeds.busy(feed_id)


async def test_synced_busy_times_remove_exactly_the_overlapping_slots_buffer_included(uows):
    provider_id, single, feed_id = await provider_with_feed(uows)
    assert await slots(uows, provider_id, single) == MORNING
    fetch = ScriptedFetch([body(MEETING, etag='"v1"')])
    result = await sync_feed(uows(), feed_id, fetch, now=NOW)
    assert result == SyncResult(feed_id, SyncOutcome.UPDATED, events=1, busy=1, error=None)
    assert fetch.calls[0].url == URL and fetch.calls[0].etag is None
    assert await slots(uows, provider_id, single) == [MORNING[0], MORNING[3], MORNING[4]]
    feed, busy = await stored(uows, feed_id)
    assert (feed.etag, feed.last_sync_at, feed.last_error) == ('"v1"', NOW, None)
    assert [(b.start, b.end) for b in busy] == [(at(TUESDAY, 10), at(TUESDAY, 10, 30))]


async def test_a_busy_time_is_never_a_seat_of_a_group_session_starting_with_it(uows):
    provider_id, _single, group = await provider(uows)
    feed = await add_feed(uows(), provider_id, URL, now=NOW, check_url=https_only)
    nine = ics(("nine", at(TUESDAY, 9), at(TUESDAY, 9, 30)))
    await sync_feed(uows(), feed.id, ScriptedFetch([body(nine)]), now=NOW)
    assert at(TUESDAY, 9) not in await slots(uows, provider_id, group)


async def test_not_modified_sends_the_validators_and_keeps_the_busy_set(uows):
    provider_id, single, feed_id = await provider_with_feed(uows)
    later = NOW + timedelta(minutes=10)
    stamp = "Tue, 24 Nov 2026 10:00:00 GMT"
    fetch = ScriptedFetch([body(MEETING, '"v1"', stamp), not_modified('"v1"')])
    await sync_feed(uows(), feed_id, fetch, now=NOW)
    result = await sync_feed(uows(), feed_id, fetch, now=later)
    assert result == SyncResult(feed_id, SyncOutcome.UNCHANGED, events=1, busy=1, error=None)
    assert (fetch.calls[1].etag, fetch.calls[1].last_modified) == ('"v1"', stamp)
    feed, busy = await stored(uows, feed_id)
    assert feed.last_sync_at == later and len(busy) == 1
    assert await slots(uows, provider_id, single) == [MORNING[0], MORNING[3], MORNING[4]]


async def test_once_the_horizon_outgrows_the_stored_set_the_feed_is_fetched_whole(uows):
    _provider, _single, feed_id = await provider_with_feed(uows)
    fetch = ScriptedFetch([body(MEETING, '"v1"'), not_modified('"v1"'), body(MEETING, '"v1"')])
    await sync_feed(uows(), feed_id, fetch, now=NOW)
    await sync_feed(uows(), feed_id, fetch, now=NOW + timedelta(hours=23))  # a day of slack
    await sync_feed(uows(), feed_id, fetch, now=NOW + timedelta(days=1, hours=1))
    assert [c.etag for c in fetch.calls] == [None, '"v1"', None]


async def test_a_failing_fetch_keeps_the_last_good_busy_set_and_records_the_error_once(uows):
    provider_id, single, feed_id = await provider_with_feed(uows)
    t1, t2, t3 = (NOW + timedelta(minutes=m) for m in (10, 20, 30))
    fetch = ScriptedFetch([body(MEETING, '"v1"'), failure(), failure("the server answered 404"),
                           body(MEETING, '"v2"')])
    await sync_feed(uows(), feed_id, fetch, now=NOW)
    result = await sync_feed(uows(), feed_id, fetch, now=t1)
    assert result == SyncResult(feed_id, SyncOutcome.FAILED, 1, 1, "the server answered 500")
    feed, busy = await stored(uows, feed_id)
    assert len(busy) == 1 and (feed.last_error, feed.error_since, feed.last_sync_at) == (
        "the server answered 500", t1, NOW)
    assert feed.error_untold
    await mark_error_told(uows(), feed, t1)
    await sync_feed(uows(), feed_id, fetch, now=t2)
    feed, _busy = await stored(uows, feed_id)
    # Still the same run of failures: since t1, and the provider was told already.
    assert feed.last_error == "the server answered 404" and not feed.error_untold
    assert (feed.error_since, feed.error_told_at) == (t1, t1)
    assert await slots(uows, provider_id, single) == [MORNING[0], MORNING[3], MORNING[4]]
    assert (await sync_feed(uows(), feed_id, fetch, now=t3)).ok
    feed, _busy = await stored(uows, feed_id)
    assert (feed.last_error, feed.error_since, feed.error_told_at) == (None, None, None)
    assert feed.etag == '"v2"'


async def test_an_unreadable_feed_keeps_the_busy_set_and_its_old_validators(uows):
    _provider, _single, feed_id = await provider_with_feed(uows)
    fetch = ScriptedFetch([body(MEETING, '"v1"'), body(b"<html>Sign in</html>", '"broken"')])
    await sync_feed(uows(), feed_id, fetch, now=NOW)
    result = await sync_feed(uows(), feed_id, fetch, now=NOW + timedelta(minutes=10))
    assert result.outcome is SyncOutcome.FAILED and "iCalendar" in result.error
    feed, busy = await stored(uows, feed_id)
    # The next sync must not be told "not modified" about the broken version.
    assert feed.etag == '"v1"' and len(busy) == 1 and feed.busy_count == 1


async def test_a_second_sync_while_one_fetches_does_nothing(uows):
    _provider, _single, feed_id = await provider_with_feed(uows)
    fetch = ScriptedFetch([body(MEETING)], gate=asyncio.Event())
    first = asyncio.ensure_future(sync_feed(uows(), feed_id, fetch, now=NOW))
    await fetch.started.wait()
    async with asyncio.timeout(2):  # a second fetch would wait at the gate: fail, not hang
        second = await sync_feed(uows(), feed_id, fetch, now=NOW + timedelta(seconds=5))
    assert second.outcome is SyncOutcome.HELD and len(fetch.calls) == 1
    fetch.gate.set()
    assert (await first).outcome is SyncOutcome.UPDATED


async def test_a_sync_whose_lease_ran_out_and_was_taken_over_stores_nothing(uows):
    _provider, _single, feed_id = await provider_with_feed(uows)
    stale = ics(("stale", at(TUESDAY, 9), at(TUESDAY, 9, 30)))
    slow = ScriptedFetch([body(stale)], gate=asyncio.Event())
    late = asyncio.ensure_future(sync_feed(uows(), feed_id, slow, now=NOW))
    await slow.started.wait()
    after_the_lease = NOW + timedelta(minutes=3)
    fresh = await sync_feed(uows(), feed_id, ScriptedFetch([body(MEETING)]), now=after_the_lease)
    slow.gate.set()
    assert fresh.outcome is SyncOutcome.UPDATED and (await late).outcome is SyncOutcome.HELD
    _feed, busy = await stored(uows, feed_id)
    assert [b.uid.split("@")[0] for b in busy] == ["meeting"]


async def test_a_holiday_is_stored_in_day_long_pieces_and_blocks_every_day_of_it(uows):
    provider_id, single, feed_id = await provider_with_feed(uows)
    holiday = ics(("holiday", at(TUESDAY, 0), at(TUESDAY + timedelta(days=3), 0)))
    result = await sync_feed(uows(), feed_id, ScriptedFetch([body(holiday)]), now=NOW)
    assert result.busy == 1  # one busy interval, kept as three pieces
    _feed, busy = await stored(uows, feed_id)
    assert len(busy) == 3 and all(b.end - b.start <= timedelta(days=1) for b in busy)
    for day in (TUESDAY, TUESDAY + timedelta(days=1), TUESDAY + timedelta(days=2)):
        assert await get_available_slots(uows(), provider_id, single, day, NOW) == []
    assert await get_available_slots(uows(), provider_id, single, TUESDAY + timedelta(days=3), NOW)


async def test_a_busy_time_that_arrived_after_the_day_was_shown_refuses_the_booking(uows):
    provider_id, single, feed_id = await provider_with_feed(uows)
    client = await get_or_create_client(uows(), 42)
    assert MORNING[1] in await slots(uows, provider_id, single)  # the client sees 09:40
    await sync_feed(uows(), feed_id, ScriptedFetch([body(MEETING)]), now=NOW)
    with pytest.raises(SlotNoLongerAvailable):
        await book_appointment(uows(), provider_id=provider_id, type_id=single,
                               client_id=client.id, start=MORNING[1], now=NOW)


async def test_adding_refuses_a_bad_address_a_repeat_and_a_sixth_calendar(uows):
    provider_id, _single, _group = await provider(uows)
    with pytest.raises(FeedRefused, match="https"):
        plain = "http://cal.example.org/x.ics"
        await add_feed(uows(), provider_id, plain, now=NOW, check_url=https_only)
    with pytest.raises(NotFound):
        await add_feed(uows(), 999, URL, now=NOW, check_url=https_only)
    for n in range(MAX_FEEDS_PER_PROVIDER):
        await add_feed(uows(), provider_id, f"{URL}?n={n}", now=NOW, check_url=https_only)
    with pytest.raises(FeedRefused, match="already"):
        await add_feed(uows(), provider_id, f" {URL}?n=0 ", now=NOW, check_url=https_only)
    with pytest.raises(FeedLimitReached):
        await add_feed(uows(), provider_id, URL, now=NOW, check_url=https_only)
    assert len(await list_feeds(uows(), provider_id)) == MAX_FEEDS_PER_PROVIDER
    with pytest.raises(NotFound):
        await list_feeds(uows(), 999)


async def test_removing_a_feed_frees_its_busy_times(uows):
    provider_id, single, feed_id = await provider_with_feed(uows)
    await sync_feed(uows(), feed_id, ScriptedFetch([body(MEETING)]), now=NOW)
    with pytest.raises(NotFound):
        await remove_feed(uows(), feed_id, provider_id=provider_id + 1)  # someone else's
    removed = await remove_feed(uows(), feed_id, provider_id=provider_id)
    assert removed.host == "calendar.example.org"
    assert await slots(uows, provider_id, single) == MORNING
    gone = await sync_feed(uows(), feed_id, ScriptedFetch([]), now=NOW)
    assert gone.outcome is SyncOutcome.GONE


async def test_the_timed_run_takes_only_feeds_not_tried_for_an_interval(uows):
    provider_id, _single, first = await provider_with_feed(uows)
    second = (await add_feed(uows(), provider_id, URL + "?2", now=NOW, check_url=https_only)).id
    every = timedelta(minutes=10)
    fetch = ScriptedFetch([body(MEETING), body(MEETING)])
    await sync_feed(uows(), first, fetch, now=NOW)
    ran = await sync_due_feeds(uows, fetch, clock=lambda: NOW + timedelta(minutes=2), every=every)
    assert [r.feed_id for r in ran] == [second]
    # One interval after the first sync (a run's own drift allowed for), only it is due.
    again = ScriptedFetch([not_modified()])
    ran = await sync_due_feeds(uows, again, clock=lambda: NOW + every, every=every)
    assert [r.feed_id for r in ran] == [first] and len(again.calls) == 1


async def test_a_stopping_bot_starts_no_new_fetch(uows):
    _provider, _single, _feed = await provider_with_feed(uows)
    fetch = ScriptedFetch([])
    ran = await sync_due_feeds(uows, fetch, clock=lambda: NOW, every=timedelta(minutes=10),
                               keep_going=lambda: False)
    assert ran == [] and fetch.calls == []

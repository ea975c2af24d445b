"""The CalDAV outbox's SQL on SQLite and PostgreSQL (storage/caldav.py), with an in-memory
CalDAV server: what the scan queues, what it queues again, what it forgets, and two
processes racing for one account."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from core.booking import book_appointment, cancel_appointment
from core.caldav_model import PushCounts
from core.caldav_push import PushOutcome, push_account
from core.caldav_sync import connect_account, disconnect_account
from core.calendar_sync import list_feeds, remove_feed
from core.clients import get_or_create_client
from core.errors import NotFound
from core.privacy import forget_client
from storage.engine import session_factory
from storage.unit_of_work import unit_of_work_factory
from tests.conftest import FIXED_NOW
from tests.integration.clinic import register
from tests.unit.caldav_helpers import PASSWORD, URL, USER, MemoryCalDav, access

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = date(2026, 12, 1)


def at(hour: int) -> datetime:
    return datetime.combine(TUESDAY, time(hour), BERLIN).astimezone(UTC)


@pytest.fixture
async def connected(uow):
    provider_id, single, _group = await register(uow)
    server = MemoryCalDav()
    account = await connect_account(
        uow, provider_id, URL, USER, PASSWORD, access=access(server), now=FIXED_NOW
    )
    return provider_id, single, server, account


async def book(uow, provider_id, type_id, start, telegram_id=1):
    client = await get_or_create_client(uow(), telegram_id, name="Olga Petrova")
    return await book_appointment(uow(), provider_id=provider_id, type_id=type_id,
                                  client_id=client.id, start=start, now=FIXED_NOW)


async def push(uow, server, account, now=FIXED_NOW):
    return await push_account(uow, account.id, access(server), clock=lambda: now)


async def rows(uow, account):
    async with uow() as unit:
        return await unit.caldav.push_counts(account.id)


async def test_a_forgotten_clients_past_event_is_written_again_without_their_name(uow, connected):
    provider_id, single, server, account = connected
    booked = await book(uow, provider_id, single, at(10))
    await push(uow, server, account)
    uid = f"appointment-{booked.id}@slotbot"
    assert "Olga Petrova" in server.events()[uid].decode()
    after = at(12)  # it is over: /forgetme keeps it, anonymous, in the provider's history
    await forget_client(uow(), booked.client_id, now=after)
    result = await push(uow, server, account, now=after)
    assert result.written == 1 and server.puts == [uid, uid]
    event = next(iter(icalendar.Calendar.from_ical(server.events()[uid]).walk("VEVENT")))
    assert "Olga" not in str(event["SUMMARY"]) and event.decoded("DTSTART") == at(10)
    assert (await push(uow, server, account, now=after)).written == 0


async def test_a_cancelled_booking_never_written_is_not_queued(uow, connected):
    provider_id, single, server, account = connected
    booked = await book(uow, provider_id, single, at(10))
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    assert (await push(uow, server, account)).written == 0
    assert (await rows(uow, account)).pending == 0 and server.deletes == []


async def test_rows_of_long_past_bookings_are_forgotten_and_not_queued_again(uow, connected):
    provider_id, single, server, account = connected
    await book(uow, provider_id, single, at(10))
    await push(uow, server, account)
    assert (await rows(uow, account)).done == 1
    much_later = at(10) + timedelta(days=40)
    await push(uow, server, account, now=much_later)
    assert await rows(uow, account) == PushCounts()  # the finished row is gone
    assert server.puts == [server.puts[0]]


async def test_two_processes_at_once_write_each_event_once(uow, engine, clock, connected):
    provider_id, single, server, account = connected
    for n in range(4):
        await book(uow, provider_id, single, at(9 + n), telegram_id=n + 1)
    other = unit_of_work_factory(session_factory(engine), clock)
    server.delay = 0.05  # the first run is still writing when the second starts
    results = await asyncio.gather(push(uow, server, account), push(other, server, account))
    assert sorted(r.outcome for r in results) == [PushOutcome.HELD, PushOutcome.RAN]
    assert sum(r.written for r in results) == 4 and len(server.puts) == 4
    assert len(set(server.puts)) == 4


async def test_the_accounts_feed_row_is_not_a_feed_to_list_fetch_or_remove(uow, connected):
    provider_id, _single, _server, account = connected
    assert await list_feeds(uow(), provider_id) == []
    async with uow() as unit:
        assert await unit.feeds.due(FIXED_NOW, FIXED_NOW, 10) == []
        assert await unit.caldav.busy_due(FIXED_NOW, FIXED_NOW, 10) == [account.id]
    with pytest.raises(NotFound):
        await remove_feed(uow(), account.feed_id)
    await disconnect_account(uow(), provider_id)
    async with uow() as unit:
        assert await unit.feeds.get(account.feed_id) is None
        assert await unit.caldav.accounts() == []

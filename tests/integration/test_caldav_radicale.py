"""CalDAV two-way sync against a real server (Radicale) on SQLite and PostgreSQL.

Through the real client (bot/caldav_client.py), the real cipher and the real
repositories: a booking appears in the calendar once, a move updates that event,
a cancellation removes it; an event made in the calendar blocks its time after a
sync, our own never do; new processes over the same database send nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.caldav_client import CalDavServers, caldav_access
from bot.settings import Settings
from core.booking import book_appointment, cancel_appointment, reschedule_appointment
from core.caldav_push import push_due_accounts
from core.caldav_sync import (
    CalDavRefused,
    connect_account,
    list_accounts,
    sync_account_busy,
)
from core.calendar_sync import SyncOutcome
from core.clients import get_or_create_client
from core.slots import get_available_slots
from storage.engine import session_factory
from storage.unit_of_work import unit_of_work_factory
from tests.conftest import FIXED_NOW
from tests.integration.clinic import register
from tests.radicale_server import USERS, radicale  # noqa: F401 - the fixture
from tests.unit.caldav_helpers import vevent

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = date(2026, 12, 1)
KEY = Fernet.generate_key().decode()
PASSWORD = USERS["ana"]


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TUESDAY, time(hour, minute), BERLIN).astimezone(UTC)


class Counting(CalDavServers):
    """The real client, counting every write that reached the server."""

    def __init__(self, crash_after_put: bool = False) -> None:
        super().__init__(allow_private=True)
        self.puts: list[str] = []
        self.deletes: list[str] = []
        self.crash_after_put = crash_after_put

    async def open(self, url: str, username: str, password: str):  # type: ignore[no-untyped-def]
        session = await super().open(url, username, password)
        outer = self
        put, delete = session.put_event, session.delete_event

        async def counted_put(calendar_url: str, uid: str, body: bytes) -> None:
            await put(calendar_url, uid, body)
            outer.puts.append(uid)
            if outer.crash_after_put:
                raise SystemError("the process died after the PUT reached the server")

        async def counted_delete(calendar_url: str, uid: str) -> None:
            await delete(calendar_url, uid)
            outer.deletes.append(uid)

        session.put_event = counted_put  # type: ignore[method-assign]
        session.delete_event = counted_delete  # type: ignore[method-assign]
        return session


@pytest.fixture(autouse=True)
def private_servers(monkeypatch):
    # Radicale listens on 127.0.0.1, over http: allowed only with this (README).
    monkeypatch.setenv("SLOTBOT_CALENDAR_ALLOW_PRIVATE", "1")


def access_for(client: Counting):
    return caldav_access(Settings(secret_key=KEY, public_url=None), client=client)


@pytest.fixture
async def setup(uow, radicale):  # noqa: F811 - the fixture imported above
    provider_id, single, _group = await register(uow)
    calendar = radicale.new_calendar("ana")
    client = Counting()
    account = await connect_account(
        uow, provider_id, radicale.url, "ana", PASSWORD, access=access_for(client),
        now=FIXED_NOW, calendar=calendar,
    )
    return provider_id, single, calendar, client, account


async def book(uow, provider_id, type_id, start, telegram_id=1):
    client = await get_or_create_client(uow(), telegram_id, name="Olga Petrova")
    return await book_appointment(uow(), provider_id=provider_id, type_id=type_id,
                                  client_id=client.id, start=start, now=FIXED_NOW)


async def push(uow, client, now=FIXED_NOW):
    return await push_due_accounts(uow, access_for(client), clock=lambda: now)


def uid(appointment_id: int) -> str:
    return f"appointment-{appointment_id}@slotbot"


async def test_a_booking_appears_once_a_move_updates_it_a_cancellation_removes_it(
    uow, radicale, setup  # noqa: F811
):
    provider_id, single, calendar, client, _account = setup
    booked = await book(uow, provider_id, single, at(10))
    [result] = await push(uow, client)
    assert (result.written, result.error) == (1, None)
    events = radicale.events(calendar)
    assert list(events) == [uid(booked.id)]
    assert events[uid(booked.id)].decoded("DTSTART") == at(10)
    assert "Olga Petrova" in str(events[uid(booked.id)]["SUMMARY"])

    await reschedule_appointment(uow(), booked.id, new_start=at(11), now=FIXED_NOW)
    await push(uow, client)
    events = radicale.events(calendar)
    assert list(events) == [uid(booked.id)]  # the same event, not a second one
    assert (events[uid(booked.id)].decoded("DTSTART"), events[uid(booked.id)]["SEQUENCE"]) == (
        at(11), 1,
    )

    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    await push(uow, client)
    assert radicale.events(calendar) == {}
    assert (client.puts, client.deletes) == ([uid(booked.id)] * 2, [uid(booked.id)])


async def test_an_event_made_in_the_calendar_blocks_its_time_and_ours_never_do(
    uow, radicale, setup  # noqa: F811
):
    provider_id, single, calendar, client, account = setup
    booked = await book(uow, provider_id, single, at(10))
    await push(uow, client)
    radicale.add_event(calendar, vevent("dentist-1@phone", at(14), at(15)).decode())
    before = await get_available_slots(uow(), provider_id, single, TUESDAY, FIXED_NOW)
    assert at(14) in before

    result = await sync_account_busy(uow, account.id, access_for(client), now=FIXED_NOW)
    assert (result.outcome, result.busy, result.error) == (SyncOutcome.UPDATED, 1, None)
    after = await get_available_slots(uow(), provider_id, single, TUESDAY, FIXED_NOW)
    assert at(14) not in after and at(14, 30) not in after
    assert at(13) in after and at(15) in after  # no buffer: the hours around stay

    # Cancelled in the bot, its event still in the calendar (not written yet): had our
    # event been read as busy, 10:00 would stay blocked.
    await cancel_appointment(uow(), booked.id, now=FIXED_NOW)
    later = FIXED_NOW + timedelta(minutes=11)
    await sync_account_busy(uow, account.id, access_for(client), now=later)
    assert uid(booked.id) in radicale.events(calendar)
    assert at(10) in await get_available_slots(uow(), provider_id, single, TUESDAY, FIXED_NOW)


async def test_new_processes_over_the_same_database_send_nothing_twice(
    uow, engine, clock, radicale, setup  # noqa: F811
):
    provider_id, single, calendar, client, account = setup
    first = await book(uow, provider_id, single, at(10))
    await push(uow, client)
    assert client.puts == [uid(first.id)]

    # A restart: new units of work, a new client and cipher, the same database.
    restarted = Counting()
    uow2 = unit_of_work_factory(session_factory(engine), clock)
    assert [r.written for r in await push(uow2, restarted)] == [0]
    second = await book(uow2, provider_id, single, at(13), telegram_id=2)
    await reschedule_appointment(uow2(), first.id, new_start=at(11), now=FIXED_NOW)
    await push(uow2, restarted)
    assert sorted(restarted.puts) == sorted([uid(first.id), uid(second.id)])
    again = Counting()
    assert [r.written for r in await push(uow2, again)] == [0]
    assert again.puts == [] and set(radicale.events(calendar)) == {uid(first.id), uid(second.id)}

    # A process dies right after its PUT reached the server, before recording it: the
    # next one writes the same event again once its claim has run out — still one event.
    await reschedule_appointment(uow2(), second.id, new_start=at(15), now=FIXED_NOW)
    dying = Counting(crash_after_put=True)
    with pytest.raises(SystemError):
        await push(uow2, dying)
    later = Counting()
    assert [r.written for r in await push(uow2, later)] == []  # its lease still runs
    await push(uow2, later, now=FIXED_NOW + timedelta(minutes=3))
    assert (dying.puts, later.puts) == ([uid(second.id)], [uid(second.id)])
    events = radicale.events(calendar)
    assert set(events) == {uid(first.id), uid(second.id)}
    assert events[uid(second.id)].decoded("DTSTART") == at(15)


async def test_the_password_is_stored_encrypted_and_never_logged(
    uow, engine, radicale, setup, caplog  # noqa: F811
):
    caplog.set_level(logging.DEBUG)  # every library's debug lines too
    provider_id, single, calendar, client, account = setup
    await connect_account(uow, provider_id, radicale.url, "ana", PASSWORD, now=FIXED_NOW,
                          access=access_for(client), calendar=calendar)  # again, logged
    await book(uow, provider_id, single, at(10))
    await push(uow, client)
    await sync_account_busy(uow, account.id, access_for(client), now=FIXED_NOW)
    async with engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM caldav_accounts"))).one()
    assert all(PASSWORD not in str(value) for value in row)
    assert Fernet(KEY.encode()).decrypt(row.password_encrypted.encode()).decode() == PASSWORD
    assert "CalDAV calendar connected" in caplog.text  # the log was captured at all
    assert PASSWORD not in caplog.text and KEY not in caplog.text


async def test_a_wrong_password_is_refused_and_a_revoked_one_is_kept_as_the_error(
    uow, radicale, setup  # noqa: F811
):
    provider_id, single, calendar, client, account = setup
    with pytest.raises(CalDavRefused, match="refused the user name or app password"):
        await connect_account(uow, provider_id, radicale.url, "ana", "wrong", now=FIXED_NOW,
                              access=access_for(client), calendar=calendar)
    # The app password is revoked on the server side: what is stored no longer works.
    cipher = access_for(client).cipher
    async with uow() as unit:
        await unit.begin_write(provider_id)
        stored = await unit.caldav.account(account.id)
        await unit.caldav.update_account(replace(stored, password_encrypted=cipher.encrypt("old")))
        await unit.commit()
    await book(uow, provider_id, single, at(10))
    [result] = await push(uow, client)
    busy = await sync_account_busy(uow, account.id, access_for(client), now=FIXED_NOW)
    [view] = await list_accounts(uow(), provider_id)
    assert result.error == view.account.last_error == busy.error
    assert "refused the user name or app password" in result.error
    assert (view.account.error_since, view.pushes.pending) == (FIXED_NOW, 1)
    assert radicale.events(calendar) == {}

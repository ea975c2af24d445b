"""The CalDAV outbox (core/caldav_push) and connecting (core/caldav_sync), on fakes and an
in-memory CalDAV server: each booking one event, written once per change, retried safely."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest

from core.booking import book_appointment, cancel_appointment, reschedule_appointment
from core.caldav_model import PushStatus
from core.caldav_push import MAX_ATTEMPTS, PushOutcome, backoff, push_account, push_due_accounts
from core.caldav_sync import (
    NO_SECRET_KEY,
    CalDavRefused,
    connect_account,
    disconnect_account,
    list_accounts,
)
from core.clients import get_or_create_client
from core.errors import NotFound
from core.model import AppointmentType, NewProvider, Provider, ProviderType, WeeklyInterval
from core.providers import register_provider
from tests.unit.caldav_helpers import CALENDAR, PASSWORD, URL, USER, MemoryCalDav, access
from tests.unit.fakes import FakeUnitOfWorkFactory

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MONDAY_TEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
UID = "appointment-{}@slotbot"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def clinic():
    uows = FakeUnitOfWorkFactory()
    provider, types = await register_provider(uows(), NewProvider(
        provider=Provider(id=None, name="Dr. Vogel", type=ProviderType.DOCTOR,
                          timezone="Europe/Berlin", address="Hauptstr. 1"),
        weekly=tuple(WeeklyInterval(d, time(9), time(17)) for d in range(5)),
        appointment_types=(AppointmentType(None, None, "Consultation", 30),),
    ))
    server = MemoryCalDav()
    return uows, provider.id, types[0].id, server


async def connected(clinic):
    uows, provider_id, _type, server = clinic
    return await connect_account(
        uows, provider_id, URL, USER, PASSWORD, access=access(server), now=NOW
    )


async def book(uows, provider_id, type_id, start=MONDAY_TEN, telegram_id=1, name="Olga"):
    client = await get_or_create_client(uows(), telegram_id, name=name)
    return await book_appointment(uows(), provider_id=provider_id, type_id=type_id,
                                  client_id=client.id, start=start, now=NOW)


async def run(uows, server, clock=None, **options):
    return await push_due_accounts(uows, access(server), clock=clock or Clock(), **options)


def event_of(body: bytes) -> icalendar.Event:
    return next(iter(icalendar.Calendar.from_ical(body).walk("VEVENT")))


async def test_a_booking_is_written_once_under_its_feed_uid(clinic):
    uows, provider_id, type_id, server = clinic
    await connected(clinic)
    booked = await book(uows, provider_id, type_id)
    [result] = await run(uows, server)
    assert (result.outcome, result.written, result.error) == (PushOutcome.RAN, 1, None)
    event = event_of(server.events()[UID.format(booked.id)])
    assert event.decoded("DTSTART") == MONDAY_TEN
    assert str(event["LOCATION"]) == "Hauptstr. 1"
    assert "METHOD" not in server.events()[UID.format(booked.id)].decode()
    await run(uows, server)  # nothing changed: nothing written again
    assert server.puts == [UID.format(booked.id)]


async def test_a_move_rewrites_the_same_event_and_a_cancellation_removes_it(clinic):
    uows, provider_id, type_id, server = clinic
    await connected(clinic)
    booked = await book(uows, provider_id, type_id)
    await run(uows, server)
    await reschedule_appointment(uows(), booked.id, new_start=MONDAY_TEN + timedelta(hours=2),
                                 now=NOW)
    await run(uows, server)
    assert list(server.events()) == [UID.format(booked.id)]
    event = event_of(server.events()[UID.format(booked.id)])
    assert (event.decoded("DTSTART"), event["SEQUENCE"]) == (MONDAY_TEN + timedelta(hours=2), 1)
    await cancel_appointment(uows(), booked.id, now=NOW)
    await run(uows, server)
    assert server.events() == {}
    assert server.deletes == [UID.format(booked.id)]


async def test_changes_made_between_two_runs_are_written_once_as_the_latest(clinic):
    uows, provider_id, type_id, server = clinic
    await connected(clinic)
    booked = await book(uows, provider_id, type_id)
    await run(uows, server)
    for hours in (1, 2, 3):
        await reschedule_appointment(
            uows(), booked.id, new_start=MONDAY_TEN + timedelta(hours=hours), now=NOW
        )
    await run(uows, server)
    assert server.puts == [UID.format(booked.id)] * 2
    assert event_of(server.events()[UID.format(booked.id)])["SEQUENCE"] == 3


async def test_a_booking_cancelled_before_it_was_ever_written_costs_no_request(clinic):
    uows, provider_id, type_id, server = clinic
    await connected(clinic)
    booked = await book(uows, provider_id, type_id)
    await cancel_appointment(uows(), booked.id, now=NOW)
    await run(uows, server)
    assert (server.puts, server.deletes) == ([], [])


async def test_a_failed_write_is_retried_after_backoff_then_given_up(clinic):
    uows, provider_id, type_id, server = clinic
    account = await connected(clinic)
    booked = await book(uows, provider_id, type_id)
    clock = Clock()
    server.fail_next = ["the server answered 503"] * MAX_ATTEMPTS
    [first] = await run(uows, server, clock)
    assert (first.written, first.failed, first.error) == (0, 1, "the server answered 503")
    stored = (await list_accounts(uows(), provider_id))[0]
    assert (stored.account.last_error, stored.account.error_since) == (first.error, NOW)
    assert stored.pushes.pending == 1
    [again] = await run(uows, server, clock)  # backing off: nothing tried
    assert again.failed == 0
    for attempt in range(1, MAX_ATTEMPTS):
        clock.now += backoff(attempt)
        await run(uows, server, clock)
    view = (await list_accounts(uows(), provider_id))[0]
    assert (view.pushes.pending, view.pushes.failed) == (0, 1)
    assert server.events() == {}
    # Connecting again (a new app password, say) tries what had failed once more.
    await connect_account(uows, provider_id, URL, USER, PASSWORD, access=access(server), now=NOW)
    await run(uows, server, clock)
    assert list(server.events()) == [UID.format(booked.id)]
    view = (await list_accounts(uows(), provider_id))[0]
    assert (view.account.last_error, view.pushes.failed, view.pushes.done) == (None, 0, 1)
    assert account.id == view.account.id


async def test_a_refused_password_stops_the_run_and_is_kept_for_the_provider(clinic):
    uows, provider_id, type_id, server = clinic
    await connected(clinic)
    for n in range(3):
        await book(uows, provider_id, type_id, MONDAY_TEN + timedelta(hours=n), telegram_id=n + 1)
    server.password = "revoked"
    [result] = await run(uows, server)
    assert (result.failed, result.written) == (1, 0)  # one refusal, not three
    assert "refused" in result.error
    view = (await list_accounts(uows(), provider_id))[0]
    assert view.account.last_error == result.error and view.pushes.pending == 3


async def test_a_sender_that_died_mid_write_leaves_the_event_to_be_written_again_once(clinic):
    uows, provider_id, type_id, server = clinic
    account = await connected(clinic)
    booked = await book(uows, provider_id, type_id)
    # A process claims the account and marks the row SENDING, then dies.
    async with uows() as uow:
        await uow.begin_write(provider_id)
        await uow.caldav.claim(account.id, "dead", NOW, NOW + timedelta(minutes=2))
        await uow.caldav.enqueue_changes(account.id, provider_id, NOW - timedelta(days=30), NOW)
        [push] = await uow.caldav.due_pushes(account.id, NOW, 10)
        await uow.caldav.start_push(push.id, NOW, NOW + timedelta(minutes=2))
        await uow.commit()
    clock = Clock()
    assert await run(uows, server, clock) == []  # the lease still runs: nobody else writes
    clock.now += timedelta(minutes=3)
    [result] = await run(uows, server, clock)
    assert result.written == 1 and list(server.events()) == [UID.format(booked.id)]
    await run(uows, server, clock)
    assert server.puts == [UID.format(booked.id)]


async def test_a_held_account_is_not_written_by_a_second_process(clinic):
    uows, provider_id, type_id, server = clinic
    account = await connected(clinic)
    await book(uows, provider_id, type_id)
    async with uows() as uow:
        await uow.begin_write(provider_id)
        assert await uow.caldav.claim(account.id, "other", NOW, NOW + timedelta(minutes=2))
        await uow.commit()
    result = await push_account(uows, account.id, access(server), clock=Clock())
    assert result.outcome is PushOutcome.HELD and server.puts == []


async def test_without_a_secret_key_nothing_is_connected(clinic):
    uows, provider_id, _type, server = clinic
    with pytest.raises(CalDavRefused) as refused:
        await connect_account(uows, provider_id, URL, USER, PASSWORD,
                              access=access(server, cipher=None), now=NOW)
    assert refused.value.reason == NO_SECRET_KEY
    assert await list_accounts(uows()) == []


async def test_a_wrong_password_or_address_refuses_to_connect(clinic):
    uows, provider_id, _type, server = clinic
    with pytest.raises(CalDavRefused, match="refused the user name"):
        await connect_account(uows, provider_id, URL, USER, "wrong", access=access(server), now=NOW)
    with pytest.raises(CalDavRefused, match="https"):
        await connect_account(uows, provider_id, "http://dav.example.org/", USER, PASSWORD,
                              access=access(server), now=NOW)
    with pytest.raises(CalDavRefused, match="no calendar 'Home'"):
        await connect_account(uows, provider_id, URL, USER, PASSWORD, access=access(server),
                              now=NOW, calendar="Home")
    with pytest.raises(NotFound):
        await connect_account(uows, 99, URL, USER, PASSWORD, access=access(server), now=NOW)
    assert await list_accounts(uows()) == []


async def test_the_password_is_stored_encrypted(clinic):
    uows, provider_id, _type, server = clinic
    account = await connected(clinic)
    assert account.password_encrypted != PASSWORD and PASSWORD not in account.password_encrypted
    assert account.calendar_url == CALENDAR and account.calendar_name == "Work"


async def test_a_new_calendar_gets_every_booking_again(clinic):
    uows, provider_id, type_id, server = clinic
    await connected(clinic)
    booked = await book(uows, provider_id, type_id)
    await run(uows, server)
    other = "https://dav.example.org/calendars/ana/clinic/"
    server.stored[other], server.names[other] = {}, "Clinic"
    await connect_account(uows, provider_id, URL, USER, PASSWORD, access=access(server), now=NOW,
                          calendar="clinic")
    await run(uows, server)
    assert list(server.events(other)) == [UID.format(booked.id)]


async def test_disconnecting_forgets_the_account_and_writes_nothing_more(clinic):
    uows, provider_id, type_id, server = clinic
    await connected(clinic)
    await disconnect_account(uows(), provider_id)
    await book(uows, provider_id, type_id)
    assert await run(uows, server) == [] and server.puts == []
    with pytest.raises(NotFound):
        await disconnect_account(uows(), provider_id)


async def test_the_stamp_of_a_row_follows_what_was_written(clinic):
    uows, provider_id, type_id, server = clinic
    account = await connected(clinic)
    await book(uows, provider_id, type_id)
    await run(uows, server)
    async with uows() as uow:
        rows = list(uow.working_state().caldav.outbox.values())
    assert [(r.status, r.sequence) for r in rows] == [(PushStatus.DONE, 0)]
    assert rows[0].account_id == account.id and rows[0].stamp == NOW


async def test_a_revision_waiting_to_be_retried_gives_way_to_the_newer_one(clinic):
    uows, provider_id, type_id, server = clinic
    await connected(clinic)
    booked = await book(uows, provider_id, type_id)
    clock = Clock()
    server.fail_next = ["the server answered 503"]
    await run(uows, server, clock)  # revision 0 failed: waits a minute
    await reschedule_appointment(uows(), booked.id, new_start=MONDAY_TEN + timedelta(hours=1),
                                 now=NOW)
    clock.now += backoff(1)
    [result] = await run(uows, server, clock)  # revisions 0 and 1 both due: only 1 is written
    assert (result.written, result.skipped) == (1, 1)
    assert server.puts == [UID.format(booked.id)]
    assert event_of(server.events()[UID.format(booked.id)])["SEQUENCE"] == 1
    async with uows() as uow:
        rows = sorted(uow.working_state().caldav.outbox.values(), key=lambda r: r.sequence)
    assert [r.status for r in rows] == [PushStatus.SUPERSEDED, PushStatus.DONE]


async def test_sync_now_writes_rows_still_waiting_out_their_backoff(clinic):
    uows, provider_id, type_id, server = clinic
    account = await connected(clinic)
    await book(uows, provider_id, type_id)
    server.fail_next = ["the server answered 503"]
    await run(uows, server)
    waiting = await push_account(uows, account.id, access(server), clock=Clock())
    assert waiting.written == 0
    now = await push_account(uows, account.id, access(server), clock=Clock(), waiting_too=True)
    assert (now.written, now.error) == (1, None)
    view = (await list_accounts(uows(), provider_id))[0]
    assert (view.account.last_error, view.account.last_push_at) == (None, NOW)

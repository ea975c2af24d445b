"""The timed CalDAV jobs: wired with the other jobs, writing and reading, quiet once the
bot stops."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

from bot.app import build_application
from conversations.caldav_job import (
    CALDAV_BUSY_JOB,
    CALDAV_PUSH_JOB,
    CALDAV_PUSH_SECONDS,
    caldav_busy_job,
    caldav_push_job,
)
from conversations.common import Services
from conversations.delivery import STOPPING
from core.booking import book_appointment
from core.caldav_sync import connect_account, list_accounts
from core.clients import get_or_create_client
from core.model import AppointmentType, NewProvider, Provider, ProviderType, WeeklyInterval
from core.providers import register_provider
from core.slots import get_available_slots
from tests.unit.caldav_helpers import CALENDAR, PASSWORD, URL, USER, MemoryCalDav, access, vevent
from tests.unit.fakes import FakeUnitOfWorkFactory

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MONDAY_TEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TOKEN = "123456:ABC-test-token"


def test_the_jobs_run_only_when_caldav_is_wired():
    uows = FakeUnitOfWorkFactory()
    caldav = access(MemoryCalDav(), every=timedelta(minutes=7))
    wired = build_application(TOKEN, Services(uows, lambda: NOW, caldav=caldav))
    (push,) = wired.job_queue.get_jobs_by_name(CALDAV_PUSH_JOB)  # type: ignore[union-attr]
    (busy,) = wired.job_queue.get_jobs_by_name(CALDAV_BUSY_JOB)  # type: ignore[union-attr]
    assert push.job.trigger.interval == timedelta(seconds=CALDAV_PUSH_SECONDS)
    assert busy.job.trigger.interval == timedelta(minutes=7)
    plain = build_application(TOKEN, Services(uows, lambda: NOW))
    assert plain.job_queue.get_jobs_by_name(CALDAV_PUSH_JOB) == ()  # type: ignore[union-attr]


async def test_the_jobs_write_and_read_and_start_nothing_once_the_bot_stops():
    uows, server = FakeUnitOfWorkFactory(), MemoryCalDav()
    provider, types = await register_provider(uows(), NewProvider(
        provider=Provider(None, "Dr. Job", ProviderType.DOCTOR, "Europe/Berlin"),
        weekly=tuple(WeeklyInterval(d, time(9), time(17)) for d in range(5)),
        appointment_types=(AppointmentType(None, None, "Consultation", 30),),
    ))
    await connect_account(uows, provider.id, URL, USER, PASSWORD, access=access(server), now=NOW)
    client = await get_or_create_client(uows(), 1, name="Olga")
    await book_appointment(uows(), provider_id=provider.id, type_id=types[0].id,
                           client_id=client.id, start=MONDAY_TEN, now=NOW)
    server.foreign[CALENDAR] = [vevent("x@phone", MONDAY_TEN + timedelta(hours=2),
                                       MONDAY_TEN + timedelta(hours=3))]
    services = Services(uows, lambda: NOW, caldav=access(server))
    stopping = SimpleNamespace(bot_data={"services": services, STOPPING: 1.0})
    await caldav_push_job(stopping)  # type: ignore[arg-type]
    await caldav_busy_job(stopping)  # type: ignore[arg-type]
    assert server.puts == []
    running = SimpleNamespace(bot_data={"services": services})
    await caldav_push_job(running)  # type: ignore[arg-type]
    await caldav_busy_job(running)  # type: ignore[arg-type]
    assert server.puts == ["appointment-1@slotbot"]
    slots = await get_available_slots(uows(), provider.id, types[0].id, MONDAY_TEN.date(), NOW)
    assert MONDAY_TEN + timedelta(hours=2) not in slots
    (view,) = await list_accounts(uows(), provider.id)
    assert view.feed.busy_count == 1  # the phone's event; ours is left out

"""A provider's CalDAV calendar is told like a feed: a read that starts failing once, by
the calendar's name and host (its busy side has no host of its own), and writes given
up after every retry once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

from conversations.caldav_job import caldav_busy_job, caldav_push_job
from conversations.common import Services
from core.booking import book_appointment
from core.caldav_push import MAX_ATTEMPTS, backoff
from core.caldav_sync import connect_account
from core.clients import get_or_create_client
from core.model import AppointmentType, NewProvider, Provider, ProviderType, WeeklyInterval
from core.providers import register_provider
from tests.unit.caldav_helpers import PASSWORD, URL, USER, MemoryCalDav, access
from tests.unit.fakes import FakeUnitOfWorkFactory
from tests.unit.test_feed_notices import FakeBot

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MONDAY_TEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
CHAT = 4242


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def connected(uows, server: MemoryCalDav, language: str = "en") -> tuple[int, int]:
    provider, types = await register_provider(uows(), NewProvider(
        provider=Provider(None, "Dr. Job", ProviderType.DOCTOR, "Europe/Berlin",
                          telegram_user_id=CHAT, language=language),
        weekly=tuple(WeeklyInterval(d, time(9), time(17)) for d in range(5)),
        appointment_types=(AppointmentType(None, None, "Consultation", 30),),
    ))
    await connect_account(uows, provider.id, URL, USER, PASSWORD, access=access(server), now=NOW)
    return provider.id, types[0].id


def job_context(uows, server, clock, bot) -> SimpleNamespace:
    services = Services(uows, clock, caldav=access(server))
    return SimpleNamespace(bot=bot, bot_data={"services": services})


async def test_a_failing_read_is_told_once_by_the_calendars_name_and_host():
    uows, server, clock, bot = FakeUnitOfWorkFactory(), MemoryCalDav(), Clock(), FakeBot()
    await connected(uows, server)
    context = job_context(uows, server, clock, bot)
    server.fail_next = ["the calendar server cannot be reached"]
    await caldav_busy_job(context)  # type: ignore[arg-type]
    ((chat, text, _),) = bot.sent
    assert chat == CHAT
    assert "Work (dav.example.org)" in text and "?" not in text.split(":")[0]
    assert "the calendar server cannot be reached" in text
    clock.now += timedelta(minutes=11)
    server.fail_next = ["the calendar server cannot be reached"]
    await caldav_busy_job(context)  # type: ignore[arg-type]
    assert len(bot.sent) == 1  # still failing: told already


async def test_writes_given_up_are_told_once_in_the_providers_language():
    uows, server, clock, bot = FakeUnitOfWorkFactory(), MemoryCalDav(), Clock(), FakeBot()
    provider_id, type_id = await connected(uows, server, language="ru")
    client = await get_or_create_client(uows(), 1, name="Olga")
    await book_appointment(uows(), provider_id=provider_id, type_id=type_id,
                           client_id=client.id, start=MONDAY_TEN, now=NOW)
    context = job_context(uows, server, clock, bot)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        server.fail_next = ["the server answered 507 to writing an event"]
        await caldav_push_job(context)  # type: ignore[arg-type]
        assert len(bot.sent) == (1 if attempt == MAX_ATTEMPTS else 0), attempt
        clock.now += backoff(attempt) + timedelta(seconds=1)
    ((chat, text, _),) = bot.sent
    assert chat == CHAT and "Work (dav.example.org)" in text
    assert "сервер ответил 507 на запись события" in text  # the reason in Russian
    await caldav_push_job(context)  # type: ignore[arg-type]
    assert len(bot.sent) == 1  # nothing more was given up

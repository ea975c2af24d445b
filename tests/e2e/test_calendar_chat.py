"""/calendar through the real bot: a provider's own calendar, served on 127.0.0.1, blocks
their slots; a failing one and a busy time over a booking are told once; the link.

The clock stands at Wednesday 2026-11-25 12:00 UTC. Lena works Mon-Fri 09:00-12:00 Berlin
(UTC+1) with a 30-minute check-up; her calendar has a meeting on Monday 30 November
09:00-10:00 Berlin. Plain http to 127.0.0.1 needs SLOTBOT_CALENDAR_ALLOW_PRIVATE=1.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from telegram.ext import CallbackContext

from bot.feed_access import check_url, fetch
from conversations import callbacks as cb
from conversations.feed_sync_job import feed_sync_job
from conversations.i18n import texts_for
from core.calendar_subscription import feed_for_token
from core.calendar_sync import FeedAccess
from core.model import AppointmentStatus
from tests.e2e.conftest import ADMIN_ID, running_demo_bot
from tests.e2e.test_provider_journey import book_with_lena, lena_with_hours_and_a_type, onboard
from tests.unit.feed_helpers import ics

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")
SECRET = "private-5e1d"  # the part of the feed URL no message may show
PUBLIC_URL = "https://bot.example.org"
MEETING = ("meeting", datetime(2026, 11, 30, 8, tzinfo=UTC), datetime(2026, 11, 30, 9, tzinfo=UTC))
NINE, HALF_PAST, TEN = "9:00\u202fAM", "9:30\u202fAM", "10:00\u202fAM"
FAILED = "I cannot read your calendar"
CONFLICT = "is busy during a booking"


class Calendar:
    """A calendar server whose answer the test changes."""

    url = ""

    def __init__(self) -> None:
        self.body = ics(MEETING)
        self.failing_with: int | None = None

    async def handle(self, _request: web.Request) -> web.Response:
        if self.failing_with is not None:
            return web.Response(status=self.failing_with)
        return web.Response(body=self.body, content_type="text/calendar")


@pytest.fixture
async def calendar():
    served = Calendar()
    app = web.Application()
    app.router.add_get(f"/ical/{SECRET}/basic.ics", served.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    served.url = f"http://127.0.0.1:{runner.addresses[0][1]}/ical/{SECRET}/basic.ics"
    yield served
    await runner.cleanup()


@pytest.fixture
async def bot(engine, clock, monkeypatch):
    monkeypatch.setenv("SLOTBOT_CALENDAR_ALLOW_PRIVATE", "1")
    feeds = FeedAccess(check_url, fetch, timedelta(minutes=10))
    async with running_demo_bot(engine, clock, public_url=PUBLIC_URL, feeds=feeds) as running:
        yield running


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    """The background read after an add is not an update the stand-in waits for."""
    for _ in range(200):
        met = condition()
        if await met if inspect.isawaitable(met) else met:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not {what}")


async def feed_read(bot) -> None:
    async def read() -> bool:
        async with bot.uow() as unit:
            feeds = await unit.feeds.listed()
        return bool(feeds) and all(f.last_attempt_at is not None for f in feeds)

    await until(read, "read")


async def add_calendar(bot, lena, calendar) -> None:
    await lena.send("/calendar")
    await lena.tap("➕ Add a calendar")
    assert "secret iCal address" in lena.last.text
    await lena.send(calendar.url)
    assert "Added 127.0.0.1" in lena.last.text
    await feed_read(bot)


async def times_on_monday(client) -> list[str]:
    await client.send("/book")
    await client.tap("Dr. Lena Vogel")
    await client.tap("Check-up")
    await client.tap("30")
    return client.last.button_texts


async def run_sync_job(bot) -> None:
    bot.clock.now += timedelta(minutes=11)  # the feed is due again
    await feed_sync_job(CallbackContext(bot.application))


def told(user, fragment: str) -> list:
    return [m for m in user.bot_messages if fragment in (m.text or "")]


def no_secret(*users) -> None:
    for user in users:
        assert not any(SECRET in (m.raw_text or "") for m in user.bot_messages), user.id


async def test_a_calendar_added_in_the_chat_blocks_the_clients_times(bot, calendar):
    lena = await lena_with_hours_and_a_type(bot)
    assert any("/calendar —" in (m.text or "") for m in lena.bot_messages)  # in the welcome
    tom = bot.user(760, "Tom")
    assert {NINE, HALF_PAST, TEN} <= set(await times_on_monday(tom))

    await lena.send("/calendar")
    assert "None yet" in lena.last.text
    await lena.tap("➕ Add a calendar")
    await lena.send("calendar.example.org/basic.ics")  # refused: the question stays open
    assert lena.last.text.startswith("I cannot use that address: only https://")
    await lena.send(calendar.url)
    assert "Added 127.0.0.1" in lena.last.text and "reading it now" in lena.last.text
    await feed_read(bot)

    offered = await times_on_monday(tom)
    assert NINE not in offered and HALF_PAST not in offered and TEN in offered
    await lena.send("/calendar")
    assert "127.0.0.1" in lena.last.text and "1 busy time" in lena.last.text
    no_secret(lena, tom)


async def test_a_failing_calendar_is_told_once_and_again_after_it_worked(bot, calendar):
    lena = await lena_with_hours_and_a_type(bot)
    await add_calendar(bot, lena, calendar)
    calendar.failing_with = 500
    await run_sync_job(bot)
    await run_sync_job(bot)
    (notice,) = told(lena, FAILED)
    assert "127.0.0.1" in notice.text and "the server answered 500" in notice.text

    calendar.failing_with = None
    await run_sync_job(bot)  # it works again: the record clears
    calendar.failing_with = 404
    await run_sync_job(bot)
    await run_sync_job(bot)
    assert len(told(lena, FAILED)) == 2 and "404" in told(lena, FAILED)[-1].text
    no_secret(lena)


async def test_a_busy_time_over_a_booking_is_told_once_and_cancel_tells_the_client(bot, calendar):
    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(770, "Tom")
    await book_with_lena(bot, tom, day="30", time_label=NINE)  # confirmed at once
    await add_calendar(bot, lena, calendar)
    await until(lambda: bool(told(lena, CONFLICT)), "told of the conflict")
    await run_sync_job(bot)
    await run_sync_job(bot)
    (notice,) = told(lena, CONFLICT)
    assert "Tom" in notice.text and "Check-up" in notice.text and "9:00\u202fAM" in notice.text

    mark = bot.user(771, "Mark")  # a client: the provider's button is not his
    cancel = next(data for text, data in sum(notice.buttons, []) if "Cancel it" in text)
    await mark.tap_data(cancel, notice.message_id)
    assert mark.last.text == EN._(
        "This command is for providers. To book an appointment, use /book.")
    assert await status(bot, 1) is AppointmentStatus.CONFIRMED

    await lena.tap("❌ Cancel it (the client is told)", message=notice)
    assert await status(bot, 1) is AppointmentStatus.CANCELLED
    assert "had to cancel" in tom.last.text and any("new time" in t for t in tom.last.button_texts)
    assert "the client was told" in lena.last.text

    await lena.tap_data(cancel, notice.message_id)  # the same button again: stale
    assert lena.last.text == EN._("That is no longer possible.")
    forged = cb.encode(cb.ConflictDecision(999, True))
    await lena.tap_data(forged, notice.message_id)
    assert lena.last.text == EN._("This menu has expired.")
    assert len(told(tom, "had to cancel")) == 1
    assert not bot.standin.open_callback_queries


async def test_removing_asks_first_and_a_stale_or_foreign_remove_button_has_expired(
    bot, calendar
):
    lena = await lena_with_hours_and_a_type(bot)
    await add_calendar(bot, lena, calendar)
    await lena.send("/calendar")
    await lena.tap("🗑 Remove 127.0.0.1")
    assert "Its busy times stop blocking your slots" in lena.last.text
    question = lena.last
    confirm = next(data for text, data in sum(question.buttons, []) if text == "Yes, remove it")
    mark, _ = await onboard(bot, 780, "Dr. Mark Roth")  # another provider
    await mark.send("/calendar")
    await mark.tap_data(confirm, mark.last.message_id)
    assert mark.last.text == EN._("This menu has expired.")
    async with bot.uow() as unit:
        assert len(await unit.feeds.listed()) == 1
    await lena.tap("Yes, remove it")
    assert lena.last.text.startswith("Removed 127.0.0.1.")
    await lena.tap_data(confirm, question.message_id)  # tapped again, from an old copy
    assert lena.last.text == EN._("This menu has expired.")
    async with bot.uow() as unit:
        assert await unit.feeds.listed() == []


async def test_the_calendar_link_works_until_a_new_one_replaces_it(bot):
    lena = await lena_with_hours_and_a_type(bot)
    await lena.send("/calendar")
    await lena.tap("🔗 Get my calendar link")
    first = token_in(lena.last.text)
    await lena.send("/calendar")
    await lena.tap("🔗 New link")
    assert "stop updating" in lena.last.text
    await lena.tap("Make a new link")
    second = token_in(lena.last.text)
    assert first != second
    host = "bot.example.org"
    assert await feed_for_token(bot.uow(), first, bot.clock.now, host_label=host) is None
    assert await feed_for_token(bot.uow(), second, bot.clock.now, host_label=host)


async def test_an_admin_acting_for_a_provider_sees_their_calendars(bot, calendar):
    lena = await lena_with_hours_and_a_type(bot)
    await add_calendar(bot, lena, calendar)
    admin = bot.user(ADMIN_ID, "Admin")
    async with bot.uow() as unit:
        provider = await unit.providers.by_telegram_id(lena.id)
    await admin.send(f"/act {provider.id}")
    await admin.send("/calendar")
    assert "127.0.0.1" in admin.last.text and "1 busy time" in admin.last.text


def token_in(text: str) -> str:
    found = re.search(re.escape(PUBLIC_URL) + r"/calendar/([^\s]+)\.ics", text)
    assert found, text
    return found.group(1)


async def status(bot, appointment_id: int) -> AppointmentStatus:
    async with bot.uow() as unit:
        return (await unit.appointments.get(appointment_id)).status

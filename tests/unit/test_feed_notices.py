"""What a provider is told after a sync (conversations/feed_notices.py), on the fake, with a
bot whose sends fail the ways a network does: told once; a send that surely never left is
told by the next sync, one that may have reached Telegram is never repeated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
import pytest
from telegram.error import NetworkError, TimedOut

from conversations import callbacks as cb
from conversations.common import Services
from conversations.delivery import STOPPING
from conversations.feed_notices import after_sync
from conversations.i18n import texts_for
from core.booking import book_appointment
from core.calendar_sync import add_feed, sync_feed
from core.clients import get_or_create_client
from core.model import AppointmentType, NewProvider, Provider, ProviderType, WeeklyInterval
from core.providers import register_provider
from tests.unit.fakes import FakeUnitOfWorkFactory
from tests.unit.feed_helpers import ScriptedFetch, body, failure, https_only, ics

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NINE = datetime.combine(date(2026, 12, 1), time(9), BERLIN).astimezone(UTC)
CHAT = 555
RU = texts_for("ru")


def never_left() -> NetworkError:
    error = NetworkError("httpx.ConnectError: All connection attempts failed")
    error.__cause__ = httpx.ConnectError("All connection attempts failed")
    return error


def maybe_sent() -> TimedOut:
    error = TimedOut("Timed out")
    error.__cause__ = httpx.ReadTimeout("timed out")
    return error


@dataclass
class FakeBot:
    """Records what was sent; ``failures`` are raised by the next sends, in turn."""

    sent: list[tuple[int, str, object]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    async def send_message(self, chat_id, text, parse_mode=None, reply_markup=None):  # noqa: ANN001
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, text, reply_markup))


@pytest.fixture
def uows() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


def context(uows, bot: FakeBot, **bot_data: object) -> SimpleNamespace:
    return SimpleNamespace(bot=bot, bot_data={"services": Services(uows, lambda: NOW), **bot_data})


async def feed_of_a_russian_provider(uows) -> int:
    new = NewProvider(
        Provider(None, "Д-р Иванова", ProviderType.DOCTOR, "Europe/Berlin", telegram_user_id=CHAT,
                 language="ru"),
        weekly=tuple(WeeklyInterval(d, time(9), time(12)) for d in range(5)),
        appointment_types=(AppointmentType(None, None, "Приём", 30),),
    )
    provider, types = await register_provider(uows(), new)
    client = await get_or_create_client(uows(), 700, name="Tom")
    await book_appointment(uows(), provider_id=provider.id, type_id=types[0].id,
                           client_id=client.id, start=NINE, now=NOW)
    feed = await add_feed(uows(), provider.id, "https://cal.example.org/s/a.ics", now=NOW,
                          check_url=https_only)
    return feed.id  # type: ignore[return-value]


async def failing(uows, feed_id: int):  # type: ignore[no-untyped-def]
    return await sync_feed(uows(), feed_id, ScriptedFetch([failure()]), now=NOW)


async def busy_over_the_booking(uows, feed_id: int):  # type: ignore[no-untyped-def]
    fetch = ScriptedFetch([body(ics(("m", NINE, NINE.replace(hour=9))))])
    return await sync_feed(uows(), feed_id, fetch, now=NOW)


async def test_a_failing_calendar_is_told_once_in_the_providers_language(uows):
    feed_id = await feed_of_a_russian_provider(uows)
    bot = FakeBot()
    for _ in range(2):
        await after_sync(context(uows, bot), [await failing(uows, feed_id)])
    ((chat, text, _markup),) = bot.sent
    assert chat == CHAT and "cal.example.org" in text and "сервер ответил 500" in text
    assert "/s/a.ics" not in text


@pytest.mark.parametrize(("error", "told_again"), [(never_left, True), (maybe_sent, False)])
async def test_a_failure_notice_is_told_again_only_if_it_surely_never_left(uows, error, told_again):
    feed_id = await feed_of_a_russian_provider(uows)
    bot = FakeBot(failures=[error()])
    await after_sync(context(uows, bot), [await failing(uows, feed_id)])
    await after_sync(context(uows, bot), [await failing(uows, feed_id)])
    assert len(bot.sent) == (1 if told_again else 0)


async def test_a_busy_time_over_a_booking_is_told_once_with_keep_and_cancel(uows):
    feed_id = await feed_of_a_russian_provider(uows)
    bot = FakeBot()
    result = await busy_over_the_booking(uows, feed_id)
    await after_sync(context(uows, bot), [result])
    await after_sync(context(uows, bot), [await busy_over_the_booking(uows, feed_id)])
    ((chat, text, markup),) = bot.sent
    assert chat == CHAT and "Tom" in text and "Приём" in text and "cal.example.org" in text
    decisions = [cb.decode(b.callback_data) for row in markup.inline_keyboard for b in row]
    assert [d.cancel for d in decisions] == [False, True]
    assert markup.inline_keyboard[1][0].text == "❌ " + RU._("Cancel it (the client is told)")


@pytest.mark.parametrize(("error", "told_again"), [(never_left, True), (maybe_sent, False)])
async def test_a_conflict_notice_is_told_again_only_if_it_surely_never_left(
    uows, error, told_again
):
    feed_id = await feed_of_a_russian_provider(uows)
    bot = FakeBot(failures=[error()])
    await after_sync(context(uows, bot), [await busy_over_the_booking(uows, feed_id)])
    await after_sync(context(uows, bot), [await busy_over_the_booking(uows, feed_id)])
    assert len(bot.sent) == (1 if told_again else 0)


async def test_nothing_is_sent_while_the_bot_stops_and_the_next_sync_tells_it(uows):
    feed_id = await feed_of_a_russian_provider(uows)
    bot = FakeBot()
    result = await busy_over_the_booking(uows, feed_id)
    await after_sync(context(uows, bot, **{STOPPING: 1.0}), [result])
    assert bot.sent == []
    await after_sync(context(uows, bot), [result])
    assert len(bot.sent) == 1

"""Reminders through the real bot and the Bot API stand-in, with a clock we move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from telegram.ext import CallbackContext

from conversations.i18n import texts_for
from conversations.reminders import send_reminders

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

MONDAY_NINE_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def book_monday_nine(bot, user):
    await user.send("/book")
    await user.tap("Dr. Ana Petrova")
    await user.tap("Consultation")
    await user.tap("30")
    await user.tap(0)
    await user.tap(0)  # ✅ Confirm


async def poll(bot, at: datetime) -> None:
    bot.clock.now = at
    await send_reminders(CallbackContext(bot.application))


async def outbox(engine):
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT status, attempts FROM outbox ORDER BY id"))).all()


async def test_day_and_hour_reminders_in_the_clients_language_and_zone_sent_once(bot):
    ivan = bot.user(11, "Иван", "ru")
    await ivan.send("/start")
    await ivan.send("Москва")
    await book_monday_nine(bot, ivan)
    t = texts_for("ru")
    before = len(ivan.bot_messages)

    await poll(bot, MONDAY_NINE_BERLIN - timedelta(hours=23))
    await poll(bot, MONDAY_NINE_BERLIN - timedelta(hours=22))  # a second poll sends nothing new
    (day,) = ivan.bot_messages[before:]
    assert t._("⏰ Reminder: your appointment is tomorrow.") in day.text
    assert "09:00" in day.text and "11:00" in day.text  # Berlin time, and Moscow's
    assert any(t._("I'll be there") in b for b in day.button_texts)
    await ivan.tap(0, message=day)
    assert ivan.callback_answers[-1].text == t._("Thank you! See you then.")

    await poll(bot, MONDAY_NINE_BERLIN - timedelta(minutes=45))
    hour = ivan.bot_messages[-1]
    assert t._("⏰ Reminder: your appointment starts in an hour.") in hour.text


async def test_a_flood_limit_is_retried_later_and_a_blocked_client_is_not_retried(bot, engine):
    ana, bob = bot.user(21, "Ana"), bot.user(22, "Bob")
    await book_monday_nine(bot, ana)
    await bob.send("/book")
    await bob.tap("Dr. Ana Petrova")
    await bob.tap("Consultation")
    await bob.tap("30")
    await bob.tap(1)  # 09:40
    await bob.tap(0)
    bob.block()

    from prometheus_client import REGISTRY

    def reminders(outcome: str) -> float:
        return REGISTRY.get_sample_value("slotbot_reminders_total", {"outcome": outcome}) or 0.0

    counts = {o: reminders(o) for o in ("sent", "failed", "retry")}
    # Beyond the limiter's retries for both sends, which run side by side and
    # may share out the failures: Bob's may meet a 429 before his 403.
    bot.standin.fail_next("sendMessage", retry_after=1, times=8)
    await poll(bot, MONDAY_NINE_BERLIN - timedelta(hours=22))  # both day-before reminders due
    anas, bobs = await outbox(engine)  # claimed in order of start: Ana's 09:00 first
    assert anas[0] == "RETRY" and bobs[0] in ("RETRY", "FAILED")

    await poll(bot, MONDAY_NINE_BERLIN - timedelta(hours=22) + timedelta(minutes=1))
    rows = await outbox(engine)
    assert [status for status, _ in rows] == ["SENT", "FAILED"]
    assert reminders("sent") - counts["sent"] == 1 and reminders("failed") - counts["failed"] == 1
    assert reminders("retry") - counts["retry"] >= 1
    async with bot.uow() as unit:
        assert (await unit.clients.by_telegram_id(22)).unreachable_at is not None
    assert "Reminder" in ana.bot_messages[-1].text


async def test_rescheduling_resets_the_reminders(bot):
    ana = bot.user(31, "Ana")
    await book_monday_nine(bot, ana)
    await poll(bot, MONDAY_NINE_BERLIN - timedelta(hours=23))
    reminders = [m for m in ana.bot_messages if "Reminder" in m.text]
    assert len(reminders) == 1
    bot.clock.now = MONDAY_NINE_BERLIN - timedelta(hours=22)
    await ana.send("/my")
    await ana.tap(0)
    await ana.tap("🔁 Reschedule")
    await ana.tap("»")
    await ana.tap("1")  # Tuesday 1 December
    await ana.tap(0)
    await ana.tap(0)
    await poll(bot, datetime(2026, 12, 1, 7, 30, tzinfo=UTC))  # an hour before the new time
    assert "starts in an hour" in ana.bot_messages[-1].text


async def test_a_provider_who_opts_in_gets_reminders_too(bot):
    from tests.e2e.test_provider_journey import book_with_lena, lena_with_hours_and_a_type

    lena = await lena_with_hours_and_a_type(bot)
    await lena.send("/settings")
    await lena.tap("Reminders for me too")
    await lena.tap("on")
    tom = bot.user(41, "Tom")
    await book_with_lena(bot, tom)
    await poll(bot, MONDAY_NINE_BERLIN - timedelta(minutes=50))
    assert "In an hour" in lena.bot_messages[-1].text and "Tom" in lena.bot_messages[-1].text
    assert "starts in an hour" in tom.bot_messages[-1].text


async def test_reminders_follow_real_hours_across_a_dst_change(bot):
    """New York springs forward on Sunday 14 March 2027 at 02:00 (07:00 UTC).

    A 10:00 EDT appointment that Sunday (14:00 UTC) gets its "tomorrow" reminder
    24 real hours before — 09:00 EST on Saturday by the wall clock, not 10:00.
    """
    from core.booking import book_appointment
    from core.clients import get_or_create_client, update_client_preferences
    from core.model import AppointmentType, NewProvider, Provider, ProviderSettings, ProviderType, WeeklyInterval
    from core.providers import register_provider
    from datetime import time

    provider, (lesson,) = await register_provider(bot.uow(), NewProvider(
        provider=Provider(None, "Sunday Tutor", ProviderType.TUTOR, "America/New_York",
                          settings=ProviderSettings(max_advance_days=60)),
        weekly=(WeeklyInterval(6, time(9), time(12)),),
        appointment_types=(AppointmentType(None, None, "Lesson", 60),),
    ))
    sam = bot.user(51, "Sam")
    client = await get_or_create_client(bot.uow(), 51, name="Sam", language="en")
    await update_client_preferences(bot.uow(), client.id, timezone="America/New_York")
    start = datetime(2027, 3, 14, 14, 0, tzinfo=UTC)
    await book_appointment(bot.uow(), provider_id=provider.id, type_id=lesson.id, client_id=client.id,
                           start=start, now=datetime(2027, 3, 1, 12, 0, tzinfo=UTC))

    await poll(bot, start - timedelta(hours=24, minutes=1))  # Saturday 08:59 EST
    assert not sam.bot_messages
    await poll(bot, start - timedelta(hours=24))  # Saturday 09:00 EST: exactly a day before
    (day,) = sam.bot_messages
    assert "tomorrow" in day.text and "10:00\u202fAM" in day.text
    await poll(bot, start - timedelta(hours=1, minutes=1))  # 08:59 EDT
    assert len(sam.bot_messages) == 1
    await poll(bot, start - timedelta(hours=1))
    assert "starts in an hour" in sam.bot_messages[-1].text and "10:00\u202fAM" in sam.bot_messages[-1].text

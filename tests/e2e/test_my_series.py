"""A weekly series managed from the client's /my, through the real bot and the stand-in.

The clock stands at Wednesday 2026-11-25 12:00 UTC. María López (the demo clinic's
second provider, Madrid, confirms by hand, 12 hours' notice) is run by the person
800. Ana (61) holds six weekly 50-minute therapy sessions with her, Mondays at 10:00
Madrid time (09:00 UTC) from 30 November on, booked in the test's setup.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from telegram.ext import CallbackContext

from conversations import callbacks as cb
from conversations.i18n import texts_for
from conversations.reminders import send_reminders
from core.clients import get_or_create_client
from core.model import AppointmentStatus, LateCancelPolicy, SeriesBookedBy
from core.series import SeriesRequest
from core.series_booking import book_series
from core.waitlist import join_waitlist

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EN = texts_for("en")
MARIA = 2
FIRST = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10:00 Madrid
WEEK = timedelta(weeks=1)
EXPIRED = EN._("This menu has expired.")


@pytest.fixture
async def maria(bot):
    async with bot.uow() as unit:
        await unit.begin_write()
        provider = await unit.providers.get(MARIA)
        await unit.providers.update(dataclasses.replace(provider, telegram_user_id=800))
        await unit.commit()
    return bot.user(800, "María", "en")


async def book_weekly(bot, user_id: int, name: str, count: int = 6, provider: int = MARIA,
                      first: datetime = FIRST):
    """``count`` weekly sessions of the provider's first type for the person ``user_id``
    (María's therapy by default); the series' id and its occurrences' ids."""
    client = await get_or_create_client(bot.uow(), user_id, name=name, language="en")
    outcome = await book_series(
        bot.uow(), provider_id=provider, type_id=bot.type_ids[provider - 1][0], client_id=client.id,
        request=SeriesRequest(first, every_weeks=1, count=count), now=bot.clock.now,
        by=SeriesBookedBy.SYSTEM,
    )
    assert [a.start for a in outcome.appointments] == [first + n * WEEK for n in range(count)]
    return outcome.series.id, [a.id for a in outcome.appointments]


async def statuses(bot, ids):
    async with bot.uow() as unit:
        return [(await unit.appointments.get(i)).status for i in ids]


async def test_cancel_this_and_all_later_from_my(bot, maria):
    _, ids = await book_weekly(bot, 61, "Ana")
    ana = bot.user(61, "Ana")
    carl = await get_or_create_client(bot.uow(), 62, name="Carl", language="en")
    # Carl waits for a time on the 4th session's day: the cancel frees one for him.
    await join_waitlist(bot.uow(), client_id=carl.id, provider_id=MARIA, type_id=bot.type_ids[1][0],
                        day=(FIRST + 3 * WEEK).date(), zone_name="Europe/Madrid", now=bot.clock.now)
    carl_chat = bot.user(62, "Carl")

    await ana.send("/my")
    listed = ana.last
    assert "6 left" in listed.text and "every week" in listed.text
    assert listed.text.count("•") == 1  # one entry for the whole series
    (entry, book) = listed.button_texts
    assert entry.startswith("🔁") and "6 left" in entry and book.startswith("➕")

    await ana.tap(0)  # the series
    assert "6 sessions left" in ana.last.text
    assert len(ana.last.button_texts) == 6 + 1  # every session, and back to /my
    await ana.tap(2)  # the 3rd session
    assert EN._("🔁 One session of a series, {every}.").format(every="every week") in ana.last.text
    await ana.tap("❌ " + EN._("Cancel this and all later"))
    question = ana.last.text
    assert "(4 in all)" in question and question.count("•") == 4 and "⚠️" not in question
    await ana.tap(EN._("Yes, cancel them"))
    assert "4 sessions of your series are cancelled." in ana.last.text

    cancelled, active = AppointmentStatus.CANCELLED, AppointmentStatus.PENDING
    assert await statuses(bot, ids) == [active, active] + [cancelled] * 4
    (notice,) = maria.bot_messages  # one message for the four sessions
    assert "cancelled these sessions of their series" in notice.text and notice.text.count("•") == 4
    assert any("A time has freed up" in m.text for m in carl_chat.bot_messages)
    assert not bot.standin.open_callback_queries

    await ana.send("/my")
    assert "2 left" in ana.last.text


async def set_late_policy(bot, **settings):
    async with bot.uow() as unit:
        await unit.begin_write()
        provider = await unit.providers.get(MARIA)
        await unit.providers.update(dataclasses.replace(
            provider, settings=dataclasses.replace(provider.settings, **settings)
        ))
        await unit.commit()


async def ask_to_cancel_all_from_the_first(bot, ana):
    bot.clock.now = FIRST - timedelta(hours=2)  # inside María's 12 hours' notice
    await ana.send("/my")
    await ana.tap(0)
    await ana.tap(0)  # the first session
    await ana.tap("❌ " + EN._("Cancel this and all later"))
    question = ana.last.text
    assert "(6 in all)" in question and question.count("⚠️") == 2  # the first, and the policy
    assert "Less than 12 hours before the start: recorded as a late cancellation." in question


async def test_late_sessions_are_recorded_late_and_the_provider_told_so(bot, maria):
    _, ids = await book_weekly(bot, 61, "Ana")
    ana = bot.user(61, "Ana")
    await ask_to_cancel_all_from_the_first(bot, ana)
    await ana.tap(EN._("Yes, cancel them"))
    assert EN._("Those inside the minimum notice were recorded as late cancellations.") in ana.last.text
    async with bot.uow() as unit:
        late = [(await unit.appointments.get(i)).late_cancel for i in ids]
    assert late == [True] + [False] * 5
    (notice,) = maria.bot_messages
    assert "late: inside your minimum notice" in notice.text and notice.text.count("•") == 6


async def test_a_provider_who_refuses_late_cancels_is_quoted_and_nothing_changes(bot, maria):
    await set_late_policy(bot, late_cancel_policy=LateCancelPolicy.REFUSE,
                          late_cancel_message="Call me <at> 555 & ask")
    _, ids = await book_weekly(bot, 61, "Ana")
    ana = bot.user(61, "Ana")
    await ask_to_cancel_all_from_the_first(bot, ana)
    await ana.tap(EN._("Yes, cancel them"))
    assert "it is too close to the start" in ana.last.text
    assert "Call me <at> 555 & ask" in ana.last.text  # the provider's words, as typed
    assert await statuses(bot, ids) == [AppointmentStatus.PENDING] * 6
    assert maria.bot_messages == []


async def test_a_foreign_client_cannot_open_or_cancel_the_series(bot, maria):
    series_id, ids = await book_weekly(bot, 61, "Ana")
    bob = bot.user(63, "Bob")
    await bob.send("/help")
    forged = [cb.MySeries(series_id), cb.MySeriesPage(series_id, 1), cb.AskCancelRest(ids[2]),
              cb.ConfirmCancelRest(ids[2]), cb.MyAppointment(ids[2]), cb.CalendarFile(ids[2])]
    for button in forged:
        await bob.tap_data(cb.encode(button), bob.last.message_id)
        assert EXPIRED in bob.last.text, button
    assert await statuses(bot, ids) == [AppointmentStatus.PENDING] * 6
    assert maria.bot_messages == [] and bob.documents == []


async def test_cancel_one_session_and_move_another_keep_the_series(bot, maria):
    series_id, ids = await book_weekly(bot, 61, "Ana", count=3)
    ana = bot.user(61, "Ana")
    await ana.send("/my")
    await ana.tap(0)
    await ana.tap(1)  # the 2nd session: cancel it alone
    await ana.tap("❌ " + EN._("Cancel"))
    await ana.tap(EN._("Yes, cancel it"))
    assert EN._("Your appointment is cancelled.") in ana.last.text

    await ana.send("/my")
    await ana.tap(0)
    assert "2 sessions left" in ana.last.text
    await ana.tap(1)  # now the 3rd: move it to the Wednesday after
    await ana.tap("🔁 " + EN._("Reschedule"))
    await ana.tap("16")
    await ana.tap(0)  # the first free time
    await ana.tap(0)  # ✅ Confirm
    assert EN._("⏳ Moved: waiting for the provider's confirmation of the new time.") in ana.last.text

    async with bot.uow() as unit:
        moved = await unit.appointments.get(ids[2])
    assert moved.series_id == series_id and moved.start.date().isoformat() == "2026-12-16"
    assert await statuses(bot, ids) == [AppointmentStatus.PENDING, AppointmentStatus.CANCELLED,
                                        AppointmentStatus.PENDING]


async def test_add_to_calendar_gives_every_session_of_the_series(bot):
    _, ids = await book_weekly(bot, 61, "Ana")
    ana = bot.user(61, "Ana")
    await ana.send("/my")
    await ana.tap(0)
    await ana.tap(4)  # any session: the file holds them all
    await ana.tap("📅 " + EN._("Add to calendar"))
    (document,) = ana.documents
    events = Calendar.from_ical(document.content).walk("VEVENT")
    assert [e.decoded("DTSTART") for e in events] == [FIRST + n * WEEK for n in range(6)]
    assert [str(e["UID"]) for e in events] == [f"appointment-{i}@slotbot" for i in ids]


async def poll(bot, at: datetime) -> None:
    bot.clock.now = at
    await send_reminders(CallbackContext(bot.application))


async def test_each_session_of_a_series_gets_its_own_reminders(bot):
    """Reminders go to CONFIRMED appointments: Dr. Petrova confirms at once (Berlin, Mondays
    09:00 = 08:00 UTC)."""
    first = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    await book_weekly(bot, 61, "Ana", count=2, provider=1, first=first)
    ana = bot.user(61, "Ana")

    def reminders():
        return [m.text for m in ana.bot_messages if "Reminder" in m.text]

    await poll(bot, first - timedelta(hours=23))
    await poll(bot, first - timedelta(minutes=45))
    assert len(reminders()) == 2 and "tomorrow" in reminders()[0] and "in an hour" in reminders()[1]
    assert "Monday, November 30" in reminders()[0]
    await poll(bot, first + WEEK - timedelta(days=2))  # nothing due between the two
    assert len(reminders()) == 2
    await poll(bot, first + WEEK - timedelta(hours=23))
    await poll(bot, first + WEEK - timedelta(hours=22))  # a second poll sends nothing new
    await poll(bot, first + WEEK - timedelta(minutes=45))
    assert len(reminders()) == 4
    assert "Monday, December 7" in reminders()[2] and "in an hour" in reminders()[3]

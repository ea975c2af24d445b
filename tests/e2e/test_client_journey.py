"""A person's journey through the real bot: the Application polls the Bot API stand-in.

The clock stands at Wednesday 2026-11-25 12:00 UTC. Dr. Ana Petrova (the demo
clinic's first provider) works Mon-Fri 09:00-12:30 and 14:00-18:00 Berlin time,
30-minute consultations in person, a 10-minute buffer and 2 hours' notice.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from conversations import callbacks as cb
from conversations.i18n import texts_for
from core.model import AppointmentStatus

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

MONDAY_NINE_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
EN = texts_for("en")


async def open_day(user, provider="Dr. Ana Petrova", kind="Consultation", day="30"):
    await user.send("/book")
    await user.tap(provider)
    await user.tap(kind)
    await user.tap(day)
    return user.last


async def appointments(bot):
    async with bot.uow() as unit:
        client_rows = []
        for appointment_id in range(1, 50):
            found = await unit.appointments.get(appointment_id)
            if found is not None:
                client_rows.append(found)
        return client_rows


async def test_two_clients_in_different_zones_and_languages_book_the_same_provider(bot):
    ivan = bot.user(11, "Иван", "ru")
    lucia = bot.user(12, "Lucía", "es")
    await ivan.send("/start")
    await ivan.send("Москва")  # typed city: Europe/Moscow
    await lucia.send("/start")
    await lucia.send("Ciudad de México")

    day = await open_day(ivan)
    # In person in Berlin: Berlin time leads, Moscow time in brackets.
    assert day.button_texts[0] == "09:00 (11:00)"
    await ivan.tap("09:00 (11:00)")
    await ivan.tap(0)  # ✅ Confirm
    assert texts_for("ru")._("✅ Booked and confirmed!") in ivan.last.text

    day = await open_day(lucia)
    assert "9:00 (2:00)" not in day.button_texts  # Ivan holds it now
    assert day.button_texts[0] == "9:40 (2:40)"
    assert "lunes, 30 de noviembre de 2026" in day.text
    await lucia.tap("9:40 (2:40)")
    await lucia.tap(0)
    assert texts_for("es")._("✅ Booked and confirmed!") in lucia.last.text

    booked = await appointments(bot)
    assert [(a.start, a.status) for a in booked] == [
        (MONDAY_NINE_BERLIN, AppointmentStatus.CONFIRMED),
        (MONDAY_NINE_BERLIN + timedelta(minutes=40), AppointmentStatus.CONFIRMED),
    ]
    assert not bot.standin.open_callback_queries  # every button press was answered


async def test_video_call_times_lead_with_the_clients_own_zone(bot):
    ivan = bot.user(11, "Иван", "ru")
    await ivan.send("/start")
    await ivan.send("Москва")
    day = await open_day(ivan, kind="Video follow-up")
    assert day.button_texts[0] == "11:00 (09:00)"


async def test_a_client_without_a_zone_sees_the_providers_zone_named(bot):
    ana = bot.user(21, "Ana", "en")
    day = await open_day(ana)
    assert "Berlin" in day.text
    assert day.button_texts[0] == "9:00\u202fAM"


async def test_race_for_the_last_slot_has_one_winner_and_a_friendly_loser(bot):
    first, second = bot.user(31, "First"), bot.user(32, "Second")
    for user in (first, second):
        await open_day(user)
        await user.tap("9:00\u202fAM")
    await asyncio.gather(first.tap("✅ Confirm"), second.tap("✅ Confirm"))

    outcomes = [u.last.text for u in (first, second)]
    winners = [t for t in outcomes if EN._("✅ Booked and confirmed!") in t]
    losers = [u for u in (first, second) if EN._("✅ Booked and confirmed!") not in u.last.text]
    assert len(winners) == 1 and len(losers) == 1
    assert EN._("Sorry, someone has just taken that time.").split(".")[0] in losers[0].last.text
    assert "9:00\u202fAM" not in losers[0].last.button_texts
    assert "9:40\u202fAM" in losers[0].last.button_texts
    assert len(await appointments(bot)) == 1


async def test_double_tap_on_confirm_books_once_and_says_so(bot):
    ana = bot.user(41, "Ana")
    await open_day(ana)
    await ana.tap("9:00\u202fAM")
    summary = ana.last
    confirm = next(data for row in summary.buttons for text, data in row if "Confirm" in text)
    await ana.tap("✅ Confirm")
    await ana.tap_data(confirm, summary.message_id)
    assert EN._("✅ You are already booked.") in ana.last.text
    assert len(await appointments(bot)) == 1


async def test_reschedule_then_cancel_with_reason_from_my(bot):
    ana = bot.user(51, "Ana")
    await open_day(ana)
    await ana.tap("9:00\u202fAM")
    await ana.tap("✅ Confirm")

    await ana.send("/my")
    await ana.tap(0)  # the appointment
    await ana.tap("🔁 Reschedule")
    await ana.tap("30")
    assert "9:00\u202fAM" not in ana.last.button_texts  # still held by the old booking…
    await ana.tap("9:40\u202fAM")
    await ana.tap("✅ Confirm")
    assert EN._("✅ Moved!") in ana.last.text
    (moved,) = await appointments(bot)
    assert moved.start == MONDAY_NINE_BERLIN + timedelta(minutes=40)
    assert moved.id == 1

    await ana.send("/my")
    await ana.tap(0)
    await ana.tap("❌ Cancel")
    assert "⚠️" not in ana.last.text  # days ahead: no late-cancel warning
    await ana.tap("Cancel and give a reason")
    await ana.send("Feeling better")
    assert EN._("Your appointment is cancelled.") in ana.last.text
    (cancelled,) = await appointments(bot)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.cancel_reason == "Feeling better"
    assert not cancelled.late_cancel


async def test_late_cancellation_is_announced_before_and_flagged_after(bot):
    ana = bot.user(61, "Ana")
    await open_day(ana)
    await ana.tap("9:00\u202fAM")
    await ana.tap("✅ Confirm")
    bot.clock.now = MONDAY_NINE_BERLIN - timedelta(hours=1)

    await ana.send("/my")
    await ana.tap(0)
    await ana.tap("❌ Cancel")
    assert "⚠️" in ana.last.text and "2 hours" in ana.last.text
    await ana.tap("Yes, cancel it")
    assert EN._("It was recorded as a late cancellation.") in ana.last.text
    (cancelled,) = await appointments(bot)
    assert cancelled.late_cancel


async def test_add_to_calendar_sends_an_ics_file_with_utc_times(bot):
    ana = bot.user(71, "Ana")
    await open_day(ana)
    await ana.tap("9:00\u202fAM")
    await ana.tap("✅ Confirm")
    await ana.send("/my")
    await ana.tap(0)
    await ana.tap("📅 Add to calendar")
    (document,) = ana.documents
    (event,) = Calendar.from_ical(document.content).walk("VEVENT")
    assert event.decoded("DTSTART") == MONDAY_NINE_BERLIN
    assert event.decoded("DTEND") == MONDAY_NINE_BERLIN + timedelta(minutes=30)
    assert "Torstraße" in str(event["LOCATION"])


async def test_forged_button_for_someone_elses_appointment_changes_nothing(bot):
    owner, intruder = bot.user(81, "Owner"), bot.user(82, "Intruder")
    await open_day(owner)
    await owner.tap("9:00\u202fAM")
    await owner.tap("✅ Confirm")
    await intruder.send("/help")

    forged = [cb.ConfirmCancel(1), cb.Reschedule(1), cb.CalendarFile(1), cb.CancelWithReason(1)]
    for button in forged:
        await intruder.tap_data(cb.encode(button), intruder.last.message_id)
        assert EN._("This menu has expired.") in intruder.last.text
    (kept,) = await appointments(bot)
    assert kept.status is AppointmentStatus.CONFIRMED
    assert intruder.documents == []


async def test_forged_slot_outside_the_offer_is_never_booked(bot):
    ana = bot.user(91, "Ana")
    await ana.send("/help")
    provider, consultation = bot.provider_ids[0], bot.type_ids[0][0]
    misaligned = MONDAY_NINE_BERLIN + timedelta(minutes=5)
    await ana.tap_data(
        cb.encode(cb.ConfirmBooking(provider, consultation, misaligned)), ana.last.message_id
    )
    assert await appointments(bot) == []
    assert EN._("Sorry, someone has just taken that time.").split(",")[0] in ana.last.text


async def test_stale_and_unknown_buttons_say_the_menu_expired(bot):
    ana = bot.user(101, "Ana")
    await open_day(ana)
    await ana.tap("9:00\u202fAM")
    summary = ana.last
    bot.clock.now = MONDAY_NINE_BERLIN + timedelta(days=1)  # the slot is in the past now
    await ana.tap("✅ Confirm", message=summary)
    assert await appointments(bot) == []
    answer = await ana.tap_data("0pv:1", summary.message_id)  # a button of an older version
    assert answer is not None and answer.text == EN._("This menu has expired.")


async def test_typing_instead_of_tapping_gets_a_nudge_not_a_booking(bot):
    ana = bot.user(111, "Ana")
    await open_day(ana)
    await ana.send("9:00")
    assert ana.last.text == EN._(
        "Please use the buttons under my messages. /book starts a booking, /help lists all commands."
    )
    assert await appointments(bot) == []


async def test_a_note_for_the_provider_is_stored_with_the_booking(bot):
    ana = bot.user(121, "Ana")
    await open_day(ana)
    await ana.tap("9:00\u202fAM")
    await ana.tap("✏️ Add a note")
    await ana.send("Please call me first")
    assert "Please call me first" in ana.last.text
    await ana.tap("✅ Confirm")
    (booked,) = await appointments(bot)
    assert booked.notes == "Please call me first"


async def test_cancel_command_leaves_the_note_step(bot):
    ana = bot.user(131, "Ana")
    await open_day(ana)
    await ana.tap("9:00\u202fAM")
    await ana.tap("✏️ Add a note")
    await ana.send("/cancel")
    await ana.send("this is not a note")
    assert ana.last.text.startswith("Please use the buttons")


async def test_deep_link_opens_the_provider_and_a_bad_one_expires(bot):
    ana = bot.user(141, "Ana")
    await ana.send(f"/start p{bot.provider_ids[1]}")
    assert "María López" in ana.last.text
    assert "Therapy session" in ana.last.button_texts
    await ana.send("/start p999")
    assert ana.last.text == EN._(
        "This menu has expired. Use /book to book or /my for your appointments."
    )


async def test_language_and_command_menus(bot):
    ana = bot.user(151, "Ana", "en")
    await ana.send("/language")
    await ana.tap("Español")
    assert ana.last.text == texts_for("es")._("Done: I will speak English with you.")
    for code in ("ru", "es"):
        commands = bot.standin.commands_for(language_code=code)
        assert [c["command"] for c in commands] == [
            "book", "my", "timezone", "language", "help", "cancel", "forgetme"
        ]


async def test_sharing_a_location_sets_the_time_zone_and_timezone_changes_it(bot):
    ivan = bot.user(161, "Иван", "ru")
    await ivan.send("/start")
    await ivan.share_location(55.7558, 37.6173)  # Moscow
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(161)
    assert client.timezone == "Europe/Moscow"
    assert ivan.reply_keyboard is None  # the location button is gone again
    await ivan.send("/timezone")
    await ivan.send("Нью-Йорк")
    async with bot.uow() as unit:
        client = await unit.clients.by_telegram_id(161)
    assert client.timezone == "America/New_York"


async def test_a_provider_who_confirms_by_hand_leaves_the_booking_pending(bot):
    lucia = bot.user(171, "Lucía", "es")
    t = texts_for("es")
    await lucia.send("/book")
    await lucia.tap("María López")
    await lucia.tap("First visit")
    await lucia.tap("27")  # Friday; María works Mon, Wed, Fri and confirms requests herself
    await lucia.tap(0)
    await lucia.tap("✅ " + t._("Confirm"))
    assert t._("⏳ Requested: waiting for the provider's confirmation.") in lucia.last.text
    (requested,) = await appointments(bot)
    assert requested.status is AppointmentStatus.PENDING


async def test_forgetme_asks_then_deletes_and_tells_the_provider(bot, engine):
    from sqlalchemy import text

    ana = bot.user(171, "Ana")
    await open_day(ana)
    await ana.tap("9:00\u202fAM")
    await ana.tap("✏️ Add a note")
    await ana.send("private detail")
    await ana.tap("✅ Confirm")

    await ana.send("/forgetme")
    assert EN._("This cannot be undone.") in ana.last.text and "1 upcoming appointment" in ana.last.text
    await ana.tap("« " + EN._("Keep it"))
    assert ana.last.text == EN._("Nothing was deleted.")
    await ana.send("/forgetme")
    await ana.tap("🗑 " + EN._("Delete my data"))
    assert ana.last.text.startswith(EN._("Done: your data is deleted."))
    async with engine.connect() as connection:
        clients = (await connection.execute(text("SELECT name FROM clients WHERE telegram_user_id = 171"))).all()
        notes = (await connection.execute(text("SELECT notes, status FROM appointments"))).all()
        stored = (await connection.execute(text("SELECT count(*) FROM tg_user_data WHERE user_id = 171"))).scalar_one()
    assert clients == [] and notes == [(None, "CANCELLED")] and stored == 0

    await ana.send("/my")  # a fresh start: nothing is remembered
    assert ana.last.text == EN._("You have no upcoming appointments. /book to make one.")

"""A provider's week, from the invite to a cancelled day, through the real bot.

The clock stands at Wednesday 2026-11-25 12:00 UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from conversations import callbacks as cb
from conversations.i18n import texts_for
from core.model import AppointmentStatus
from tests.e2e.conftest import ADMIN_ID

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")


async def onboard(bot, user_id=700, name="Dr. Lena Vogel"):
    admin = bot.user(ADMIN_ID, "Admin")
    await admin.send(f"/invite DOCTOR Europe/Berlin {name}")
    link = re.search(r"start=(i[\w-]+)", admin.last.text)
    assert link, admin.last.text
    provider = bot.user(user_id, "Lena", "en")
    await provider.send(f"/start {link.group(1)}")
    return provider, link.group(1)


async def test_invite_link_hours_booking_confirmation_and_a_cancelled_day(bot):
    lena, _token = await onboard(bot)
    assert "Welcome, Dr. Lena Vogel!" in lena.last.text

    await lena.send("/hours mon-fri 09:00-12:00 13:00-17:00")
    assert "09:00-12:00, 13:00-17:00" in lena.last.text
    await lena.send("/types")
    # A type is needed before clients can book; added through the guided steps.
    await lena.tap(0 if "Add" in lena.last.button_texts[0] else -1)
    await lena.send("Check-up")
    await lena.send("30")
    await lena.send("50 EUR")
    await lena.tap(1)  # in person
    await lena.send("1")
    await lena.send("/settings")
    await lena.tap(next(t for t in lena.last.button_texts if "confirm" in t.lower()))
    await lena.tap(next(t for t in lena.last.button_texts if "hand" in t.lower() or "manual" in t.lower() or "No" in t))

    client = bot.user(701, "Tom", "en")
    await client.send("/book")
    await client.tap("Dr. Lena Vogel")
    await client.tap("Check-up")
    await client.tap("30")
    await client.tap("9:00\u202fAM")
    await client.tap("✅ Confirm")
    assert EN._("⏳ Requested: waiting for the provider's confirmation.") in client.last.text

    request = lena.last
    assert "New request" in request.text and "Tom" in request.text
    await lena.tap("✅ Confirm", message=request)
    assert "Your appointment is confirmed" in client.last.text

    await lena.send("/block 2026-11-30")
    assert "Tom" in lena.last.text  # the block falls on Tom's appointment: asked first
    await lena.tap("Cancel them")
    assert "cancelled" in lena.last.text.lower()
    notice = client.last
    assert "had to cancel" in notice.text
    assert any("new time" in t for t in notice.button_texts)
    async with bot.uow() as unit:
        appointment = await unit.appointments.get(1)
    assert appointment.status is AppointmentStatus.CANCELLED


async def test_a_used_invite_says_so(bot):
    _lena, token = await onboard(bot)
    stranger = bot.user(702, "Eve")
    await stranger.send(f"/start {token}")
    assert stranger.last.text == EN._("This invite link has already been used. Ask for a new one.")


@pytest.mark.parametrize(
    "command",
    ["/hours mon 09:00-12:00", "/block 2026-12-24", "/special 2026-12-20 10:00-14:00",
     "/unblock", "/agenda", "/types", "/settings", "/clients", "/calendar"],
)
async def test_clients_get_a_polite_no_for_every_provider_command(bot, command):
    tom = bot.user(710, "Tom")
    await tom.send(command)
    assert tom.last.text == EN._("This command is for providers. To book an appointment, use /book.")


async def test_another_provider_cannot_touch_a_colleagues_appointments(bot):
    lena, _ = await onboard(bot, 720, "Dr. Lena Vogel")
    mark, _ = await onboard(bot, 721, "Dr. Mark Roth")
    # A booking with the demo clinic's Dr. Ana Petrova (provider 1), not theirs.
    tom = bot.user(722, "Tom")
    await tom.send("/book")
    await tom.tap("Dr. Ana Petrova")
    await tom.tap("Consultation")
    await tom.tap("30")
    await tom.tap("9:00\u202fAM")
    await tom.tap("✅ Confirm")
    forged = [
        cb.ProviderConfirm(1), cb.ProviderDecline(1), cb.ProviderCancel(1), cb.ProviderComplete(1),
        cb.ProviderNoShow(1), cb.AgendaEntry(1), cb.ClientBlockToggle(1, True), cb.Unblock(1),
        cb.TypeToggle(1, False), cb.TypeEntry(1), cb.TypeSeries(1, True),
    ]
    for intruder in (mark, tom):
        for button in forged:
            await intruder.tap_data(cb.encode(button), intruder.last.message_id)
    async with bot.uow() as unit:
        appointment = await unit.appointments.get(1)
        consultation = await unit.providers.appointment_type(1)
        blocked = await unit.providers.blocked_client_ids(1)
    assert appointment.status is AppointmentStatus.CONFIRMED
    assert consultation.is_active and not consultation.allow_series and not blocked
    assert not bot.standin.open_callback_queries
    assert lena.last is not None


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("/hours mon 25:00-12:00", "25:00"),
        ("/hours mon-fry 09:00-12:00", "fry"),
        ("/hours mon 17:00-09:00", "17:00-09:00"),
        ("/hours mon 09:00-12:00 11:00-13:00", "overlap"),
        ("/block 2026-11-01", "past"),
        ("/block someday", "For example"),
    ],
)
async def test_a_wrong_form_answers_with_the_right_one_and_an_example(bot, command, fragment):
    lena, _ = await onboard(bot)
    await lena.send(command)
    assert fragment in lena.last.text
    assert "For example: /" in lena.last.text


async def book_with_lena(bot, client, day="30", time_label="9:00\u202fAM"):
    await client.send("/book")
    await client.tap("Dr. Lena Vogel")
    await client.tap("Check-up")
    await client.tap(day)
    await client.tap(time_label)
    await client.tap("✅ Confirm")


async def lena_with_hours_and_a_type(bot, hours="mon-fri 09:00-12:00", kind=("Check-up", "30", "50 EUR")):
    """Lena onboarded, with weekly ``hours`` and one in-person type: ``kind`` is (name, minutes, price)."""
    lena, _ = await onboard(bot)
    await lena.send(f"/hours {hours}")
    await lena.send("/types")
    await lena.tap("➕ Add a type")
    for answer in kind:
        await lena.send(answer)
    await lena.tap("In person")
    await lena.send("1")
    return lena


async def test_agenda_actions_special_hours_unblock_and_client_blocking(bot):
    lena = await lena_with_hours_and_a_type(bot)
    tom = bot.user(730, "Tom")
    await book_with_lena(bot, tom)

    await lena.send("/agenda 2026-11-30")
    assert "Tom" in lena.last.text and "Check-up" in lena.last.text
    await lena.tap(0)  # Tom's appointment
    assert any("Cancel with a reason" in t for t in lena.last.button_texts)
    assert not any("Completed" in t for t in lena.last.button_texts)  # not started yet

    bot.clock.now = datetime(2026, 11, 30, 8, 10, tzinfo=UTC)  # ten minutes in
    await lena.send("/agenda 2026-11-30")
    await lena.tap(0)
    await lena.tap("✔️ Completed")
    async with bot.uow() as unit:
        assert (await unit.appointments.get(1)).status is AppointmentStatus.COMPLETED
    bot.clock.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    await lena.send("/special 2026-12-05 10:00-12:00")  # a Saturday
    assert "10:00-12:00" in lena.last.text
    await lena.send("/unblock")
    assert any("special hours" in t for t in lena.last.button_texts)
    await lena.tap(0)
    assert EN._("No blocks or special hours ahead.") == lena.last.text

    await book_with_lena(bot, tom, day="26", time_label="10:00\u202fAM")
    await lena.send("/clients")
    await lena.tap("Tom")  # the card
    await lena.tap("Block this client")
    assert "no longer available" in tom.last.text
    await tom.send("/book")
    await tom.tap("Dr. Lena Vogel")
    await tom.tap("Check-up")
    await tom.tap("27")
    await tom.tap("9:00\u202fAM")
    await tom.tap("✅ Confirm")
    assert tom.last.text == EN._(
        "Sorry, booking with this provider is not available to you. Please contact them directly."
    )


async def test_a_refused_late_cancellation_shows_the_providers_text(bot):
    lena = await lena_with_hours_and_a_type(bot)
    await lena.send("/settings")
    await lena.tap("Minimum notice")
    await lena.tap("24 hours")
    await lena.tap("Late cancellation")
    await lena.tap("refused")
    await lena.tap("Late cancellation text")
    await lena.send("Please call the practice.")
    tom = bot.user(740, "Tom")
    await book_with_lena(bot, tom, day="27")  # Friday, within 48 hours
    bot.clock.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 20 hours before
    await tom.send("/my")
    await tom.tap(0)
    await tom.tap("❌ Cancel")
    await tom.tap("Yes, cancel it")
    assert "Please call the practice." in tom.last.text
    async with bot.uow() as unit:
        assert (await unit.appointments.get(1)).status is AppointmentStatus.CONFIRMED


async def test_morning_digest_lists_the_day_and_waiting_requests_once(bot):
    from telegram.ext import CallbackContext

    from conversations.digest import send_digests

    lena = await lena_with_hours_and_a_type(bot)
    await lena.send("/settings")
    await lena.tap("Confirm bookings")
    await lena.tap("by hand")
    await lena.tap("Morning agenda")
    await lena.tap("08:00")
    tom = bot.user(750, "Tom")
    await book_with_lena(bot, tom, day="30")
    before = len(lena.messages)

    bot.clock.now = datetime(2026, 11, 30, 6, 59, tzinfo=UTC)  # 07:59 in Berlin: not yet
    await send_digests(CallbackContext(bot.application))
    assert len(lena.messages) == before
    bot.clock.now = datetime(2026, 11, 30, 7, 5, tzinfo=UTC)
    await send_digests(CallbackContext(bot.application))
    await send_digests(CallbackContext(bot.application))  # a second poll, or another process
    digests = lena.messages[before:]
    assert len(digests) == 1
    assert "Tom" in digests[0].text and "Requests waiting" in digests[0].text

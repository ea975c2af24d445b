"""One pending text step per person, across the client and the provider side.

The person 800 runs María López's calendar (the demo clinic's second provider,
who confirms requests by hand) and is a client too; Tom (801) books with her.
The clock stands at Wednesday 2026-11-25 12:00 UTC.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from conversations.i18n import texts_for
from conversations.steps import STEP_LIFETIME, step_expired
from conversations.texts import something_went_wrong, type_instead_of_tap
from core.model import AppointmentStatus

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")
MARIA = 2  # provider id in the demo clinic


@pytest.fixture
async def maria(bot):
    async with bot.uow() as unit:
        await unit.begin_write()
        provider = await unit.providers.get(MARIA)
        await unit.providers.update(dataclasses.replace(provider, telegram_user_id=800))
        await unit.commit()
    return bot.user(800, "María", "en")


async def book_with_maria(bot, client):
    await client.send("/book")
    await client.tap("María López")
    await client.tap("Therapy session")
    await client.tap("30")
    await client.tap(0)  # the first free time
    await client.tap("✅ Confirm")
    async with bot.uow() as unit:
        client_row = await unit.clients.by_telegram_id(client.id)
        (appointment,) = await unit.appointments.for_client(client_row.id, since=bot.clock.now)
    return appointment


async def status_of(bot, appointment_id):
    async with bot.uow() as unit:
        return (await unit.appointments.get(appointment_id)).status


async def open_cancel_reason(maria, bot):
    await maria.send("/agenda 2026-11-30")
    await maria.tap(0)  # the one appointment
    await maria.tap("❌ Cancel with a reason")
    assert "Type the reason" in maria.last.text


def no_failure(*users):
    for user in users:
        texts = [m.text or "" for m in user.bot_messages]
        assert not any(something_went_wrong(EN) in t for t in texts), user.id


async def test_a_command_of_the_client_side_ends_the_providers_pending_reason(bot, maria):
    tom = bot.user(801, "Tom")
    appointment = await book_with_maria(bot, tom)
    await open_cancel_reason(maria, bot)

    await maria.send("/timezone")
    await maria.send("Berlin")  # meant for the time zone prompt, asked last

    assert await status_of(bot, appointment.id) is AppointmentStatus.PENDING
    assert not any("had to cancel" in (m.text or "") for m in tom.bot_messages)
    async with bot.uow() as unit:
        assert (await unit.clients.by_telegram_id(800)).timezone == "Europe/Berlin"
    no_failure(maria, tom)


async def test_a_reason_typed_after_the_question_expired_changes_nothing(bot, maria):
    tom = bot.user(801, "Tom")
    appointment = await book_with_maria(bot, tom)
    await open_cancel_reason(maria, bot)

    bot.clock.now += STEP_LIFETIME + timedelta(seconds=1)
    await maria.send("Sick today")
    assert maria.last.text == step_expired(EN)
    assert await status_of(bot, appointment.id) is AppointmentStatus.PENDING

    await open_cancel_reason(maria, bot)  # asked again, answered in time
    bot.clock.now += STEP_LIFETIME - timedelta(seconds=1)
    await maria.send("Sick today")
    assert await status_of(bot, appointment.id) is AppointmentStatus.CANCELLED
    assert "had to cancel" in tom.last.text


async def test_cancel_ends_the_pending_step_of_either_side(bot, maria):
    tom = bot.user(801, "Tom")
    appointment = await book_with_maria(bot, tom)
    await open_cancel_reason(maria, bot)
    await maria.send("/cancel")
    await maria.send("Sick today")
    assert await status_of(bot, appointment.id) is AppointmentStatus.PENDING

    # Both sides asked something; /cancel ends the question asked last, and no
    # older one comes back.
    await open_cancel_reason(maria, bot)
    await maria.send("/timezone")
    await maria.send("/cancel")
    await maria.send("Berlin")
    assert maria.last.text == type_instead_of_tap(EN)
    async with bot.uow() as unit:
        assert (await unit.clients.by_telegram_id(800)).timezone is None
    assert await status_of(bot, appointment.id) is AppointmentStatus.PENDING
    no_failure(maria)


async def test_a_button_of_another_screen_ends_the_pending_reason(bot, maria):
    tom = bot.user(801, "Tom")
    appointment = await book_with_maria(bot, tom)
    await open_cancel_reason(maria, bot)
    await maria.send("/my")  # the client side: her own (no) appointments
    await maria.send("Sick today")
    assert await status_of(bot, appointment.id) is AppointmentStatus.PENDING


async def test_a_client_command_ends_a_half_typed_appointment_type(bot, maria):
    await maria.send("/types")
    await maria.tap(next(t for t in maria.last.button_texts if "Add" in t))
    await maria.send("/book")
    await maria.send("Group therapy")  # not a type name any more
    assert maria.last.text == type_instead_of_tap(EN)
    async with bot.uow() as unit:
        names = [t.name for t in await unit.providers.types(MARIA)]
    assert "Group therapy" not in names
    no_failure(maria)


async def test_a_provider_command_ends_the_clients_pending_time_zone_question(bot, maria):
    await maria.send("/timezone")
    await maria.send("/agenda")
    await maria.send("Berlin")
    async with bot.uow() as unit:
        assert (await unit.clients.by_telegram_id(800)).timezone is None


@pytest.mark.parametrize("button", ["✅ Confirm", "✖️ Decline"])
async def test_confirming_a_request_the_client_cancelled_meanwhile_says_so_once(bot, maria, button):
    tom = bot.user(801, "Tom")
    appointment = await book_with_maria(bot, tom)
    notice = maria.last
    assert "New request" in notice.text

    await tom.send("/my")
    await tom.tap(0)
    await tom.tap("❌ Cancel")
    await tom.tap("Yes, cancel it")
    assert await status_of(bot, appointment.id) is AppointmentStatus.CANCELLED

    answers_before = len(bot.standin.callback_answers)
    await maria.tap(button, message=notice)
    assert len(bot.standin.callback_answers) == answers_before + 1  # answered, once
    assert not bot.standin.open_callback_queries
    assert any(EN._("That is no longer possible.") in (m.text or "") for m in maria.bot_messages)
    assert await status_of(bot, appointment.id) is AppointmentStatus.CANCELLED
    no_failure(maria, tom)


async def test_completed_and_no_show_on_a_cancelled_appointment_say_so_once(bot, maria):
    tom = bot.user(801, "Tom")
    appointment = await book_with_maria(bot, tom)
    await maria.send("/agenda 2026-11-30")
    await maria.tap(0)
    entry = maria.last
    await maria.tap("✅ Confirm", message=entry)
    bot.clock.now = appointment.start + timedelta(minutes=5)
    await maria.send("/agenda 2026-11-30")
    await maria.tap(0)
    entry = maria.last
    async with bot.uow() as unit:  # cancelled behind the screen's back (another process)
        await unit.begin_write()
        current = await unit.appointments.get(appointment.id)
        await unit.appointments.save(dataclasses.replace(current, status=AppointmentStatus.NO_SHOW))
        await unit.commit()
    await maria.tap("✔️ Completed", message=entry)
    assert not bot.standin.open_callback_queries
    assert any(EN._("That is no longer possible.") in (m.text or "") for m in maria.bot_messages)
    no_failure(maria, tom)


async def test_an_expired_button_ends_the_clients_pending_reason(bot):
    tom = bot.user(801, "Tom")
    appointment = await book_with_maria(bot, tom)
    await tom.send("/my")
    await tom.tap(0)
    await tom.tap("❌ Cancel")
    await tom.tap("Cancel and give a reason")
    await tom.tap_data("1zz", tom.last.message_id)  # a button nothing understands any more
    await tom.send("Berlin")
    assert await status_of(bot, appointment.id) is AppointmentStatus.PENDING
    assert not bot.standin.open_callback_queries
    no_failure(tom)


@pytest.mark.parametrize("data", ["1tz:Europe", "1tz:America", "1ss:tzc+Europe:1", "1ss:tzk+Asia:1"])
async def test_a_forged_time_zone_that_is_a_folder_of_zones_is_refused_politely(bot, maria, data):
    await maria.send("/settings")
    await maria.tap_data(data, maria.last.message_id)
    assert not bot.standin.open_callback_queries
    no_failure(maria)
    async with bot.uow() as unit:
        assert (await unit.clients.by_telegram_id(800)).timezone is None
        assert (await unit.providers.get(MARIA)).timezone == "Europe/Madrid"


async def test_a_forgotten_client_is_told_nothing_when_the_provider_declines_later(bot, maria):
    tom = bot.user(801, "Tom")
    appointment = await book_with_maria(bot, tom)
    notice = maria.last
    bot.clock.now = appointment.start + timedelta(minutes=1)  # started, still a request
    await tom.send("/forgetme")
    await tom.tap(next(t for t in tom.last.button_texts if "delete" in t.lower() or "forget" in t.lower()))
    await maria.tap("✖️ Decline", message=notice)
    assert [e for e in bot.standin.errors if not e.injected] == []
    no_failure(maria, tom)


async def test_a_tap_under_the_calendar_file_sends_a_new_message_instead_of_editing_it(bot):
    tom = bot.user(801, "Tom")
    await book_with_maria(bot, tom)
    await tom.send("/my")
    await tom.tap(0)
    await tom.tap(next(t for t in tom.last.button_texts if "calendar" in t.lower()))
    document = next(m for m in reversed(tom.bot_messages) if m.document is not None)
    await tom.tap_data("1my", document.message_id)  # forged: the document has no buttons
    assert [e for e in bot.standin.errors if not e.injected] == []
    assert not bot.standin.open_callback_queries

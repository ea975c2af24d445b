"""A provider moving from Berlin to New York in /settings (issue #12, defect 8), through the real bot.

The clock stands at Wednesday 2026-11-25 12:00 UTC. Monday 30 November 09:00 in
Berlin is 03:00 in New York, outside the hours; 16:00 in Berlin is 10:00 there.
"""

from __future__ import annotations

import pytest

from conversations.i18n import texts_for
from core.model import AppointmentStatus
from tests.e2e.test_provider_journey import book_with_lena, lena_with_hours_and_a_type, onboard

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
EN = texts_for("en")
EXPIRED = EN._("This menu has expired.")


async def lena_with_two_bookings(bot):
    lena = await lena_with_hours_and_a_type(bot, "mon-fri 09:00-17:00")
    tom, anna = bot.user(801, "Tom"), bot.user(802, "Anna")
    await book_with_lena(bot, tom, day="30", time_label="9:00\u202fAM")  # 03:00 in New York
    await book_with_lena(bot, anna, day="30", time_label="4:00\u202fPM")  # 10:00 in New York
    async with bot.uow() as unit:
        booked = [await unit.appointments.get(n) for n in (1, 2)]
    assert [a.status for a in booked] == [AppointmentStatus.CONFIRMED] * 2
    return lena, tom, anna


async def ask_for_new_york(lena):
    await lena.send("/settings")
    await lena.tap("Time zone")
    await lena.send("America/New_York")
    return lena.last


async def test_a_zone_change_lists_the_booking_now_outside_the_hours_and_cancels_it(bot):
    lena, tom, anna = await lena_with_two_bookings(bot)
    before = len(anna.messages)

    question = await ask_for_new_york(lena)
    keep = question.inline_keyboard[1][0]["callback_data"]
    assert "Tom" in question.text and "Anna" not in question.text
    assert "Nov 30, 2026, 3:00\u202fAM" in question.text  # in her new local time
    async with bot.uow() as unit:
        lena_id = (await unit.appointments.get(1)).provider_id
        assert (await unit.providers.get(lena_id)).timezone == "Europe/Berlin"  # asked first

    await lena.tap("Cancel them", message=question)
    assert "New York" in lena.last.text and "the client was told" in lena.last.text
    notice = tom.last
    assert "had to cancel" in notice.text and "3:00\u202fAM" in notice.text  # Tom has no zone: hers
    assert any("new time" in t for t in notice.button_texts)
    assert len(anna.messages) == before  # Anna's appointment is not touched, nor is she told
    async with bot.uow() as unit:
        tom_s, anna_s = [await unit.appointments.get(n) for n in (1, 2)]
        provider = await unit.providers.get(tom_s.provider_id)
    assert tom_s.status is AppointmentStatus.CANCELLED
    assert anna_s.status is AppointmentStatus.CONFIRMED
    assert provider.timezone == "America/New_York"

    await lena.send("/hours")
    assert "Monday: 09:00-17:00" in lena.last.text and "Friday: 09:00-17:00" in lena.last.text

    await lena.tap_data(keep, question.message_id)  # the same question again: decided already
    assert lena.chat.find(question.message_id).text == EXPIRED
    assert not bot.standin.open_callback_queries


async def test_keep_them_changes_the_zone_and_tells_nobody(bot):
    lena, tom, _anna = await lena_with_two_bookings(bot)
    await ask_for_new_york(lena)
    told = len(tom.messages)
    await lena.tap("Keep them")
    assert "New York" in lena.last.text
    assert len(tom.messages) == told
    async with bot.uow() as unit:
        assert (await unit.appointments.get(1)).status is AppointmentStatus.CONFIRMED


async def test_a_foreign_or_outdated_decision_changes_nothing(bot):
    lena, tom, _anna = await lena_with_two_bookings(bot)
    question = await ask_for_new_york(lena)
    cancel = question.inline_keyboard[0][0]["callback_data"]
    mark, _ = await onboard(bot, 810, "Dr. Mark Roth")
    await mark.tap_data(cancel, mark.last.message_id)  # copied into another provider's chat
    assert mark.last.text == EXPIRED
    await tom.tap_data(cancel, tom.last.message_id)  # a client
    assert "for providers" in tom.last.text

    await book_with_lena(bot, bot.user(803, "Eve"), day="30", time_label="9:30\u202fAM")
    await lena.tap_data(cancel, question.message_id)  # the list has grown since it was shown
    assert lena.chat.find(question.message_id).text == EXPIRED
    async with bot.uow() as unit:
        appointments = [await unit.appointments.get(n) for n in (1, 2, 3)]
        provider = await unit.providers.get(appointments[0].provider_id)
    assert all(a.status is AppointmentStatus.CONFIRMED for a in appointments)
    assert provider.timezone == "Europe/Berlin"
    assert not bot.standin.open_callback_queries


async def test_a_zone_without_conflicts_is_saved_at_once(bot):
    lena, _ = await onboard(bot)
    await lena.send("/hours mon-fri 09:00-17:00")
    await ask_for_new_york(lena)
    assert "Your time zone is now New York (America/New_York)" in lena.last.text
    assert "Settings of" in lena.last.text

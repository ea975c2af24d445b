"""The waitlist through the real bot and the Bot API stand-in, with a clock we move.

John Carter (New York, 16:00-21:00, hour-long maths lessons) is fully booked on
Saturday 28 November; five clients join its waitlist from the calendar.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from telegram.ext import CallbackContext

from conversations.i18n import texts_for
from conversations.waitlist_offers import waitlist_job
from core.booking import book_appointment
from core.clients import get_or_create_client

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)

EN = texts_for("en")
SATURDAY_4PM_NY = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
CLAIM = "✅ " + EN._("Claim this time")
TAKEN = EN._("This time was taken by someone else.")
EXPIRED = EN._("This offer has expired.")


async def fill_saturday(bot) -> list[int]:
    """Five lessons booked by users 50..54 (who may later cancel through the bot)."""
    appointments = []
    for n, hour in enumerate(range(5)):
        client = await get_or_create_client(bot.uow(), 50 + n, name=f"Holder {n}", language="en")
        appointment = await book_appointment(
            bot.uow(), provider_id=bot.provider_ids[2], type_id=bot.type_ids[2][0],
            client_id=client.id, start=SATURDAY_4PM_NY + timedelta(hours=hour), now=bot.clock.now,
        )
        appointments.append(appointment.id)
    return appointments


async def join(user) -> None:
    await user.send("/book")
    await user.tap("John Carter")
    await user.tap("Maths lesson")
    await user.tap("28✕")
    assert EN._("Join the waitlist") in user.last.text or any("waitlist" in b for b in user.last.button_texts)
    await user.tap("🔔 " + EN._("Join the waitlist"))
    assert EN._("🔔 You are on the waitlist.") in user.last.text


async def cancel_via_my(holder) -> None:
    await holder.send("/my")
    await holder.tap(0)  # the appointment
    await holder.tap("❌ " + EN._("Cancel"))
    await holder.tap(EN._("Yes, cancel it"))


def offers_to(user) -> list:
    """Offer messages, including those since edited to "taken" or "expired"."""
    marks = ("A time has freed up", TAKEN, EXPIRED)
    return [m for m in user.bot_messages if any(k in (m.text or "") for k in marks)]


async def five_waiting(bot):
    await fill_saturday(bot)
    users = [bot.user(60 + n, f"Waiter {n}") for n in range(5)]
    for user in users:
        await join(user)
    return users


async def poll(bot, at: datetime) -> None:
    bot.clock.now = at
    await waitlist_job(CallbackContext(bot.application))


async def active_at(engine, start: datetime) -> int:
    async with engine.connect() as connection:
        rows = (await connection.execute(
            text("SELECT starts_at, status FROM appointments WHERE status IN ('CONFIRMED', 'PENDING')")
        )).all()
    return sum(1 for starts_at, _ in rows if str(starts_at).startswith(start.strftime("%Y-%m-%d %H:%M")))


def claim_data(user) -> tuple[str, int]:
    """The Claim button's data and message of the user's latest offer (while it has one)."""
    message = offers_to(user)[-1]
    ((_, data),) = message.buttons[0]
    return data, message.message_id


async def test_five_waiting_three_offers_one_claims_two_see_taken_then_expiry_cascades(bot, engine):
    users = await five_waiting(bot)
    holder, second_holder = bot.user(50, "Holder 0"), bot.user(51, "Holder 1")

    await cancel_via_my(holder)  # frees 16:00
    assert [u for u in users if offers_to(u)] == users[:3]  # first come, first served
    assert "4:00" in offers_to(users[0])[0].text
    first_claim = claim_data(users[0])

    await users[1].tap(CLAIM, message=offers_to(users[1])[0])
    assert EN._("✅ Booked and confirmed!") in users[1].last.text
    for loser in (users[0], users[2]):
        message = offers_to(loser)[0]
        assert TAKEN in message.text and message.inline_keyboard == []
    await users[0].tap_data(*first_claim)  # a stale tap on the old button
    assert TAKEN in users[0].last.text
    assert await active_at(engine, SATURDAY_4PM_NY) == 1

    await cancel_via_my(second_holder)  # frees 17:00: users 0, 2, 3 are next (1 has won)
    assert [len(offers_to(u)) for u in users] == [2, 0, 2, 1, 0]  # 1's offer now reads "Booked"
    late_claim = claim_data(users[3])

    await poll(bot, bot.clock.now + timedelta(hours=1, minutes=59))
    assert not offers_to(users[4])
    await poll(bot, bot.clock.now + timedelta(minutes=1))  # two hours: expired
    for user in (users[0], users[2], users[3]):
        assert EXPIRED in offers_to(user)[-1].text
    (cascaded,) = offers_to(users[4])
    assert "5:00" in cascaded.text

    await users[3].tap_data(*late_claim)  # a claim after expiry
    assert EXPIRED in users[3].last.text

    await users[4].tap(CLAIM, message=cascaded)
    assert EN._("✅ Booked and confirmed!") in users[4].last.text
    assert await active_at(engine, SATURDAY_4PM_NY + timedelta(hours=1)) == 1


async def test_two_claims_at_the_same_instant_book_once(bot, engine):
    users = await five_waiting(bot)
    await cancel_via_my(bot.user(50, "Holder 0"))
    await asyncio.gather(*(u.tap(CLAIM, message=offers_to(u)[0]) for u in users[:3]))
    booked = [u for u in users[:3] if EN._("✅ Booked and confirmed!") in (u.last.text or "")]
    assert len(booked) == 1
    assert all(TAKEN in offers_to(u)[0].text for u in users[:3] if u not in booked)
    assert await active_at(engine, SATURDAY_4PM_NY) == 1


async def test_my_lists_waitlist_entries_with_a_leave_button(bot):
    (user, *_) = await five_waiting(bot)
    await user.send("/my")
    assert EN._("You are on the waitlist for:") in user.last.text
    leave = next(b for b in user.last.button_texts if b.startswith("🔕"))
    answer = await user.tap(leave)
    assert answer is not None and "left the waitlist" in answer.text
    assert EN._("You are on the waitlist for:") not in user.last.text
    await cancel_via_my(bot.user(50, "Holder 0"))
    assert not offers_to(user)  # gone from the queue

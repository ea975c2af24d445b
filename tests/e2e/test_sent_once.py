"""Nothing sent twice (issue #12, defect 7): a late answer is not a refusal.

The real bot talks to the Bot API stand-in through a TCP relay. A read timeout
is made the way it happens: the stand-in accepts the message (it is in the
chat) and its answer comes after the bot's read timeout (PTB's 5 s). A connect
error is made by nothing listening on the relay's port for a while.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from telegram.ext import CallbackContext

from bot.standin import BotApiStandIn
from conversations.i18n import texts_for
from conversations.reminders import send_reminders
from conversations.waitlist_offers import waitlist_job
from core.booking import book_appointment, cancel_appointment
from core.clients import get_or_create_client
from core.waitlist import join_waitlist
from tests.e2e.conftest import Bot, running_demo_bot
from tests.e2e.unreachable import Relay

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EN = texts_for("en")
MONDAY_NINE_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SATURDAY_4PM_NY = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
OFFER = "A time has freed up"


@pytest.fixture
async def relayed(engine, clock) -> AsyncIterator[tuple[Bot, Relay]]:
    relay: Relay | None = None

    async def through_a_relay(standin: BotApiStandIn) -> str:
        nonlocal relay
        relay = Relay(standin._require_port())
        await relay.start()
        return relay.base_url

    try:
        async with running_demo_bot(engine, clock, api_url=through_a_relay) as bot:
            yield bot, relay  # type: ignore[misc]
    finally:
        if relay is not None:
            await relay.stop()


async def reminders_to(bot: Bot, user_id: int) -> list[str]:
    chat = bot.standin.chats.get(user_id)
    return [m.text for m in (chat.messages if chat else []) if "Reminder" in (m.text or "")]


async def outbox(engine) -> list[tuple[str, int]]:
    async with engine.connect() as connection:
        return [tuple(r) for r in (await connection.execute(text("SELECT status, attempts FROM outbox ORDER BY id")))]


async def booked_monday_nine(bot: Bot, user_id: int) -> None:
    bot.user(user_id, "Ana")  # she has a chat with the bot
    client = await get_or_create_client(bot.uow(), user_id, name="Ana", language="en")
    await book_appointment(
        bot.uow(), provider_id=bot.provider_ids[0], type_id=bot.type_ids[0][0],
        client_id=client.id, start=MONDAY_NINE_BERLIN, now=bot.clock.now,
    )


async def poll_reminders(bot: Bot, at: datetime) -> None:
    bot.clock.now = at
    await send_reminders(CallbackContext(bot.application))


async def test_a_reminder_whose_answer_times_out_is_unsure_and_never_sent_again(relayed, engine):
    bot, _relay = relayed
    await booked_monday_nine(bot, 501)
    late = bot.standin.answer_late_next("sendMessage")
    try:
        await poll_reminders(bot, MONDAY_NINE_BERLIN - timedelta(hours=23))  # waits out the read timeout
    finally:
        late.release()
    assert late.started.is_set()
    assert await outbox(engine) == [("UNSURE", 1)]
    for minutes in (1, 5, 30):  # the job runs again and again: nothing more goes out
        await poll_reminders(bot, MONDAY_NINE_BERLIN - timedelta(hours=23) + timedelta(minutes=minutes))
    assert len(await reminders_to(bot, 501)) == 1  # Telegram had it: the client got it once
    assert len(bot.standin.calls_to("sendMessage")) == 1


async def test_a_reminder_that_could_not_connect_is_retried_and_delivered_once(relayed, engine):
    bot, relay = relayed
    await booked_monday_nine(bot, 502)
    await relay.refuse()  # nothing listens: the request never leaves
    await poll_reminders(bot, MONDAY_NINE_BERLIN - timedelta(hours=23))
    assert await outbox(engine) == [("RETRY", 1)]
    assert await reminders_to(bot, 502) == []
    await relay.start()
    await poll_reminders(bot, MONDAY_NINE_BERLIN - timedelta(hours=23) + timedelta(minutes=1))
    await poll_reminders(bot, MONDAY_NINE_BERLIN - timedelta(hours=23) + timedelta(minutes=5))
    assert await outbox(engine) == [("SENT", 2)]
    assert len(await reminders_to(bot, 502)) == 1


async def saturday_full_with_waiters(bot: Bot, waiters: list[int]) -> int:
    """John Carter's Saturday is booked out; ``waiters`` wait for it. The first lesson's id."""
    provider, lesson = bot.provider_ids[2], bot.type_ids[2][0]
    first = None
    for n in range(5):
        holder = await get_or_create_client(bot.uow(), 550 + n, name=f"Holder {n}", language="en")
        booked = await book_appointment(
            bot.uow(), provider_id=provider, type_id=lesson, client_id=holder.id,
            start=SATURDAY_4PM_NY + timedelta(hours=n), now=bot.clock.now,
        )
        first = first or booked.id
    for user_id in waiters:
        bot.user(user_id, f"Waiter {user_id}")
        client = await get_or_create_client(bot.uow(), user_id, name=f"Waiter {user_id}", language="en")
        await join_waitlist(
            bot.uow(), client_id=client.id, provider_id=provider, type_id=lesson,
            day=SATURDAY_4PM_NY.date(), zone_name="America/New_York", now=bot.clock.now,
        )
    return first  # type: ignore[return-value]


def offers_to(bot: Bot, user_id: int) -> list:
    chat = bot.standin.chats.get(user_id)
    return [m for m in (chat.messages if chat else []) if OFFER in (m.text or "") or EN._("This offer has expired.") in (m.text or "")]


async def poll_waitlist(bot: Bot, at: datetime) -> None:
    bot.clock.now = at
    await waitlist_job(CallbackContext(bot.application))


async def test_an_offer_whose_answer_times_out_is_not_sent_again_and_still_expires_and_cascades(relayed, engine):
    bot, _relay = relayed
    waiters = [601, 602, 603, 604]  # three get the freed time at once, the fourth after they lapse
    first = await saturday_full_with_waiters(bot, waiters)
    await cancel_appointment(bot.uow(), appointment_id=first, now=bot.clock.now)
    start = bot.clock.now
    late = bot.standin.answer_late_next("sendMessage")  # the first offer (601's)
    try:
        await poll_waitlist(bot, start)
    finally:
        late.release()
    assert [len(offers_to(bot, w)) for w in waiters] == [1, 1, 1, 0]
    for minutes in (1, 30, 119):
        await poll_waitlist(bot, start + timedelta(minutes=minutes))
    assert [len(offers_to(bot, w)) for w in waiters] == [1, 1, 1, 0]  # 601's not resent

    await poll_waitlist(bot, start + timedelta(hours=2))  # the offers lapse; the time cascades
    assert [len(offers_to(bot, w)) for w in waiters] == [1, 1, 1, 1]
    async with engine.connect() as connection:
        statuses = (await connection.execute(text("SELECT status FROM waitlist_offers ORDER BY id"))).scalars().all()
    assert statuses == ["EXPIRED", "EXPIRED", "EXPIRED", "OPEN"]


async def test_an_offer_that_could_not_connect_is_sent_at_the_next_poll_once(relayed):
    bot, relay = relayed
    first = await saturday_full_with_waiters(bot, [611])
    await cancel_appointment(bot.uow(), appointment_id=first, now=bot.clock.now)
    start = bot.clock.now
    await relay.refuse()
    await poll_waitlist(bot, start)
    assert offers_to(bot, 611) == []
    await relay.start()
    await poll_waitlist(bot, start + timedelta(minutes=1))
    await poll_waitlist(bot, start + timedelta(minutes=2))
    assert len(offers_to(bot, 611)) == 1


async def test_a_poll_while_the_bot_stops_sends_nothing_and_the_next_run_sends_it(relayed, engine):
    from conversations.delivery import STOPPING

    bot, _relay = relayed
    await booked_monday_nine(bot, 503)
    bot.application.bot_data[STOPPING] = 1.0  # what bot/telegram_run.py marks when a stop begins
    await poll_reminders(bot, MONDAY_NINE_BERLIN - timedelta(hours=23))
    assert await reminders_to(bot, 503) == [] and await outbox(engine) == []
    del bot.application.bot_data[STOPPING]  # the next process
    await poll_reminders(bot, MONDAY_NINE_BERLIN - timedelta(hours=23) + timedelta(minutes=1))
    assert len(await reminders_to(bot, 503)) == 1


# -- the morning digest -----------------------------------------------------------------------


async def ana_wants_a_digest_at_eight(bot: Bot, user_id: int) -> None:
    import dataclasses
    from datetime import time

    bot.user(user_id, "Ana Petrova")
    async with bot.uow() as unit:
        await unit.begin_write()
        ana = await unit.providers.get(bot.provider_ids[0])
        settings = dataclasses.replace(ana.settings, digest_time=time(8, 0))
        await unit.providers.update(dataclasses.replace(ana, telegram_user_id=user_id, settings=settings))
        await unit.commit()
    bot.clock.now = datetime(2026, 11, 30, 7, 5, tzinfo=UTC)  # 08:05 in Berlin: due


def digests_to(bot: Bot, user_id: int) -> list:
    chat = bot.standin.chats.get(user_id)
    return [m for m in (chat.messages if chat else []) if (m.text or "").startswith("☀️")]


async def test_a_digest_that_could_not_connect_is_sent_at_the_next_poll_once(relayed):
    from conversations.digest import send_digests

    bot, relay = relayed
    await ana_wants_a_digest_at_eight(bot, 621)
    await relay.refuse()  # the request never leaves: the day's digest is not done
    await send_digests(CallbackContext(bot.application))
    assert digests_to(bot, 621) == []
    await relay.start()
    for _ in range(3):
        await send_digests(CallbackContext(bot.application))
    assert len(digests_to(bot, 621)) == 1


async def test_a_digest_whose_answer_times_out_is_not_sent_again(relayed):
    from conversations.digest import send_digests

    bot, _relay = relayed
    await ana_wants_a_digest_at_eight(bot, 622)
    late = bot.standin.answer_late_next("sendMessage")
    try:
        await send_digests(CallbackContext(bot.application))
    finally:
        late.release()
    for _ in range(3):
        await send_digests(CallbackContext(bot.application))
    assert len(digests_to(bot, 622)) == 1
    assert len(bot.standin.calls_to("sendMessage")) == 1

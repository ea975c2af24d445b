"""Two reminder workers polling at the same instant send each reminder once, on both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram.ext import CallbackContext

from conversations.reminders import send_reminders
from tests.e2e.test_client_journey import open_day
from tests.e2e.test_reminders import MONDAY_NINE_BERLIN, book_monday_nine

pytestmark = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


async def test_concurrent_workers_send_each_reminder_once(bot):
    clients = [bot.user(100 + n, f"Client {n}") for n in range(3)]
    for n, client in enumerate(clients):
        await open_day(client)
        await client.tap(n)  # three different times
        await client.tap(0)
    before = [len(c.bot_messages) for c in clients]

    bot.clock.now = MONDAY_NINE_BERLIN - timedelta(hours=20)
    await asyncio.gather(*(send_reminders(CallbackContext(bot.application)) for _ in range(4)))

    after = [len(c.bot_messages) for c in clients]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
    assert all("Reminder" in c.bot_messages[-1].text for c in clients)


async def test_a_later_poll_sends_nothing_twice_because_the_database_remembers(bot):
    ana = bot.user(200, "Ana")
    await book_monday_nine(bot, ana)
    bot.clock.now = MONDAY_NINE_BERLIN - timedelta(hours=20)
    await send_reminders(CallbackContext(bot.application))
    sent = len(ana.bot_messages)
    # Nothing is kept in memory between polls: the outbox alone says what went out.
    bot.clock.now += timedelta(minutes=5)
    await send_reminders(CallbackContext(bot.application))
    assert len(ana.bot_messages) == sent


async def test_an_unexpected_failure_of_one_send_does_not_stop_the_others(bot, monkeypatch, caplog):
    from conversations import reminders

    clients = [bot.user(300 + n, f"Client {n}") for n in range(3)]
    for n, client in enumerate(clients):
        await open_day(client)
        await client.tap(n)
        await client.tap(0)
    before = [len(c.bot_messages) for c in clients]
    real_attempt, failed = reminders._attempt, []

    async def attempt(context, job):  # type: ignore[no-untyped-def]
        if not failed:
            failed.append(job.key)
            raise RuntimeError("the database went away")
        await real_attempt(context, job)

    monkeypatch.setattr(reminders, "_attempt", attempt)
    bot.clock.now = MONDAY_NINE_BERLIN - timedelta(hours=20)
    with caplog.at_level("ERROR"):
        await send_reminders(CallbackContext(bot.application))  # returns: nothing hangs
    sent = sum(len(c.bot_messages) - b for c, b in zip(clients, before, strict=True))
    assert sent == 2 and "sending failed unexpectedly" in caplog.text

"""One chat, two processes: the database lease makes them take turns (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.persistence import CHAT_LEASE, SqlPersistence
from storage.telegram_state import TelegramStateStore


async def test_two_processes_take_turns_on_one_chat_and_others_run_alongside(uow, clock):
    first, second = (SqlPersistence(TelegramStateStore(uow, clock)) for _ in range(2))
    events: list[str] = []
    inside = asyncio.Event()
    go_on = asyncio.Event()

    async def handle(persistence: SqlPersistence, name: str, chat: int, wait: asyncio.Event | None) -> None:
        async with persistence.exclusive(chat):
            events.append(f"{name} in")
            if wait is not None:
                inside.set()
                await wait.wait()
            events.append(f"{name} out")

    a = asyncio.create_task(handle(first, "a", 100, go_on))
    await inside.wait()
    b = asyncio.create_task(handle(second, "b", 100, None))  # same chat: must wait for a
    await handle(second, "c", 200, None)  # another chat: not held up
    assert events == ["a in", "c in", "c out"]
    go_on.set()
    await asyncio.gather(a, b)
    assert events == ["a in", "c in", "c out", "a out", "b in", "b out"]


async def test_a_crashed_holders_lease_lapses(uow, clock):
    store = TelegramStateStore(uow, clock)
    assert await store.take_chat(300, "dead-process", CHAT_LEASE)  # and never released
    assert not await store.take_chat(300, "alive", CHAT_LEASE)
    clock.now += CHAT_LEASE + timedelta(seconds=1)
    assert await store.take_chat(300, "alive", CHAT_LEASE)


async def test_update_ids_are_remembered_then_forgotten_after_two_days(uow, clock):
    store = TelegramStateStore(uow, clock)
    assert await store.first_sighting(1) and not await store.first_sighting(1)
    clock.now += timedelta(days=3)
    assert await store.forget_updates_before(clock.now - timedelta(days=2)) == 1
    assert await store.first_sighting(1)  # a very late repeat is new again: Telegram never sends one

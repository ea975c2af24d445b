"""Chats in parallel, each chat in order: the update processor, with real Update objects."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.update_processing import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    return Update.de_json({
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "text": "hi",
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "U"}},
    }, None)


async def test_a_slow_chat_holds_up_its_own_next_update_but_no_other_chat():
    processor = PerChatUpdateProcessor(max_concurrent_updates=8)
    events: list[str] = []
    release_first = asyncio.Event()
    first_started = asyncio.Event()

    async def handle(name: str, gate: asyncio.Event | None = None) -> None:
        events.append(f"{name} start")
        if gate is not None:
            first_started.set()
            await gate.wait()
        events.append(f"{name} end")

    a1 = asyncio.create_task(processor.process_update(update(1, 100), handle("a1", release_first)))
    await first_started.wait()
    a2 = asyncio.create_task(processor.process_update(update(2, 100), handle("a2")))
    await processor.process_update(update(3, 200), handle("b"))  # another chat: done at once
    assert events == ["a1 start", "b start", "b end"]  # a2 waits behind a1
    release_first.set()
    await asyncio.gather(a1, a2)
    assert events == ["a1 start", "b start", "b end", "a1 end", "a2 start", "a2 end"]


async def test_hooks_run_around_each_update_and_a_failing_hook_does_not_lose_it():
    processor = PerChatUpdateProcessor()
    events: list[str] = []

    async def before(u: object) -> None:
        events.append("before")
        raise RuntimeError("database down")

    async def after(u: object) -> None:
        events.append("after")

    async def handle() -> None:
        events.append("handled")

    processor.before, processor.after = before, after
    await processor.process_update(update(4, 300), handle())
    assert events == ["before", "handled", "after"]


async def test_at_most_the_limit_runs_at_once_and_waiting_for_ones_own_chat_takes_no_slot():
    processor = PerChatUpdateProcessor(max_concurrent_updates=2)
    started: list[str] = []
    gates = {name: asyncio.Event() for name in ("a1", "a2", "b", "c")}
    running_now = asyncio.Event()

    async def handle(name: str) -> None:
        started.append(name)
        running_now.set()
        await gates[name].wait()

    async def until_started(count: int) -> None:
        while len(started) < count:
            running_now.clear()
            await running_now.wait()

    tasks = [asyncio.create_task(processor.process_update(update(10, 100), handle("a1")))]
    await until_started(1)
    tasks.append(asyncio.create_task(processor.process_update(update(11, 100), handle("a2"))))
    tasks.append(asyncio.create_task(processor.process_update(update(12, 200), handle("b"))))
    await until_started(2)
    assert started == ["a1", "b"]  # a2 waits for its chat without holding b back
    tasks.append(asyncio.create_task(processor.process_update(update(13, 300), handle("c"))))
    for _ in range(20):
        await asyncio.sleep(0)  # give c every chance to start: it must not, 2 are running
    assert started == ["a1", "b"]
    gates["b"].set()
    await until_started(3)
    assert started == ["a1", "b", "c"]
    for gate in gates.values():
        gate.set()
    await asyncio.gather(*tasks)
    assert started == ["a1", "b", "c", "a2"]

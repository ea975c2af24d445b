"""The chat state every bot process shares, read and written on both databases.

The writes are single driver statements on PostgreSQL and statements in the
single writer's transaction on SQLite (storage/telegram_state.py): each kind of
change must land, and nothing but what was asked may change.
"""

from __future__ import annotations

from storage.telegram_state import TelegramStateStore

WHERE = [("chat", "7:7"), ("chat", "8:8")]


async def test_nothing_stored_reads_as_nothing(uow, clock):
    store = TelegramStateStore(uow, clock)
    assert await store.chat_state(7, WHERE) == (None, {})
    assert await store.chat_state(7, []) == (None, {})


async def test_data_and_states_are_written_changed_and_dropped(uow, clock):
    store = TelegramStateStore(uow, clock)
    await store.save_chat_state(7, '{"a": 1}', [("chat", "7:7", 3), ("chat", "8:8", 5)])
    assert await store.chat_state(7, WHERE) == ('{"a": 1}', {("chat", "7:7"): 3, ("chat", "8:8"): 5})

    # A state changed, another ended (None deletes it), the data left alone.
    await store.save_chat_state(7, "ignored", [("chat", "7:7", 4), ("chat", "8:8", None)], user_data=False)
    assert await store.chat_state(7, WHERE) == ('{"a": 1}', {("chat", "7:7"): 4})

    # The data dropped, no state touched.
    await store.save_chat_state(7, None, [])
    assert await store.chat_state(7, WHERE) == (None, {("chat", "7:7"): 4})
    assert await store.user_data(7) is None


async def test_another_users_state_is_left_alone(uow, clock):
    store = TelegramStateStore(uow, clock)
    await store.save_chat_state(7, "seven", [("chat", "7:7", 1)])
    await store.save_chat_state(8, "eight", [("chat", "8:8", 2)])
    await store.save_chat_state(7, None, [("chat", "7:7", None)])
    assert await store.chat_state(8, [("chat", "8:8")]) == ("eight", {("chat", "8:8"): 2})
    assert await store.chat_state(7, [("chat", "7:7")]) == (None, {})


async def test_a_key_with_quotes_and_unicode_round_trips(uow, clock):
    store = TelegramStateStore(uow, clock)
    odd = [("chat", "-100'; DROP TABLE x;--:é"), ("other", '"\\')]
    await store.save_chat_state(7, "x", [(name, key, 9) for name, key in odd])
    assert await store.chat_state(7, odd) == ("x", {where: 9 for where in odd})


async def test_ptbs_one_at_a_time_hooks_write_the_same_rows(uow, clock):
    store = TelegramStateStore(uow, clock)
    await store.set_user_data(7, "seven")
    await store.set_conversation("chat", "7:7", 5)
    assert await store.user_data(7) == "seven"
    assert await store.chat_state(7, [("chat", "7:7")]) == ("seven", {("chat", "7:7"): 5})
    await store.set_conversation("chat", "7:7", None)
    await store.set_user_data(7, None)
    assert await store.chat_state(7, [("chat", "7:7")]) == (None, {})

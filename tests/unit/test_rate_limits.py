"""The per-private-chat limit, checked on the limiters themselves (no sleeping)."""

from __future__ import annotations

from bot.rate_limits import PerChatRateLimiter


async def _ok(*_args, **_kwargs):
    return True


async def send(limiter: PerChatRateLimiter, chat_id) -> bool:
    return await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": chat_id}, None)


async def test_a_burst_uses_up_that_private_chats_allowance_and_no_other():
    limiter = PerChatRateLimiter(per_chat_rate=1, per_chat_burst=3)
    await limiter.initialize()
    for _ in range(3):
        assert await send(limiter, 42)
    assert not limiter.chat_limiter(42).has_capacity()  # the fourth to 42 must wait
    assert limiter.chat_limiter(43).has_capacity()


async def test_groups_and_chatless_calls_are_left_to_the_overall_and_group_limits():
    limiter = PerChatRateLimiter()
    await limiter.initialize()
    assert await send(limiter, -100123)
    assert await limiter.process_request(_ok, (), {}, "getMe", {}, None)
    assert limiter._chats == {}


async def test_chat_ids_given_as_text_count_as_the_same_chat():
    limiter = PerChatRateLimiter(per_chat_burst=1)
    await limiter.initialize()
    await send(limiter, "42")
    assert not limiter.chat_limiter(42).has_capacity()

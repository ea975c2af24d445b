"""The per-private-chat limit, checked on the limiters themselves (no sleeping)."""

from __future__ import annotations

import pytest
from telegram.error import RetryAfter

from bot.rate_limits import REPLYING_TO, PerChatRateLimiter
from conversations.common import SCREEN_ONLY


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


class _Closed:
    """A limiter that may not be entered: the request must not be metered by it."""

    def __init__(self) -> None:
        self.entered = 0

    async def __aenter__(self) -> None:
        self.entered += 1
        raise AssertionError("metered")

    async def __aexit__(self, *exc: object) -> None:
        return None


def _closed_limiters(limiter: PerChatRateLimiter) -> _Closed:
    closed = _Closed()
    limiter.chat_limiter = lambda chat_id: closed  # type: ignore[method-assign]
    limiter._base_limiter = closed  # type: ignore[assignment]
    return closed


async def test_the_answer_to_a_persons_own_update_is_not_metered():
    limiter = PerChatRateLimiter()
    await limiter.initialize()
    closed = _closed_limiters(limiter)
    token = REPLYING_TO.set(42)
    try:
        assert await send(limiter, 42)
        assert await limiter.process_request(
            _ok, (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None
        )
    finally:
        REPLYING_TO.reset(token)
    assert closed.entered == 0


async def test_a_notice_to_another_chat_and_anything_from_a_job_are_metered():
    limiter = PerChatRateLimiter()
    await limiter.initialize()
    closed = _closed_limiters(limiter)
    token = REPLYING_TO.set(42)
    try:
        with pytest.raises(AssertionError, match="metered"):
            await send(limiter, 43)  # the provider told of the client's booking: a push
    finally:
        REPLYING_TO.reset(token)
    with pytest.raises(AssertionError, match="metered"):
        await send(limiter, 42)  # no update is being handled: a reminder, an offer
    assert closed.entered == 2


async def test_a_reply_refused_with_429_waits_and_is_sent_again():
    limiter = PerChatRateLimiter()
    await limiter.initialize()
    calls = 0

    async def flooded(*_args, **_kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RetryAfter(0)
        return True

    token = REPLYING_TO.set(42)
    try:
        assert await limiter.process_request(flooded, (), {}, "sendMessage", {"chat_id": 42}, None)
    finally:
        REPLYING_TO.reset(token)
    assert calls == 2


async def _sent_message(*_args, **_kwargs):
    return {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "x"}


async def test_a_screen_nobody_reads_back_comes_back_as_sent_without_its_message():
    limiter = PerChatRateLimiter()
    await limiter.initialize()
    replying, screen = REPLYING_TO.set(42), SCREEN_ONLY.set(True)
    try:
        for endpoint in ("sendMessage", "editMessageText"):
            assert await limiter.process_request(
                _sent_message, (), {}, endpoint, {"chat_id": 42}, None
            ) is True
        # Other methods' answers are still read (a document's file id, say).
        document = await limiter.process_request(
            _sent_message, (), {}, "sendDocument", {"chat_id": 42}, None
        )
        assert isinstance(document, dict)
    finally:
        SCREEN_ONLY.reset(screen)
        REPLYING_TO.reset(replying)


async def test_a_message_someone_reads_back_is_returned_whole():
    limiter = PerChatRateLimiter()
    await limiter.initialize()
    replying = REPLYING_TO.set(42)
    try:
        sent = await limiter.process_request(_sent_message, (), {}, "sendMessage", {"chat_id": 42}, None)
    finally:
        REPLYING_TO.reset(replying)
    assert sent["message_id"] == 7

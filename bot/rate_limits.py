"""Telegram's sending limits: ~30 messages/s overall, 20/min per group, ~1/s per private chat.

PTB's AIORateLimiter (built on aiolimiter) covers the overall and group limits
and retries a 429's ``retry_after``; it has no limit per private chat, so a
burst to one person (a reminder and a notice at once) would trip Telegram's.
This adds one limiter per private chat, kept for the most recent chats only.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter

from conversations.metrics import BOT_API_ERRORS

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
PRIVATE_CHAT_PER_SECOND = 1
#: A short burst (an answer in three messages) goes at once; longer ones average 1/s.
PRIVATE_CHAT_BURST = 3
RETRIES_AFTER_FLOOD = 3
_REMEMBERED_CHATS = 10_000


class PerChatRateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        per_chat_rate: float = PRIVATE_CHAT_PER_SECOND,
        per_chat_burst: int = PRIVATE_CHAT_BURST,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("overall_max_rate", OVERALL_PER_SECOND)
        kwargs.setdefault("overall_time_period", 1)
        kwargs.setdefault("group_max_rate", GROUP_PER_MINUTE)
        kwargs.setdefault("group_time_period", 60)
        kwargs.setdefault("max_retries", RETRIES_AFTER_FLOOD)
        super().__init__(**kwargs)
        self._per_chat_rate = per_chat_rate
        self._per_chat_burst = per_chat_burst
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()

    def chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            limiter = self._chats[chat_id] = AsyncLimiter(
                self._per_chat_burst, self._per_chat_burst / self._per_chat_rate
            )
            if len(self._chats) > _REMEMBERED_CHATS:
                self._chats.popitem(last=False)  # the longest unused chat
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = None
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(data.get("chat_id"))  # type: ignore[arg-type]
        try:
            if chat_id is None or chat_id < 0:  # no chat, or a group: the parent's limits
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            async with self.chat_limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        except TelegramError as exc:
            # Every Bot API call passes here: the one place to count what fails.
            BOT_API_ERRORS.labels(error=type(exc).__name__).inc()
            raise

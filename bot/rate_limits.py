"""Telegram's sending limits, for what the bot pushes; a person's own answer goes at once.

Telegram allows ~30 messages/s overall, 20/min per group and ~1/s per private
chat. Those limits concern what a bot sends unasked — reminders, notices to the
other side, waitlist offers, digests: bursts of those trip the flood control.
The answer to a person's own message or tap (an edit, a message, answering the
callback query) is what every bot does at once; metering it made every tap wait
behind a 1/s bucket. So:

* a request to the chat whose update is being handled (:data:`REPLYING_TO`,
  set by ``bot/update_processing.py`` around each update) is a reply: it is
  sent at once, past the per-chat and overall limiters;
* everything else (jobs, and notices to *other* chats from inside an update)
  goes through PTB's ``AIORateLimiter`` (30/s overall, 20/min per group) plus
  one limiter per private chat, kept for the most recent chats only;
* a 429 stops everything for its ``retry_after`` (PTB's event, which replies
  wait on too) and the request is retried: Telegram refused it, so it was
  not sent and resending cannot double it.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter

from conversations.common import SCREEN_ONLY
from conversations.metrics import BOT_API_ERRORS

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
PRIVATE_CHAT_PER_SECOND = 1
#: A short burst (a notice and a reminder at once) goes at once; longer ones average 1/s.
PRIVATE_CHAT_BURST = 3
RETRIES_AFTER_FLOOD = 3
_REMEMBERED_CHATS = 10_000

_SCREENS = frozenset({"sendMessage", "editMessageText"})

#: The chat whose update this task is handling; requests to it are replies.
REPLYING_TO: ContextVar[int | None] = ContextVar("slotbot_replying_to", default=None)


def _chat_of(data: dict[str, Any]) -> int | None:
    with contextlib.suppress(TypeError, ValueError):
        return int(data.get("chat_id"))  # type: ignore[arg-type]
    return None


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
        chat_id = _chat_of(data)
        replying_to = REPLYING_TO.get()
        try:
            if replying_to is not None and (chat_id == replying_to or endpoint == "answerCallbackQuery"):
                # PTB's own loop, told of no chat: no overall or group limiter, but
                # its 429 handling (everybody waits retry_after, then a resend).
                result = await super().process_request(
                    callback, args, kwargs, endpoint, {}, rate_limit_args
                )
                if SCREEN_ONLY.get() and endpoint in _SCREENS and isinstance(result, dict):
                    return True  # sent; the Message it describes is not read back
                return result
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

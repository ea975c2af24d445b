"""Did a failed Bot API send reach Telegram? What its sender may do next.

PTB raises ``TimedOut`` (a ``NetworkError``) for every httpx timeout and
``NetworkError`` for every other httpx failure, with the httpx exception as
``__cause__``; so the class alone cannot tell a request that never left from
one whose answer was lost. A read or write timeout, a connection cut while
waiting, a 5xx: Telegram may have accepted the message, and sending it again
could deliver it twice — so those are ``MAYBE_SENT`` and never resent (a
possible miss is preferred to a double). Only a request that surely never
reached Telegram may be retried: no connection could be made (refused,
unreachable, connect timeout) or no pooled connection came free (pool
timeout) — and a 429, which Telegram refused.
"""

from __future__ import annotations

import enum
from datetime import timedelta

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)


class SendFailure(enum.Enum):
    NOT_SENT = "not sent"  # never reached Telegram: may be sent again
    FLOOD = "flood"  # 429: refused for now; may be sent again after retry_after
    MAYBE_SENT = "maybe sent"  # may have been delivered: never send it again
    BLOCKED = "blocked"  # 403: the person blocked the bot (or is gone)
    REFUSED = "refused"  # Telegram answered no (400, ...): the same request fails again

    @property
    def may_retry(self) -> bool:
        return self in (SendFailure.NOT_SENT, SendFailure.FLOOD)


#: httpx failures raised before a byte of the request left this process.
class RequestNeverLeft(Exception):
    """Raised *from* by a Bot API backend for a request that surely never left
    (no connection could be had): PTB's errors do not tell that apart."""


_NEVER_LEFT = (RequestNeverLeft, httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Telegram's own answers (PTB builds these from the HTTP status and description).
_ANSWERED_NO = (BadRequest, ChatMigrated, Conflict, EndPointNotFound, InvalidToken)


def send_failure(exc: TelegramError) -> SendFailure:
    """What ``exc``, raised by a send, says about the message."""
    if isinstance(exc, RetryAfter):
        return SendFailure.FLOOD
    if isinstance(exc, Forbidden):
        return SendFailure.BLOCKED
    if isinstance(exc, _ANSWERED_NO):  # BadRequest is a NetworkError too: before that test
        return SendFailure.REFUSED
    if isinstance(exc, NetworkError) and _never_left(exc):
        return SendFailure.NOT_SENT
    # Timeouts, cut connections, 5xx, an answer that could not be read.
    return SendFailure.MAYBE_SENT


def _never_left(exc: BaseException) -> bool:
    seen: set[int] = set()
    cause: BaseException | None = exc.__cause__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, _NEVER_LEFT):
            return True
        if isinstance(cause, httpx.HTTPError):
            return False  # the first httpx error is the one that counts
        seen.add(id(cause))
        cause = cause.__cause__
    return False


def flood_wait(exc: RetryAfter) -> timedelta:
    """How long Telegram asked us to wait (PTB gives seconds or a timedelta)."""
    wait = exc.retry_after
    return wait if isinstance(wait, timedelta) else timedelta(seconds=wait)


#: ``bot_data`` key set when the bot begins to stop (bot/telegram_run.py): timed
#: jobs then start no new send, so stopping never waits behind a long poll.
STOPPING = "slotbot_stopping"


def stopping(bot_data: dict[str, object]) -> bool:
    return bool(bot_data.get(STOPPING))


__all__ = ["STOPPING", "RequestNeverLeft", "SendFailure", "flood_wait", "send_failure", "stopping"]

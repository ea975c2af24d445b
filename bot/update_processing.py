"""Chats in parallel, each chat's updates in order.

ConversationHandler needs one chat's updates one at a time; PTB's default
processes *all* updates one at a time, so one slow user stalls everybody. This
processor keeps a lock per chat instead. ``on_done`` (used by the Bot API
stand-in in tests and the console) hears when an update has been handled.

At most ``max_concurrent_updates`` updates run at once, counted only once an
update holds its chat's lock: a person tapping fast queues behind their own
earlier update without taking a slot from anybody else. The database pool is
sized from the same number (``bot/bootstrap.py``), so a running update never
waits for a connection. While an update runs, ``REPLYING_TO`` names its chat,
so that the rate limiter sends the answer at once.

``before`` and ``after`` run around each update under its chat's lock: the
persistence uses them to load the chat's conversation state from the database
and to write back what changed, so the next update may go to another process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot import logs
from bot.rate_limits import REPLYING_TO
from conversations.common import answer, was_answered
from conversations.metrics import HANDLER_SECONDS

log = logging.getLogger(__name__)


#: PTB's own semaphore would count updates waiting for their chat's lock: it is
#: set out of the way and :attr:`PerChatUpdateProcessor.running` bounds instead.
_WAITING_UPDATES = 1_000_000


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = 16,
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(_WAITING_UPDATES)
        self.running = asyncio.Semaphore(max_concurrent_updates)
        self._on_done = on_done
        self.before: Callable[[object], Awaitable[None]] | None = None
        self.after: Callable[[object], Awaitable[None]] | None = None
        #: Across processes: makes the other processes wait for this chat (webhook mode).
        self.exclusive: Callable[[int], AbstractAsyncContextManager[None]] | None = None
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    @staticmethod
    def _key(update: object) -> int | None:
        if not isinstance(update, Update):
            return None
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        try:
            if key is None:
                await coroutine
                return
            lock = self._locks.setdefault(key, asyncio.Lock())
            self._users[key] = self._users.get(key, 0) + 1
            try:
                async with lock, self.running:
                    if self.exclusive is None:
                        await self._around(update, coroutine)
                    else:
                        async with self.exclusive(key):
                            await self._around(update, coroutine)
            finally:
                self._users[key] -= 1
                if self._users[key] == 0:  # forget idle chats: the dict stays small
                    del self._users[key]
                    del self._locks[key]
        finally:
            if self._on_done is not None and isinstance(update, Update):
                self._on_done(update.update_id)

    async def _around(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = getattr(update, "effective_user", None)
        chat = getattr(update, "effective_chat", None)
        tokens = (
            logs.UPDATE_ID.set(getattr(update, "update_id", None)),
            logs.USER_ID.set(getattr(user, "id", None)),
            REPLYING_TO.set(getattr(chat, "id", None)),
        )
        started = time.perf_counter()
        try:
            await self._process(update, coroutine)
        finally:
            HANDLER_SECONDS.observe(time.perf_counter() - started)
            REPLYING_TO.reset(tokens[2])
            logs.USER_ID.reset(tokens[1])
            logs.UPDATE_ID.reset(tokens[0])

    async def _process(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.before is not None:
            try:
                await self.before(update)
            except Exception:  # noqa: BLE001 - the update still deserves an answer
                log.exception("loading the conversation state failed; going on with what is in memory")
        await coroutine
        await _answer_if_unanswered(update)
        if self.after is not None:
            try:
                await self.after(update)
            except Exception:  # noqa: BLE001
                log.exception("saving the conversation state failed")

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


async def _answer_if_unanswered(update: object) -> None:
    """Every tap gets exactly one answer: a handler that gave none (or failed) gets an empty one.

    Unanswered, the person's button spins for many seconds; answers count per
    task (``conversations.common.answer``), so this never answers twice.
    """
    if not isinstance(update, Update) or update.callback_query is None or was_answered(update):
        return
    try:
        await answer(update)
    except TelegramError as exc:  # e.g. the query is too old by now: nothing to fix
        log.info("could not answer callback query %s: %s", update.callback_query.id, exc)

"""A python-telegram-bot persistence kept in the project's database, shared by every process.

PTB loads persisted data once at start and writes it back now and then; with
several bot processes (or after a restart) that would lose a half-finished
conversation. So:

* ``user_data`` is re-read from the database before every update
  (:meth:`SqlPersistence.refresh_user_data`, a PTB hook), and
* the states of the ConversationHandlers for the update's chat and user are
  re-read just before the update is processed (:meth:`SqlPersistence.before`,
  called by ``bot/update_processing.py``), and
* everything an update changed is written back as soon as it is processed
  (:meth:`SqlPersistence.after`).

``user_data`` is stored as tagged JSON (tuples, dates and times, decimals and
non-string keys survive; pickle is not used, so the database never holds code).
Values rebuilt on every update (who is asking, in which language) stay out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from telegram import Update
from telegram.ext import Application, BasePersistence, PersistenceInput

from conversations.wiring import SharedConversationHandler
from storage.telegram_state import TelegramStateStore

log = logging.getLogger(__name__)

#: How long a process may hold a chat; a crashed one's chat is free again after this.
CHAT_LEASE = timedelta(seconds=60)
CHAT_WAIT_SECONDS = 30.0
CHAT_POLL_SECONDS = 0.02
#: user_data keys rebuilt for every update (by resolve_caller and provider_only).
TRANSIENT = frozenset({"caller", "acting"})


def _tag(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"__tuple__": [_tag(v) for v in value]}
    if isinstance(value, list):
        return [_tag(v) for v in value]
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"__dict__": {k: _tag(v) for k, v in value.items()}}
        return {"__items__": [[_tag(k), _tag(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot persist a {type(value).__name__} in user_data")


def _untag(value: Any) -> Any:
    if isinstance(value, list):
        return [_untag(v) for v in value]
    if not isinstance(value, dict):
        return value
    ((tag, inner),) = value.items()
    if tag == "__tuple__":
        return tuple(_untag(v) for v in inner)
    if tag == "__datetime__":
        return datetime.fromisoformat(inner)
    if tag == "__date__":
        return date.fromisoformat(inner)
    if tag == "__decimal__":
        return Decimal(inner)
    if tag == "__dict__":
        return {k: _untag(v) for k, v in inner.items()}
    if tag == "__items__":
        return {_untag(k): _untag(v) for k, v in inner}
    raise ValueError(f"unknown tag {tag!r}")


def encode_user_data(data: dict[Any, Any]) -> str | None:
    """The persistable part of ``user_data`` as text; ``None`` when nothing is left."""
    kept = {k: v for k, v in data.items() if k not in TRANSIENT}
    return json.dumps(_tag(kept), separators=(",", ":")) if kept else None


def decode_user_data(text: str) -> dict[Any, Any]:
    return _untag(json.loads(text))  # type: ignore[no-any-return]


def conversation_key(key: tuple[int | str, ...]) -> str:
    return ":".join(str(part) for part in key)


def _key_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(":"))


class SqlPersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, store: TelegramStateStore, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self._store = store
        # What the database holds, as last read or written here. PTB hands back
        # every user's data and every conversation state after each update, mostly
        # unchanged; comparing spares two write transactions per update. The value
        # is read again before each update, so another process's change is seen.
        self._stored_user_data: dict[int, str | None] = {}
        self._stored_states: dict[tuple[str, str], object | None] = {}

    @property
    def store(self) -> TelegramStateStore:
        return self._store

    # -- user data: fresh for every update ----------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}  # loaded per user, per update, by refresh_user_data

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        stored = await self._store.user_data(user_id)
        self._stored_user_data[user_id] = stored
        transient = {k: v for k, v in user_data.items() if k in TRANSIENT}
        user_data.clear()
        if stored is not None:
            try:
                user_data.update(decode_user_data(stored))
            except (ValueError, TypeError, KeyError):
                log.warning("unreadable stored user_data of user %s dropped", user_id)
        user_data.update(transient)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        encoded = encode_user_data(data)
        if user_id in self._stored_user_data and self._stored_user_data[user_id] == encoded:
            return
        await self._store.set_user_data(user_id, encoded)
        self._stored_user_data[user_id] = encoded

    async def drop_user_data(self, user_id: int) -> None:
        await self._store.set_user_data(user_id, None)
        self._stored_user_data[user_id] = None

    # -- conversations ------------------------------------------------------------------

    async def get_conversations(self, name: str) -> dict[tuple[int, ...], object]:
        stored = await self._store.conversations(name)
        self._stored_states.update({(name, k): state for k, state in stored.items()})
        return {_key_tuple(k): state for k, state in stored.items()}

    async def update_conversation(self, name: str, key: tuple[int | str, ...], new_state: object | None) -> None:
        where = (name, conversation_key(key))
        if where in self._stored_states and self._stored_states[where] == new_state:
            return
        await self._store.set_conversation(*where, new_state)  # type: ignore[arg-type]
        self._stored_states[where] = new_state

    async def before(self, application: Application, update: object) -> None:
        """Bring this update's conversation states up to date from the database."""
        if not isinstance(update, Update):
            return
        for handler in _shared_conversations(application):
            key = handler.key_of(update)
            if key is not None:
                where = (handler.name, conversation_key(key))
                state = await self._store.conversation(*where)  # type: ignore[arg-type]
                self._stored_states[where] = state  # type: ignore[index]
                handler.restore(key, state)

    @contextlib.asynccontextmanager
    async def exclusive(self, chat_id: int) -> AsyncIterator[None]:
        """This chat is handled by this process only, until the update is done.

        Several webhook processes may get one chat's updates at once (Telegram
        delivers over parallel connections); a lease row in the database makes
        them take turns. A crashed holder's lease lapses after CHAT_LEASE.
        """
        holder = f"{os.getpid()}:{uuid.uuid4().hex[:16]}"
        deadline = time.monotonic() + CHAT_WAIT_SECONDS
        while not await self._store.take_chat(chat_id, holder, CHAT_LEASE):
            if time.monotonic() > deadline:
                log.warning("chat %s stayed busy in another process; going on", chat_id)
                break
            await asyncio.sleep(CHAT_POLL_SECONDS)  # another process is handling this chat
        try:
            yield
        finally:
            await self._store.release_chat(chat_id, holder)

    async def after(self, application: Application, update: object) -> None:
        """Write back at once what the update changed: the next may reach another process."""
        await application.update_persistence()

    # -- not kept -----------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        pass

    async def get_callback_data(self) -> None:
        return None

    async def update_callback_data(self, data: object) -> None:
        pass

    async def flush(self) -> None:
        pass


def _shared_conversations(application: Application) -> list[SharedConversationHandler]:
    return [
        h for handlers in application.handlers.values() for h in handlers
        if isinstance(h, SharedConversationHandler)
    ]

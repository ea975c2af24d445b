"""A python-telegram-bot persistence kept in the project's database, shared by every process.

PTB loads persisted data once at start and flushes everything now and then
(``Application.update_persistence``: a deep copy of every touched user's
``user_data``, so a cost that grows with the number of active users). Neither
fits: several bot processes (or a restart) would lose a half-finished
conversation, and flushing the whole application after every update made one
update cost O(active users). So this works per update, for that update's own
user and chat only (``bot/update_processing.py`` calls the hooks):

* :meth:`SqlPersistence.before` reads the user's ``user_data`` and the states
  of the ConversationHandlers for the update's key in one read transaction —
  for every update when other processes share the chats (webhook workers), and
  the first time a user is seen otherwise (one polling process is the only one
  that moves its chats on, so what it holds in memory is current);
* :meth:`SqlPersistence.after` writes back what this update changed, in one
  write transaction, and nothing when nothing changed.

``user_data`` is stored as tagged JSON (tuples, dates and times, decimals and
non-string keys survive; pickle is not used, so the database never holds code).
What is derived per update (who is asking, their texts, the provider acted for)
lives on the update's context (``conversations.context.BotContext``), never here.
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
#: PTB's own periodic flush finds nothing left to write (``after`` wrote it), so
#: it may run rarely; it still runs once when the application stops.
FLUSH_INTERVAL_SECONDS = 3600
_UNKNOWN = object()


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
    """``user_data`` as text; ``None`` when it is empty."""
    return json.dumps(_tag(data), separators=(",", ":")) if data else None


def decode_user_data(text: str) -> dict[Any, Any]:
    return _untag(json.loads(text))  # type: ignore[no-any-return]


def conversation_key(key: tuple[int | str, ...]) -> str:
    return ":".join(str(part) for part in key)


def _key_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(":"))


class SqlPersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, store: TelegramStateStore, *, shared: bool = False) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=FLUSH_INTERVAL_SECONDS,
        )
        self._store = store
        self._shared = shared
        # What the database holds, as last read or written here, so that an
        # unchanged value is never written again.
        self._stored_user_data: dict[int, str | None] = {}
        self._stored_states: dict[tuple[str, str], object | None] = {}
        # Read by ``before`` for the update about to run; applied by refresh_user_data.
        self._fresh_user_data: dict[int, str | None] = {}

    @property
    def store(self) -> TelegramStateStore:
        return self._store

    # -- one update's own user and chat -------------------------------------------------

    async def before(self, application: Application, update: object) -> None:
        """Bring this update's user_data and conversation states up to date from the database."""
        if not isinstance(update, Update) or update.effective_user is None:
            return
        user_id = update.effective_user.id
        keyed = [(h, key) for h in _shared_conversations(application) if (key := h.key_of(update)) is not None]
        wanted = [(h.name, conversation_key(key)) for h, key in keyed]
        if not self._shared and user_id in self._stored_user_data and all(
            where in self._stored_states for where in wanted
        ):
            return  # this process is the only one moving its chats on: memory is current
        data, states = await self._store.chat_state(user_id, wanted)  # type: ignore[arg-type]
        self._stored_user_data[user_id] = self._fresh_user_data[user_id] = data
        for (handler, key), where in zip(keyed, wanted):
            state = states.get(where)
            self._stored_states[where] = state
            handler.restore(key, state)

    async def after(self, application: Application, update: object) -> None:
        """Write back at once what this update changed: the next may reach another process."""
        if not isinstance(update, Update) or update.effective_user is None:
            return
        user_id = update.effective_user.id
        encoded = encode_user_data(application.user_data.get(user_id) or {})
        data_changed = self._stored_user_data.get(user_id, _UNKNOWN) != encoded
        changed_states = []
        for handler in _shared_conversations(application):
            key = handler.key_of(update)
            if key is None:
                continue
            where = (handler.name, conversation_key(key))
            state = handler.state_of(key)
            if where not in self._stored_states or self._stored_states[where] != state:
                changed_states.append((*where, state))
        if not data_changed and not changed_states:
            return
        await self._store.save_chat_state(user_id, encoded, changed_states, user_data=data_changed)
        if data_changed:
            self._stored_user_data[user_id] = encoded
        for name, key, state in changed_states:
            self._stored_states[(name, key)] = state

    # -- PTB's hooks ----------------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}  # loaded per user by ``before``, never all at once

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        if user_id in self._fresh_user_data:
            stored = self._fresh_user_data.pop(user_id)
        elif self._shared or user_id not in self._stored_user_data:
            stored = self._stored_user_data[user_id] = await self._store.user_data(user_id)
        else:
            return
        user_data.clear()
        if stored is not None:
            try:
                user_data.update(decode_user_data(stored))
            except (ValueError, TypeError, KeyError):
                log.warning("unreadable stored user_data of user %s dropped", user_id)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        encoded = encode_user_data(data)
        if user_id in self._stored_user_data and self._stored_user_data[user_id] == encoded:
            return
        await self._store.set_user_data(user_id, encoded)
        self._stored_user_data[user_id] = encoded

    async def drop_user_data(self, user_id: int) -> None:
        await self._store.set_user_data(user_id, None)
        self._stored_user_data[user_id] = None

    async def get_conversations(self, name: str) -> dict[tuple[int, ...], object]:
        return {}  # read per key by ``before``: nothing grows with the number of chats at start

    async def update_conversation(self, name: str, key: tuple[int | str, ...], new_state: object | None) -> None:
        where = (name, conversation_key(key))
        if where in self._stored_states and self._stored_states[where] == new_state:
            return
        await self._store.set_conversation(*where, new_state)  # type: ignore[arg-type]
        self._stored_states[where] = new_state

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

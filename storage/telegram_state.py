"""What the Telegram side keeps between updates, in the database every bot process shares.

Conversation states, ``user_data`` (as text the caller encodes) and the ids of
updates already taken in. These are read and written around every update
(webhook workers: the seen id, the chat's lease and its state, four times an
update), so the hot ones are statements sent straight to the driver
(``storage/driver_sql.py``): on PostgreSQL each is one statement on its own,
atomic without a ``BEGIN``/``COMMIT`` round trip and, being decided by its own
row's key, under no global lock; on SQLite they run in a
``begin_keyed_write`` transaction, so the process's single writer is respected
here as everywhere.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Boolean, String, Text, delete
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.driver_sql import DriverStatement, statement_connection, transaction_connection
from storage.orm import UpdateSeenRow, UTCDateTime
from storage.unit_of_work import SqlUnitOfWork

_NOW = UTCDateTime()
# (name, key, state) triples travel as one JSON array: any number in one statement.
_STATES_PG = """SELECT x.name, x.conversation_key, x.state
  FROM json_to_recordset(CAST(:states AS json)) AS x(name text, conversation_key text, state int)"""
_STATES_SQLITE = """SELECT json_extract(j.value, '$.name') AS name,
       json_extract(j.value, '$.conversation_key') AS conversation_key,
       json_extract(j.value, '$.state') AS state
  FROM json_each(:states) AS j"""

_READ_STATE = DriverStatement(
    lambda dialect: f"""
SELECT (SELECT d.data FROM tg_user_data d WHERE d.user_id = :user_id),
       c.name, c.conversation_key, c.state
  FROM (SELECT 1) AS one
  LEFT JOIN tg_conversations c
    ON (c.name, c.conversation_key) IN (
       SELECT s.name, s.conversation_key FROM ({_STATES_PG if dialect == "postgresql" else _STATES_SQLITE}) AS s)
""",
    user_id=BigInteger(), states=Text(),
)

# PostgreSQL: the whole write in one statement (data-modifying CTEs are one transaction).
_SAVE_PG = DriverStatement(f"""
WITH s AS ({_STATES_PG}),
put_states AS (
  INSERT INTO tg_conversations (name, conversation_key, state, updated_at)
  SELECT name, conversation_key, state, :now FROM s WHERE state IS NOT NULL
  ON CONFLICT (name, conversation_key)
  DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at),
drop_states AS (
  DELETE FROM tg_conversations c USING s
   WHERE s.state IS NULL AND c.name = s.name AND c.conversation_key = s.conversation_key),
put_data AS (
  INSERT INTO tg_user_data (user_id, data, updated_at)
  SELECT :user_id, CAST(:data AS text), :now
   WHERE CAST(:write_data AS boolean) AND CAST(:data AS text) IS NOT NULL
  ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at),
drop_data AS (
  DELETE FROM tg_user_data
   WHERE CAST(:write_data AS boolean) AND CAST(:data AS text) IS NULL AND user_id = :user_id)
SELECT 1
""", states=Text(), now=_NOW, user_id=BigInteger(), data=Text(), write_data=Boolean())
# SQLite: the same, statement by statement, inside the writer's transaction.
_PUT_STATES_SQLITE = DriverStatement(f"""
INSERT INTO tg_conversations (name, conversation_key, state, updated_at)
SELECT name, conversation_key, state, :now FROM ({_STATES_SQLITE}) WHERE state IS NOT NULL
ON CONFLICT (name, conversation_key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
""", states=Text(), now=_NOW)
_DROP_STATES_SQLITE = DriverStatement(f"""
DELETE FROM tg_conversations
 WHERE (name, conversation_key) IN (
   SELECT name, conversation_key FROM ({_STATES_SQLITE}) WHERE state IS NULL)
""", states=Text())
_PUT_DATA_SQLITE = DriverStatement("""
INSERT INTO tg_user_data (user_id, data, updated_at) VALUES (:user_id, :data, :now)
ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
""", user_id=BigInteger(), data=Text(), now=_NOW)
_DROP_DATA_SQLITE = DriverStatement(
    "DELETE FROM tg_user_data WHERE user_id = :user_id", user_id=BigInteger()
)

_TAKE_CHAT = DriverStatement("""
INSERT INTO tg_chat_leases (chat_id, holder, expires_at) VALUES (:chat_id, :holder, :until)
ON CONFLICT (chat_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
 WHERE tg_chat_leases.expires_at < :now
RETURNING chat_id
""", chat_id=BigInteger(), holder=String(), until=_NOW, now=_NOW)
_RELEASE_CHAT = DriverStatement(
    "DELETE FROM tg_chat_leases WHERE chat_id = :chat_id AND holder = :holder RETURNING chat_id",
    chat_id=BigInteger(), holder=String(),
)
_FIRST_SIGHTING = DriverStatement("""
INSERT INTO tg_updates_seen (update_id, seen_at) VALUES (:update_id, :now)
ON CONFLICT (update_id) DO NOTHING
RETURNING update_id
""", update_id=BigInteger(), now=_NOW)


def _states_json(states: list[tuple[str, str, int | None]]) -> str:
    return json.dumps([{"name": n, "conversation_key": k, "state": s} for n, k, s in states])


class TelegramStateStore:
    def __init__(self, uow: Callable[[], SqlUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    # -- one update's own user and chat, read and written together --------------------

    @asynccontextmanager
    async def _keyed_write(self) -> AsyncIterator[AsyncConnection]:
        """Where one keyed write runs: PostgreSQL, a pooled connection for a single
        statement (its own transaction); SQLite, the single writer's transaction,
        committed when the block ends."""
        async with self._uow() as unit:
            if unit.session.bind.dialect.name != "sqlite":
                async with statement_connection(unit.session) as connection:
                    yield connection
                return
            await unit.begin_keyed_write()
            yield await transaction_connection(unit.session)
            await unit.commit()

    async def chat_state(
        self, user_id: int, conversations: list[tuple[str, str]]
    ) -> tuple[str | None, dict[tuple[str, str], int]]:
        """The user's stored user_data and the stored states of these (name, key) pairs."""
        async with self._uow() as unit, statement_connection(unit.session) as connection:
            found = await _READ_STATE.fetchall(
                connection, user_id=user_id,
                states=_states_json([(name, key, None) for name, key in conversations]),
            )
        data = found[0][0] if found else None
        return data, {(name, key): state for _data, name, key, state in found if name is not None}

    async def save_chat_state(
        self,
        user_id: int | None,
        data: str | None,
        states: list[tuple[str, str, int | None]],
        *,
        user_data: bool = True,
    ) -> None:
        """One write: the user's data (when ``user_data``) and these states."""
        if user_data and user_id is None:
            raise ValueError("whose user_data is this?")
        now, encoded = self._clock(), _states_json(states)
        async with self._keyed_write() as connection:
            if connection.dialect.name != "sqlite":
                await _SAVE_PG.fetchone(
                    connection, states=encoded, now=now, user_id=user_id, data=data,
                    write_data=user_data,
                )
                return
            if user_data and data is None:
                await _DROP_DATA_SQLITE.fetchone(connection, user_id=user_id)
            elif user_data:
                await _PUT_DATA_SQLITE.fetchone(connection, user_id=user_id, data=data, now=now)
            if any(state is None for _n, _k, state in states):
                await _DROP_STATES_SQLITE.fetchone(connection, states=encoded)
            if any(state is not None for _n, _k, state in states):
                await _PUT_STATES_SQLITE.fetchone(connection, states=encoded, now=now)

    # -- one of them alone (PTB's own persistence hooks) -----------------------------------

    async def set_conversation(self, name: str, key: str, state: int | None) -> None:
        await self.save_chat_state(None, None, [(name, key, state)], user_data=False)

    async def user_data(self, user_id: int) -> str | None:
        data, _states = await self.chat_state(user_id, [])
        return data

    async def set_user_data(self, user_id: int, data: str | None) -> None:
        await self.save_chat_state(user_id, data, [])

    # -- one process per chat at a time -------------------------------------------------

    async def take_chat(self, chat_id: int, holder: str, lease: timedelta) -> bool:
        """Lease the chat to ``holder`` unless another holder's lease is still running."""
        now = self._clock()
        async with self._keyed_write() as connection:
            taken = await _TAKE_CHAT.fetchone(
                connection, chat_id=chat_id, holder=holder, until=now + lease, now=now
            )
        return taken is not None

    async def release_chat(self, chat_id: int, holder: str) -> None:
        async with self._keyed_write() as connection:
            await _RELEASE_CHAT.fetchone(connection, chat_id=chat_id, holder=holder)

    # -- updates seen -------------------------------------------------------------------

    async def first_sighting(self, update_id: int) -> bool:
        """``True`` the first time any process asks about ``update_id``, ``False`` after."""
        async with self._keyed_write() as connection:
            new = await _FIRST_SIGHTING.fetchone(connection, update_id=update_id, now=self._clock())
        return new is not None

    async def forget_update(self, update_id: int) -> None:
        """Processing failed: a redelivery of this update must be processed after all."""
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            await unit.session.execute(delete(UpdateSeenRow).where(UpdateSeenRow.update_id == update_id))
            await unit.commit()

    async def forget_updates_before(self, moment: datetime) -> int:
        """Telegram gives up redelivering within a day; older ids need not be kept."""
        async with self._uow() as unit:
            await unit.begin_keyed_write()
            result = await unit.session.execute(
                delete(UpdateSeenRow).where(UpdateSeenRow.seen_at < moment)
            )
            await unit.commit()
        return result.rowcount
